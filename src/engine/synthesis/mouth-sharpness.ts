import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Persona } from '../persona';
import { RawFrameStream } from '../media/raw-frame-stream';
import { writeJsonAtomic } from '../util/atomic-file';
import { throwIfCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';

/**
 * What each footage frame's mouth shows, for choosing mouth donors. Computed in one pass
 * over the footage and cached in the persona folder (`synthesis/mouth-sharpness.json`,
 * keyed by the source video).
 *
 * - Sharpness: the variance of the Laplacian of luma in the lip box (outer lip contour
 *   grown by a quarter mouth width) resampled to 48x48 — the measure of the quality report
 *   (docs/quality.md), so a donor chosen for it keeps the report's figure. Real footage
 *   varies a lot from frame to frame (motion blur while speaking: 0.3x to 3.5x its median
 *   on the AOC clip), so mouth retrieval prefers sharp donors.
 * - Teeth between the lips (`teethShown`): the tracker reads a mouth whose lips are parted
 *   on the teeth as nearly closed (the vertical clip's frames 110-111: 0.9-1.7 mm, with
 *   a 4 mm band of teeth), and teeth make a lip box sharp, so such frames were the
 *   favourite donors for closed mouths and showed teeth in every pause.
 */

export const OUTER_LIP_CONTOUR = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];
const SIZE = 48;
const VERSION = 2;
/** Mouth corners (outer) and the inner corners and midpoints the teeth scan runs between. */
const OUTER_CORNERS: [number, number] = [61, 291];
const INNER_CORNERS: [number, number] = [78, 308];
const LIP_MID: [number, number, number, number] = [0, 13, 14, 17]; // outer upper, inner upper, inner lower, outer lower
/** Where across the mouth the teeth scan runs (fractions of the inner corners' distance). */
const TEETH_COLUMNS = [0.35, 0.425, 0.5, 0.575, 0.65];
const TEETH_STEP_PX = 0.5;
/** A teeth sample is less red than the lips by this much (Cr, 0-255) and brighter than them. */
const TEETH_CR_BELOW_LIPS = 8;

/** Luma of the box [x0, x1) × [y0, y1) (fractional) area-averaged onto a size×size grid (bilinear when enlarging). */
export function boxLuma(rgb: Uint8Array, W: number, H: number, x0: number, y0: number, x1: number, y1: number, size = SIZE): Float32Array {
  const out = new Float32Array(size * size);
  const sx = (x1 - x0) / size, sy = (y1 - y0) / size;
  // Samples per output pixel along each axis: enough to average the pixels it covers.
  const nx = Math.max(1, Math.ceil(sx)), ny = Math.max(1, Math.ceil(sy));
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let s = 0;
      for (let j = 0; j < ny; j++) {
        const y = Math.min(H - 1, Math.max(0, Math.floor(y0 + (oy + (j + 0.5) / ny) * sy)));
        for (let i = 0; i < nx; i++) {
          const x = Math.min(W - 1, Math.max(0, Math.floor(x0 + (ox + (i + 0.5) / nx) * sx)));
          const p = (y * W + x) * 3;
          s += 0.299 * rgb[p] + 0.587 * rgb[p + 1] + 0.114 * rgb[p + 2];
        }
      }
      out[oy * size + ox] = s / (nx * ny);
    }
  }
  return out;
}

/** Variance of the 4-neighbour Laplacian over the interior of a size×size image. */
export function laplacianVariance(img: Float32Array, size: number): number {
  let s = 0, s2 = 0, n = 0;
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const o = y * size + x;
      const l = img[o - 1] + img[o + 1] + img[o - size] + img[o + size] - 4 * img[o];
      s += l; s2 += l * l; n++;
    }
  }
  return n ? s2 / n - (s / n) ** 2 : 0;
}

/** Mouth sharpness of one frame given its landmarks ([478*3], source pixels). */
export function mouthSharpness(rgb: Uint8Array, W: number, H: number, lm: ArrayLike<number>): number {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const v of OUTER_LIP_CONTOUR) {
    const x = lm[v * 3], y = lm[v * 3 + 1];
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const m = 0.25 * (x1 - x0);
  return laplacianVariance(boxLuma(rgb, W, H, x0 - m, y0 - m, x1 + m, y1 + m), SIZE);
}

/** RGB of the frame at (x, y), bilinear, into out[0..2]. */
function sampleRgb(rgb: Uint8Array, W: number, H: number, x: number, y: number, out: Float64Array): void {
  const x0 = Math.min(W - 2, Math.max(0, Math.floor(x))), y0 = Math.min(H - 2, Math.max(0, Math.floor(y)));
  const fx = Math.min(1, Math.max(0, x - x0)), fy = Math.min(1, Math.max(0, y - y0));
  for (let c = 0; c < 3; c++) {
    const a = rgb[(y0 * W + x0) * 3 + c], b = rgb[(y0 * W + x0 + 1) * 3 + c];
    const d = rgb[((y0 + 1) * W + x0) * 3 + c], e = rgb[((y0 + 1) * W + x0 + 1) * 3 + c];
    out[c] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
  }
}

/** The upper middle value, not interpolated (the shared `median` interpolates: the figures in docs/rendering.md are this one's). */
function upperMedian(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
}

/**
 * Height of the band of teeth between the lips, as a fraction of the mouth's width (outer
 * corners), from the pixels: along a few lines across the lips at the mouth's middle, from
 * the upper lip's outer edge to the lower's, the samples less red than the lip bodies at the
 * ends of the line and brighter than them; the median over the lines. 0 for closed lips
 * (their seam is darker, not brighter) and for an open mouth's dark (the tracker reads that
 * one well).
 */
export function teethShown(rgb: Uint8Array, W: number, H: number, lm: ArrayLike<number>): number {
  const px = (v: number) => [lm[v * 3], lm[v * 3 + 1]];
  const [c1, c2] = INNER_CORNERS.map(px);
  const [o1, o2] = OUTER_CORNERS.map(px);
  const width = Math.hypot(o2[0] - o1[0], o2[1] - o1[1]);
  const inner = Math.hypot(c2[0] - c1[0], c2[1] - c1[1]);
  if (!(width > 4) || !(inner > 2)) return 0;
  const u = [(c2[0] - c1[0]) / inner, (c2[1] - c1[1]) / inner];
  let n = [-u[1], u[0]];
  if (n[1] < 0) n = [-n[0], -n[1]]; // pointing down the face
  const [top, up, low, bottom] = LIP_MID.map(px);
  const mid = [(up[0] + low[0]) / 2, (up[1] + low[1]) / 2];
  const along = (p: number[]) => (p[0] - mid[0]) * n[0] + (p[1] - mid[1]) * n[1];
  // A tenth of the way in from each outer edge: the landmarks sit on the lips' border, and skin is less red and brighter than lips, as teeth are.
  const inset = 0.1 * (along(bottom) - along(top));
  const from = along(top) + inset, to = along(bottom) - inset;
  if (!(to - from > 2)) return 0;
  const rgbOut = new Float64Array(3);
  const heights: number[] = [];
  for (const f of TEETH_COLUMNS) {
    // The line's foot on the mouth's middle line, f of the way between the inner corners.
    const p = [c1[0] + u[0] * inner * f, c1[1] + u[1] * inner * f];
    const shift = (mid[0] - p[0]) * n[0] + (mid[1] - p[1]) * n[1];
    const y: number[] = [], cr: number[] = [];
    for (let t = from; t <= to; t += TEETH_STEP_PX) {
      sampleRgb(rgb, W, H, p[0] + n[0] * (shift + t), p[1] + n[1] * (shift + t), rgbOut);
      const [r, g, b] = rgbOut;
      y.push(0.299 * r + 0.587 * g + 0.114 * b);
      cr.push(0.5 * r - 0.419 * g - 0.081 * b + 128);
    }
    const k = Math.max(1, Math.floor(0.25 * y.length));
    const ends = (a: number[]) => upperMedian([...a.slice(0, k), ...a.slice(a.length - k)]);
    const lipY = ends(y), lipCr = ends(cr);
    let teeth = 0;
    for (let i = 0; i < y.length; i++) if (cr[i] < lipCr - TEETH_CR_BELOW_LIPS && y[i] > lipY) teeth++;
    heights.push(teeth * TEETH_STEP_PX);
  }
  return upperMedian(heights) / width;
}

interface SharpnessFile { version: number; source: { file: string; sizeBytes: number; mtimeMs: number }; frames: number; sharpness: number[]; teeth: number[] }

/** Per footage frame: mouth sharpness, and the band of teeth between the lips (mm of the persona's model). */
export interface FootageMouths {
  sharpness: Float32Array;
  teethMm: Float32Array;
}

/** Sharpness and teeth of every footage frame's mouth (cached). */
export async function footageMouths(persona: Persona, landmarks: Float32Array, opts: RunOptions = {}): Promise<FootageMouths> {
  const file = path.join(persona.dir, 'synthesis', 'mouth-sharpness.json');
  const src = persona.meta.source.file;
  const st = await fs.stat(src);
  const key = { file: src, sizeBytes: st.size, mtimeMs: Math.round(st.mtimeMs) };
  const T = persona.frameCount;
  // Teeth are measured as a fraction of the mouth's width: in mm, of the model's neutral mouth.
  const nn = persona.model.neutral;
  const [a, b] = OUTER_CORNERS.map((v) => v * 3);
  const mouthWidthMm = Math.hypot(nn[a] - nn[b], nn[a + 1] - nn[b + 1], nn[a + 2] - nn[b + 2]);
  const result = (sharpness: ArrayLike<number>, teeth: ArrayLike<number>): FootageMouths => ({ sharpness: Float32Array.from(sharpness), teethMm: Float32Array.from(teeth, (v) => v * mouthWidthMm) });
  if (existsSync(file)) {
    try {
      const c = JSON.parse(await fs.readFile(file, 'utf8')) as SharpnessFile;
      // A persona folder may come from someone else: only plain, non-negative numbers are used.
      const valid = (a: unknown) => Array.isArray(a) && a.length === T && a.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
      if (c.version === VERSION && c.frames === T && valid(c.sharpness) && valid(c.teeth) && JSON.stringify(c.source) === JSON.stringify(key)) return result(c.sharpness, c.teeth);
    } catch {
      // A damaged cache is measured again.
    }
  }
  const W = persona.camera.width, H = persona.camera.height;
  const sharpness = new Float32Array(T);
  const teeth = new Float32Array(T);
  const stream = new RawFrameStream(src, W, H, { fps: persona.meta.fps, frames: T, signal: opts.signal });
  let t = 0;
  try {
    for (let f = await stream.next(); f && t < T; f = await stream.next(), t++) {
      const lm = landmarks.subarray(t * 478 * 3, (t + 1) * 478 * 3);
      sharpness[t] = mouthSharpness(f, W, H, lm);
      teeth[t] = teethShown(f, W, H, lm);
      if (t % 25 === 0) { throwIfCancelled(opts.signal); opts.onProgress?.({ stage: 'sharpness', fraction: t / T, message: 'measuring the footage\'s mouths' }); }
    }
  } finally {
    await stream.close();
  }
  // Frames the file did not yield (fewer than counted) are never preferred.
  for (; t < T; t++) sharpness[t] = 0;
  // Rounded as stored, so the first export plans with the same numbers as every later one.
  const stored: SharpnessFile = {
    version: VERSION, source: key, frames: T,
    sharpness: Array.from(sharpness, (v) => Math.round(v * 10) / 10),
    teeth: Array.from(teeth, (v) => Math.round(v * 1e4) / 1e4),
  };
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, stored);
  return result(stored.sharpness, stored.teeth);
}
