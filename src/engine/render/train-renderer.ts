/**
 * Per-persona training of the rendering network G_r (method doc section 6): pairs of
 * (conditioning window, real frame crop) from the persona's reference video, the
 * last 40 % held out for testing (5 : 1 : 4 split), GAN alternation (G step, then D
 * step) on the neural engine, preview grids (conditioning | generated | real) every
 * N steps, atomic checkpoints with resume, progress and cancel. At the end (and at
 * every checkpoint) the generator is exported as a standalone ONNX model for
 * synthesis, and the held-out quality figures are written to eval.json.
 *
 * `<persona>/renderer/`:
 *   renderer.json            RendererInfo: config, size, steps, split, loss history
 *   checkpoint.safetensors   generator + discriminators + Adam state (resume)
 *   generator.onnx           inference model: 'cond' [1, 8·N_w, S, S] → 'frame' [1, 3, S, S]
 *   frames-<S>.npy/.json     cached real crops [T, S, S, 3] uint8 (rebuilt when the video changes)
 *   previews/step-NNNNNN.png preview grids
 *   eval.json                RendererEval: PSNR, SSIM, flicker on held-out frames
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { loadPersona, type Persona } from '../persona';
import {
  ParameterStore, Trainer, adam, compileForward, exportInference, InferenceRunner,
  type ProviderChoice,
} from '../nn';
import { Rng, splitFrames, type Split } from '../common/numeric';
import { UserError, isCancelled, throwIfCancelled } from '../util/errors';
import { limitProblem } from '../../shared/limits';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { EtaEstimator, subProgress, type RunOptions } from '../util/progress';
import { ConditioningRenderer } from './conditioning';
import {
  RENDERER_CONFIGS, buildRendererInferenceGraph, buildRendererTrainGraphs, inputChannels, isRendererConfigName, rendererIdentity,
  type RendererConfigName, type RendererNetConfig,
} from './face2vid-net';
import {
  ConditioningWindow, RealFrames, encodeGrid, loadPersonaTexture, personaView, planarToRgb, rendererDir, rgbToPlanar,
} from './dataset';
import { FlickerMeter, psnr, ssimRgb } from './metrics';

export const RENDERER_FORMAT_VERSION = 1;
export const RENDERER_FILES = {
  info: 'renderer.json',
  checkpoint: 'checkpoint.safetensors',
  model: 'generator.onnx',
  eval: 'eval.json',
  previews: 'previews',
} as const;

export interface LossPoint {
  step: number;
  g: number;
  d: number;
  adv: number;
  fm: number;
  perceptual: number;
  l1: number;
}

export interface RendererInfo {
  formatVersion: number;
  identity: string;
  personaId: string;
  config: RendererNetConfig;
  size: number;
  steps: number;
  split: Split;
  provider: string;
  trainSeconds: number;
  updatedAt: string;
  model: string;
  losses: LossPoint[];
  lastPreview?: string;
}

export interface RendererEval {
  formatVersion: number;
  personaId: string;
  steps: number;
  config: string;
  size: number;
  /** Held-out frames [from, to) of the persona's clip, and how many were scored. */
  testRange: [number, number];
  frames: number;
  psnrDb: number;
  ssim: number;
  /** Mean |f_t − f_{t−1}| (0..255) of the generated and of the real held-out frames, and their ratio. */
  flicker: { generated: number; real: number; ratio: number };
  /** The same figures for the untrained baseline: the textured 3D render itself. */
  baseline: { psnrDb: number; ssim: number };
  inferenceMsPerFrame: number;
  provider: string;
  createdAt: string;
}

export interface TrainRendererOptions extends RunOptions {
  size?: 256 | 512;
  /** Total steps to reach (a resumed run continues up to this count). */
  steps?: number;
  config?: RendererConfigName | RendererNetConfig;
  device?: ProviderChoice;
  threads?: number;
  previewEvery?: number;
  checkpointEvery?: number;
  /** Ignore an existing checkpoint and start over. */
  restart?: boolean;
  seed?: number;
  /** At most this many held-out frames are scored (default: all). */
  evalFrames?: number;
  log?: (line: string) => void;
}

export interface TrainRendererResult {
  dir: string;
  steps: number;
  stepsThisRun: number;
  resumedFrom: number;
  seconds: number;
  secondsPerStep: number;
  provider: string;
  losses: LossPoint | undefined;
  previews: string[];
  model: string;
  eval: RendererEval;
}

export function rendererFile(personaDir: string, f: keyof typeof RENDERER_FILES): string {
  return path.join(rendererDir(personaDir), RENDERER_FILES[f]);
}

/** renderer.json of a persona, or undefined when no renderer was trained. */
export async function readRendererInfo(personaDir: string): Promise<RendererInfo | undefined> {
  const file = rendererFile(personaDir, 'info');
  if (!existsSync(file)) return undefined;
  let info: RendererInfo;
  try {
    info = JSON.parse(await fs.readFile(file, 'utf8')) as RendererInfo;
  } catch {
    throw new UserError('renderer-info-damaged', `${file} is damaged.`, { file, hint: 'Train the renderer again (facial-studio train renderer --persona DIR --restart).' });
  }
  if (typeof info.formatVersion !== 'number' || info.formatVersion > RENDERER_FORMAT_VERSION) {
    throw new UserError('renderer-too-new', `${file} was written by a newer FACIAL Studio.`, { file, hint: 'Update FACIAL Studio, or train the renderer again.' });
  }
  return info;
}

export function resolveRendererConfig(c: TrainRendererOptions['config']): RendererNetConfig {
  if (c === undefined) return RENDERER_CONFIGS['cpu-small'];
  if (typeof c === 'string') {
    if (!isRendererConfigName(c)) throw new UserError('renderer-config-unknown', `Unknown renderer configuration "${c}".`, { hint: `Use one of: ${Object.keys(RENDERER_CONFIGS).join(', ')}.` });
    return RENDERER_CONFIGS[c];
  }
  return c;
}

function defaultSteps(cfg: RendererNetConfig): number {
  return cfg.name === 'gpu-full' ? 20000 : 300;
}

/** What a training run is given, checked: size, configuration, the step count to reach. */
function checkTrainOptions(opts: TrainRendererOptions): { size: 256 | 512; cfg: RendererNetConfig; targetSteps: number } {
  // Whoever calls (CLI, API, bench): 0 or fewer steps would install an untrained model as trained.
  const stepsProblem = limitProblem('steps', opts.steps);
  if (stepsProblem) throw new UserError('steps-invalid', `Training steps ${stepsProblem}.`, { hint: 'Give a positive number of steps, or a preset.' });
  const size = opts.size ?? 256;
  if (size !== 256 && size !== 512) throw new UserError('renderer-size', `Renderer size ${size} is not supported.`, { hint: 'Use 256 or 512.' });
  const cfg = resolveRendererConfig(opts.config);
  const targetSteps = Math.max(1, Math.round(opts.steps ?? defaultSteps(cfg)));
  if (size % 2 ** (cfg.downsamplings + 2) !== 0) throw new UserError('renderer-size', `Size ${size} does not fit configuration ${cfg.name}.`, { hint: 'Use 256 or 512.' });
  return { size, cfg, targetSteps };
}

/** The networks on the neural engine: G and D steps and the inference graph over one parameter store. */
async function createRendererTrainer(cfg: RendererNetConfig, size: number, opts: TrainRendererOptions, log: (l: string) => void): Promise<{ trainer: Trainer; params: ParameterStore }> {
  const graphs = buildRendererTrainGraphs(cfg, size, cfg.batch);
  const params = new ParameterStore(opts.seed ?? 1);
  const optim = adam({ lr: cfg.lr, betas: [0.5, 0.999] });
  const trainer = await Trainer.create({
    graphs: {
      g: { ...graphs.gStep, trainable: ['generator'], optimizer: optim },
      d: { ...graphs.dStep, trainable: ['discriminator'], optimizer: optim },
      infer: compileForward(buildRendererInferenceGraph(cfg, size, 1)),
    },
    params,
    provider: opts.device ?? 'cpu',
    threads: opts.threads,
    log,
  });
  return { trainer, params };
}

/**
 * One training run of G_r on a persona: its data (real crops, conditioning windows),
 * networks, resume state, and the stages that use them (previews, checkpoints, steps).
 */
class RendererTraining {
  readonly previews: string[] = [];
  losses: LossPoint[] = [];
  trainSeconds = 0;
  resumedFrom = 0;
  step = 0;
  readonly split: Split;
  private readonly runStart = performance.now();
  private readonly ckpt: string;
  private readonly previewFrames: number[];

  constructor(
    readonly persona: Persona,
    readonly cfg: RendererNetConfig,
    readonly size: number,
    readonly identity: string,
    readonly real: RealFrames,
    readonly cond: ConditioningWindow,
    readonly trainer: Trainer,
    readonly params: ParameterStore,
    private readonly log: (l: string) => void,
  ) {
    this.split = splitFrames(persona.frameCount);
    this.ckpt = rendererFile(persona.dir, 'checkpoint');
    const { train, test } = this.split;
    // Preview rows: one training frame, two held-out frames.
    this.previewFrames = [Math.floor((train.start + train.end) / 2), test.start + Math.floor((test.end - test.start) / 3), test.start + Math.floor((2 * (test.end - test.start)) / 3)];
  }

  /** Continues from the checkpoint when it is this configuration's (unless `restart`); a fresh start clears old previews. */
  async resume(restart: boolean): Promise<void> {
    const prevInfo = restart ? undefined : await readRendererInfo(this.persona.dir).catch(() => undefined);
    const same = prevInfo && prevInfo.identity === this.identity;
    this.losses = same ? prevInfo.losses : [];
    this.trainSeconds = same ? prevInfo.trainSeconds : 0;
    if (!restart && existsSync(this.ckpt)) {
      try {
        await this.trainer.loadCheckpoint(this.ckpt, { identity: this.identity });
        this.resumedFrom = this.trainer.steps.g ?? 0;
        this.log(`resumed from step ${this.resumedFrom}`);
      } catch (err) {
        const why = (err as Error).message.split('\n')[0];
        // A checkpoint of another configuration (size, network) is a deliberate change: start over.
        // A damaged one is reported, never silently discarded: the steps it holds may be hours of work.
        if (!/checkpoint is for/.test(why)) {
          throw new UserError('checkpoint-damaged', `The renderer checkpoint ${this.ckpt} is damaged and cannot be resumed (${why.slice(0, 300)}).`, {
            file: this.ckpt,
            hint: 'Restore the persona folder from a backup to keep the training done so far, or start over with --restart (the studio: retrain from scratch).',
            cause: err,
          });
        }
        this.log(`not resuming (${why}): starting over`);
        this.losses = [];
        this.trainSeconds = 0;
      }
    }
    this.step = this.resumedFrom;
    if (this.resumedFrom === 0) {
      // A fresh start: previews of an earlier run would be mistaken for this one's.
      const pdir = path.join(rendererDir(this.persona.dir), RENDERER_FILES.previews);
      for (const f of await fs.readdir(pdir)) if (/^step-\d+\.png$/.test(f)) await fs.rm(path.join(pdir, f), { force: true });
    }
  }

  get stepsThisRun(): number {
    return this.step - this.resumedFrom;
  }

  get runSeconds(): number {
    return (performance.now() - this.runStart) / 1000;
  }

  /** Checkpoint (with the Adam state), inference model and renderer.json, each written atomically. */
  async save(final: boolean): Promise<void> {
    const { persona, cfg, size, identity, step } = this;
    await this.trainer.saveCheckpoint(this.ckpt, { identity, config: { cfg, size }, extra: { personaId: persona.meta.id } });
    const bytes = await exportInference(buildRendererInferenceGraph(cfg, size, 1), this.params, { metadata: { 'facial.renderer': identity, 'facial.steps': String(step) } });
    await writeFileAtomic(rendererFile(persona.dir, 'model'), bytes);
    const info: RendererInfo = {
      formatVersion: RENDERER_FORMAT_VERSION,
      identity,
      personaId: persona.meta.id,
      config: cfg,
      size,
      steps: step,
      split: this.split,
      provider: this.trainer.provider,
      trainSeconds: this.trainSeconds + this.runSeconds,
      updatedAt: new Date().toISOString(),
      model: RENDERER_FILES.model,
      losses: thin(this.losses, 400),
      ...(this.previews.length ? { lastPreview: path.relative(persona.dir, this.previews[this.previews.length - 1]) } : {}),
    };
    await writeJsonAtomic(rendererFile(persona.dir, 'info'), info);
    this.log(`checkpoint at step ${step}${final ? ' (final)' : ''}`);
  }

  /** A grid (conditioning | generated | real) of one training and two held-out frames, as previews/step-N.png. */
  async writePreview(): Promise<string> {
    const { size, cond } = this;
    const rows: Uint8Array[][] = [];
    const one = new Float32Array(inputChannels(this.cfg) * size * size);
    for (const t of this.previewFrames) {
      cond.fill(t, one);
      const out = await this.trainer.run('infer', { cond: one });
      const gen = planarToRgb(out.frame.data as Float32Array, size);
      const c = cond.frame(t);
      const condTile = new Uint8Array(size * size * 3);
      for (let i = 0; i < size * size; i++) {
        const e = c.eye[i] / 255;
        for (let ch = 0; ch < 3; ch++) condTile[i * 3 + ch] = Math.round(c.rgb[i * 3 + ch] * (1 - e) + 255 * e);
      }
      rows.push([condTile, gen, (await this.real.get(t)).slice()]);
    }
    const file = path.join(rendererDir(this.persona.dir), RENDERER_FILES.previews, `step-${String(this.step).padStart(6, '0')}.png`);
    await writeFileAtomic(file, encodeGrid(rows, size));
    this.previews.push(file);
    return file;
  }

  /** Steps (a G step, then a D step, on a batch of random training frames) up to `targetSteps`, with previews and checkpoints. */
  async train(targetSteps: number, opts: TrainRendererOptions): Promise<void> {
    const { size, cond, cfg } = this;
    const B = cfg.batch, cin = inputChannels(cfg);
    const previewEvery = opts.previewEvery ?? Math.max(20, Math.round(targetSteps / 8));
    const checkpointEvery = opts.checkpointEvery ?? Math.max(50, Math.round(targetSteps / 4));
    const rng = new Rng((opts.seed ?? 1) * 7919 + this.resumedFrom);
    const condBuf = new Float32Array(B * cin * size * size);
    const realBuf = new Float32Array(B * 3 * size * size);
    const frameBuf = new Uint8Array(size * size * 3);
    const eta = new EtaEstimator();
    const { start: trainFrom, end: trainTo } = this.split.train;
    const todo = Math.max(1, targetSteps - this.resumedFrom);
    while (this.step < targetSteps) {
      throwIfCancelled(opts.signal);
      for (let b = 0; b < B; b++) {
        const t = trainFrom + Math.floor(rng.next() * (trainTo - trainFrom));
        cond.fill(t, condBuf, b * cin * size * size);
        rgbToPlanar(await this.real.get(t, frameBuf), size, realBuf, b * 3 * size * size);
      }
      const gl = await this.trainer.step('g', { cond: condBuf, real: realBuf });
      const dl = await this.trainer.step('d', { cond: condBuf, real: realBuf });
      const step = ++this.step;
      const point: LossPoint = { step, g: gl.loss, d: dl.loss, adv: gl.adv, fm: gl.fm, perceptual: gl.perceptual, l1: gl.l1 };
      if (!Object.values(point).every(Number.isFinite)) {
        throw new UserError('renderer-diverged', `Training diverged at step ${step} (a loss became NaN or infinite).`, { hint: 'Train again with --restart; if it repeats, use a smaller configuration.' });
      }
      this.losses.push(point);
      const etaS = eta.update(this.stepsThisRun / todo);
      const data: Record<string, unknown> = { step, steps: targetSteps, loss: point, ...(etaS !== undefined ? { etaS: Math.round(etaS) } : {}) };
      if (step % previewEvery === 0 || step === targetSteps) data.preview = await this.writePreview();
      if (step % checkpointEvery === 0 && step < targetSteps) await this.save(false);
      opts.onProgress?.({ stage: 'train', fraction: 0.05 + 0.8 * (this.stepsThisRun / todo), message: `step ${step}/${targetSteps}  G ${point.g.toFixed(3)}  D ${point.d.toFixed(3)}  L1 ${point.l1.toFixed(3)}`, data });
    }
  }

  async close(): Promise<void> {
    await this.trainer.dispose();
    await this.real.close();
  }
}

/** Data and networks of a run, resumed where an earlier run of the same configuration stopped. */
async function openTraining(personaDir: string, opts: TrainRendererOptions, cfg: RendererNetConfig, size: number, log: (l: string) => void): Promise<RendererTraining> {
  const persona = await loadPersona(personaDir);
  await fs.mkdir(path.join(rendererDir(persona.dir), RENDERER_FILES.previews), { recursive: true });
  opts.onProgress?.({ stage: 'frames', fraction: 0, message: 'preparing training frames' });
  const real = await RealFrames.open(persona, size, { signal: opts.signal, onProgress: subProgress(opts.onProgress, 0, 0.05, 'frames') });
  const cond = new ConditioningWindow(new ConditioningRenderer(persona.model, loadPersonaTexture(persona)), personaView(persona, size), persona.params, cfg.window, 64);
  let nets: { trainer: Trainer; params: ParameterStore };
  try {
    nets = await createRendererTrainer(cfg, size, opts, log);
  } catch (err) {
    await real.close();
    throw err;
  }
  const run = new RendererTraining(persona, cfg, size, rendererIdentity(cfg, size), real, cond, nets.trainer, nets.params, log);
  try {
    await run.resume(Boolean(opts.restart));
  } catch (err) {
    await run.close();
    throw err;
  }
  return run;
}

export async function trainRenderer(personaDir: string, opts: TrainRendererOptions = {}): Promise<TrainRendererResult> {
  const t0 = performance.now();
  const { size, cfg, targetSteps } = checkTrainOptions(opts);
  const run = await openTraining(personaDir, opts, cfg, size, opts.log ?? (() => undefined));
  try {
    if (run.step === 0) {
      const p = await run.writePreview();
      opts.onProgress?.({ stage: 'train', fraction: 0.05, message: 'step 0 (untrained)', data: { preview: p, step: 0 } });
    }
    await run.train(targetSteps, opts);
    await run.save(true);
  } catch (err) {
    // Keep what was learnt: a later run resumes from here.
    if (isCancelled(err) && run.stepsThisRun > 0) await run.save(false).catch(() => undefined);
    await run.close();
    throw err;
  }
  const seconds = run.runSeconds;
  await run.close();
  opts.onProgress?.({ stage: 'eval', fraction: 0.86, message: 'scoring held-out frames' });
  const ev = await evaluateRenderer(run.persona.dir, { device: opts.device, threads: opts.threads, maxFrames: opts.evalFrames, signal: opts.signal, onProgress: subProgress(opts.onProgress, 0.86, 1, 'eval') });
  return {
    dir: rendererDir(run.persona.dir),
    steps: run.step,
    stepsThisRun: run.stepsThisRun,
    resumedFrom: run.resumedFrom,
    seconds: (performance.now() - t0) / 1000,
    secondsPerStep: run.stepsThisRun ? seconds / run.stepsThisRun : 0,
    provider: run.trainer.provider,
    losses: run.losses[run.losses.length - 1],
    previews: run.previews,
    model: rendererFile(run.persona.dir, 'model'),
    eval: ev,
  };
}

function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const stride = Math.ceil(xs.length / max);
  const out = xs.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== xs[xs.length - 1]) out.push(xs[xs.length - 1]);
  return out;
}

/** A loaded G_r for inference: renders a window into an RGB crop. */
export interface RendererRunner {
  info: RendererInfo;
  runner: InferenceRunner;
  /** cond [8·N_w, S, S] in [-1, 1] → RGB24 crop [S*S*3]. */
  infer(cond: Float32Array, out?: Uint8Array): Promise<Uint8Array>;
  dispose(): Promise<void>;
}

export async function loadRendererRunner(personaDir: string, opts: { device?: ProviderChoice; threads?: number; persona?: Persona } = {}): Promise<RendererRunner | undefined> {
  const info = await readRendererInfo(personaDir);
  const model = rendererFile(personaDir, 'model');
  if (!info || !existsSync(model)) return undefined;
  const persona = opts.persona ?? (await loadPersona(personaDir));
  if (info.personaId !== persona.meta.id) {
    throw new UserError('renderer-other-persona', `The renderer in ${rendererDir(personaDir)} was trained for another persona.`, {
      file: rendererFile(personaDir, 'info'),
      hint: 'Train it again for this persona (facial-studio train renderer --persona DIR --restart).',
    });
  }
  const runner = await InferenceRunner.create(model, { provider: opts.device ?? 'cpu', threads: opts.threads });
  const S = info.size;
  const shape = [1, inputChannels(info.config), S, S];
  return {
    info,
    runner,
    async infer(cond, out) {
      const res = await runner.run({ cond: { data: cond, shape } });
      return planarToRgb(res.frame.data as Float32Array, S, out);
    },
    dispose: () => runner.dispose(),
  };
}

/**
 * Scores the trained G_r on the held-out frames (the last 40 % of the clip): PSNR and
 * SSIM against the real crops, flicker of the generated sequence against the real
 * one, and the same PSNR/SSIM for the textured 3D render (the untrained baseline).
 * Writes eval.json.
 */
export async function evaluateRenderer(personaDir: string, opts: RunOptions & { device?: ProviderChoice; threads?: number; maxFrames?: number } = {}): Promise<RendererEval> {
  const persona = await loadPersona(personaDir);
  const r = await loadRendererRunner(persona.dir, { device: opts.device, threads: opts.threads, persona });
  if (!r) throw new UserError('renderer-not-trained', `No trained renderer in ${rendererDir(persona.dir)}.`, { hint: 'Run facial-studio train renderer --persona DIR first.' });
  const S = r.info.size;
  const real = await RealFrames.open(persona, S, { signal: opts.signal });
  try {
    const renderer = new ConditioningRenderer(persona.model, loadPersonaTexture(persona));
    const cond = new ConditioningWindow(renderer, personaView(persona, S), persona.params, r.info.config.window);
    const split = splitFrames(persona.frameCount);
    const { start: from, end: to } = split.test;
    const n = Math.min(to - from, opts.maxFrames ?? Infinity);
    const buf = new Float32Array(cond.channels * S * S);
    const flickGen = new FlickerMeter(), flickReal = new FlickerMeter();
    let sumPsnr = 0, sumSsim = 0, basePsnr = 0, baseSsim = 0, inferMs = 0;
    const gen = new Uint8Array(S * S * 3);
    for (let k = 0; k < n; k++) {
      throwIfCancelled(opts.signal);
      const t = from + k;
      cond.fill(t, buf);
      const ti = performance.now();
      await r.infer(buf, gen);
      inferMs += performance.now() - ti;
      const rf = await real.get(t);
      sumPsnr += Math.min(100, psnr(gen, rf));
      sumSsim += ssimRgb(gen, rf, S, S);
      const base = cond.frame(t).rgb;
      basePsnr += Math.min(100, psnr(base, rf));
      baseSsim += ssimRgb(base, rf, S, S);
      flickGen.push(gen);
      flickReal.push(rf);
      opts.onProgress?.({ stage: 'eval', fraction: (k + 1) / n, message: `frame ${k + 1}/${n}` });
    }
    const ev: RendererEval = {
      formatVersion: RENDERER_FORMAT_VERSION,
      personaId: persona.meta.id,
      steps: r.info.steps,
      config: r.info.config.name,
      size: S,
      testRange: [from, to],
      frames: n,
      psnrDb: round(sumPsnr / n, 3),
      ssim: round(sumSsim / n, 4),
      flicker: { generated: round(flickGen.value, 3), real: round(flickReal.value, 3), ratio: round(flickReal.value > 0 ? flickGen.value / flickReal.value : 0, 3) },
      baseline: { psnrDb: round(basePsnr / n, 3), ssim: round(baseSsim / n, 4) },
      inferenceMsPerFrame: round(inferMs / n, 1),
      provider: r.runner.provider,
      createdAt: new Date().toISOString(),
    };
    await writeJsonAtomic(rendererFile(persona.dir, 'eval'), ev);
    return ev;
  } finally {
    await real.close();
    await r.dispose();
  }
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

