/**
 * Training FACIAL-GAN on a persona: GAN alternation (discriminator step, then
 * generator step, as the reference), validation on the held-out validation part
 * every few steps with early stopping, the best weights exported as gan/encoder.onnx + decoder.onnx,
 * checkpoints for resume (gan/checkpoint.safetensors), loss curves for the UI.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ParameterStore, Trainer, type ProviderChoice } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { limitProblem } from '../../shared/limits';
import { CancelledError, UserError, isCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { buildDataset, DEFAULT_AUGMENTATION, makeBatch, WindowSampler, FRAME_FEATURES, type Augmentation, type GanDataset } from './data';
import {
  GAN_DIR, GAN_FORMAT_VERSION, checkSamePersona, checkpointIdentity, fileExists, ganPath, readGanModelInfo, readTrainingLog, writeGanJson,
  type GanModelInfo, type LossPoint, type TrainingLog,
} from './files';
import { runWindows, type WindowPredictor } from './infer';
import { runGanModel } from './generate';
import { judgeImplicit, type ImplicitVerdict } from './implicit';
import { DEFAULT_LOSS_WEIGHTS, regressionLossArrays, type LossWeights } from './losses';
import type { GanArchitecture } from './model';
import { compiledInference, discriminatorStep, exportGenerator, generatorStep } from './network';
import { loadGanPersona, requireAudio } from './persona-data';
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
  files: { encoder: string; decoder: string; info: string; checkpoint: string; training: string };
  /** Whether the best weights learnt blinks and head-pose speed (validation part; also in gan/model.json). */
  implicit?: ImplicitVerdict;
}

/**
 * The saved best model's implicit attributes judged on the validation part (generated
 * as in validationLoss: from the true state at the start of a window that ends at the
 * validation part's end), against the tracked truth; undefined without a validation part.
 */
export async function judgeSavedModel(personaDir: string, ds: GanDataset, params: Float32Array, fps: number, info: GanModelInfo, opts: { device?: ProviderChoice; threads?: number } = {}): Promise<ImplicitVerdict | undefined> {
  const L = ds.window;
  const { start: vs, end: ve } = ds.split.val;
  if (ve - vs < 2) return undefined;
  const from = ve - vs >= L ? vs : Math.max(0, ve - L);
  const feats = ds.features.subarray(from * FRAME_FEATURES, ve * FRAME_FEATURES);
  const state = ds.norm.slice(from * PARAM_COUNT, (from + 1) * PARAM_COUNT);
  const r = await runGanModel(personaDir, info, feats, ve - from, { device: opts.device, threads: opts.threads, initialState: state });
  const model = r.base.subarray((vs - from) * PARAM_COUNT);
  return judgeImplicit(model, params.subarray(vs * PARAM_COUNT, ve * PARAM_COUNT), fps, { start: vs, end: ve });
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

export async function trainGan(personaDir: string, opts: TrainGanOptions = {}): Promise<TrainGanResult> {
  const log = opts.log ?? (() => undefined);
  // Whoever calls (CLI, API, bench): 0 or fewer steps would install an untrained model as trained.
  const stepsProblem = limitProblem('steps', opts.steps);
  if (stepsProblem) throw new UserError('steps-invalid', `Training steps ${stepsProblem}.`, { hint: 'Give a positive number of steps, or a preset.' });
  opts.onProgress?.({ stage: 'load', fraction: 0, message: 'reading the persona' });
  const persona = await loadGanPersona(personaDir);
  requireAudio(persona);
  const T = persona.frameCount;
  const { train } = splitFrames(T);
  const trainFrames = train.end - train.start;
  let L: number;
  if (opts.windowLength !== undefined) {
    checkWindowLength(opts.windowLength);
    L = opts.windowLength;
  } else {
    const chosen = chooseWindowLength(trainFrames, DEFAULT_WINDOW);
    if (chosen === undefined) {
      throw new UserError('gan-clip-too-short', `The persona's clip (${T} frames) is too short to train FACIAL-GAN: its training part (${trainFrames} frames) holds not even one window of 32 frames.`, {
        file: personaDir,
        hint: 'Build the persona from a longer clip (a minute or more of speech is best), or use the zero-training prior (facial-studio generate --prior).',
      });
    }
    L = chosen;
  }
  const arch: GanArchitecture = { window: L, width: opts.width ?? 1 };
  const ds = buildDataset(persona.params, persona.features, T, L, personaDir);
  const B = opts.batchSize ?? 16;
  const lr = opts.lr ?? 1e-4;
  const weights: LossWeights = { ...DEFAULT_LOSS_WEIGHTS, ...(opts.weights ?? {}) };
  const totalSteps = opts.steps ?? 2000;
  const evalEvery = opts.evalEvery ?? 10;
  const patience = opts.patience ?? 8;
  const minSteps = opts.minSteps ?? 4 * evalEvery;
  const seed = opts.seed ?? 1234;
  const aug = opts.augment ?? DEFAULT_AUGMENTATION;

  const files = {
    encoder: ganPath(personaDir, 'encoder'),
    decoder: ganPath(personaDir, 'decoder'),
    info: ganPath(personaDir, 'info'),
    checkpoint: ganPath(personaDir, 'checkpoint'),
    training: ganPath(personaDir, 'training'),
  };
  await fs.mkdir(path.join(personaDir, GAN_DIR), { recursive: true });

  // --- resume or start
  let history: TrainingLog | undefined = opts.restart ? undefined : await readTrainingLog(personaDir);
  const haveCheckpoint = !opts.restart && (await fileExists(files.checkpoint));
  if (history && haveCheckpoint) {
    checkSamePersona(files.training, history.personaId, history.paramsHash, undefined, persona);
    if (history.formatVersion !== GAN_FORMAT_VERSION || history.arch.window !== arch.window || history.arch.width !== arch.width) {
      throw new UserError(
        'gan-checkpoint-mismatch',
        `The checkpoint in ${path.join(personaDir, GAN_DIR)} was trained with another configuration (format ${history.formatVersion}, window ${history.arch.window}, width ${history.arch.width}; now format ${GAN_FORMAT_VERSION}, window ${arch.window}, width ${arch.width}).`,
        { file: files.checkpoint, hint: `Resume with the same settings (--window ${history.arch.window}), or start over with --restart.` },
      );
    }
  } else history = undefined;

  const stepCfg = { arch, batch: B, lr, weights };
  opts.onProgress?.({ stage: 'compile', fraction: 0, message: `compiling FACIAL-GAN (window ${L}, batch ${B})` });
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
  const provider = trainer.provider;
  try {
    let resumedFrom = 0;
    if (history) {
      try {
        await trainer.loadCheckpoint(files.checkpoint, { identity: checkpointIdentity(arch) });
      } catch (err) {
        throw new UserError('gan-checkpoint-invalid', `The checkpoint ${files.checkpoint} cannot be resumed: ${(err as Error).message}`, {
          file: files.checkpoint,
          hint: 'Start over with --restart (the checkpoint is replaced).',
          cause: err,
        });
      }
      resumedFrom = trainer.steps.g ?? 0;
      log(`resuming from step ${resumedFrom}`);
    }
    const log0: TrainingLog = history ?? {
      formatVersion: GAN_FORMAT_VERSION,
      personaId: persona.id,
      paramsHash: persona.paramsHash,
      arch,
      points: [],
      bestVal: Infinity,
      bestStep: 0,
      evalsSinceBest: 0,
      seconds: 0,
      done: false,
    };
    const state = log0;
    state.done = false;
    delete state.stopReason;
    const rng = new Rng(seed + 7 * resumedFrom);
    const sampler = new WindowSampler(ds.starts, rng);
    const predict: WindowPredictor = async (audio, st) => {
      const out = await trainer.run('fwd', { audio, state: st });
      return out.params.data as Float32Array;
    };
    const info = (step: number, val: number): GanModelInfo => ({
      formatVersion: GAN_FORMAT_VERSION,
      kind: 'facial-gan',
      personaId: persona.id,
      personaName: persona.name,
      paramsHash: persona.paramsHash,
      fps: persona.fps,
      arch,
      norm: ds.stats,
      weights,
      training: { step, val, batch: B, lr, seed, provider, split: { trainEnd: ds.split.train.end, valEnd: ds.split.val.end, frames: T } },
      savedAt: new Date().toISOString(),
    });
    const saveCheckpoint = async () => {
      await trainer.saveCheckpoint(files.checkpoint, { identity: checkpointIdentity(arch), extra: { personaId: persona.id, paramsHash: persona.paramsHash } });
      await writeGanJson(personaDir, 'training', state);
    };
    const t0 = performance.now();
    const secondsBefore = state.seconds;
    let step = resumedFrom;
    let stopReason = step >= totalSteps ? `already trained ${step} steps` : `reached ${totalSteps} steps`;
    let stoppedEarly = false;
    log(`FACIAL-GAN: window ${L}, batch ${B}, ${ds.starts.length} training windows, validation frames ${ds.split.val.start}-${ds.split.val.end}, provider ${provider}`);
    try {
      while (step < totalSteps) {
        if (opts.signal?.aborted) throw new CancelledError();
        const batch = makeBatch(ds, B, sampler, rng, aug);
        const feeds = { audio: batch.audio, target: batch.target, state: batch.state };
        const d = await trainer.step('d', feeds);
        const g = await trainer.step('g', feeds);
        step++;
        if (!Number.isFinite(g.loss) || !Number.isFinite(d.loss)) {
          throw new UserError('gan-diverged', `FACIAL-GAN training diverged at step ${step} (loss ${g.loss}).`, {
            file: personaDir,
            hint: 'Train again with --restart and a lower learning rate (--lr 5e-5).',
          });
        }
        const point: LossPoint = { step, g: g.loss, d: d.loss, reg: g.regression };
        if (step % evalEvery === 0 || step === totalSteps) {
          const val = await validationLoss(ds, predict, weights);
          point.val = val;
          if (val < state.bestVal * 0.995 || !Number.isFinite(state.bestVal)) {
            state.bestVal = val;
            state.bestStep = step;
            state.evalsSinceBest = 0;
            await exportGenerator(arch, params, files, { 'facial.persona': persona.id, 'facial.step': String(step) });
            await writeGanJson(personaDir, 'info', info(step, val));
          } else state.evalsSinceBest++;
          state.points.push(point);
          state.seconds = secondsBefore + (performance.now() - t0) / 1000;
          await saveCheckpoint();
          if (step >= minSteps && state.evalsSinceBest >= patience) {
            stoppedEarly = true;
            stopReason = `validation loss has not improved for ${patience} evaluations (best ${state.bestVal.toFixed(4)} at step ${state.bestStep})`;
          }
        } else state.points.push(point);
        opts.onProgress?.({
          stage: 'train',
          fraction: Math.min(1, step / totalSteps),
          message: `step ${step}/${totalSteps}  G ${g.loss.toFixed(3)}  D ${d.loss.toFixed(3)}${point.val !== undefined ? `  val ${point.val.toFixed(4)}` : ''}`,
          data: { losses: point, window: L, bestVal: state.bestVal, bestStep: state.bestStep },
        });
        if (stoppedEarly) break;
      }
    } catch (err) {
      if (isCancelled(err)) {
        // Keep what was learnt: the next run resumes from here.
        state.seconds = secondsBefore + (performance.now() - t0) / 1000;
        if (step > resumedFrom) await saveCheckpoint().catch(() => undefined);
      }
      throw err;
    }
    // A model always exists after training (the last weights if no validation ran).
    if (!(await fileExists(files.encoder)) || !(await fileExists(files.decoder)) || !Number.isFinite(state.bestVal)) {
      const val = await validationLoss(ds, predict, weights);
      state.bestVal = val;
      state.bestStep = step;
      await exportGenerator(arch, params, files, { 'facial.persona': persona.id, 'facial.step': String(step) });
      await writeGanJson(personaDir, 'info', info(step, val));
    }
    // The best weights' implicit attributes, recorded with them (generation substitutes the prior for what was not learnt).
    let implicit: ImplicitVerdict | undefined;
    const saved = await readGanModelInfo(personaDir, persona);
    if (saved) {
      implicit = await judgeSavedModel(personaDir, ds, persona.params, persona.fps, saved, { threads: opts.threads });
      if (implicit) {
        await writeGanJson(personaDir, 'info', { ...saved, implicit });
        log(`implicit attributes on validation: blinks ${implicit.blinks.learned ? 'learnt' : 'not learnt'} (${implicit.blinks.reason}); head pose ${implicit.pose.learned ? 'learnt' : 'not learnt'} (${implicit.pose.reason})`);
      }
    }
    state.seconds = secondsBefore + (performance.now() - t0) / 1000;
    state.done = true;
    state.stopReason = stopReason;
    if (step > resumedFrom) await saveCheckpoint();
    else await writeGanJson(personaDir, 'training', state);
    const ran = step - resumedFrom;
    opts.onProgress?.({ stage: 'train', fraction: 1, message: stopReason, data: { window: L, bestVal: state.bestVal, bestStep: state.bestStep } });
    return {
      personaId: persona.id,
      window: L,
      width: arch.width,
      batch: B,
      steps: step,
      stepsThisRun: ran,
      resumedFrom,
      bestStep: state.bestStep,
      bestVal: state.bestVal,
      stoppedEarly,
      stopReason,
      seconds: state.seconds,
      secondsPerStep: ran > 0 ? (performance.now() - t0) / 1000 / ran : 0,
      stepSeconds: ran > 0 ? (trainer.timing.d.totalMs + trainer.timing.g.totalMs) / 1000 / ran : 0,
      provider,
      points: state.points,
      files,
      implicit,
    };
  } finally {
    await trainer.dispose();
  }
}

