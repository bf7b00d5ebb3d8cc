/**
 * Frame timing of an export: how many frames cover the audio, curve resampling and
 * the ffmpeg filter of each preset. The presets and the reference-frame mapping live
 * in engine/common/export-timing.ts (the editor uses them too).
 */

import { outputGeometry, type ExportPreset, type Framing, type OutputGeometry } from '../common/export-timing';
import { resampleLinear } from '../common/numeric';

// The presets and the ping-pong mapping are shared with the editor (engine/common).
export { PRESETS, EXPORT_FPS, isPresetName, isFraming, outputGeometry, pingPongIndex, referenceFrameFor, type PresetName, type ExportPreset, type Framing, type OutputGeometry } from '../common/export-timing';

/** Output frames for an audio of `durationS` at `fps`: the nearest whole number (at least 1), so |frames/fps − duration| ≤ half a frame. */
export function frameCountForDuration(durationS: number, fps: number): number {
  if (!(durationS > 0) || !(fps > 0)) throw new Error(`frameCountForDuration: duration ${durationS} s and fps ${fps} must be positive`);
  return Math.max(1, Math.round(durationS * fps));
}

/**
 * Resamples per-frame parameter curves [Tin, C] at `inFps` to `outFrames` frames at
 * `outFps` by linear interpolation in time (held at the ends).
 */
export function resampleCurves(curves: Float32Array, channels: number, inFps: number, outFrames: number, outFps: number): Float32Array {
  const Tin = curves.length / channels;
  if (!Number.isInteger(Tin) || Tin < 1) throw new Error(`resampleCurves: ${curves.length} values are not a whole number of ${channels}-channel frames`);
  return resampleLinear(curves, channels, Tin, outFrames, (i) => (i / outFps) * inFps);
}

/**
 * Where an output frame's pixels come from in the source frame, from the same geometry
 * the ffmpeg filter is built from: source = offset + scale * output (the quality
 * report maps the re-tracked landmarks back with it for its pose fit).
 */
export function geometryFraming(g: OutputGeometry): { scale: number; offsetX: number; offsetY: number } {
  const scale = g.crop.w / g.place.w;
  return { scale, offsetX: g.crop.x - g.place.x * scale, offsetY: g.crop.y - g.place.y * scale };
}

/**
 * The ffmpeg video filter that turns source-size frames into a preset's frame, from the
 * geometry the export dialog's thumbnail is drawn from too (outputGeometry): crop (the
 * whole frame, or a crop of the preset's aspect around the face for `fill`), scale, and
 * for `fit` pad with black bars.
 */
export function geometryFilter(g: OutputGeometry, srcW: number, srcH: number): string {
  const parts: string[] = [];
  const { crop, place } = g;
  if (crop.x !== 0 || crop.y !== 0 || crop.w !== srcW || crop.h !== srcH) parts.push(`crop=${crop.w}:${crop.h}:${crop.x}:${crop.y}`);
  if (place.w !== crop.w || place.h !== crop.h) parts.push(`scale=${place.w}:${place.h}:flags=lanczos`);
  if (place.w !== g.width || place.h !== g.height) parts.push(`pad=${g.width}:${g.height}:${place.x}:${place.y}:black`);
  parts.push('setsar=1');
  return parts.join(',');
}

/** The filter of a preset and framing for a source of srcW × srcH with the face at `focus`. */
export function presetFilter(preset: ExportPreset, srcW: number, srcH: number, focus: { x: number; y: number }, framing?: Framing): string {
  return geometryFilter(outputGeometry(preset, framing, srcW, srcH, focus), srcW, srcH);
}
