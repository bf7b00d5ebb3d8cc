/**
 * Frame timing of an export: how many frames cover the audio, which reference-video
 * frame shows behind each output frame (the reference plays forwards, then backwards,
 * then forwards again: "ping-pong", so it never jumps), and the output presets.
 */

export type PresetName = 'square512' | '720p' | '1080p';

export interface ExportPreset {
  name: PresetName;
  width: number;
  height: number;
  /** square: a square of the source around the face, scaled; fit: the whole source scaled to fit, padded with black. */
  fit: 'square' | 'fit';
  label: string;
}

export const PRESETS: Record<PresetName, ExportPreset> = {
  square512: { name: 'square512', width: 512, height: 512, fit: 'square', label: 'Square 512 x 512' },
  '720p': { name: '720p', width: 1280, height: 720, fit: 'fit', label: 'HD 1280 x 720' },
  '1080p': { name: '1080p', width: 1920, height: 1080, fit: 'fit', label: 'Full HD 1920 x 1080' },
};

export const EXPORT_FPS = [25, 30] as const;

export function isPresetName(s: string): s is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, s);
}

/** Output frames for an audio of `durationS` at `fps`: the nearest whole number (at least 1), so |frames/fps − duration| ≤ half a frame. */
export function frameCountForDuration(durationS: number, fps: number): number {
  if (!(durationS > 0) || !(fps > 0)) throw new Error(`frameCountForDuration: duration ${durationS} s and fps ${fps} must be positive`);
  return Math.max(1, Math.round(durationS * fps));
}

/**
 * Index into a clip of `T` frames at position `i` of its ping-pong playback
 * 0, 1, …, T−1, T−2, …, 1, 0, 1, … (period 2(T − 1); a single frame repeats).
 */
export function pingPongIndex(i: number, T: number): number {
  if (!Number.isInteger(T) || T < 1) throw new Error(`pingPongIndex: clip length ${T} must be a positive integer`);
  if (T === 1) return 0;
  const period = 2 * (T - 1);
  const k = ((Math.floor(i) % period) + period) % period;
  return k < T ? k : period - k;
}

/**
 * The reference frame behind output frame `i`: the output's time i / outFps on the
 * reference's clock (refFps), then ping-pong over its `T` frames.
 */
export function referenceFrameFor(i: number, outFps: number, refFps: number, T: number): number {
  return pingPongIndex(Math.round((i * refFps) / outFps), T);
}

/**
 * Resamples per-frame parameter curves [Tin, C] at `inFps` to `outFrames` frames at
 * `outFps` by linear interpolation in time (held at the ends).
 */
export function resampleCurves(curves: Float32Array, channels: number, inFps: number, outFrames: number, outFps: number): Float32Array {
  const Tin = curves.length / channels;
  if (!Number.isInteger(Tin) || Tin < 1) throw new Error(`resampleCurves: ${curves.length} values are not a whole number of ${channels}-channel frames`);
  const out = new Float32Array(outFrames * channels);
  for (let i = 0; i < outFrames; i++) {
    const t = (i / outFps) * inFps;
    const a = Math.min(Tin - 1, Math.max(0, Math.floor(t)));
    const b = Math.min(Tin - 1, a + 1);
    const w = Math.min(1, Math.max(0, t - a));
    for (let c = 0; c < channels; c++) out[i * channels + c] = curves[a * channels + c] * (1 - w) + curves[b * channels + c] * w;
  }
  return out;
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
