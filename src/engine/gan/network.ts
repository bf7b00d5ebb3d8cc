/**
 * FACIAL-GAN's compiled graphs: the discriminator and generator training steps
 * (GAN alternation over one parameter store), a forward graph for validation, and
 * and the standalone inference models (gan/audio-path.onnx, state-path.onnx) that generation runs.
 */
import { Graph, adam, compileForward, exportInference, InferenceRunner, type ParameterStore, type TrainStepSpec, type CompiledGraph, type ProviderChoice } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { buildAudioPath, buildDiscriminator, buildGenerator, buildStatePath, DIS_PREFIX, GEN_PREFIX, AUDIO_DIM, AUDIO_STEPS, CONTEXT_DIM, type GanArchitecture } from './model';
import { discriminatorLoss, generatorLoss, type LossWeights } from './losses';
import type { WindowModel } from './infer';

export interface StepConfig {
  arch: GanArchitecture;
  batch: number;
  lr: number;
  weights: LossWeights;
}

function inputs(g: Graph, B: number, L: number) {
  return {
    audio: g.input('audio', [B, L, AUDIO_STEPS, AUDIO_DIM]),
    target: g.input('target', [B, L, PARAM_COUNT]),
    state: g.input('state', [B, PARAM_COUNT]),
  };
}

/** Generator step: regression terms + 0.1 x LSGAN (discriminator frozen). Reports every term. */
export function generatorStep(cfg: StepConfig): TrainStepSpec {
  const g = new Graph('facial_gan_g_step', { training: true });
  const x = inputs(g, cfg.batch, cfg.arch.window);
  const pred = buildGenerator(g, x.audio, x.state, cfg.arch);
  const dFake = buildDiscriminator(g, pred, cfg.arch);
  const t = generatorLoss(pred, x.target, x.state, cfg.weights, dFake);
  return {
    graph: g,
    loss: t.total,
    report: { regression: t.regression, initial: t.initial, expr: t.expr, expr_motion: t.exprMotion, blink: t.blink, blink_motion: t.blinkMotion, pose: t.pose, pose_motion: t.poseMotion, gan: t.gan! },
    trainable: [GEN_PREFIX],
    optimizer: adam({ lr: cfg.lr }),
  };
}

/** Discriminator step: real windows → 1, generated → 0 (generator frozen). */
export function discriminatorStep(cfg: StepConfig): TrainStepSpec {
  const g = new Graph('facial_gan_d_step', { training: true });
  const x = inputs(g, cfg.batch, cfg.arch.window);
  const pred = buildGenerator(g, x.audio, x.state, cfg.arch);
  const dReal = buildDiscriminator(g, x.target, cfg.arch);
  const dFake = buildDiscriminator(g, pred, cfg.arch);
  return { graph: g, loss: discriminatorLoss(dReal, dFake), trainable: [DIS_PREFIX], optimizer: adam({ lr: cfg.lr }) };
}

/** The generator in inference mode for one window (batch 1): inputs audio, state; output params. */
export function inferenceGraph(arch: GanArchitecture): Graph {
  const g = new Graph('facial_gan_generator', { training: false });
  const audio = g.input('audio', [1, arch.window, AUDIO_STEPS, AUDIO_DIM]);
  const state = g.input('state', [1, PARAM_COUNT]);
  g.output('params', buildGenerator(g, audio, state, arch));
  return g;
}

export function compiledInference(arch: GanArchitecture): CompiledGraph {
  const g = new Graph('facial_gan_forward', { training: false });
  const audio = g.input('audio', [1, arch.window, AUDIO_STEPS, AUDIO_DIM]);
  const state = g.input('state', [1, PARAM_COUNT]);
  g.output('params', buildGenerator(g, audio, state, arch));
  return compileForward(g);
}

/** Windows encoded per call of the exported audio encoder. */
export const ENCODE_BATCH = 4;

/** The audio path for ENCODE_BATCH windows (inference mode): audio → pre, local. */
export function encoderGraph(arch: GanArchitecture, batch = ENCODE_BATCH): Graph {
  const g = new Graph('facial_gan_encoder', { training: false });
  const audio = g.input('audio', [batch, arch.window, AUDIO_STEPS, AUDIO_DIM]);
  const enc = buildAudioPath(g, audio, arch, { polyphase: true });
  g.output('pre', enc.pre);
  g.output('local', enc.local);
  return g;
}

/** The state path for one window (inference mode): pre, local, state → params. */
export function decoderGraph(arch: GanArchitecture): Graph {
  const g = new Graph('facial_gan_decoder', { training: false });
  const L = arch.window;
  const p = Math.max(8, Math.round(256 * arch.width));
  const pre = g.input('pre', [1, p, L]);
  const local = g.input('local', [L, CONTEXT_DIM]);
  const state = g.input('state', [1, PARAM_COUNT]);
  g.output('params', buildStatePath(g, { pre, local }, state, arch));
  return g;
}

/** The generator as two standalone ONNX models: the audio path for ENCODE_BATCH windows, the state path for one. */
export interface ExportedGenerator {
  /** gan/audio-path.onnx: everything before the state joins (the audio windows), batched. */
  audioPath: string;
  /** gan/state-path.onnx: the rest, one window from its initial state. */
  statePath: string;
}

/** Writes the generator with the store's current weights (atomically), as the audio-path/state-path pair. */
export async function exportGenerator(arch: GanArchitecture, params: ParameterStore, files: ExportedGenerator, metadata: Record<string, string>): Promise<void> {
  await exportInference(encoderGraph(arch), params, { path: files.audioPath, metadata: { ...metadata, 'facial.part': 'audio-path', 'facial.batch': String(ENCODE_BATCH) } });
  await exportInference(decoderGraph(arch), params, { path: files.statePath, metadata: { ...metadata, 'facial.part': 'state-path' } });
}

/**
 * The window model over the exported encoder/decoder: every window's audio encoded in
 * batches of ENCODE_BATCH, then the windows decoded one after the other (each needs
 * the previous window's last frame as its state).
 */
export async function exportedWindowModel(files: ExportedGenerator, arch: GanArchitecture, provider: ProviderChoice = 'cpu', threads?: number): Promise<{ model: WindowModel; dispose: () => Promise<void>; provider: string }> {
  const encoder = await InferenceRunner.create(files.audioPath, { provider, threads });
  const decoder = await InferenceRunner.create(files.statePath, { provider, threads }).catch(async (err: unknown) => {
    await encoder.dispose();
    throw err;
  });
  const L = arch.window;
  const P = Math.max(8, Math.round(256 * arch.width));
  const perWindow = L * AUDIO_STEPS * AUDIO_DIM;
  const model: WindowModel = {
    prepare: async (windows) => {
      const pre: Float32Array[] = [];
      const local: Float32Array[] = [];
      for (let i = 0; i < windows.length; i += ENCODE_BATCH) {
        const audio = new Float32Array(ENCODE_BATCH * perWindow);
        for (let b = 0; b < ENCODE_BATCH && i + b < windows.length; b++) audio.set(windows[i + b], b * perWindow);
        const out = await encoder.run({ audio: { data: audio, shape: [ENCODE_BATCH, L, AUDIO_STEPS, AUDIO_DIM] } });
        const pd = out.pre.data as Float32Array;
        const ld = out.local.data as Float32Array;
        for (let b = 0; b < ENCODE_BATCH && i + b < windows.length; b++) {
          pre.push(pd.slice(b * P * L, (b + 1) * P * L));
          local.push(ld.slice(b * L * CONTEXT_DIM, (b + 1) * L * CONTEXT_DIM));
        }
      }
      return async (k, state) => {
        const out = await decoder.run({
          pre: { data: pre[k], shape: [1, P, L] },
          local: { data: local[k], shape: [L, CONTEXT_DIM] },
          state: { data: state, shape: [1, PARAM_COUNT] },
        });
        return out.params.data as Float32Array;
      };
    },
  };
  return {
    model,
    provider: encoder.provider,
    dispose: async () => {
      await encoder.dispose();
      await decoder.dispose();
    },
  };
}
