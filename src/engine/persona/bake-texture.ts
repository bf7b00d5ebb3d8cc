import { encodePng } from '../io/png';
import { decodeSelectedFrames, type VideoTrack } from '../tracking/track-video';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import { throwIfCancelled } from '../util/errors';
import { percentile } from '../common/numeric';
import { PARAM_COUNT } from '../../shared/facial-params';
import { mouthOpening } from './expression-basis';
import { projectFrame, type FaceFit } from './fit-face';
import { accumulateTexture, createTextureAccumulator, finishTexture, type TextureAccumulator } from './texture';

/**
 * The texture stage of the persona build: the texture atlas (texture.ts) filled from
 * frontal, well-lit, eyes-open, mouth-closed-ish frames of the clip, decoded again.
 */

export interface BakedTexture {
  /** texture.png's bytes (RGBA, size x size). */
  png: Uint8Array;
  size: number;
  /** Frames whose colours went into the atlas. */
  frames: number[];
  /** Fraction of the atlas that some frame covered. */
  coverage: number;
  warnings: string[];
}

/** The texture stage: decodes the chosen frames of `file` and paints the atlas. */
export async function bakeTexture(file: string, track: VideoTrack, fit: FaceFit, size = 512, opts: { signal?: AbortSignal; progress?: (fraction: number, message?: string) => void } = {}): Promise<BakedTexture> {
  opts.progress?.(0, 'choosing frames');
  const { width: W, height: H } = track;
  const chosen = chooseTextureFrames(fit.params, fit.smooth.normalized, track.frameCount, LANDMARK_COUNT * 3, fit.weights, fit.blinks.blink);
  const acc = createTextureAccumulator(size);
  const used: number[] = [];
  const paint = (t: number, rgb: Uint8Array, lit: boolean) => {
    const { image, cam } = projectFrame(fit.model, fit.params, t, fit.camera);
    if (lit && !isWellLit(faceLuma(rgb, W, H, image, fit.model.vertexCount))) return;
    used.push(t);
    accumulateTexture(acc, rgb, W, H, image, cam, fit.model.triangles, fit.model.uvs);
  };
  await decodeSelectedFrames(file, W, H, chosen, { signal: opts.signal, onFrame: (t, rgb) => paint(t, rgb, true) });
  const warnings: string[] = [];
  if (acc.frames === 0) {
    warnings.push('No frame was frontal and evenly lit enough for the texture; it was taken from the most frontal frames regardless of lighting.');
    await decodeSelectedFrames(file, W, H, chosen.slice(0, 8), { signal: opts.signal, onFrame: (t, rgb) => paint(t, rgb, false) });
  }
  const { png, coverage } = encodeAtlas(acc);
  throwIfCancelled(opts.signal);
  return { png, size: acc.size, frames: used, coverage, warnings };
}

function encodeAtlas(acc: TextureAccumulator): { png: Uint8Array; coverage: number } {
  const tex = finishTexture(acc);
  // Level 6: ~5x faster than 9 on the atlas for a file ~5 % larger (the pixels are the same).
  const png = encodePng({ width: acc.size, height: acc.size, channels: 4, data: tex.data }, 6);
  return { png, coverage: tex.coverage };
}

/** Well lit: mean face luma inside 50..215 and few clipped samples. */
function isWellLit(luma: { mean: number; clipped: number }): boolean {
  return luma.mean >= 50 && luma.mean <= 215 && luma.clipped <= 0.1;
}

/**
 * Frames for the texture: |yaw| and |pitch| small, eyes open (blink < 0.2), mouth
 * closed-ish (inner lip gap at or below its 40th percentile), ranked by frontalness;
 * up to 24, spread over the clip. Relaxed step by step when too few qualify.
 */
export function chooseTextureFrames(params: Float32Array, normalized: Float64Array, T: number, N: number, weights: ArrayLike<number>, blink: Float32Array, max = 24): number[] {
  const usable = Array.from({ length: T }, (_, t) => t).filter((t) => weights[t] >= 1);
  const mouth = usable.map((t) => mouthOpening(normalized, t * N));
  const mouthLim = percentile(mouth, 0.4);
  const angle = (t: number) => Math.hypot(params[t * PARAM_COUNT], params[t * PARAM_COUNT + 1]) * 180 / Math.PI;
  let chosen: number[] = [];
  for (const [maxDeg, blinkLim, useMouth] of [[10, 0.2, true], [15, 0.3, true], [20, 0.4, false], [90, 1, false]] as const) {
    chosen = usable.filter((t, k) => angle(t) <= maxDeg && blink[t] < blinkLim && (!useMouth || mouth[k] <= mouthLim));
    if (chosen.length >= 6) break;
  }
  if (chosen.length > max) {
    // Spread over time: split into `max` runs, take the most frontal of each.
    const step = chosen.length / max;
    const picked: number[] = [];
    for (let k = 0; k < max; k++) {
      const run = chosen.slice(Math.floor(k * step), Math.floor((k + 1) * step));
      if (run.length) picked.push(run.reduce((a, b) => (angle(b) < angle(a) ? b : a)));
    }
    chosen = picked;
  }
  return chosen.sort((a, b) => a - b);
}

/** Mean luma (0..255) at the face's mesh points and the fraction of clipped samples. */
export function faceLuma(rgb: Uint8Array, W: number, H: number, image: Float32Array, P: number): { mean: number; clipped: number } {
  let sum = 0, n = 0, clipped = 0;
  for (let i = 0; i < Math.min(P, 468); i++) {
    const x = Math.floor(image[i * 2]), y = Math.floor(image[i * 2 + 1]);
    if (x < 0 || y < 0 || x >= W || y >= H) continue;
    const o = (y * W + x) * 3;
    const l = 0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2];
    sum += l;
    n++;
    if (l > 250 || l < 5) clipped++;
  }
  return { mean: n ? sum / n : 0, clipped: n ? clipped / n : 1 };
}
