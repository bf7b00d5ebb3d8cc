import type { Device, JobRequest, TrainingEstimatePayload } from '../../shared/contract';
import { DEFAULT_TRAINING_PRESET, TRAINING_PRESETS, TRAINING_PRESET_NAMES, expectedQuality, formatDuration, type TrainingJob, type TrainingPresetName } from '../../engine/common/training-presets';

/**
 * The training dialog: which job, which preset (a reducer, unit-tested), and for each
 * preset what it costs on this machine and what it gives.
 */
export interface TrainDialogState {
  job: TrainingJob;
  preset: TrainingPresetName;
}

export type TrainDialogAction = { type: 'preset'; preset: TrainingPresetName };

export function initialTrainDialog(job: TrainingJob): TrainDialogState {
  return { job, preset: DEFAULT_TRAINING_PRESET[job] };
}

export function trainDialogReducer(s: TrainDialogState, a: TrainDialogAction): TrainDialogState {
  return a.preset === s.preset ? s : { ...s, preset: a.preset };
}

export interface TrainChoice {
  preset: TrainingPresetName;
  label: string;
  steps: number;
  /** "about 8 min", "already done", with the basis of the estimate. */
  time: string;
  blurb: string;
  /** Renderer: what an export will look like after it. */
  quality?: string;
  done: boolean;
}

export function trainChoices(job: TrainingJob, estimate: TrainingEstimatePayload | undefined, footageS: number | undefined): TrainChoice[] {
  const e = estimate?.[job];
  // The mouth correction trains from scratch each time (nothing is "already done").
  const fresh = job === 'residual';
  return TRAINING_PRESET_NAMES.map((name) => {
    const p = TRAINING_PRESETS[job][name];
    const est = e?.presets.find((x) => x.preset === name);
    const done = !fresh && Boolean(est && est.remainingSteps === 0);
    const time = !est ? 'estimating…' : done ? 'already trained this far' : `${est.upTo ? 'up to ' : ''}${formatDuration(est.seconds)}${est.basis === 'typical' ? ' (typical; not measured here yet)' : ''}`;
    const quality = job === 'renderer' ? expectedQuality({ rendererSteps: p.steps, footageS }).detail.replace(/^The renderer trained /, 'After it: ') : undefined;
    return { preset: name, label: p.label, steps: p.steps, time, blurb: p.blurb, done, ...(quality ? { quality } : {}) };
  });
}

export function trainRequest(projectDir: string, personaId: string, s: TrainDialogState, device?: Device): JobRequest {
  const d = device ? { device } : {};
  if (s.job === 'residual') return { kind: 'residual.train', projectDir, personaId, preset: s.preset, ...d };
  return s.job === 'renderer' ? { kind: 'renderer.train', projectDir, personaId, preset: s.preset, ...d } : { kind: 'gan.train', projectDir, personaId, preset: s.preset, ...d };
}
