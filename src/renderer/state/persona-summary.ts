import type { PersonaInfoPayload } from '../../shared/persona-info';
import { presetReached, TRAINING_PRESETS } from '../../engine/common/training-presets';

/**
 * The persona's report in plain words for the panel; the figures behind each line
 * (reprojection error, PSNR, SSIM, the motion model's table) stay in "Details".
 */
export interface PersonaSummary {
  tracking?: string;
  fit?: string;
  blinks?: string;
  motion: string;
  renderer: string;
}

const duration = (s: number) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

export function personaSummary(info: PersonaInfoPayload): PersonaSummary {
  const r = info.report;
  const out: PersonaSummary = { motion: '', renderer: '' };
  if (r) {
    out.tracking = r.tracking.trackedPct >= 99.5 ? 'Face found in every frame' : `Face found in ${r.tracking.trackedPct.toFixed(0)} % of the frames`;
    const px = r.fit.reprojectionPx.median;
    out.fit = px < 1.5 ? 'The 3D face follows the footage closely' : px < 3 ? 'The 3D face follows the footage roughly' : 'The 3D face follows the footage poorly: a clearer, steadier video helps';
    out.blinks = `${r.blink.count} blink${r.blink.count === 1 ? '' : 's'} seen (${r.blink.ratePerMin.toFixed(0)} per minute)`;
  }
  const g = info.gan.training;
  out.motion = g
    ? `${g.done ? 'Trained' : 'Partly trained'}: ${g.step} steps in ${duration(g.seconds)}. Motion is learned from this person.`
    : 'Not trained: the motion is built in (works now; training makes it move like this person).';
  const t = info.renderer.training;
  if (t) {
    const reached = presetReached('renderer', t.steps);
    out.renderer = `Trained${reached ? ` (${TRAINING_PRESETS.renderer[reached].label.toLowerCase()})` : ''}: ${t.steps} steps in ${duration(t.trainSeconds)}.`;
  } else out.renderer = 'Not trained: exports are previews (the 3D face pasted onto your footage).';
  return out;
}
