/**
 * Frame timing of an export: how many frames cover the audio, curve resampling and
 * the ffmpeg filter of each preset. The presets and the reference-frame mapping live
 * in engine/common/export-timing.ts (the editor uses them too).
 */

import type { ExportPreset } from '../common/export-timing';
import { resampleLinear } from '../common/numeric';

// The presets and the ping-pong mapping are shared with the editor (engine/common).
export { PRESETS, EXPORT_FPS, isPresetName, pingPongIndex, referenceFrameFor, type PresetName, type ExportPreset } from '../common/export-timing';

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
 * Where a preset's pixels come from in the source frame (what presetFilter does):
 * source = offset + scale * output, for the quality report's pose fit.
 */
export function presetFraming(preset: ExportPreset, srcW: number, srcH: number, focus: { x: number; y: number }): { scale: number; offsetX: number; offsetY: number } {
  const { width: W, height: H } = preset;
  if (preset.fit === 'square') {
    const side = Math.min(srcW, srcH) & ~1;
    const x = Math.round(Math.min(srcW - side, Math.max(0, focus.x - side / 2)));
    const y = Math.round(Math.min(srcH - side, Math.max(0, focus.y - side / 2)));
    return { scale: side / W, offsetX: x, offsetY: y };
  }
  const s = Math.min(W / srcW, H / srcH);
  const w = Math.max(2, Math.round((srcW * s) / 2) * 2);
  const scale = srcW / w;
  return { scale, offsetX: -Math.floor((W - w) / 2) * scale, offsetY: -Math.floor((H - Math.max(2, Math.round((srcH * s) / 2) * 2)) / 2) * scale };
}

/**
 * The ffmpeg video filter that turns source-size frames into a preset's frame:
 * `square` crops the largest square around `focus` (clamped inside the frame) and
 * scales it; `fit` scales the whole frame to fit and pads it centred with black.
 */
export function presetFilter(preset: ExportPreset, srcW: number, srcH: number, focus: { x: number; y: number }): string {
  const { width: W, height: H } = preset;
  if (preset.fit === 'square') {
    const side = Math.min(srcW, srcH) & ~1;
    const x = Math.round(Math.min(srcW - side, Math.max(0, focus.x - side / 2)));
    const y = Math.round(Math.min(srcH - side, Math.max(0, focus.y - side / 2)));
    return `crop=${side}:${side}:${x}:${y},scale=${W}:${H}:flags=lanczos,setsar=1`;
  }
  const s = Math.min(W / srcW, H / srcH);
  const w = Math.max(2, Math.round((srcW * s) / 2) * 2);
  const h = Math.max(2, Math.round((srcH * s) / 2) * 2);
  return `scale=${w}:${h}:flags=lanczos,pad=${W}:${H}:${Math.floor((W - w) / 2)}:${Math.floor((H - h) / 2)}:black,setsar=1`;
}
