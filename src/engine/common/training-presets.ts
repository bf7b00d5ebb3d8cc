/**
 * Training presets: draft / standard / best, for the training jobs (the rendering
 * network, the motion model FACIAL-GAN, and the residual G_r that corrects the mouth on
 * top of real pixels). This table is the one place that maps a
 * preset to training steps (and the motion model's patience for early stopping); the
 * contract, the CLI (`--preset`), the job kinds and the studio read it from here, so the
 * budget can be retuned in one edit. Also: a time estimate for this machine, and what
 * quality a preset and an amount of footage lead to, in plain words (export and training
 * dialogs). Pure code: the UI imports it.
 */

export type TrainingPresetName = 'draft' | 'standard' | 'best';
export type TrainingJob = 'renderer' | 'gan' | 'residual';

export const TRAINING_PRESET_NAMES: readonly TrainingPresetName[] = ['draft', 'standard', 'best'];

export interface TrainingPreset {
  name: TrainingPresetName;
  label: string;
  /** Steps in total (a resumed run continues up to this count). */
  steps: number;
  /** Motion model only: validations without improvement before it stops early. */
  patience?: number;
  /** Residual G_r only: wall-clock cap of one training loop, in seconds (it stops at the steps or the cap, whichever comes first). */
  maxSeconds?: number;
  /** One line for the training dialog: what this choice gives. */
  blurb: string;
}

export const TRAINING_PRESETS: Record<TrainingJob, Record<TrainingPresetName, TrainingPreset>> = {
  renderer: {
    draft: { name: 'draft', label: 'Draft', steps: 300, blurb: 'A first look in minutes: the face stays soft and the mouth blurry.' },
    standard: { name: 'standard', label: 'Standard', steps: 1500, blurb: 'Sharper face and mouth; worth it once the motion looks right.' },
    best: { name: 'best', label: 'Best', steps: 5000, blurb: 'The sharpest this machine can do; leave it running (a GPU is much faster).' },
  },
  gan: {
    draft: { name: 'draft', label: 'Draft', steps: 300, patience: 4, blurb: 'Learns the broad rhythm of the head and face quickly.' },
    standard: { name: 'standard', label: 'Standard', steps: 2000, patience: 8, blurb: 'Learns the person’s own motion style; stops early once it stops improving.' },
    best: { name: 'best', label: 'Best', steps: 6000, patience: 16, blurb: 'Keeps learning longer before it gives up improving.' },
  },
  // The residual G_r (docs/rendering.md 5b): one architecture (RESIDUAL_CONFIGS.draft) for
  // all three, so one measured speed serves them and every model of them has one identity;
  // the studio trains it twice per run (held-out check, then the persona's own) with these.
  residual: {
    draft: { name: 'draft', label: 'Draft', steps: 1200, maxSeconds: 540, blurb: 'A first correction of the mouth’s shading and colour in minutes.' },
    standard: { name: 'standard', label: 'Standard', steps: 3000, maxSeconds: 1500, blurb: 'Learns the mouth longer; more likely to beat your footage’s own mouths.' },
    best: { name: 'best', label: 'Best', steps: 8000, maxSeconds: 4200, blurb: 'The longest this machine is asked to train it; leave it running.' },
  },
};

/** When none is named: the budgets the jobs had before presets (renderer 300 steps, motion model 2000, residual 1200 / 9 min). */
export const DEFAULT_TRAINING_PRESET: Record<TrainingJob, TrainingPresetName> = { renderer: 'draft', gan: 'standard', residual: 'draft' };

export function isTrainingPresetName(s: string): s is TrainingPresetName {
  return (TRAINING_PRESET_NAMES as readonly string[]).includes(s);
}

/** The preset a finished training reached (the largest whose steps it did), or undefined below draft. */
export function presetReached(job: TrainingJob, steps: number): TrainingPresetName | undefined {
  let reached: TrainingPresetName | undefined;
  for (const name of TRAINING_PRESET_NAMES) if (steps >= TRAINING_PRESETS[job][name].steps) reached = name;
  return reached;
}

/**
 * The residual G_r's figures (docs/rendering.md 5b): seconds per step of the draft
 * network (160 px crop, batch 4, with its flow head at 1/8), and per footage frame the
 * training pairs (re-made by retrieval and cropped) and the held-out check (the evaluation
 * persona and scoring). Measured on the AOC clip (200 frames) on the shared 2-core machine,
 * `train residual --steps 250` under `nice` with other work running: 0.41 s/step with the
 * displacement at 1/8, 0.51 at 1/4, whose 1200 steps took 268 s quiet and 360 s under
 * load (0.22 / 0.30 s/step); scaled by 0.41/0.51: about 0.25. `eval --synthesis` with its
 * held-out mouth-following check (the test part made with two sets of curves, each encoded
 * and tracked with and without the residual): AOC 37 s for 200 frames, vertical 1080x1920
 * 186 s for 502 frames (load 2-4): about 0.3 s/frame.
 */
const RESIDUAL_TYPICAL_SECONDS_PER_STEP = 0.25;
export const RESIDUAL_PAIR_SECONDS_PER_FRAME = 0.035;
export const RESIDUAL_EVAL_SECONDS_PER_FRAME = 0.3;
/** Building the evaluation persona (fits only; the footage's track is reused): per footage frame. */
export const EVALUATION_PERSONA_SECONDS_PER_FRAME = 0.025;

/**
 * Seconds per step on a 2-core CPU with the default configurations (renderer cpu-small
 * at 256 px; FACIAL-GAN window 64, batch 16), and the fixed cost of a run (preparing
 * frames, compiling, scoring held-out frames): the estimate until this machine has
 * trained once. Measured with `npm run bench` and a 20-step run under other load.
 */
export const TYPICAL_SECONDS_PER_STEP: Record<TrainingJob, number> = { renderer: 1.4, gan: 1.7, residual: RESIDUAL_TYPICAL_SECONDS_PER_STEP };
export const RUN_OVERHEAD_SECONDS: Record<TrainingJob, number> = { renderer: 60, gan: 20, residual: 15 };

export interface MachineSpeed {
  /** Seconds per training step measured here (last run), when there was one. */
  secondsPerStep?: number;
  /** CPU cores, to scale the typical figure when nothing was measured. */
  cores: number;
}

export interface TrainingEstimate {
  preset: TrainingPresetName;
  steps: number;
  /** Steps still to do (training resumes from what is done). */
  remainingSteps: number;
  seconds: number;
  /** measured: from a training run on this machine; typical: the 2-core figure scaled by cores. */
  basis: 'measured' | 'typical';
  /** The motion model may stop earlier when it stops improving. */
  upTo: boolean;
}

/** Time to train `job` to a preset on this machine, given the steps done already. */
export function estimateTraining(job: TrainingJob, preset: TrainingPresetName, speed: MachineSpeed, doneSteps = 0): TrainingEstimate {
  const p = TRAINING_PRESETS[job][preset];
  const measured = speed.secondsPerStep !== undefined && speed.secondsPerStep > 0 && Number.isFinite(speed.secondsPerStep);
  // Without a measurement: the 2-core figure, faster with more cores (not linearly).
  const perStep = measured ? speed.secondsPerStep! : TYPICAL_SECONDS_PER_STEP[job] * Math.min(1, Math.max(0.3, Math.pow(2 / Math.max(1, speed.cores), 0.7)));
  const remainingSteps = Math.max(0, p.steps - Math.max(0, Math.floor(doneSteps)));
  const loop = Math.min(remainingSteps * perStep, p.maxSeconds ?? Infinity);
  const seconds = remainingSteps === 0 ? 0 : RUN_OVERHEAD_SECONDS[job] + loop;
  return { preset, steps: p.steps, remainingSteps, seconds, basis: measured ? 'measured' : 'typical', upTo: job === 'gan' || loop < remainingSteps * perStep };
}

/**
 * The studio's mouth-correction run (export/residual-flow.ts) at a preset: the held-out
 * check (a residual trained on the evaluation persona, i.e. the first 60 % of the frames,
 * then scored on the rest) and, only where it wins, the persona's own residual on all
 * frames. Both trainings get the whole preset, so what is applied is what was checked.
 * "Up to": the second training runs only if the check says the correction wins.
 */
export function estimateResidualFlow(preset: TrainingPresetName, speed: MachineSpeed, footageFrames: number): TrainingEstimate {
  const one = estimateTraining('residual', preset, speed);
  const frames = Math.max(0, footageFrames);
  const training = (n: number) => one.seconds + RESIDUAL_PAIR_SECONDS_PER_FRAME * n;
  const seconds = training(0.6 * frames) + RESIDUAL_EVAL_SECONDS_PER_FRAME * frames + training(frames);
  return { ...one, seconds, upTo: true };
}

/** "about 7 min", "about 1 h 20 min", "under a minute". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  const min = Math.round(seconds / 60);
  if (min < 60) return `about ${min} min`;
  // Past an hour, to the nearest ten minutes.
  const tens = Math.round(min / 10);
  const h = Math.floor(tens / 6);
  const m = (tens % 6) * 10;
  return m ? `about ${h} h ${m} min` : `about ${h} h`;
}

/** The studio asks for 1-5 minutes of footage of the person. */
export const FOOTAGE_GOOD_S = 60;
export const FOOTAGE_MAX_USEFUL_S = 300;

export interface FootageAdvice {
  level: 'short' | 'ok' | 'long';
  /** Plain words for the persona panel and the training dialog; undefined when nothing needs saying. */
  message?: string;
  /** The same in one line, for the media bin. */
  brief?: string;
}

/** What to tell the user about the length of a reference video. */
export function footageAdvice(durationS: number): FootageAdvice {
  const len = durationS < 90 ? `${Math.round(durationS)} s` : `${Math.round(durationS / 60)} min`;
  if (durationS < FOOTAGE_GOOD_S) {
    return {
      level: 'short',
      message: `Only ${len} of footage: the studio learns a face best from 1–5 minutes of the person speaking. With this clip there are fewer mouth shapes and head poses to draw from, and the motion learned from it stays close to the built-in one.`,
      brief: `Only ${len} of footage: 1–5 minutes give a sharper, truer result.`,
    };
  }
  if (durationS > FOOTAGE_MAX_USEFUL_S * 2) return { level: 'long', message: `${len} of footage: building and training take longer; 1–5 minutes is enough.`, brief: `${len}: longer than needed (1–5 minutes is enough).` };
  return { level: 'ok' };
}

export interface QualityInput {
  /** Steps the rendering network was trained (undefined: never trained). */
  rendererSteps?: number;
  /** Duration of the footage the persona was built from. */
  footageS?: number;
  /** Exports are built from real frames of the footage (the default when the footage is at hand). */
  fromFootage?: boolean;
  /** The persona has not been read yet: say so rather than guess (a guess of "preview" would be wrong most of the time). */
  pending?: boolean;
}

export interface QualityExpectation {
  level: 'checking' | 'footage' | 'preview' | TrainingPresetName | 'partial';
  headline: string;
  detail: string;
  /** What would make it better, when something would. */
  advice?: string;
}

/** What the exported video will look like, from how the renderer was trained and how much footage it had. */
export function expectedQuality(q: QualityInput): QualityExpectation {
  const footage = q.footageS !== undefined ? footageAdvice(q.footageS) : undefined;
  const short = footage?.level === 'short';
  const len = q.footageS !== undefined ? (q.footageS < 90 ? `${Math.round(q.footageS)} s` : `${Math.round(q.footageS / 60)} min`) : undefined;
  if (q.pending) return { level: 'checking', headline: 'Checking the persona…', detail: 'Reading whether its footage is at hand and how its renderer was trained.' };
  if (q.fromFootage) {
    return {
      level: 'footage',
      headline: 'Your own footage, sharp',
      detail: 'Every frame is built from real frames of your footage: the head, hair and background come from the frame whose pose matches the motion, the mouth and eyes from the frames that match each sound and blink. No training is needed; a trained renderer is used only where it beats your footage on frames it never saw.',
      ...(short ? { advice: `More footage (1–5 minutes; this persona has ${len}) gives more mouth shapes to choose from.` } : {}),
    };
  }
  if (q.rendererSteps === undefined || q.rendererSteps <= 0) {
    return {
      level: 'preview',
      headline: 'Preview quality',
      detail: 'The footage this persona was built from is not at hand and no renderer is trained, so the export pastes the textured 3D face onto a frame: useful to check timing and motion, not a finished video. The file name says “preview”.',
      advice: 'Rebuild the persona from its video, or train the renderer (Persona panel), for a realistic face.',
    };
  }
  const reached = presetReached('renderer', q.rendererSteps);
  const level = reached ?? 'partial';
  const label = reached ? TRAINING_PRESETS.renderer[reached].label : 'Part of a draft';
  const what =
    level === 'best' ? 'the sharpest face this training gives' : level === 'standard' ? 'a face close to the footage, slightly soft around the mouth' : 'a soft face and a blurry mouth, like a rough cut';
  const detail = `The renderer trained ${q.rendererSteps} steps (${label.toLowerCase()})${len ? ` on ${len} of footage` : ''}: expect ${what}.`;
  const advice = [
    level !== 'best' ? `Train longer (${level === 'standard' ? 'Best' : 'Standard or Best'}) for a sharper face.` : undefined,
    short ? `More footage (1–5 minutes; this persona has ${len}) helps most.` : undefined,
  ].filter(Boolean).join(' ');
  return { level, headline: `${label} quality`, detail, ...(advice ? { advice } : {}) };
}
