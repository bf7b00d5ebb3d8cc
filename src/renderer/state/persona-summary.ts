import type { GanVerdictSummary, PersonaInfoPayload } from '../../shared/persona-info';
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
  /** The mouth correction (residual G_r): trained or not, applied by exports or not, and why. */
  mouth: string;
}

const duration = (s: number) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

export function personaSummary(info: PersonaInfoPayload): PersonaSummary {
  const r = info.report;
  const out: PersonaSummary = { motion: '', renderer: '', mouth: '' };
  if (r) {
    out.tracking = r.tracking.trackedPct >= 99.5 ? 'Face found in every frame' : `Face found in ${r.tracking.trackedPct.toFixed(0)} % of the frames`;
    const px = r.fit.reprojectionPx.median;
    out.fit = px < 1.5 ? 'The 3D face follows the footage closely' : px < 3 ? 'The 3D face follows the footage roughly' : 'The 3D face follows the footage poorly: a clearer, steadier video helps';
    out.blinks = `${r.blink.count} blink${r.blink.count === 1 ? '' : 's'} seen (${r.blink.ratePerMin.toFixed(0)} per minute)`;
  }
  const g = info.gan.training;
  const v = info.gan.verdict;
  out.motion = info.gan.stale
    ? `Trained for an earlier version of the built-in motion, so the built-in motion is used until it is trained again (Train motion, from the start).`
    : g
    ? `${g.done ? 'Trained' : 'Partly trained'}: ${g.step} steps in ${duration(g.seconds)}. ${v ? motionVerdictSentence(v) : 'Motion is learned from this person.'}`
    : 'Not trained: the motion is built in (works now; training makes it move like this person).';
  const t = info.renderer.training;
  if (t) {
    const reached = presetReached('renderer', t.steps);
    out.renderer = `Trained${reached ? ` (${TRAINING_PRESETS.renderer[reached].label.toLowerCase()})` : ''}: ${t.steps} steps in ${duration(t.trainSeconds)}.`;
  } else if (info.synthesis?.fromFootage) out.renderer = 'Exports are made from your own footage (sharp, no training needed); training the renderer is optional.';
  else out.renderer = `Not trained, and exports cannot use the footage${info.synthesis?.why ? ` (${info.synthesis.why})` : ''}: they are previews (the 3D face pasted onto a frame).`;
  out.mouth = info.residual
    ? info.residual.why
    : 'Not trained: exports use your footage’s own mouths.';
  return out;
}

/**
 * Why each attribute is learned or built in, in one plain sentence: the trained model
 * is kept only where it did better than the built-in motion on speech held out from
 * training (gan/model.json's verdict).
 */
export function motionVerdictSentence(v: GanVerdictSummary): string {
  const w = v.expression?.weight ?? 1;
  const mouth = w >= 1 ? 'learned' : w <= 0 ? 'built-in' : 'built-in + learned';
  const attrs: [string, string][] = [['mouth', mouth], ['head motion', v.pose.learned ? 'learned' : 'built-in'], ['blinks', v.blinks.learned ? 'learned' : 'built-in']];
  const builtIn = attrs.filter(([, o]) => o === 'built-in').map(([a]) => a);
  const list = (a: string[]) => (a.length <= 1 ? a.join('') : `${a.slice(0, -1).join(', ')} and ${a[a.length - 1]}`);
  const held = `${v.frames.seconds.toFixed(0)} s of speech held out from training`;
  if (builtIn.length === attrs.length) return `On ${held}, what it learned did not beat the built-in motion, so the built-in ${list(builtIn)} are used (longer footage helps).`;
  const learned = attrs.filter(([, o]) => o === 'learned').map(([a]) => a);
  const bits = [
    learned.length ? `the ${list(learned)} ${learned.length === 1 && learned[0] !== 'blinks' ? 'is' : 'are'} learned` : '',
    mouth === 'built-in + learned' ? `the built-in mouth is refined by ${Math.round(w * 100)} % of what it learned` : '',
    builtIn.length ? `the built-in ${list(builtIn)} ${builtIn.length === 1 && builtIn[0] !== 'blinks' ? 'is' : 'are'} kept where learning did not beat it` : '',
  ].filter(Boolean);
  return `Judged on ${held}: ${bits.join('; ')}.`;
}
