/**
 * Training the residual G_r (residual-net.ts) on a persona's own frames, and running it.
 *
 * Training pairs: for each frame t the persona was fitted on, the retrieval synthesis of t
 * made from t's own tracked parameters on t's own frame, with its mouth taken from a donor
 * outside t's neighbourhood (|k − t| > exclude: the network must learn to correct a
 * donor's mismatch, not to copy the frame back), and the real frame t as the target.
 * Cropped about the mouth (residual-crop.ts). Trained with L1 + (1 − SSIM) of the
 * composite, on the neural engine, as named stages.
 *
 * `<persona>/residual/`: residual.json (ResidualInfo), model.onnx ('input' → 'delta').
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { fittedFrames, loadPersona, loadPersonaLandmarks, type Persona } from '../persona';
import { mouthOpening } from '../persona/expression-basis';
import { InferenceRunner, ParameterStore, Trainer, adam, exportInference, type ProviderChoice } from '../nn';
import { Rng, std, type Segment } from '../common/numeric';
import { RESIDUAL_PAIR_SECONDS_PER_FRAME, TYPICAL_SECONDS_PER_STEP } from '../common/training-presets';
import { RawFrameStream } from '../media/raw-frame-stream';
import { ConditioningRenderer } from '../render/conditioning';
import { loadPersonaTexture } from '../render/dataset';
import { UserError, throwIfCancelled } from '../util/errors';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import type { RunOptions } from '../util/progress';
import { StageRunner } from '../util/stages';
import { PARAM_COUNT, POSE_COUNT } from '../../shared/facial-params';
import { lipBasis, lipShapes, trackedLipShapes } from './face-regions';
import { footageMouths } from './mouth-sharpness';
import { DEFAULT_PLAN_WEIGHTS, planMouthFrames, type RetrievalPlan } from './retrieval-plan';
import { collectDonors, RetrievalSynthesizer } from './retrieval-synth';
import { STACK_PLANES, addCorrection, conditioningParams, fillStack, mouthCrop, sampleCrop, stackToInput } from './residual-crop';
import {
  RESIDUAL_CONFIGS, RESIDUAL_INPUT_CHANNELS, buildResidualInferenceGraph, buildResidualTrainGraph, checkResidualConfig, isResidualConfigName, residualIdentity,
  type ResidualConfigName, type ResidualNetConfig,
} from './residual-net';

export const RESIDUAL_DIR = 'residual';
export const RESIDUAL_FILES = { info: 'residual.json', model: 'model.onnx' } as const;
export const RESIDUAL_FORMAT_VERSION = 1;

export interface ResidualInfo {
  formatVersion: number;
  identity: string;
  personaId: string;
  config: ResidualNetConfig;
  steps: number;
  trainSeconds: number;
  /** Frames [start, end) the pairs were made of, and the neighbourhood a donor was kept out of. */
  trainFrames: [number, number];
  exclude: number;
  /** The budget it was asked for (absent in files written before it): a run stopped by the time cap has fewer `steps`. */
  budget?: { steps: number; maxSeconds: number };
  /**
   * Where each pair's frame around the mouth came from: 'own' (the target frame itself; also
   * models trained before this field existed) or 'pose-neighbour' (another frame of the
   * nearest head pose, as in an export).
   */
  pairSource?: PairSource;
  /** Mean loss (L1 + 1 − SSIM) over the first and the last 10 % of the steps. */
  loss: { first: number; last: number };
  provider: string;
  createdAt: string;
}

/** See ResidualInfo.pairSource. */
export type PairSource = 'pose-neighbour' | 'own';

export interface TrainResidualOptions extends RunOptions {
  /**
   * Default 'own': each frame re-made on its own pixels. 'pose-neighbour' makes it on the
   * frame of the nearest head pose, as an export would; measured no better on held-out
   * frames or in exports (docs/rendering.md), kept to compare.
   */
  pairSource?: PairSource;
  config?: ResidualConfigName | ResidualNetConfig;
  /** Steps to run (default: the configuration's, 1200 for draft); training also stops at `maxSeconds`. */
  steps?: number;
  /** Wall-clock budget of the training loop (default 540 s: the draft preset's 10 minutes with the pairs). */
  maxSeconds?: number;
  /** A donor of frame t is at least this many frames away from it (default 8). */
  exclude?: number;
  /** Frames to make pairs of (default: the frames the persona was fitted on). */
  frames?: Segment;
  device?: ProviderChoice;
  threads?: number;
  seed?: number;
  log?: (line: string) => void;
}

export const RESIDUAL_TRAIN_STAGES = { pairs: 15, train: 80, save: 5 };

/** Stage weights from the measured typical figures (docs/rendering.md 5b), so the ETA holds: pairs scale with the frames, training with the steps up to its time cap. */
export function residualTrainWeights(frames: number, steps: number, maxSeconds: number): typeof RESIDUAL_TRAIN_STAGES {
  return { pairs: RESIDUAL_PAIR_SECONDS_PER_FRAME * frames, train: Math.min(steps * TYPICAL_SECONDS_PER_STEP.residual, maxSeconds), save: 1 };
}

export function residualPath(personaDir: string, f: keyof typeof RESIDUAL_FILES): string {
  return path.join(personaDir, RESIDUAL_DIR, RESIDUAL_FILES[f]);
}

/** residual.json of a persona, or undefined when none was trained. */
export async function readResidualInfo(personaDir: string): Promise<ResidualInfo | undefined> {
  const file = residualPath(personaDir, 'info');
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(await fs.readFile(file, 'utf8')) as ResidualInfo;
    if (info.formatVersion > RESIDUAL_FORMAT_VERSION) throw new Error('newer format');
    const config = checkResidualConfig(info.config);
    if (typeof config === 'string') throw new Error(`its configuration is not valid: ${config}`);
    if (info.identity !== residualIdentity(config)) throw new Error('its identity does not match its configuration');
    return { ...info, config };
  } catch (err) {
    throw new UserError('residual-info-damaged', `${file} cannot be read (${(err as Error).message}).`, { file, hint: 'Train it again (facial-studio train residual --persona DIR).' });
  }
}

/** What the donor choice reads: the footage's parameters [T*71], lip shapes of its fitted and tracked mouths, mouth sharpness. */
export interface DonorChoiceInput {
  footage: Float32Array;
  /** [T*lipDims] the model's lip shape of each frame's parameters (what the curves ask for). */
  curveLips: Float32Array;
  /** [T*lipDims] the tracked lip shape of each frame (what its pixels show). */
  footageLips: Float32Array;
  lipDims: number;
  sharpness?: ArrayLike<number>;
  /** Inner-lip gap (mm) of the neutral shape: the mouth path's gap term, as the export plans it (prepare.ts). */
  neutralLipGap?: number;
}

/**
 * The mouth donor of each training frame: chosen as the export chooses mouths (lip shape,
 * pose, sharpness; planMouthFrames), one frame at a time, among `frames` less the frame's
 * own neighbourhood |k − t| <= exclude.
 */
export function pickTrainingDonors(inp: DonorChoiceInput, frames: Segment, exclude: number): Int32Array {
  const T = inp.footage.length / PARAM_COUNT, d = inp.lipDims;
  const out = new Int32Array(frames.end - frames.start);
  const donors = new Array<boolean>(T);
  for (let t = frames.start; t < frames.end; t++) {
    let any = false;
    for (let k = 0; k < T; k++) any = (donors[k] = k >= frames.start && k < frames.end && Math.abs(k - t) > exclude) || any;
    if (!any) throw new UserError('residual-too-few-frames', `Too few frames (${frames.end - frames.start}) to keep donors ${exclude} frames away.`, { hint: 'Use a longer clip or a smaller --exclude.' });
    out[t - frames.start] = planMouthFrames({
      curves: inp.footage.slice(t * PARAM_COUNT, (t + 1) * PARAM_COUNT), footage: inp.footage,
      curveLips: inp.curveLips.slice(t * d, (t + 1) * d), footageLips: inp.footageLips, lipDims: d, rate: 1, donors, mouthSharpness: inp.sharpness, neutralLipGap: inp.neutralLipGap,
    }, Int32Array.of(t), DEFAULT_PLAN_WEIGHTS)[0];
  }
  return out;
}

/** pickTrainingDonors on a persona's footage. */
export function trainingDonors(persona: Persona, landmarks: Float32Array, frames: Segment, exclude: number, sharpness?: ArrayLike<number>): Int32Array {
  const lb = lipBasis(persona.model);
  return pickTrainingDonors({
    footage: persona.params, curveLips: lipShapes(persona.params, persona.frameCount, lb),
    footageLips: trackedLipShapes(persona.model, persona.camera, landmarks, persona.frameCount), lipDims: lb.dims, sharpness,
    neutralLipGap: mouthOpening(persona.model.neutral),
  }, frames, exclude);
}

/**
 * The source frame of each training frame t: the frame of the nearest head pose (the six
 * pose channels, each in units of its spread) at least `exclude` frames away. An export
 * picks its source frames by pose and never for their mouth, so the jaw, cheeks and chin
 * around the mouth do not tell the mouth's state, where a pair made on t's own frame lets
 * the network read the answer there. Measured: no better in exports and lower on held-out
 * frames than pairs on the own frame (docs/rendering.md), so 'own' stays the default.
 */
export function pickTrainingSources(footage: Float32Array, frames: Segment, exclude: number): Int32Array {
  const n = frames.end - frames.start;
  const spread = Array.from({ length: POSE_COUNT }, (_, c) => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = footage[(frames.start + i) * PARAM_COUNT + c];
    return std(x) || 1;
  });
  const out = new Int32Array(n);
  for (let t = frames.start; t < frames.end; t++) {
    let best = -1, bestD = Infinity;
    for (let k = frames.start; k < frames.end; k++) {
      if (Math.abs(k - t) <= exclude) continue;
      let d = 0;
      for (let c = 0; c < POSE_COUNT; c++) d += ((footage[k * PARAM_COUNT + c] - footage[t * PARAM_COUNT + c]) / spread[c]) ** 2;
      if (d < bestD) { bestD = d; best = k; }
    }
    if (best < 0) throw new UserError('residual-too-few-frames', `Too few frames (${n}) to keep sources ${exclude} frames away.`, { hint: 'Use a longer clip or a smaller --exclude.' });
    out[t - frames.start] = best;
  }
  return out;
}

/** 2-D points [478*2] of footage frame t from its tracked landmarks (x, y, z per point). */
function framePoints(landmarks: Float32Array, t: number): Float32Array {
  const N = 478, out = new Float32Array(N * 2);
  for (let v = 0; v < N; v++) { out[v * 2] = landmarks[(t * N + v) * 3]; out[v * 2 + 1] = landmarks[(t * N + v) * 3 + 1]; }
  return out;
}

/** Training pairs at the network's size: input stacks [n, 8, S, S] and real crops [n, 3, S, S], uint8. */
export interface ResidualPairs {
  frames: Segment;
  donors: Int32Array;
  stacks: Uint8Array;
  real: Uint8Array;
  size: number;
}

/**
 * Re-makes each training frame t by retrieval, as an export would: on its source frame
 * (t itself by default; with 'pose-neighbour' pickTrainingSources' frame), with its donor's mouth, to t's tracked
 * parameters. The target is t's real mouth inside the correction's mask, and the made
 * frame outside it (where the correction changes nothing, so nothing is asked there).
 * Two passes over the footage: donors, then sources and targets.
 */
export async function buildResidualPairs(persona: Persona, landmarks: Float32Array, frames: Segment, exclude: number, S: number, opts: RunOptions & { pairSource?: PairSource } = {}): Promise<ResidualPairs> {
  const W = persona.camera.width, H = persona.camera.height, n = frames.end - frames.start;
  const sharp = (await footageMouths(persona, landmarks, { signal: opts.signal })).sharpness;
  const donors = trainingDonors(persona, landmarks, frames, exclude, sharp);
  const own = opts.pairSource !== 'pose-neighbour';
  const source = own ? Int32Array.from({ length: n }, (_, i) => frames.start + i) : pickTrainingSources(persona.params, frames, exclude);
  const plan: RetrievalPlan = { source, mouth: donors, eyes: source, eyeGain: new Float32Array(n), sourceJumps: 0, sourceSteps: [] };
  const curves = persona.params.slice(frames.start * PARAM_COUNT, frames.end * PARAM_COUNT);
  const synth = new RetrievalSynthesizer({ model: persona.model, camera: persona.camera, params: persona.params, landmarks, width: W, height: H }, plan, curves);
  await collectDonors(synth, persona.meta.source.file, W, H, persona.meta.fps, { signal: opts.signal, onProgress: (f) => opts.onProgress?.({ stage: 'pairs', fraction: 0.5 * f, message: 'reading donor mouths' }) });
  const renderer = new ConditioningRenderer(persona.model, loadPersonaTexture(persona));
  const P = S * S;
  const stacks = new Uint8Array(n * STACK_PLANES * P), real = new Uint8Array(n * 3 * P);
  const params = new Float32Array(PARAM_COUNT);
  const made = new Map<number, number[]>();
  source.forEach((j, i) => made.set(j, [...(made.get(j) ?? []), i]));
  const stream = new RawFrameStream(persona.meta.source.file, W, H, { fps: persona.meta.fps, startFrame: frames.start, frames: n, signal: opts.signal });
  try {
    let f = 0;
    for (let frame = await stream.next(); frame && f < n; frame = await stream.next(), f++) {
      throwIfCancelled(opts.signal);
      const t = frames.start + f;
      for (const i of made.get(t) ?? []) {
        const out = frame.slice();
        synth.compose(i, out);
        fillStack(out, W, H, mouthCrop(synth.targets(i).to), S, renderer, persona.camera, conditioningParams(curves, i, persona.params, source[i], params), stacks.subarray(i * STACK_PLANES * P, (i + 1) * STACK_PLANES * P));
      }
      // Frame t's real mouth, cropped about its own lips (the made frame's crop is about the same lip shape).
      sampleCrop(frame, W, H, mouthCrop(own ? synth.targets(f).to : framePoints(landmarks, t)), S, real, f * 3 * P);
      opts.onProgress?.({ stage: 'pairs', fraction: 0.5 + 0.5 * ((f + 1) / n), message: `pair ${f + 1}/${n}` });
    }
    if (f < n) throw new UserError('residual-video-short', `The footage ended after ${f} of ${n} frames.`, { file: persona.meta.source.file });
  } finally {
    await stream.close();
  }
  if (!own) for (let i = 0; i < n; i++) keepOutsideMask(real.subarray(i * 3 * P, (i + 1) * 3 * P), stacks.subarray(i * STACK_PLANES * P, (i + 1) * STACK_PLANES * P), P);
  return { frames, donors, stacks, real, size: S };
}

/** target = mask · real + (1 − mask) · made frame, per plane (stack planes: made RGB at 0-2, mask at 7). */
function keepOutsideMask(real: Uint8Array, stack: Uint8Array, P: number): void {
  for (let k = 0; k < P; k++) {
    const m = stack[7 * P + k] / 255;
    if (m >= 1) continue;
    for (let c = 0; c < 3; c++) real[c * P + k] = Math.round(m * real[c * P + k] + (1 - m) * stack[c * P + k]);
  }
}

function resolveConfig(c: TrainResidualOptions['config']): ResidualNetConfig {
  if (c === undefined) return RESIDUAL_CONFIGS.draft;
  if (typeof c !== 'string') return c;
  if (!isResidualConfigName(c)) throw new UserError('residual-config-unknown', `Unknown residual configuration "${c}".`, { hint: `Use one of: ${Object.keys(RESIDUAL_CONFIGS).join(', ')}.` });
  return RESIDUAL_CONFIGS[c];
}

export interface TrainResidualResult {
  dir: string;
  info: ResidualInfo;
  pairs: number;
  seconds: { pairs: number; train: number; total: number };
}

/** Trains the residual G_r of a persona from scratch (a draft run is minutes) and writes residual/. */
export async function trainResidual(personaDir: string, opts: TrainResidualOptions = {}): Promise<TrainResidualResult> {
  const t0 = performance.now();
  const cfg = resolveConfig(opts.config);
  const persona = await loadPersona(personaDir);
  const landmarks = await loadPersonaLandmarks(persona);
  const fitted = fittedFrames(persona.meta);
  const frames = opts.frames ?? { start: fitted[0], end: fitted[1] };
  const exclude = Math.max(0, Math.round(opts.exclude ?? 8));
  const pairSource = opts.pairSource ?? 'own';
  const run = new StageRunner<keyof typeof RESIDUAL_TRAIN_STAGES>(opts, residualTrainWeights(frames.end - frames.start, opts.steps ?? cfg.steps, opts.maxSeconds ?? 540));
  const pairs = await run.stage('pairs', (ctx) => buildResidualPairs(persona, landmarks, frames, exclude, cfg.size, { ...ctx.runOptions, pairSource }));
  const params = new ParameterStore(opts.seed ?? 1);
  const trainer = await Trainer.create({
    graphs: {
      g: { ...buildResidualTrainGraph(cfg), trainable: ['residual'], optimizer: adam({ lr: cfg.lr, betas: [0.9, 0.999] }) },
    },
    params, provider: opts.device ?? 'cpu', threads: opts.threads, log: opts.log,
  });
  try {
    const trained = await run.stage('train', (ctx) => trainLoop(trainer, pairs, cfg, opts, (f, m) => ctx.progress(f, m)));
    const info: ResidualInfo = {
      formatVersion: RESIDUAL_FORMAT_VERSION, identity: residualIdentity(cfg), personaId: persona.meta.id, config: cfg,
      steps: trained.steps, trainSeconds: Math.round(trained.seconds * 10) / 10, trainFrames: [frames.start, frames.end], exclude, pairSource,
      budget: { steps: Math.max(1, Math.round(opts.steps ?? cfg.steps)), maxSeconds: opts.maxSeconds ?? 540 },
      loss: trained.loss, provider: trainer.provider, createdAt: new Date().toISOString(),
    };
    await run.stage('save', async () => {
      await fs.mkdir(path.join(persona.dir, RESIDUAL_DIR), { recursive: true });
      const bytes = await exportInference(buildResidualInferenceGraph(cfg), params, { metadata: { 'facial.residual': info.identity, 'facial.steps': String(info.steps) } });
      await writeFileAtomic(residualPath(persona.dir, 'model'), bytes);
      await writeJsonAtomic(residualPath(persona.dir, 'info'), info);
    });
    return { dir: path.join(persona.dir, RESIDUAL_DIR), info, pairs: frames.end - frames.start, seconds: { pairs: run.seconds.pairs ?? 0, train: trained.seconds, total: (performance.now() - t0) / 1000 } };
  } finally {
    await trainer.dispose();
  }
}

/** Steps on random batches of pairs (random horizontal flips) up to `steps` or `maxSeconds`. */
async function trainLoop(trainer: Trainer, pairs: ResidualPairs, cfg: ResidualNetConfig, opts: TrainResidualOptions, progress: (f: number, m: string) => void): Promise<{ steps: number; seconds: number; loss: { first: number; last: number } }> {
  const S = cfg.size, P = S * S, B = cfg.batch, n = pairs.frames.end - pairs.frames.start;
  const steps = Math.max(1, Math.round(opts.steps ?? cfg.steps));
  const maxMs = (opts.maxSeconds ?? 540) * 1000;
  const rng = new Rng((opts.seed ?? 1) * 104729);
  const input = new Float32Array(B * RESIDUAL_INPUT_CHANNELS * P), real = new Float32Array(B * 3 * P);
  const losses: number[] = [];
  const t0 = performance.now();
  let step = 0;
  while (step < steps && performance.now() - t0 < maxMs) {
    throwIfCancelled(opts.signal);
    for (let b = 0; b < B; b++) {
      const i = Math.floor(rng.next() * n);
      stackToInput(pairs.stacks.subarray(i * STACK_PLANES * P, (i + 1) * STACK_PLANES * P), S, input, b * RESIDUAL_INPUT_CHANNELS * P);
      for (let k = 0; k < 3 * P; k++) real[b * 3 * P + k] = pairs.real[i * 3 * P + k] / 127.5 - 1;
      if (rng.next() < 0.5) { flipRows(input, b * RESIDUAL_INPUT_CHANNELS * P, RESIDUAL_INPUT_CHANNELS, S); flipRows(real, b * 3 * P, 3, S); }
    }
    const r = await trainer.step('g', { input, real });
    if (!Number.isFinite(r.loss)) throw new UserError('residual-diverged', `Training diverged at step ${step + 1}.`, { hint: 'Train again with fewer steps or another seed.' });
    losses.push(r.loss);
    step++;
    progress(Math.max(step / steps, (performance.now() - t0) / maxMs), `step ${step}/${steps}  L1 ${r.l1.toFixed(4)}  1-SSIM ${r.ssim.toFixed(4)}`);
  }
  const tenth = Math.max(1, Math.floor(losses.length / 10));
  const mean = (xs: number[]) => Math.round((xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length)) * 1e5) / 1e5;
  return { steps: step, seconds: (performance.now() - t0) / 1000, loss: { first: mean(losses.slice(0, tenth)), last: mean(losses.slice(-tenth)) } };
}

/** Mirrors planes [C, S, S] left-right in place. */
function flipRows(x: Float32Array, offset: number, C: number, S: number): void {
  for (let c = 0; c < C; c++) for (let v = 0; v < S; v++) {
    const row = offset + c * S * S + v * S;
    for (let u = 0; u < S / 2; u++) { const a = x[row + u]; x[row + u] = x[row + S - 1 - u]; x[row + S - 1 - u] = a; }
  }
}

/** A loaded residual G_r: the correction of one crop stack. */
export interface ResidualRunner {
  info: ResidualInfo;
  infer(stack: Uint8Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export async function loadResidualRunner(personaDir: string, opts: { device?: ProviderChoice; threads?: number; personaId?: string } = {}): Promise<ResidualRunner | undefined> {
  const info = await readResidualInfo(personaDir);
  const model = residualPath(personaDir, 'model');
  if (!info || !existsSync(model)) return undefined;
  if (opts.personaId && info.personaId !== opts.personaId) {
    throw new UserError('residual-other-persona', `The residual G_r in ${path.dirname(model)} was trained for another persona.`, { file: model, hint: 'Train it again for this persona (facial-studio train residual --persona DIR).' });
  }
  const runner = await InferenceRunner.create(model, { provider: opts.device ?? 'cpu', threads: opts.threads });
  const S = info.config.size;
  const input = new Float32Array(RESIDUAL_INPUT_CHANNELS * S * S);
  return {
    info,
    async infer(stack) {
      stackToInput(stack, S, input);
      const res = await runner.run({ input: { data: input, shape: [1, RESIDUAL_INPUT_CHANNELS, S, S] } });
      return res.delta.data as Float32Array;
    },
    dispose: () => runner.dispose(),
  };
}

/**
 * Applies a residual G_r on top of a retrieval synthesizer's output frames: crop about the
 * target mouth, conditioning render of the target parameters, correction added inside the mask.
 */
export class ResidualRefiner {
  private readonly renderer: ConditioningRenderer;
  private readonly stack: Uint8Array;
  private readonly params = new Float32Array(PARAM_COUNT);

  constructor(private readonly persona: Persona, private readonly synth: RetrievalSynthesizer, private readonly curves: Float32Array, readonly net: ResidualRunner) {
    this.renderer = new ConditioningRenderer(persona.model, loadPersonaTexture(persona));
    const S = net.info.config.size;
    this.stack = new Uint8Array(STACK_PLANES * S * S);
  }

  /** Corrects output frame i (already composed by the synthesizer, in place); returns the channel values changed. */
  async refine(i: number, frame: Uint8Array): Promise<number> {
    const { persona, net } = this;
    const W = persona.camera.width, H = persona.camera.height, S = net.info.config.size;
    const crop = mouthCrop(this.synth.targets(i).to);
    fillStack(frame, W, H, crop, S, this.renderer, persona.camera, conditioningParams(this.curves, i, persona.params, this.synth.plan.source[i], this.params), this.stack);
    return addCorrection(frame, W, H, crop, await net.infer(this.stack), S, net.info.config.flow);
  }
}
