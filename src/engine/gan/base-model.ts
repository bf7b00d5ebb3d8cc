/**
 * Pretrain, then fine-tune, as FACIAL does: a **base model** is FACIAL-GAN trained on
 * several personas at once (each in its own network space, each with its own prior to
 * refine), and `train gan --init BASE` starts a persona's training from its weights
 * (generator and discriminator; fresh optimiser state) at a low learning rate (1e-5,
 * the reference's fine-tuning rate).
 *
 * A base model folder holds `model.json` (GanBaseInfo) and `checkpoint.safetensors`
 * (weights + optimiser state of the base run); base-weights.ts loads them for fine-tuning.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ParameterStore, Trainer } from '../nn';
import { UserError, CancelledError } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { StageRunner } from '../util/stages';
import { describeEncoderIdentity } from '../audio';
import { writeJsonAtomic } from '../util/atomic-file';
import { Rng } from '../common/numeric';
import { makeBatch, WindowSampler, DEFAULT_AUGMENTATION, type Batch } from './data';
import { checkpointIdentity, GAN_FILES, GAN_FORMAT_VERSION } from './files';
import type { GanBaseInfo } from './base-weights';
import { DEFAULT_LOSS_WEIGHTS } from './losses';
import type { GanArchitecture } from './model';
import { compiledInference, discriminatorStep, generatorStep } from './network';
import { prepareTraining, validationLoss, type GanTrainingSetup, type TrainGanOptions } from './train';

/** The training options that apply to a base run too (their meaning and defaults are `trainGan`'s). */
export type PretrainOptions = Pick<TrainGanOptions, 'steps' | 'windowLength' | 'batchSize' | 'lr' | 'width' | 'evalEvery' | 'patience' | 'seed' | 'device' | 'threads' | 'log' | keyof RunOptions>;

export interface PretrainResult {
  dir: string;
  personas: string[];
  window: number;
  steps: number;
  bestStep: number;
  bestVal: number;
  stopReason: string;
  seconds: number;
}

/** A batch whose windows come from the personas in turn (each in its own network space). */
function mixedBatch(setups: GanTrainingSetup[], samplers: WindowSampler[], B: number, rng: Rng): Batch {
  const parts = Array.from({ length: B }, (_, b) => makeBatch(setups[b % setups.length].ds, 1, samplers[b % setups.length], rng, DEFAULT_AUGMENTATION));
  const cat = (pick: (x: Batch) => Float32Array) => {
    const out = new Float32Array(parts.reduce((s, x) => s + pick(x).length, 0));
    let o = 0;
    for (const x of parts) {
      out.set(pick(x), o);
      o += pick(x).length;
    }
    return out;
  };
  return { audio: cat((x) => x.audio), target: cat((x) => x.target), state: cat((x) => x.state), starts: parts.flatMap((x) => x.starts) };
}

/**
 * Pretrains a base model on several personas (their clips' training parts; the mean
 * validation loss over them decides the best weights), written to `outDir`.
 */
export async function pretrainGanBase(personaDirs: string[], outDir: string, opts: PretrainOptions = {}): Promise<PretrainResult> {
  if (personaDirs.length < 2) throw new UserError('gan-pretrain-personas', 'Pretraining a base model needs at least two personas.', { hint: 'Give --personas A,B[,C...]; to train one persona, use --persona.' });
  const log = opts.log ?? (() => undefined);
  const run = new StageRunner(opts, { load: 2, compile: 2, train: 96 });
  const setups = await run.stage('load', async () => {
    const first = await prepareTraining(personaDirs[0], { windowLength: opts.windowLength, width: opts.width, restart: true } as TrainGanOptions);
    const rest = await Promise.all(personaDirs.slice(1).map((d) => prepareTraining(d, { windowLength: first.arch.window, width: opts.width, restart: true } as TrainGanOptions)));
    const all = [first, ...rest];
    const encoders = new Set(all.map((s) => s.persona.encoder));
    if (encoders.size > 1) throw new UserError('gan-encoder-mismatch', `The personas' features come from different audio encoders (${[...encoders].map(describeEncoderIdentity).join('; ')}).`, { hint: 'Pretrain on personas built with the same audio encoder.' });
    return all;
  });
  const arch = setups[0].arch;
  const B = opts.batchSize ?? 16;
  const lr = opts.lr ?? 1e-4;
  const seed = opts.seed ?? 1234;
  const stepCfg = { arch, batch: B, lr, weights: DEFAULT_LOSS_WEIGHTS };
  const params = new ParameterStore(seed);
  let created: Trainer | undefined;
  try {
    await run.stage('compile', async () => {
      created = await Trainer.create({ graphs: { d: discriminatorStep(stepCfg), g: generatorStep(stepCfg), fwd: compiledInference(arch) }, params, provider: opts.device ?? 'cpu', threads: opts.threads, log });
    });
  } catch (err) {
    await created?.dispose();
    throw err;
  }
  const trainer = created!;
  const t0 = performance.now();
  try {
    await fs.mkdir(outDir, { recursive: true });
    const rng = new Rng(seed);
    const samplers = setups.map((s) => new WindowSampler(s.ds.starts, rng));
    const predict = async (audio: Float32Array, st: Float32Array) => (await trainer.run('fwd', { audio, state: st })).params.data as Float32Array;
    const total = opts.steps ?? 2000, evalEvery = opts.evalEvery ?? 10, patience = opts.patience ?? 8;
    let best = Infinity, bestStep = 0, since = 0, step = 0;
    let stopReason = `reached ${total} steps`;
    await run.stage('train', async (ctx) => {
      while (step < total) {
        if (ctx.signal?.aborted) throw new CancelledError();
        const batch = mixedBatch(setups, samplers, B, rng);
        const feeds = { audio: batch.audio, target: batch.target, state: batch.state };
        const d = await trainer.step('d', feeds);
        const g = await trainer.step('g', feeds);
        step++;
        if (step % evalEvery === 0 || step === total) {
          const vals = await Promise.all(setups.map((s) => validationLoss(s.ds, predict, DEFAULT_LOSS_WEIGHTS)));
          const val = vals.reduce((a, b) => a + b, 0) / vals.length;
          if (val < best * 0.995) {
            best = val;
            bestStep = step;
            since = 0;
            await trainer.saveCheckpoint(path.join(outDir, GAN_FILES.checkpoint), { identity: checkpointIdentity(arch) });
            await writeJsonAtomic(path.join(outDir, GAN_FILES.info), baseInfo(setups, arch, { step, val, lr, batch: B, seed, provider: trainer.provider }));
          } else if (++since >= patience && step >= 4 * evalEvery) {
            stopReason = `mean validation loss has not improved for ${patience} evaluations (best ${best.toFixed(4)} at step ${bestStep})`;
            break;
          }
        }
        ctx.progress(step / total, `step ${step}/${total}  G ${g.loss.toFixed(3)}  D ${d.loss.toFixed(3)}`);
      }
    });
    log(`base model: ${setups.length} personas, best mean validation loss ${best.toFixed(4)} at step ${bestStep} (${stopReason})`);
    return { dir: outDir, personas: setups.map((s) => s.persona.id), window: arch.window, steps: step, bestStep, bestVal: best, stopReason, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await trainer.dispose();
  }
}

function baseInfo(setups: GanTrainingSetup[], arch: GanArchitecture, training: GanBaseInfo['training']): GanBaseInfo {
  return {
    formatVersion: GAN_FORMAT_VERSION,
    kind: 'facial-gan-base',
    arch,
    target: 'residual-expression',
    encoder: setups[0].persona.encoder,
    personas: setups.map((s) => ({ id: s.persona.id, name: s.persona.name, frames: s.ds.T })),
    training,
    savedAt: new Date().toISOString(),
  };
}
