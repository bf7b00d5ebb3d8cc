import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Persona } from '../persona';
import { RawFrameStream } from '../media/raw-frame-stream';
import { writeJsonAtomic } from '../util/atomic-file';
import { throwIfCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';

/**
 * How sharp each footage frame's mouth is: the variance of the Laplacian of luma in the
 * lip box (outer lip contour grown by a quarter mouth width) resampled to 48x48 — the
 * measure of the quality report (docs/quality.md), so a donor chosen for it keeps the
 * report's figure. Real footage varies a lot from frame to frame (motion blur while
 * speaking: 0.3x to 3.5x its median on the AOC clip), so mouth retrieval prefers sharp
 * donors. Computed in one pass over the footage and cached in the persona folder
 * (`synthesis/mouth-sharpness.json`, keyed by the source video).
 */

export const OUTER_LIP_CONTOUR = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];
const SIZE = 48;
const VERSION = 1;

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

interface SharpnessFile { version: number; source: { file: string; sizeBytes: number; mtimeMs: number }; frames: number; sharpness: number[] }

/** [T] mouth sharpness of every footage frame (cached). */
export async function footageMouthSharpness(persona: Persona, landmarks: Float32Array, opts: RunOptions = {}): Promise<Float32Array> {
  const file = path.join(persona.dir, 'synthesis', 'mouth-sharpness.json');
  const src = persona.meta.source.file;
  const st = await fs.stat(src);
  const key = { file: src, sizeBytes: st.size, mtimeMs: Math.round(st.mtimeMs) };
  const T = persona.frameCount;
  if (existsSync(file)) {
    try {
      const c = JSON.parse(await fs.readFile(file, 'utf8')) as SharpnessFile;
      if (c.version === VERSION && c.frames === T && c.sharpness.length === T && JSON.stringify(c.source) === JSON.stringify(key)) return Float32Array.from(c.sharpness);
    } catch {
      // A damaged cache is measured again.
    }
  }
  const W = persona.camera.width, H = persona.camera.height;
  const out = new Float32Array(T);
  const stream = new RawFrameStream(src, W, H, { fps: persona.meta.fps, frames: T, signal: opts.signal });
  let t = 0;
  try {
    for (let f = await stream.next(); f && t < T; f = await stream.next(), t++) {
      out[t] = mouthSharpness(f, W, H, landmarks.subarray(t * 478 * 3, (t + 1) * 478 * 3));
      if (t % 25 === 0) { throwIfCancelled(opts.signal); opts.onProgress?.({ stage: 'sharpness', fraction: t / T, message: 'measuring the footage\'s mouths' }); }
    }
  } finally {
    await stream.close();
  }
  // Frames the file did not yield (fewer than counted) are never preferred.
  for (; t < T; t++) out[t] = 0;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, { version: VERSION, source: key, frames: T, sharpness: Array.from(out, (v) => Math.round(v * 10) / 10) } satisfies SharpnessFile);
  return out;
}
