/**
 * Synthesis and MP4 export: curves → conditioning frames → G_r (or the textured
 * preview) → soft-masked paste into the ping-pong reference video → H.264 + AAC.
 */
export { exportVideo, readCurvesFile, previewPathFor, type ExportVideoOptions, type ExportVideoResult, type ExportKind, type CurvesOrigin } from './export-video';
export { PRESETS, EXPORT_FPS, frameCountForDuration, pingPongIndex, referenceFrameFor, resampleCurves, presetFilter, geometryFilter, outputGeometry, isPresetName, isFraming, type PresetName, type ExportPreset, type Framing, type OutputGeometry } from './timing';
export { VideoWriter, type VideoWriterOptions } from './video-writer';
export { ReferenceFrames } from './reference-frames';
export { fillPolygon, softenMask, growMask, squareFeather } from './mask';
export { resizeRgb, blendPatch } from './compose';
