/**
 * Frame timing and framing of an export that the editor needs too (so it lives in
 * engine/common, importable by the renderer): the output presets offered in the export
 * dialog, how the source frame is framed in each (the export's ffmpeg filter and the
 * dialog's thumbnail are both drawn from `outputGeometry`), and which reference-video
 * frame shows behind each output frame (the reference plays forwards, then backwards,
 * then forwards again: "ping-pong", so it never jumps).
 */

export type PresetName = 'source' | 'square512' | '720p' | '1080p';

/**
 * How a preset of another aspect than the source is filled: `fit` shows the whole
 * source frame scaled to fit, with black bars; `fill` crops the source to the
 * preset's aspect around the face, so the picture fills the frame.
 */
export type Framing = 'fit' | 'fill';
export const FRAMINGS: readonly Framing[] = ['fit', 'fill'];

export interface ExportPreset {
  name: PresetName;
  /** Output size; 0 for `source` (the source's own size). */
  width: number;
  height: number;
  /** Framing used when the request names none (and the aspect differs from the source's). */
  defaultFraming: Framing;
  label: string;
}

export const PRESETS: Record<PresetName, ExportPreset> = {
  source: { name: 'source', width: 0, height: 0, defaultFraming: 'fit', label: 'Same as the footage' },
  square512: { name: 'square512', width: 512, height: 512, defaultFraming: 'fill', label: 'Square 512 × 512' },
  '720p': { name: '720p', width: 1280, height: 720, defaultFraming: 'fit', label: 'HD 1280 × 720' },
  '1080p': { name: '1080p', width: 1920, height: 1080, defaultFraming: 'fit', label: 'Full HD 1920 × 1080' },
};
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export const EXPORT_FPS = [25, 30] as const;

export function isPresetName(s: string): s is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, s);
}

export function isFraming(s: string): s is Framing {
  return (FRAMINGS as readonly string[]).includes(s);
}

/** Aspects closer than this (relative) count as the same: no framing choice, no bars. */
const SAME_ASPECT = 0.01;

export interface OutputGeometry {
  /** Output frame size (even, as H.264 4:2:0 needs). */
  width: number;
  height: number;
  /** The part of the source frame that is shown (source pixels). */
  crop: { x: number; y: number; w: number; h: number };
  /** Where the crop lands in the output (its scaled size and offset; bars around it when `fit` leaves room). */
  place: { x: number; y: number; w: number; h: number };
  /** What happened: the source's own framing, a crop that fills the frame, or the whole frame with bars. */
  framing: 'source' | Framing;
  /** True when the output has black bars (only with `fit`). */
  bars: boolean;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** True when the preset's picture has another aspect than a source of srcW × srcH (so fit and fill differ). */
export function aspectDiffers(preset: ExportPreset, srcW: number, srcH: number): boolean {
  if (preset.name === 'source') return false;
  return Math.abs(preset.width / preset.height / (srcW / srcH) - 1) > SAME_ASPECT;
}

/**
 * How a source frame of srcW × srcH becomes a preset's frame. `focus` (source pixels,
 * the face) centres the crop of `fill`, clamped inside the frame.
 */
export function outputGeometry(preset: ExportPreset, framing: Framing | undefined, srcW: number, srcH: number, focus: { x: number; y: number }): OutputGeometry {
  if (!(srcW >= 2 && srcH >= 2)) throw new Error(`outputGeometry: source size ${srcW}x${srcH} is too small`);
  if (preset.name === 'source') {
    // Keep the source's size and aspect; an odd size loses its last row or column (H.264 4:2:0).
    const w = srcW & ~1;
    const h = srcH & ~1;
    return { width: w, height: h, crop: { x: 0, y: 0, w, h }, place: { x: 0, y: 0, w, h }, framing: 'source', bars: false };
  }
  const W = preset.width;
  const H = preset.height;
  if (!aspectDiffers(preset, srcW, srcH)) {
    return { width: W, height: H, crop: { x: 0, y: 0, w: srcW, h: srcH }, place: { x: 0, y: 0, w: W, h: H }, framing: 'source', bars: false };
  }
  const mode = framing ?? preset.defaultFraming;
  if (mode === 'fill') {
    // The largest crop of the output's aspect, centred on the face, inside the frame.
    const scale = Math.min(srcW / W, srcH / H);
    const cw = Math.min(srcW, even(W * scale));
    const ch = Math.min(srcH, even(H * scale));
    const x = Math.round(Math.min(srcW - cw, Math.max(0, focus.x - cw / 2)));
    const y = Math.round(Math.min(srcH - ch, Math.max(0, focus.y - ch / 2)));
    return { width: W, height: H, crop: { x, y, w: cw, h: ch }, place: { x: 0, y: 0, w: W, h: H }, framing: 'fill', bars: false };
  }
  const s = Math.min(W / srcW, H / srcH);
  const w = Math.min(W, even(srcW * s));
  const h = Math.min(H, even(srcH * s));
  return { width: W, height: H, crop: { x: 0, y: 0, w: srcW, h: srcH }, place: { x: Math.floor((W - w) / 2), y: Math.floor((H - h) / 2), w, h }, framing: 'fit', bars: w < W || h < H };
}

/**
 * Where the face is in the source frame (pixels): the model origin (the centre of the
 * face mesh) at the persona's mean pose, projected by its camera. A crop that fills
 * another aspect is centred there.
 */
export function faceFocus(camera: { fx: number; fy: number; cx: number; cy: number; width: number; height: number }, meanPose: ArrayLike<number>): { x: number; y: number } {
  const [x, y, z] = [meanPose[3], meanPose[4], meanPose[5]];
  if (!(z > 1)) return { x: camera.width / 2, y: camera.height / 2 };
  return { x: camera.fx * (x / z) + camera.cx, y: camera.fy * (y / z) + camera.cy };
}

/** "16:9", "9:16", "1:1", or "1.85:1" for an aspect without a common name. */
export function aspectName(w: number, h: number): string {
  const r = w / h;
  for (const [a, b] of [[1, 1], [16, 9], [9, 16], [4, 3], [3, 4], [4, 5], [5, 4], [21, 9]]) if (Math.abs(r / (a / b) - 1) < 0.02) return `${a}:${b}`;
  return r >= 1 ? `${r.toFixed(2)}:1` : `1:${(1 / r).toFixed(2)}`;
}

/** What the export dialog says about a preset's framing, in plain words. */
export function framingNote(g: OutputGeometry, srcW: number, srcH: number): string {
  const out = `${g.width} × ${g.height}`;
  if (g.framing === 'source') return `${out}: the whole picture, as filmed`;
  if (g.framing === 'fill') return `${out}: cropped to ${aspectName(g.width, g.height)} around the face (your footage is ${aspectName(srcW, srcH)})`;
  const sides = g.place.w < g.width ? 'left and right' : 'above and below';
  return `${out}: the whole picture, with black bars ${sides} (your footage is ${aspectName(srcW, srcH)})`;
}

/** `talk.mp4` → `talk.preview.mp4`: an export without a trained renderer says so in its name (unless it already does). */
export function previewFileName(name: string): string {
  if (/preview/i.test(name)) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.preview${name.slice(dot)}` : `${name}.preview.mp4`;
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
 * A readable file name for an export: "<project> - <voice-over>.mp4" (the voice-over's
 * extension dropped), with characters that file systems refuse replaced, at most 120 long.
 */
export function exportFileName(projectName: string, voiceName?: string): string {
  const clean = (s: string) =>
    [...s]
      .map((c) => (c.charCodeAt(0) < 32 ? ' ' : c))
      .join('')
      .replace(/[<>:"/\\|?*]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^\.+/, '');
  const voice = voiceName ? clean(voiceName.replace(/\.[A-Za-z0-9]{1,5}$/, '')) : '';
  const project = clean(projectName);
  const base = [project, voice].filter((x, i, all) => x && all.indexOf(x) === i).join(' - ') || 'FACIAL Studio export';
  return `${base.slice(0, 120)}.mp4`;
}
