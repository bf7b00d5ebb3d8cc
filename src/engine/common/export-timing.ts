/**
 * Frame timing of an export that the editor needs too (so it lives in engine/common,
 * importable by the renderer): the output presets offered in the export dialog, and
 * which reference-video frame shows behind each output frame (the reference plays
 * forwards, then backwards, then forwards again: "ping-pong", so it never jumps).
 */

export type PresetName = 'square512' | '720p' | '1080p';

export interface ExportPreset {
  name: PresetName;
  width: number;
  height: number;
  /** square: a square of the source around the face, scaled; fit: the whole source scaled to fit, padded with black. */
  fit: 'square' | 'fit';
  label: string;
  /** What the preset shows, for the export dialog. */
  note: string;
}

export const PRESETS: Record<PresetName, ExportPreset> = {
  square512: { name: 'square512', width: 512, height: 512, fit: 'square', label: 'Square 512 × 512', note: 'the face, cropped square' },
  '720p': { name: '720p', width: 1280, height: 720, fit: 'fit', label: 'HD 1280 × 720', note: 'the whole frame' },
  '1080p': { name: '1080p', width: 1920, height: 1080, fit: 'fit', label: 'Full HD 1920 × 1080', note: 'the whole frame' },
};

export const EXPORT_FPS = [25, 30] as const;

export function isPresetName(s: string): s is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, s);
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
