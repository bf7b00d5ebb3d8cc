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

export async function trainRenderer(personaDir: string, opts: TrainRendererOptions = {}): Promise<TrainRendererResult> {
  const t0 = performance.now();
  const signal = opts.signal;
  // Whoever calls (CLI, API, bench): 0 or fewer steps would install an untrained model as trained.
  const stepsProblem = limitProblem('steps', opts.steps);
  if (stepsProblem) throw new UserError('steps-invalid', `Training steps ${stepsProblem}.`, { hint: 'Give a positive number of steps, or a preset.' });
  const size = opts.size ?? 256;
  if (size !== 256 && size !== 512) throw new UserError('renderer-size', `Renderer size ${size} is not supported.`, { hint: 'Use 256 or 512.' });
  const cfg = resolveRendererConfig(opts.config);
  const targetSteps = Math.max(1, Math.round(opts.steps ?? defaultSteps(cfg)));
  if (size % 2 ** (cfg.downsamplings + 2) !== 0) throw new UserError('renderer-size', `Size ${size} does not fit configuration ${cfg.name}.`, { hint: 'Use 256 or 512.' });
  const persona = await loadPersona(personaDir);
  const dir = rendererDir(persona.dir);
  await fs.mkdir(path.join(dir, RENDERER_FILES.previews), { recursive: true });
  const identity = rendererIdentity(cfg, size);
  const log = opts.log ?? (() => undefined);

  // Data.
  opts.onProgress?.({ stage: 'frames', fraction: 0, message: 'preparing training frames' });
  const real = await RealFrames.open(persona, size, { signal, onProgress: subProgress(opts.onProgress, 0, 0.05, 'frames') });
  const texture = loadPersonaTexture(persona);
  const view = personaView(persona, size);
  const renderer = new ConditioningRenderer(persona.model, texture);
  const cond = new ConditioningWindow(renderer, view, persona.params, cfg.window, 64);
  const T = persona.frameCount;
  const split = splitFrames(T);
  const cin = inputChannels(cfg);
  const B = cfg.batch;

  // Networks.
  const graphs = buildRendererTrainGraphs(cfg, size, B);
  const params = new ParameterStore(opts.seed ?? 1);
  const optim = adam({ lr: cfg.lr, betas: [0.5, 0.999] });
  const infer = compileForward(buildRendererInferenceGraph(cfg, size, 1));
  let trainer: Trainer;
  try {
    trainer = await Trainer.create({
      graphs: {
        g: { ...graphs.gStep, trainable: ['generator'], optimizer: optim },
        d: { ...graphs.dStep, trainable: ['discriminator'], optimizer: optim },
        infer,
      },
      params,
      provider: opts.device ?? 'cpu',
      threads: opts.threads,
      log,
    });
  } catch (err) {
    await real.close();
    throw err;
  }
  const ckpt = rendererFile(persona.dir, 'checkpoint');
  let resumedFrom = 0;
  const prevInfo = opts.restart ? undefined : await readRendererInfo(persona.dir).catch(() => undefined);
  const losses: LossPoint[] = prevInfo && prevInfo.identity === identity ? prevInfo.losses : [];
  let trainSeconds = prevInfo && prevInfo.identity === identity ? prevInfo.trainSeconds : 0;
  if (!opts.restart && existsSync(ckpt)) {
    try {
      await trainer.loadCheckpoint(ckpt, { identity });
      resumedFrom = trainer.steps.g ?? 0;
      log(`resumed from step ${resumedFrom}`);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      // A checkpoint of another configuration (size, network) is a deliberate change: start over.
      // A damaged one is reported, never silently discarded: the steps it holds may be hours of work.
      if (!/checkpoint is for/.test(why)) {
        await real.close();
        throw new UserError('checkpoint-damaged', `The renderer checkpoint ${ckpt} is damaged and cannot be resumed (${why.slice(0, 300)}).`, {
          file: ckpt,
          hint: 'Restore the persona folder from a backup to keep the training done so far, or start over with --restart (the studio: retrain from scratch).',
          cause: err,
        });
      }
      log(`not resuming (${why}): starting over`);
      losses.length = 0;
      trainSeconds = 0;
    }
  }

  if (resumedFrom === 0) {
    // A fresh start: previews of an earlier run would be mistaken for this one's.
    const pdir = path.join(dir, RENDERER_FILES.previews);
    for (const f of await fs.readdir(pdir)) if (/^step-\d+\.png$/.test(f)) await fs.rm(path.join(pdir, f), { force: true });
  }
  const previews: string[] = [];
  const previewEvery = opts.previewEvery ?? Math.max(20, Math.round(targetSteps / 8));
  const checkpointEvery = opts.checkpointEvery ?? Math.max(50, Math.round(targetSteps / 4));
  // Preview rows: one training frame, two held-out frames.
  const previewFrames = [Math.floor((split.train.start + split.train.end) / 2), split.test.start + Math.floor((split.test.end - split.test.start) / 3), split.test.start + Math.floor((2 * (split.test.end - split.test.start)) / 3)];
  const rng = new Rng((opts.seed ?? 1) * 7919 + resumedFrom);
  const condBuf = new Float32Array(B * cin * size * size);
  const realBuf = new Float32Array(B * 3 * size * size);
  const frameBuf = new Uint8Array(size * size * 3);
  const eta = new EtaEstimator();
  let step = resumedFrom;
  const stepsThisRun = () => step - resumedFrom;
  const runStart = performance.now();

  const saveAll = async (final: boolean) => {
    await trainer.saveCheckpoint(ckpt, { identity, config: { cfg, size }, extra: { personaId: persona.meta.id } });
    const bytes = await exportInference(buildRendererInferenceGraph(cfg, size, 1), params, { metadata: { 'facial.renderer': identity, 'facial.steps': String(step) } });
    await writeFileAtomic(rendererFile(persona.dir, 'model'), bytes);
    const info: RendererInfo = {
      formatVersion: RENDERER_FORMAT_VERSION,
      identity,
      personaId: persona.meta.id,
      config: cfg,
      size,
      steps: step,
      split,
      provider: trainer.provider,
      trainSeconds: trainSeconds + (performance.now() - runStart) / 1000,
      updatedAt: new Date().toISOString(),
      model: RENDERER_FILES.model,
      losses: thin(losses, 400),
      ...(previews.length ? { lastPreview: path.relative(persona.dir, previews[previews.length - 1]) } : {}),
    };
    await writeJsonAtomic(rendererFile(persona.dir, 'info'), info);
    log(`checkpoint at step ${step}${final ? ' (final)' : ''}`);
  };

  const writePreview = async (): Promise<string> => {
    const rows: Uint8Array[][] = [];
    const one = new Float32Array(cin * size * size);
    for (const t of previewFrames) {
      cond.fill(t, one);
      const out = await trainer.run('infer', { cond: one });
      const gen = planarToRgb(out.frame.data as Float32Array, size);
      const c = cond.frame(t);
      const condTile = new Uint8Array(size * size * 3);
      for (let i = 0; i < size * size; i++) {
        const e = c.eye[i] / 255;
        for (let ch = 0; ch < 3; ch++) condTile[i * 3 + ch] = Math.round(c.rgb[i * 3 + ch] * (1 - e) + 255 * e);
      }
      rows.push([condTile, gen, (await real.get(t)).slice()]);
    }
    const file = path.join(dir, RENDERER_FILES.previews, `step-${String(step).padStart(6, '0')}.png`);
    await writeFileAtomic(file, encodeGrid(rows, size));
    previews.push(file);
    return file;
  };

  try {
    if (step === 0) {
      const p = await writePreview();
      opts.onProgress?.({ stage: 'train', fraction: 0.05, message: 'step 0 (untrained)', data: { preview: p, step: 0 } });
    }
    const { start: trainFrom, end: trainTo } = split.train;
    while (step < targetSteps) {
      throwIfCancelled(signal);
      for (let b = 0; b < B; b++) {
        const t = trainFrom + Math.floor(rng.next() * (trainTo - trainFrom));
        cond.fill(t, condBuf, b * cin * size * size);
        rgbToPlanar(await real.get(t, frameBuf), size, realBuf, b * 3 * size * size);
      }
      const gl = await trainer.step('g', { cond: condBuf, real: realBuf });
      const dl = await trainer.step('d', { cond: condBuf, real: realBuf });
      step++;
      const point: LossPoint = { step, g: gl.loss, d: dl.loss, adv: gl.adv, fm: gl.fm, perceptual: gl.perceptual, l1: gl.l1 };
      if (!Object.values(point).every(Number.isFinite)) {
        throw new UserError('renderer-diverged', `Training diverged at step ${step} (a loss became NaN or infinite).`, { hint: 'Train again with --restart; if it repeats, use a smaller configuration.' });
      }
      losses.push(point);
      const fraction = 0.05 + 0.8 * ((step - resumedFrom) / Math.max(1, targetSteps - resumedFrom));
      const etaS = eta.update((step - resumedFrom) / Math.max(1, targetSteps - resumedFrom));
      const data: Record<string, unknown> = { step, steps: targetSteps, loss: point, ...(etaS !== undefined ? { etaS: Math.round(etaS) } : {}) };
      if (step % previewEvery === 0 || step === targetSteps) data.preview = await writePreview();
      if (step % checkpointEvery === 0 && step < targetSteps) await saveAll(false);
      opts.onProgress?.({ stage: 'train', fraction, message: `step ${step}/${targetSteps}  G ${point.g.toFixed(3)}  D ${point.d.toFixed(3)}  L1 ${point.l1.toFixed(3)}`, data });
    }
    await saveAll(true);
  } catch (err) {
    if (isCancelled(err) && step > resumedFrom) {
      // Keep what was learnt: a later run resumes from here.
      await saveAll(false).catch(() => undefined);
    }
    await trainer.dispose();
    await real.close();
    throw err;
  }
  const seconds = (performance.now() - runStart) / 1000;
  await trainer.dispose();
  await real.close();
  opts.onProgress?.({ stage: 'eval', fraction: 0.86, message: 'scoring held-out frames' });
  const ev = await evaluateRenderer(persona.dir, { device: opts.device, threads: opts.threads, maxFrames: opts.evalFrames, signal, onProgress: subProgress(opts.onProgress, 0.86, 1, 'eval') });
  return {
    dir,
    steps: step,
    stepsThisRun: stepsThisRun(),
    resumedFrom,
    seconds: (performance.now() - t0) / 1000,
    secondsPerStep: stepsThisRun() ? seconds / stepsThisRun() : 0,
    provider: trainer.provider,
    losses: losses[losses.length - 1],
    previews,
    model: rendererFile(persona.dir, 'model'),
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

