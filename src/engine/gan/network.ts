/**
 * FACIAL-GAN's compiled graphs: the discriminator and generator training steps
 * (GAN alternation over one parameter store), a forward graph for validation, and
 * the standalone inference model (model.onnx) that generation runs.
 */
import { Graph, adam, compileForward, exportInference, InferenceRunner, type ParameterStore, type TrainStepSpec, type CompiledGraph, type ProviderChoice } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { buildDiscriminator, buildGenerator, DIS_PREFIX, GEN_PREFIX, AUDIO_DIM, AUDIO_STEPS, type GanArchitecture } from './model';
import { discriminatorLoss, generatorLoss, type LossWeights } from './losses';
import type { WindowPredictor } from './infer';

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

/** Writes model.onnx: the generator with the store's current weights (atomically). */
export async function exportGenerator(arch: GanArchitecture, params: ParameterStore, file: string, metadata: Record<string, string>): Promise<void> {
  await exportInference(inferenceGraph(arch), params, { path: file, metadata });
}

/** A window predictor over an exported model.onnx. */
export async function onnxPredictor(model: string | Uint8Array, arch: GanArchitecture, provider: ProviderChoice = 'cpu', threads?: number): Promise<{ predict: WindowPredictor; dispose: () => Promise<void>; provider: string }> {
  const runner = await InferenceRunner.create(model, { provider, threads });
  const L = arch.window;
  return {
    provider: runner.provider,
    predict: async (audio, state) => {
      const out = await runner.run({ audio: { data: audio, shape: [1, L, AUDIO_STEPS, AUDIO_DIM] }, state: { data: state, shape: [1, PARAM_COUNT] } });
      return out.params.data as Float32Array;
    },
    dispose: () => runner.session.release(),
  };
}
