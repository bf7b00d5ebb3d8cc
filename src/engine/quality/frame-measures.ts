import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT, FACE_OVAL } from '../persona/landmark-sets';
import { boxSharpness, contourDetailBalance, contourEdgeEnergy, laplacianVariance, meanAbsDifference, resampleLuma, type Box } from './image-measures';

/**
 * The pixel measures of one frame, placed by the frame's 478 face landmarks (x, y in
 * the frame's pixels): the same function measures the exported video and the persona's
 * own footage, so the two are compared like for like.
 */

/** Sizes the boxes are resampled to (the definitions: face 96², lip box 48²). */
export const FACE_SIZE = 96;
export const MOUTH_SIZE = 48;
/** The lip box is the lips' box grown by this fraction of the mouth width on every side. */
export const LIP_MARGIN = 0.25;
/** Step across a seam contour, as a fraction of the face width. */
export const SEAM_STEP = 0.03;

/** The outer lip contour, closed loop (upper lip corner to corner, then the lower lip back). */
export const OUTER_LIPS = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];
const eyeLoop = (e: typeof EYE_IMAGE_LEFT) => [e.outer, ...e.upper, e.inner, ...[...e.lower].reverse()];

export type SeamRegionName = 'face' | 'mouth' | 'eyes';

/**
 * Where a synthesised region's boundary may lie, by landmarks: closed contours, a size
 * unit, and the distances (in that unit) outside the contour at which edge energy is
 * measured. The seam figure of a region is the worst of its rings.
 */
export const SEAM_REGIONS: Record<SeamRegionName, { loops: number[][]; unit: 'face' | 'mouth' | 'eye'; grows: number[] }> = {
  // Today's renderer pastes the face oval grown by ~6 % of the crop, feathered as much.
  face: { loops: [FACE_OVAL], unit: 'face', grows: [0, 0.05, 0.1, 0.15, 0.2] },
  mouth: { loops: [OUTER_LIPS], unit: 'mouth', grows: [0.1, 0.25, 0.4, 0.55] },
  eyes: { loops: [eyeLoop(EYE_IMAGE_LEFT), eyeLoop(EYE_IMAGE_RIGHT)], unit: 'eye', grows: [0.2, 0.4, 0.6] },
};
export const SEAM_REGION_NAMES = Object.keys(SEAM_REGIONS) as SeamRegionName[];

/** Every ring, in a fixed order: [region, grow]. */
export const SEAM_RINGS: [SeamRegionName, number][] = SEAM_REGION_NAMES.flatMap((r) => SEAM_REGIONS[r].grows.map((g) => [r, g] as [SeamRegionName, number]));

function pointsBox(lm: ArrayLike<number>, idx: Iterable<number>): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const i of idx) {
    const x = lm[i * 3], y = lm[i * 3 + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}

const MESH = Array.from({ length: 468 }, (_, i) => i);
const LIP_POINTS = OUTER_LIPS;

/** Box of the 468 mesh points. */
export function faceBox(lm: ArrayLike<number>): Box {
  return pointsBox(lm, MESH);
}

function dist2(lm: ArrayLike<number>, a: number, b: number): number {
  return Math.hypot(lm[a * 3] - lm[b * 3], lm[a * 3 + 1] - lm[b * 3 + 1]);
}

export function mouthWidth(lm: ArrayLike<number>): number {
  return dist2(lm, 61, 291);
}

/** The lips' box grown by a quarter mouth width on every side. */
export function lipBox(lm: ArrayLike<number>): Box {
  const b = pointsBox(lm, LIP_POINTS);
  const m = LIP_MARGIN * mouthWidth(lm);
  return { x0: b.x0 - m, y0: b.y0 - m, x1: b.x1 + m, y1: b.y1 + m };
}

function unitSize(lm: ArrayLike<number>, unit: 'face' | 'mouth' | 'eye'): number {
  if (unit === 'mouth') return mouthWidth(lm);
  if (unit === 'eye') return (dist2(lm, EYE_IMAGE_LEFT.outer, EYE_IMAGE_LEFT.inner) + dist2(lm, EYE_IMAGE_RIGHT.outer, EYE_IMAGE_RIGHT.inner)) / 2;
  const b = faceBox(lm);
  return b.x1 - b.x0;
}

function loopPolygon(lm: ArrayLike<number>, loop: number[]): Float64Array {
  const out = new Float64Array(loop.length * 2);
  loop.forEach((v, k) => {
    out[k * 2] = lm[v * 3];
    out[k * 2 + 1] = lm[v * 3 + 1];
  });
  return out;
}

export interface RingMeasures {
  /** Per ring of SEAM_RINGS: edge energy (mean |ΔY| across the ring). */
  step: Float64Array;
  /** Per ring: detail balance, mean log((D_in + 1) / (D_out + 1)) (image-measures.ts). */
  detail: Float64Array;
}

/** Edge energy and detail balance of every ring of SEAM_RINGS in one frame (NaN where a ring lies outside the frame). */
export function ringEnergies(rgb: Uint8Array, W: number, H: number, lm: ArrayLike<number>): RingMeasures {
  const fb = faceBox(lm);
  const h = Math.max(1.5, SEAM_STEP * (fb.x1 - fb.x0));
  const step = new Float64Array(SEAM_RINGS.length), detail = new Float64Array(SEAM_RINGS.length);
  SEAM_RINGS.forEach(([region, grow], k) => {
    const def = SEAM_REGIONS[region];
    const unit = unitSize(lm, def.unit);
    let s = 0, d = 0, n = 0, nd = 0;
    for (const loop of def.loops) {
      const poly = loopPolygon(lm, loop);
      const e = contourEdgeEnergy(rgb, W, H, poly, grow * unit, h, 64 / def.loops.length);
      if (!Number.isNaN(e)) { s += e; n++; }
      const b = contourDetailBalance(rgb, W, H, poly, grow * unit, h, 32 / def.loops.length);
      if (!Number.isNaN(b)) { d += b; nd++; }
    }
    step[k] = n ? s / n : NaN;
    detail[k] = nd ? d / nd : NaN;
  });
  return { step, detail };
}

export interface FrameMeasures {
  faceSharpness: number;
  mouthSharpness: number;
  /** Mean |ΔY| to the previous frame in this frame's face box (NaN without a previous frame). */
  flicker: number;
  /** Per ring of SEAM_RINGS. */
  rings: RingMeasures;
}

/** The pixel measures of a frame; `previous` is the frame before it (same size), if any. */
export function measureFrame(rgb: Uint8Array, W: number, H: number, lm: ArrayLike<number>, previous?: Uint8Array): FrameMeasures {
  const fb = faceBox(lm);
  const face = resampleLuma(rgb, W, H, fb, FACE_SIZE, FACE_SIZE);
  let flicker = NaN;
  if (previous) flicker = meanAbsDifference(face, resampleLuma(previous, W, H, fb, FACE_SIZE, FACE_SIZE));
  return {
    faceSharpness: laplacianVariance(face, FACE_SIZE, FACE_SIZE),
    mouthSharpness: boxSharpness(rgb, W, H, lipBox(lm), MOUTH_SIZE),
    flicker,
    rings: ringEnergies(rgb, W, H, lm),
  };
}

/** Sums of ring measures over frames; means per ring (NaN where a ring was never in the frame). */
export class RingTotals {
  private readonly sum = { step: new Float64Array(SEAM_RINGS.length), detail: new Float64Array(SEAM_RINGS.length) };
  private readonly count = { step: new Float64Array(SEAM_RINGS.length), detail: new Float64Array(SEAM_RINGS.length) };

  add(m: RingMeasures): void {
    for (const kind of ['step', 'detail'] as const) {
      m[kind].forEach((v, k) => {
        if (Number.isFinite(v)) { this.sum[kind][k] += v; this.count[kind][k]++; }
      });
    }
  }

  mean(kind: 'step' | 'detail', k: number): number {
    return this.count[kind][k] ? this.sum[kind][k] / this.count[kind][k] : NaN;
  }
}
