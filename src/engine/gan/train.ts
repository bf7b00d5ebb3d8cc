/**
 * Training FACIAL-GAN on a persona, as named stages (util/stages.ts):
 *   load     the persona, the window length, the zero-training prior fitted on the
 *            training + validation frames and the dataset whose expression targets are
 *            the correction to that prior's expression (the model refines the prior)
 *   compile  the D / G step graphs and inference graph; resume from the checkpoint
 *   train    GAN alternation (discriminator step, then generator step, as the reference),
 *            validation every few steps with early stopping, the best weights exported
 *            as gan/audio-path.onnx + state-path.onnx, checkpoints for resume, loss curves
 *   judge    the best weights against the tracked truth and the prior on held-out
 *            frames at the clip's end: per attribute, what the model adds (implicit.ts)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ParameterStore, Trainer, type ProviderChoice } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { limitProblem } from '../../shared/limits';
import { CancelledError, UserError, isCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { EXPR_COUNT, EXPR_OFFSET } from '../../shared/facial-params';
import { StageRunner, type StageContext } from '../util/stages';
import { buildDataset, DEFAULT_AUGMENTATION, makeBatch, WindowSampler, FRAME_FEATURES, type Augmentation, type GanDataset } from './data';
import {
  GAN_DIR, GAN_FORMAT_VERSION, checkSamePersona, checkpointIdentity, fileExists, ganPath, readGanModelInfo, readTrainingLog, writeGanJson,
  type GanModelInfo, type LossPoint, type TrainingLog,
} from './files';
import { runWindows, type WindowPredictor } from './infer';
import { modelCurves, runGanModel } from './generate';
import { modelOpening } from './evaluate';
import { heldOutFrames, judgeExpression, judgeImplicit, verdictLines, type ImplicitVerdict } from './implicit';
import { DEFAULT_LOSS_WEIGHTS, regressionLossArrays, type LossWeights } from './losses';
import type { GanArchitecture } from './model';
import { compiledInference, discriminatorStep, exportGenerator, generatorStep, type ExportedGenerator } from './network';
import { loadGanPersona, priorInputOf, requireAudio, trackedOpening, type GanPersona } from './persona-data';
import { fitPrior, generatePrior, PRIOR_VERSION } from './prior';
import { FINE_TUNE_LR, initFromBase } from './base-weights';
import { computeNormStats } from './normalize';
import { Rng, splitFrames } from '../common/numeric';
import { checkWindowLength, chooseWindowLength, DEFAULT_WINDOW } from './windows';

export interface TrainGanOptions extends RunOptions {
  /** Generator steps in total (a resumed run continues up to this count). Default 2000. */
  steps?: number;
  device?: ProviderChoice;
  /** Window length (multiple of 32). Default: 128, or shorter when the clip's training part is short. */
  windowLength?: number;
  batchSize?: number;
  lr?: number;
  /** Channel multiplier of the wide layers (1 = the reference's sizes). */
  width?: number;
  /** Validate every this many steps (default 10). */
  evalEvery?: number;
  /** Stop after this many validations without a 0.5 % improvement (default 8). */
  patience?: number;
  /** Never stop early before this many steps (default 4 validations). */
  minSteps?: number;
  seed?: number;
  /** Ignore (and replace) an existing checkpoint and model. */
  restart?: boolean;
  augment?: Augmentation;
  /**
   * Fine-tune: start from the weights of a base model folder (pretrained on several
   * personas, or another persona's gan/ folder) instead of random ones; the learning
   * rate then defaults to 1e-5. Ignored when resuming from this persona's checkpoint.
   */
  init?: string;
  weights?: Partial<LossWeights>;
  threads?: number;
  log?: (line: string) => void;
}

export interface TrainGanResult {
  personaId: string;
  window: number;
  width: number;
  batch: number;
  /** Generator steps done in total (all runs). */
  steps: number;
  /** Steps done by this call. */
  stepsThisRun: number;
  resumedFrom: number;
  bestStep: number;
  bestVal: number;
  stoppedEarly: boolean;
  stopReason: string;
  seconds: number;
  /** Wall time per step of this run: the steps plus validation, checkpoints, model exports and the final judging. */
  secondsPerStep: number;
  /** Time of one D step + one G step alone (the optimiser steps, without validation, checkpoints or exports), mean of this run. */
  stepSeconds: number;
  provider: string;
  points: LossPoint[];
  files: GanTrainFiles;
  /** Per attribute, what the best weights add to the prior on held-out frames (also in gan/model.json). */
  implicit?: ImplicitVerdict;
}

export type GanTrainFiles = ExportedGenerator & { info: string; checkpoint: string; training: string };

/** Relative cost of the training stages (progress). */
export const GAN_TRAIN_STAGES = { load: 1, compile: 2, train: 95, judge: 2 };
type GanTrainStage = keyof typeof GAN_TRAIN_STAGES;

/** What the load stage prepares: the persona, the residual dataset and the settings of this run. */
export interface GanTrainingSetup {
  persona: GanPersona & { features: Float32Array; speech: Float32Array; rmsDb: Float32Array };
  arch: GanArchitecture;
  ds: GanDataset;
  /** [T*71] the zero-training prior (fitted on the training + validation frames) for the clip's audio. */
  priorBase: Float32Array;
  weights: LossWeights;
  batch: number;
  lr: number;
  totalSteps: number;
  evalEvery: number;
  patience: number;
  minSteps: number;
  seed: number;
  aug: Augmentation;
  files: GanTrainFiles;
  /** The training log to resume from (undefined: start over). */
  history?: TrainingLog;
  /** The base model folder the weights started from (fine-tuning). */
  init?: string;
}

/**
 * The saved best model judged on held-out frames (the clip's end, never trained on),
 * generated as the studio generates (from the rest state), against the tracked truth and
 * the prior: the expression weight, blinks and head pose (implicit.ts); undefined when
 * the clip leaves no held-out frames.
 */
export async function judgeSavedModel(setup: Pick<GanTrainingSetup, 'persona' | 'ds' | 'priorBase'>, info: GanModelInfo, opts: { device?: ProviderChoice; threads?: number } = {}): Promise<ImplicitVerdict | undefined> {
  const { persona, ds, priorBase } = setup;
  const { start, end } = heldOutFrames(ds.T, persona.fps, ds.split.val.end);
  if (end - start < 2) return undefined;
  const feats = ds.features.subarray(start * FRAME_FEATURES, end * FRAME_FEATURES);
  const r = await runGanModel(persona.dir, info, feats, end - start, { device: opts.device, threads: opts.threads });
  const prior = priorBase.subarray(start * PARAM_COUNT, end * PARAM_COUNT);
  const model = modelCurves(r.base, info, prior, { fps: persona.fps, speech: persona.speech.subarray(start, end) });
  const truth = persona.params.subarray(start * PARAM_COUNT, end * PARAM_COUNT);
  const verdict = judgeImplicit(model, truth, persona.fps, { start, end });
  const tracked = trackedOpening(persona.landmarks, persona.frameCount).subarray(start, end);
  verdict.expression = judgeExpression(model, prior, truth, (c) => modelOpening(persona, c), tracked, persona.fps);
  return verdict;
}

/** The validation loss: the regression terms (without the initial-state term) on the validation frames. */
export async function validationLoss(ds: GanDataset, predict: WindowPredictor, weights: LossWeights): Promise<number> {
  const L = ds.window;
  const { start: vs, end: ve } = ds.split.val;
  if (ve <= vs) return NaN;
  // A window that ends at the validation part's end (reaching back into the training
  // part's audio for context when the part is shorter than a window).
  const from = ve - vs >= L ? vs : Math.max(0, ve - L);
  const T = ve - from;
  const feats = ds.features.subarray(from * FRAME_FEATURES, ve * FRAME_FEATURES);
  const state = ds.norm.slice(from * PARAM_COUNT, (from + 1) * PARAM_COUNT);
  const pred = await runWindows(feats, T, L, predict, { initialState: state });
  const off = (vs - from) * PARAM_COUNT;
  const p = pred.subarray(off);
  const truth = ds.norm.subarray(vs * PARAM_COUNT, ve * PARAM_COUNT);
  return regressionLossArrays(p, truth, truth.subarray(0, PARAM_COUNT), { ...weights, initial: 0 }).total;
}

/** The training targets: the tracked parameters with the prior's expression taken off (the correction the network learns). */
export function residualTargets(params: Float32Array, priorBase: Float32Array): Float32Array {
  const out = params.slice();
  const T = params.length / PARAM_COUNT;
  for (let t = 0; t < T; t++) for (let k = EXPR_OFFSET; k < EXPR_OFFSET + EXPR_COUNT; k++) out[t * PARAM_COUNT + k] -= priorBase[t * PARAM_COUNT + k];
  return out;
}

function chooseWindow(T: number, personaDir: string, requested: number | undefined): number {
  if (requested !== undefined) {
    checkWindowLength(requested);
    return requested;
  }
  const { train } = splitFrames(T);
  const trainFrames = train.end - train.start;
  const chosen = chooseWindowLength(trainFrames, DEFAULT_WINDOW);
  if (chosen === undefined) {
    throw new UserError('gan-clip-too-short', `The persona's clip (${T} frames) is too short to train FACIAL-GAN: its training part (${trainFrames} frames) holds not even one window of 32 frames.`, {
      file: personaDir,
      hint: 'Build the persona from a longer clip (a minute or more of speech is best), or use the zero-training prior (facial-studio generate --prior).',
    });
  }
  return chosen;
}

/** Stage load: the persona, its residual dataset, this run's settings, and the log to resume. */
export async function prepareTraining(personaDir: string, opts: TrainGanOptions): Promise<GanTrainingSetup> {
  const persona = await loadGanPersona(personaDir);
  requireAudio(persona);
  const T = persona.frameCount;
  const L = chooseWindow(T, personaDir, opts.windowLength);
  const arch: GanArchitecture = { window: L, width: opts.width ?? 1 };
  const split = splitFrames(T);
  // The prior the network corrects: fitted on the frames training and early stopping see.
  const prior = fitPrior(priorInputOf(persona), { start: 0, end: split.val.end });
  const seed = opts.seed ?? 1234;
  const priorBase = generatePrior(prior, { frameCount: T, features: persona.features, speech: persona.speech, rmsDb: persona.rmsDb, encoder: persona.encoder }, { seed: 1 });
  const ds = buildResidualDataset(persona.params, priorBase, persona.features, T, L, personaDir);
  const files: GanTrainFiles = {
    audioPath: ganPath(personaDir, 'audioPath'),
    statePath: ganPath(personaDir, 'statePath'),
    info: ganPath(personaDir, 'info'),
    checkpoint: ganPath(personaDir, 'checkpoint'),
    training: ganPath(personaDir, 'training'),
  };
  const evalEvery = opts.evalEvery ?? 10;
  const setup: GanTrainingSetup = {
    persona, arch, ds, priorBase, files, seed, evalEvery,
    weights: { ...DEFAULT_LOSS_WEIGHTS, ...(opts.weights ?? {}) },
    batch: opts.batchSize ?? 16,
    lr: opts.lr ?? (opts.init ? FINE_TUNE_LR : 1e-4),
    totalSteps: opts.steps ?? 2000,
    patience: opts.patience ?? 8,
    minSteps: opts.minSteps ?? 4 * evalEvery,
    aug: opts.augment ?? DEFAULT_AUGMENTATION,
    ...(opts.init ? { init: path.resolve(opts.init) } : {}),
  };
  setup.history = opts.restart ? undefined : await resumableLog(setup);
  return setup;
}

/**
 * The dataset of a residual model: targets = parameters minus the prior's expression;
 * the expression keeps the full expression's scale (so a small correction stays small
 * in the loss) and is centred on the correction's mean.
 */
export function buildResidualDataset(params: Float32Array, priorBase: Float32Array, features: Float32Array, T: number, L: number, file: string): GanDataset {
  const { train } = splitFrames(T);
  const targets = residualTargets(params, priorBase);
  const full = computeNormStats(params, train.start, train.end);
  const residual = computeNormStats(targets, train.start, train.end);
  return buildDataset(targets, features, T, L, file, { ...residual, exprScale: full.exprScale });
}

/** The training log to resume, checked against this persona and configuration (undefined: nothing to resume). */
async function resumableLog(setup: GanTrainingSetup): Promise<TrainingLog | undefined> {
  const { persona, arch, files } = setup;
  const history = await readTrainingLog(persona.dir);
  if (!history || !(await fileExists(files.checkpoint))) return undefined;
  checkSamePersona(files.training, history.personaId, history.paramsHash, undefined, persona);
  // What it learnt corrects another version of the prior: nothing of it carries over.
  if (history.target === 'residual-expression' && (history.priorVersion ?? 1) !== PRIOR_VERSION) return undefined;
  if (history.formatVersion !== GAN_FORMAT_VERSION || history.arch.window !== arch.window || history.arch.width !== arch.width || history.target !== 'residual-expression') {
    throw new UserError(
      'gan-checkpoint-mismatch',
      `The checkpoint in ${path.join(persona.dir, GAN_DIR)} was trained with another configuration (format ${history.formatVersion}, window ${history.arch.window}, width ${history.arch.width}, ${history.target === 'residual-expression' ? 'refining the prior' : 'full expression'}; now format ${GAN_FORMAT_VERSION}, window ${arch.window}, width ${arch.width}, refining the prior).`,
      { file: files.checkpoint, hint: history.target === 'residual-expression' ? `Resume with the same settings (--window ${history.arch.window}), or start over with --restart.` : 'Start over with --restart (models now learn a correction to the prior).' },
    );
  }
  return history;
}

/** Stage compile: the step graphs and the trainer, resumed from the checkpoint when there is one. */
async function openTrainer(setup: GanTrainingSetup, opts: TrainGanOptions, log: (line: string) => void): Promise<{ trainer: Trainer; params: ParameterStore; resumedFrom: number }> {
  const { arch, batch, lr, weights, files, seed } = setup;
  const stepCfg = { arch, batch, lr, weights };
  const params = new ParameterStore(seed);
  let trainer: Trainer;
  try {
    trainer = await Trainer.create({
      graphs: { d: discriminatorStep(stepCfg), g: generatorStep(stepCfg), fwd: compiledInference(arch) },
      params,
      provider: opts.device ?? 'cpu',
      threads: opts.threads,
      log,
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError('gan-runtime', `Could not start FACIAL-GAN training on ${opts.device ?? 'cpu'}: ${(err as Error).message}`, {
      hint: 'Try --device cpu, and run `facial-studio doctor` to see which providers work here.',
      cause: err,
    });
  }
  if (!setup.history) {
    if (opts.init) {
      try {
        const { tensors } = await initFromBase(params, opts.init, { arch, encoder: setup.persona.encoder });
        log(`fine-tuning from the base model in ${opts.init} (${tensors} weight tensors), learning rate ${lr}`);
      } catch (err) {
        await trainer.dispose();
        throw err;
      }
    }
    return { trainer, params, resumedFrom: 0 };
  }
  try {
    await trainer.loadCheckpoint(files.checkpoint, { identity: checkpointIdentity(arch) });
  } catch (err) {
    await trainer.dispose();
    throw new UserError('gan-checkpoint-invalid', `The checkpoint ${files.checkpoint} cannot be resumed: ${(err as Error).message}`, {
      file: files.checkpoint,
      hint: 'Start over with --restart (the checkpoint is replaced).',
      cause: err,
    });
  }
  const resumedFrom = trainer.steps.g ?? 0;
  log(`resuming from step ${resumedFrom}`);
  return { trainer, params, resumedFrom };
}

/** The running state of the train stage. */
interface TrainLoop {
  setup: GanTrainingSetup;
  trainer: Trainer;
  params: ParameterStore;
  state: TrainingLog;
  step: number;
  resumedFrom: number;
  t0: number;
  secondsBefore: number;
  stopReason: string;
  stoppedEarly: boolean;
}

function modelInfo(setup: GanTrainingSetup, provider: string, step: number, val: number): GanModelInfo {
  const { persona, arch, ds, weights, batch, lr, seed } = setup;
  return {
    formatVersion: GAN_FORMAT_VERSION,
    kind: 'facial-gan',
    personaId: persona.id,
    personaName: persona.name,
    paramsHash: persona.paramsHash,
    fps: persona.fps,
    arch,
    norm: ds.stats,
    weights,
    target: 'residual-expression',
    priorVersion: PRIOR_VERSION,
    encoder: persona.encoder,
    training: { step, val, batch, lr, seed, provider, split: { trainEnd: ds.split.train.end, valEnd: ds.split.val.end, frames: ds.T }, ...(setup.init ? { init: setup.init } : {}) },
    savedAt: new Date().toISOString(),
  };
}

async function saveCheckpoint(loop: TrainLoop): Promise<void> {
  const { persona, arch, files } = loop.setup;
  await loop.trainer.saveCheckpoint(files.checkpoint, { identity: checkpointIdentity(arch), extra: { personaId: persona.id, paramsHash: persona.paramsHash } });
  await writeGanJson(persona.dir, 'training', loop.state);
}

async function exportBest(loop: TrainLoop, val: number): Promise<void> {
  const { setup, trainer, params, step } = loop;
  await exportGenerator(setup.arch, params, setup.files, { 'facial.persona': setup.persona.id, 'facial.step': String(step) });
  await writeGanJson(setup.persona.dir, 'info', modelInfo(setup, trainer.provider, step, val));
}

function predictor(trainer: Trainer): WindowPredictor {
  return async (audio, st) => (await trainer.run('fwd', { audio, state: st })).params.data as Float32Array;
}

/** One validation: the loss on the validation frames, the best weights exported, a checkpoint. */
async function validate(loop: TrainLoop, point: LossPoint): Promise<void> {
  const { setup, state } = loop;
  const val = await validationLoss(setup.ds, predictor(loop.trainer), setup.weights);
  point.val = val;
  if (val < state.bestVal * 0.995 || !Number.isFinite(state.bestVal)) {
    state.bestVal = val;
    state.bestStep = loop.step;
    state.evalsSinceBest = 0;
    await exportBest(loop, val);
  } else state.evalsSinceBest++;
  state.points.push(point);
  state.seconds = loop.secondsBefore + (performance.now() - loop.t0) / 1000;
  await saveCheckpoint(loop);
  if (loop.step >= setup.minSteps && state.evalsSinceBest >= setup.patience) {
    loop.stoppedEarly = true;
    loop.stopReason = `validation loss has not improved for ${setup.patience} evaluations (best ${state.bestVal.toFixed(4)} at step ${state.bestStep})`;
  }
}

/** Stage train: D step then G step until the step budget or early stopping; cancelling keeps a checkpoint. */
async function runTrainLoop(loop: TrainLoop, ctx: StageContext, log: (line: string) => void): Promise<void> {
  const { setup, trainer } = loop;
  const { ds, totalSteps, evalEvery } = setup;
  const rng = new Rng(setup.seed + 7 * loop.resumedFrom);
  const sampler = new WindowSampler(ds.starts, rng);
  log(`FACIAL-GAN: window ${ds.window}, batch ${setup.batch}, ${ds.starts.length} training windows, validation frames ${ds.split.val.start}-${ds.split.val.end}, provider ${trainer.provider}; the network learns a correction to the zero-training prior's expression`);
  try {
    while (loop.step < totalSteps) {
      if (ctx.signal?.aborted) throw new CancelledError();
      const batch = makeBatch(ds, setup.batch, sampler, rng, setup.aug);
      const feeds = { audio: batch.audio, target: batch.target, state: batch.state };
      const d = await trainer.step('d', feeds);
      const g = await trainer.step('g', feeds);
      loop.step++;
      if (!Number.isFinite(g.loss) || !Number.isFinite(d.loss)) {
        throw new UserError('gan-diverged', `FACIAL-GAN training diverged at step ${loop.step} (loss ${g.loss}).`, {
          file: setup.persona.dir,
          hint: 'Train again with --restart and a lower learning rate (--lr 5e-5).',
        });
      }
      const point: LossPoint = { step: loop.step, g: g.loss, d: d.loss, reg: g.regression };
      if (loop.step % evalEvery === 0 || loop.step === totalSteps) await validate(loop, point);
      else loop.state.points.push(point);
      ctx.progress(Math.min(1, loop.step / totalSteps), `step ${loop.step}/${totalSteps}  G ${g.loss.toFixed(3)}  D ${d.loss.toFixed(3)}${point.val !== undefined ? `  val ${point.val.toFixed(4)}` : ''}`, {
        losses: point, window: ds.window, bestVal: loop.state.bestVal, bestStep: loop.state.bestStep,
      });
      if (loop.stoppedEarly) break;
    }
  } catch (err) {
    if (isCancelled(err)) {
      // Keep what was learnt: the next run resumes from here.
      loop.state.seconds = loop.secondsBefore + (performance.now() - loop.t0) / 1000;
      if (loop.step > loop.resumedFrom) await saveCheckpoint(loop).catch(() => undefined);
    }
    throw err;
  }
  // A model always exists after training (the last weights if no validation ran).
  const { files } = setup;
  if (!(await fileExists(files.audioPath)) || !(await fileExists(files.statePath)) || !Number.isFinite(loop.state.bestVal)) {
    const val = await validationLoss(ds, predictor(trainer), setup.weights);
    loop.state.bestVal = val;
    loop.state.bestStep = loop.step;
    await exportBest(loop, val);
  }
  ctx.progress(1, loop.stopReason, { window: ds.window, bestVal: loop.state.bestVal, bestStep: loop.state.bestStep });
}

/** Stage judge: the saved best weights' verdict per attribute, recorded in gan/model.json. */
async function judgeAndRecord(setup: GanTrainingSetup, opts: TrainGanOptions, log: (line: string) => void): Promise<ImplicitVerdict | undefined> {
  const saved = await readGanModelInfo(setup.persona.dir, setup.persona);
  if (!saved) return undefined;
  const implicit = await judgeSavedModel(setup, saved, { threads: opts.threads });
  if (!implicit) return undefined;
  await writeGanJson(setup.persona.dir, 'info', { ...saved, implicit });
  for (const line of verdictLines(implicit)) log(line);
  return implicit;
}

export async function trainGan(personaDir: string, opts: TrainGanOptions = {}): Promise<TrainGanResult> {
  const log = opts.log ?? (() => undefined);
  // Whoever calls (CLI, API, bench): 0 or fewer steps would install an untrained model as trained.
  const stepsProblem = limitProblem('steps', opts.steps);
  if (stepsProblem) throw new UserError('steps-invalid', `Training steps ${stepsProblem}.`, { hint: 'Give a positive number of steps, or a preset.' });
  const run = new StageRunner<GanTrainStage>(opts, GAN_TRAIN_STAGES);
  const setup = await run.stage('load', async () => {
    const prepared = await prepareTraining(personaDir, opts);
    await fs.mkdir(path.join(personaDir, GAN_DIR), { recursive: true });
    return prepared;
  });
  // The stage runner may throw (cancelled) after the trainer opened: it is disposed whatever happens.
  let opened: Awaited<ReturnType<typeof openTrainer>> | undefined;
  try {
    await run.stage('compile', async () => {
      opened = await openTrainer(setup, opts, log);
    });
  } catch (err) {
    await opened?.trainer.dispose();
    throw err;
  }
  const { trainer, params, resumedFrom } = opened!;
  try {
    const state: TrainingLog = setup.history ?? {
      formatVersion: GAN_FORMAT_VERSION, personaId: setup.persona.id, paramsHash: setup.persona.paramsHash, arch: setup.arch, target: 'residual-expression', priorVersion: PRIOR_VERSION,
      points: [], bestVal: Infinity, bestStep: 0, evalsSinceBest: 0, seconds: 0, done: false,
    };
    state.done = false;
    delete state.stopReason;
    const loop: TrainLoop = {
      setup, trainer, params, state, step: resumedFrom, resumedFrom, t0: performance.now(), secondsBefore: state.seconds,
      stopReason: resumedFrom >= setup.totalSteps ? `already trained ${resumedFrom} steps` : `reached ${setup.totalSteps} steps`, stoppedEarly: false,
    };
    await run.stage('train', (ctx) => runTrainLoop(loop, ctx, log));
    const implicit = await run.stage('judge', () => judgeAndRecord(setup, opts, log));
    state.seconds = loop.secondsBefore + (performance.now() - loop.t0) / 1000;
    state.done = true;
    state.stopReason = loop.stopReason;
    if (loop.step > resumedFrom) await saveCheckpoint(loop);
    else await writeGanJson(personaDir, 'training', state);
    const ran = loop.step - resumedFrom;
    return {
      personaId: setup.persona.id,
      window: setup.arch.window,
      width: setup.arch.width,
      batch: setup.batch,
      steps: loop.step,
      stepsThisRun: ran,
      resumedFrom,
      bestStep: state.bestStep,
      bestVal: state.bestVal,
      stoppedEarly: loop.stoppedEarly,
      stopReason: loop.stopReason,
      seconds: state.seconds,
      secondsPerStep: ran > 0 ? (performance.now() - loop.t0) / 1000 / ran : 0,
      stepSeconds: ran > 0 ? (trainer.timing.d.totalMs + trainer.timing.g.totalMs) / 1000 / ran : 0,
      provider: trainer.provider,
      points: state.points,
      files: setup.files,
      implicit,
    };
  } finally {
    await trainer.dispose();
  }
}
