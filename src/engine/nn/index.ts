/**
 * FACIAL Studio neural engine: define networks in TypeScript, compile them to ONNX
 * (forward, gradients, optimiser update), train and run them on ONNX Runtime.
 *
 * ```ts
 * import { Graph, Sequential, Conv2d, BatchNorm2d, LeakyReLU, F, mseLoss, adam,
 *          ParameterStore, Trainer, compileForward, exportInference, InferenceRunner } from '../nn';
 *
 * const g = new Graph('g-step');                          // float32, training mode
 * const x = g.input('audio', [16, 1, 128, 29]);
 * const target = g.input('target', [16, 32, 64, 14]);
 * const net = new Sequential('generator', [new Conv2d(1, 32, { kernel: 4, stride: 2, padding: 1 }), new BatchNorm2d(32), new LeakyReLU(0.2)]);
 * const y = net.forward(g, x);                            // shape-checked; params 'generator.0.weight', ...
 * const loss = mseLoss(y, target);
 *
 * const params = new ParameterStore(1234);                // seeded, shared by all graphs
 * const trainer = await Trainer.create({
 *   graphs: { g: { graph: g, loss, trainable: ['generator'], optimizer: adam({ lr: 1e-4, betas: [0.5, 0.999] }) } },
 *   params, provider: 'auto',
 * });
 * const { loss: l } = await trainer.step('g', { audio, target }, { lr: 1e-4 });
 * await trainer.saveCheckpoint('ckpt.safetensors', { identity: 'facial-gan/1', config });
 * await trainer.loadCheckpoint('ckpt.safetensors', { identity: 'facial-gan/1' });
 *
 * const inf = new Graph('infer', { training: false });    // BatchNorm uses running stats
 * inf.output('y', net.forward(inf, inf.input('audio', [1, 1, 128, 29])));
 * const bytes = await exportInference(inf, params, { path: 'model.onnx' });
 * const runner = await InferenceRunner.create(bytes, { provider: 'auto' });
 * const out = await runner.run({ audio: { data, shape: [1, 1, 128, 29] } });
 * ```
 *
 * GAN: build a D-step graph (trainable ['discriminator']) and a G-step graph
 * (trainable ['generator']) with the same modules; both go in one Trainer and share
 * the store. Concepts and the op registry: docs/neural-engine.md.
 */
export { Graph, Graph as GraphBuilder, type GraphOptions, type ParamSpec } from './graph';
export { Tensor, ShapeError, defineOp, type DType, type Shape, type Node, type OpDef, type OpTable, type GradArgs, type OnnxEmitter, type AttrSchema, type AttrsOf } from './ir';
export * as F from './ops/functional';
export { OPS } from './ops/registry';
export { differentiate, type Backward, type Differentiated } from './autodiff';
export {
  Module, Sequential, Residual, Lambda, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, Linear,
  BatchNorm1d, BatchNorm2d, InstanceNorm, ReLU, LeakyReLU, Tanh, Sigmoid, Upsample, expectInput,
  type ConvOpts, type NormOpts,
} from './modules';
export { l1Loss, mseLoss, lsganLoss, bceWithLogits, featureMatchingLoss, ssim, msSsim, ssimLoss, msSsimLoss, MS_SSIM_WEIGHTS, type SsimOptions } from './losses';
export { adam, adamw, stepScalars, type AdamConfig, type OptimizerConfig } from './optim';
export { compileTrainStep, compileForward, type CompiledGraph, type TrainStepSpec } from './compile';
export { emitModel } from './emit';
export { ParameterStore, Trainer, type TrainerOptions, type StateMode, type StepOptions, type CheckpointMetadata, type LoadedCheckpoint, type Feed } from './trainer';
export { exportInference, InferenceRunner, type ExportOptions, type RunnerOptions } from './export';
export { probeProviders, createSession, describeChoice, type ProviderName, type ProviderChoice, type ProviderProbe } from './providers';
export { encodeSafetensors, decodeSafetensors, type SafeTensor } from './safetensors';
export { encodeModel, decodeModel, type ModelProto } from './onnx-proto';
export { initValues, fanInUniform, type Init } from './init';
