/**
 * The rendering side of FACIAL (method doc sections 5 and 6): the conditioning
 * renderer (textured, lit face + eye attention map), the rendering-to-video network
 * G_r and its per-persona training. Synthesis and MP4 export: src/engine/export.
 */
export { ConditioningRenderer, renderConditioning, interleaveRgbe, DEFAULT_LIGHT } from './conditioning';
export type { ConditioningFrame, RenderView, RgbTexture, LightSetup, ConditioningRendererOptions } from './conditioning';
export { buildSubdivision, applySparse, type SubdivisionOperator } from './subdivide';
export {
  RENDERER_CONFIGS, buildGenerator, buildDiscriminators, buildRendererTrainGraphs, buildRendererInferenceGraph, inputChannels, windowOffsets, rendererIdentity, isRendererConfigName,
  type RendererNetConfig, type RendererConfigName,
} from './face2vid-net';
export { trainRenderer, evaluateRenderer, readRendererInfo, loadRendererRunner, rendererFile, RENDERER_FILES } from './train-renderer';
export type { TrainRendererOptions, TrainRendererResult, RendererInfo, RendererEval, LossPoint, RendererRunner } from './train-renderer';
export { rendererDir, loadPersonaTexture, personaView, ConditioningWindow, RealFrames } from './dataset';
export { psnr, ssimRgb, meanAbsError, FlickerMeter } from './metrics';
