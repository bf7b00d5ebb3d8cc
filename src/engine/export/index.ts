/**
 * Synthesis and MP4 export: curves → source frames chosen by head pose → mouth, jaw and
 * eyes from real frames (or G_r, or the textured preview) → H.264 + AAC (docs/rendering.md).
 */
export { exportVideo, readCurvesFile, previewPathFor, type ExportVideoOptions, type ExportVideoResult, type ExportKind, type CurvesOrigin } from './export-video';
export { PRESETS, EXPORT_FPS, frameCountForDuration, pingPongIndex, referenceFrameFor, resampleCurves, presetFilter, geometryFilter, outputGeometry, isPresetName, isFraming, type PresetName, type ExportPreset, type Framing, type OutputGeometry } from './timing';
export { VideoWriter, type VideoWriterOptions } from './video-writer';
export { ReferenceFrames } from './reference-frames';
export { fillPolygon, softenMask, growMask, squareFeather } from './mask';
export { resizeRgb, blendPatch } from './compose';
export { evaluateSynthesis, SYNTHESIS_EVAL_FILE, type SynthesisEval, type MouthFigures } from './evaluate-synthesis';
export { OutputPreview, type OutputPreviewOptions } from './output-preview';
export { residualStatus, residualVerdict, readSynthesisEval, describeResidualGain, type ResidualVerdict, type ResidualVerdictCode } from './residual-status';
export { trainMouthCorrection, mouthCorrectionWeights, type MouthCorrectionOptions, type MouthCorrectionResult, type MouthCorrectionStage } from './residual-flow';
