/**
 * The reference's post-filter of FACIAL-GAN's output, without lag: a Savitzky-Golay
 * filter (window 5, cubic) along time over the expression and pose parameters, then a
 * Gaussian on the head pose. Both kernels are symmetric (zero phase), so the lips never
 * trail the audio; the blink channel is left as it is (a blink keeps its full depth).
 */
import { PARAM_COUNT, POSE_COUNT, EXPR_OFFSET, EXPR_COUNT } from '../../shared/facial-params';

/** Savitzky-Golay smoothing weights, window 5, polynomial order 3 (= order 2 at the centre). */
const SG5 = [-3, 12, 17, 12, -3].map((w) => w / 35);
/** The Gaussian's standard deviation on the head pose, seconds. */
export const POSE_SIGMA_S = 0.04;

/** A copy of curves [T*71] with the post-filter applied to expression (7-70) and pose (0-5). */
export function postFilter(curves: Float32Array, fps: number): Float32Array {
  const out = curves.slice();
  const T = curves.length / PARAM_COUNT;
  const columns = [...Array.from({ length: POSE_COUNT }, (_, c) => c), ...Array.from({ length: EXPR_COUNT }, (_, k) => EXPR_OFFSET + k)];
  const col = new Float32Array(T);
  for (const c of columns) {
    for (let t = 0; t < T; t++) col[t] = curves[t * PARAM_COUNT + c];
    let y = savitzkyGolay5(col);
    if (c < POSE_COUNT) y = gaussianSmooth(y, POSE_SIGMA_S * fps);
    for (let t = 0; t < T; t++) out[t * PARAM_COUNT + c] = y[t];
  }
  return out;
}

/** Window-5 cubic Savitzky-Golay smoothing; the two frames at each end are kept (no window fits there). */
export function savitzkyGolay5(x: Float32Array): Float32Array {
  const y = x.slice();
  for (let t = 2; t < x.length - 2; t++) {
    let s = 0;
    for (let k = -2; k <= 2; k++) s += SG5[k + 2] * x[t + k];
    y[t] = s;
  }
  return y;
}

/** Symmetric Gaussian smoothing (sigma in frames, kernel to 3 sigma, renormalised at the ends). */
export function gaussianSmooth(x: Float32Array, sigma: number): Float32Array {
  if (sigma <= 0) return x.slice();
  const r = Math.max(1, Math.ceil(3 * sigma));
  const w = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const y = new Float32Array(x.length);
  for (let t = 0; t < x.length; t++) {
    let s = 0, ws = 0;
    for (let k = -r; k <= r; k++) {
      const i = t + k;
      if (i < 0 || i >= x.length) continue;
      s += w[k + r] * x[i];
      ws += w[k + r];
    }
    y[t] = s / ws;
  }
  return y;
}
