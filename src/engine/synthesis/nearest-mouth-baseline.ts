import { LIP_CONTOUR } from './face-regions';
import { lipDistance } from './retrieval-plan';
import { blendInto, cropImage, fitAffine, pointsBox, sampleBicubic, type ImageCrop, type WarpedPatch } from './warp';

/**
 * The training-free baseline of issue 11's held-out comparison (`../shared/docs/synthesis-notes.md`):
 * for a target frame, the real mouth of the footage frame (among the allowed donors) whose
 * tracked lip shape is nearest the target's (RMS, mm, pose-free), warped onto the target
 * by one least-squares affine map of its 40 lip-contour landmarks onto the target's, and
 * blended through an ellipse over the lips (semi-axes 0.72 and 0.55 mouth widths along and
 * across the mouth, a feather of 0.09 mouth widths: 9 px for a 100 px mouth). No temporal
 * smoothing, no sharpness preference, no jaw warp, no colour matching: what the studio's
 * retrieval path (retrieval-synth.ts) adds must beat it.
 */

const LM = 3;
const MOUTH_LEFT = 61, MOUTH_RIGHT = 291;
/** Ellipse semi-axes and feather, in mouth widths. */
export const BASELINE_ELLIPSE = { along: 0.72, across: 0.55, feather: 0.09 };

export interface BaselineInput {
  /** [T*478*3] tracked landmarks of the footage, source pixels. */
  landmarks: Float32Array;
  /** [T*dims] tracked lip shapes of the footage (face-regions.ts trackedLipShapes). */
  lips: Float32Array;
  lipDims: number;
  /** [T] which footage frames may give their mouth. */
  donors: ArrayLike<boolean>;
  width: number;
  height: number;
}

export class NearestMouthBaseline {
  private readonly crops = new Map<number, ImageCrop>();
  private readonly T: number;

  constructor(private readonly inp: BaselineInput) {
    this.T = inp.donors.length;
  }

  /** The allowed footage frame whose tracked lip shape is nearest frame `target`'s (never the target itself). */
  nearest(target: number): number {
    let best = -1, bestD = Infinity;
    for (let k = 0; k < this.T; k++) {
      if (!this.inp.donors[k] || k === target) continue;
      const d = lipDistance(this.inp.lips, target * this.inp.lipDims, this.inp.lips, k * this.inp.lipDims, this.inp.lipDims);
      if (d < bestD) { bestD = d; best = k; }
    }
    return best;
  }

  /** 2-D points [x0, y0, ...] of frame t's 478 landmarks. */
  private points(t: number): Float32Array {
    const lm = this.inp.landmarks.subarray(t * 478 * LM, (t + 1) * 478 * LM);
    const out = new Float32Array(478 * 2);
    for (let v = 0; v < 478; v++) { out[v * 2] = lm[v * LM]; out[v * 2 + 1] = lm[v * LM + 1]; }
    return out;
  }

  private mouthWidth(p: Float32Array): number {
    return Math.max(4, Math.hypot(p[MOUTH_RIGHT * 2] - p[MOUTH_LEFT * 2], p[MOUTH_RIGHT * 2 + 1] - p[MOUTH_LEFT * 2 + 1]));
  }

  /** Keeps the mouth region of donor frame k (call with its pixels). */
  addDonor(k: number, frame: Uint8Array): void {
    const p = this.points(k);
    this.crops.set(k, cropImage(frame, this.inp.width, pointsBox(p, LIP_CONTOUR, this.mouthWidth(p), this.inp.width, this.inp.height)));
  }

  /** Replaces the mouth of frame `target` (its real pixels, modified in place) by donor k's. */
  compose(target: number, k: number, frame: Uint8Array): void {
    const crop = this.crops.get(k);
    if (!crop) throw new Error(`baseline: donor frame ${k} was not added`);
    const to = this.points(target), from = this.points(k);
    // Target pixel → donor pixel: the affine map of the target's lip contour onto the donor's.
    const A = fitAffine(to, from, LIP_CONTOUR);
    const patch = this.ellipsePatch(to);
    for (let y = 0; y < patch.height; y++) {
      for (let x = 0; x < patch.width; x++) {
        const o = y * patch.width + x;
        if (patch.alpha[o] <= 0) continue;
        const px = patch.x0 + x + 0.5, py = patch.y0 + y + 0.5;
        const sx = A[0] * px + A[1] * py + A[2] - 0.5 - crop.x0, sy = A[3] * px + A[4] * py + A[5] - 0.5 - crop.y0;
        if (sx < -0.5 || sy < -0.5 || sx > crop.width - 0.5 || sy > crop.height - 0.5) { patch.alpha[o] = 0; continue; }
        sampleBicubic(crop, sx, sy, patch.rgb, o * 3);
      }
    }
    blendInto(frame, this.inp.width, patch);
  }

  /** The blend mask over the target's lips: 1 inside the ellipse less the feather, 0 outside. */
  private ellipsePatch(p: Float32Array): WarpedPatch {
    const w = this.mouthWidth(p);
    let cx = 0, cy = 0;
    for (const v of LIP_CONTOUR.slice(0, 20)) { cx += p[v * 2] / 20; cy += p[v * 2 + 1] / 20; }
    const ux = (p[MOUTH_RIGHT * 2] - p[MOUTH_LEFT * 2]) / w, uy = (p[MOUTH_RIGHT * 2 + 1] - p[MOUTH_LEFT * 2 + 1]) / w;
    const a = BASELINE_ELLIPSE.along * w, b = BASELINE_ELLIPSE.across * w, feather = BASELINE_ELLIPSE.feather * w;
    const r = Math.max(a, b);
    const x0 = Math.max(0, Math.floor(cx - r)), y0 = Math.max(0, Math.floor(cy - r));
    const x1 = Math.min(this.inp.width, Math.ceil(cx + r)), y1 = Math.min(this.inp.height, Math.ceil(cy + r));
    const width = Math.max(0, x1 - x0), height = Math.max(0, y1 - y0);
    const patch: WarpedPatch = { x0, y0, width, height, rgb: new Float32Array(width * height * 3), alpha: new Float32Array(width * height) };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = x0 + x + 0.5 - cx, dy = y0 + y + 0.5 - cy;
        const u = (dx * ux + dy * uy) / a, v = (-dx * uy + dy * ux) / b;
        // Distance inside the edge, approximated along the ray (in px of the smaller axis).
        const inside = (1 - Math.hypot(u, v)) * Math.min(a, b);
        patch.alpha[y * width + x] = Math.max(0, Math.min(1, inside / feather));
      }
    }
    return patch;
  }
}
