import { percentile, Rng } from '../common/numeric';
import { dot, orthonormaliseRows, symmetricEigen } from './linalg';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from './landmark-sets';

/**
 * The personalised linear model: neutral shape + 64-component expression basis from
 * PCA of the pose-normalised landmarks over the clip.
 *
 * The basis rows are orthonormal over the whole [V*3] vector. A short clip may hold
 * fewer than 64 directions with real variance (at most frames - 1); the remaining rows
 * are completed to an orthonormal set and carry coefficients of about 0 (the report
 * says how many components are useful).
 */

export const EXPRESSION_COUNT = 64;

export interface ExpressionBasis {
  /** [K][V*3] orthonormal rows. */
  rows: Float64Array[];
  /** Variance of each component's coefficient over the clip (mm²), descending. */
  variances: number[];
  /** Components with variance above 1e-6 of the total (real directions of motion). */
  usefulComponents: number;
  /** Components needed to explain 99% of the non-rigid variance (of those found). */
  components99: number;
  /** Fraction of the clip's non-rigid variance explained by the K components. */
  explained: number;
}

/** Inner-lip gap (13 ↔ 14) of a normalised frame, mm. */
export function mouthOpening(shape: ArrayLike<number>, offset = 0): number {
  const a = offset + 13 * 3, b = offset + 14 * 3;
  return Math.hypot(shape[a] - shape[b], shape[a + 1] - shape[b + 1], shape[a + 2] - shape[b + 2]);
}

/** Mean lid gap of both eyes of a normalised frame, mm. */
export function eyeOpening(shape: ArrayLike<number>, offset = 0): number {
  let s = 0, n = 0;
  for (const eye of [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT]) {
    for (const [u, l] of eye.lidPairs) {
      const a = offset + u * 3, b = offset + l * 3;
      s += Math.hypot(shape[a] - shape[b], shape[a + 1] - shape[b + 1], shape[a + 2] - shape[b + 2]);
      n++;
    }
  }
  return s / n;
}

/**
 * Neutral shape: the mean pose-normalised shape over "neutral-ish" frames: mouth
 * closed-ish (inner-lip gap at or below its 30th percentile) and eyes open (lid gap at
 * or above its 40th percentile). Falls back to all usable frames when too few qualify.
 */
export function neutralShape(normalized: Float64Array, T: number, N: number, weights: ArrayLike<number>): { neutral: Float64Array; frames: number[] } {
  const usable = Array.from({ length: T }, (_, t) => t).filter((t) => weights[t] > 0);
  const mouth = usable.map((t) => mouthOpening(normalized, t * N));
  const eyes = usable.map((t) => eyeOpening(normalized, t * N));
  const mLim = percentile(mouth, 0.3), eLim = percentile(eyes, 0.4);
  let frames = usable.filter((_, k) => mouth[k] <= mLim && eyes[k] >= eLim);
  if (frames.length < Math.min(5, usable.length)) frames = usable;
  const neutral = new Float64Array(N);
  for (const t of frames) for (let i = 0; i < N; i++) neutral[i] += normalized[t * N + i];
  for (let i = 0; i < N; i++) neutral[i] /= frames.length;
  return { neutral, frames };
}

/**
 * PCA by subspace iteration with Rayleigh-Ritz (exact for clips of a few hundred
 * frames, and linear in the clip's length); at most `maxFrames` evenly spaced frames are
 * used for long clips.
 */
export function buildExpressionBasis(
  normalized: Float64Array, T: number, N: number, weights: ArrayLike<number>,
  K = EXPRESSION_COUNT, maxFrames = 1200,
): ExpressionBasis {
  let frames = Array.from({ length: T }, (_, t) => t).filter((t) => weights[t] > 0);
  if (frames.length > maxFrames) {
    const step = frames.length / maxFrames;
    frames = Array.from({ length: maxFrames }, (_, k) => frames[Math.floor(k * step)]);
  }
  const m = frames.length;
  // Centre on the mean (PCA), not on the neutral shape: the neutral offset is not a direction of variance.
  const X: Float64Array[] = [];
  const mean = new Float64Array(N);
  for (const t of frames) for (let i = 0; i < N; i++) mean[i] += normalized[t * N + i] / m;
  let total = 0;
  for (const t of frames) {
    const row = new Float64Array(N);
    for (let i = 0; i < N; i++) row[i] = normalized[t * N + i] - mean[i];
    total += dot(row, row);
    X.push(row);
  }
  total /= Math.max(1, m);
  const k = Math.min(N, K + 16);
  // Start from a deterministic pseudo-random subspace.
  const rng = new Rng(12345);
  const rand = () => rng.next() - 0.5;
  let Q: Float64Array[] = Array.from({ length: k }, () => Float64Array.from({ length: N }, rand));
  orthonormaliseRows(Q);
  const XQ = (rows: Float64Array[]) => X.map((x) => Float64Array.from(rows, (q) => dot(x, q))); // [m][k]
  for (let it = 0; it < 5; it++) {
    const Y = XQ(Q);
    // Q ← Xᵀ Y (k rows of length N)
    const next = Array.from({ length: k }, () => new Float64Array(N));
    for (let r = 0; r < m; r++) {
      const x = X[r], y = Y[r];
      for (let j = 0; j < k; j++) {
        const c = y[j];
        if (c === 0) continue;
        const q = next[j];
        for (let i = 0; i < N; i++) q[i] += c * x[i];
      }
    }
    orthonormaliseRows(next, it + 2);
    Q = next;
  }
  // Rayleigh-Ritz: B = (XQ)ᵀ(XQ)/m, eigenvectors rotate Q.
  const Y = XQ(Q);
  const B = new Float64Array(k * k);
  for (const y of Y) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) B[a * k + b] += (y[a] * y[b]) / Math.max(1, m);
  const { values, vectors } = symmetricEigen(B, k);
  const rows: Float64Array[] = [];
  const variances: number[] = [];
  for (let c = 0; c < Math.min(K, k); c++) {
    const row = new Float64Array(N);
    for (let j = 0; j < k; j++) {
      const w = vectors[c][j];
      for (let i = 0; i < N; i++) row[i] += w * Q[j][i];
    }
    rows.push(row);
    variances.push(Math.max(0, values[c]));
  }
  const floor = 1e-6 * Math.max(total, 1e-12);
  let useful = variances.filter((v) => v > floor).length;
  useful = Math.min(useful, Math.max(0, m - 1));
  // Rows past the useful ones: keep them orthonormal (completion), variance ~0.
  for (let c = useful; c < rows.length; c++) variances[c] = 0;
  while (rows.length < K) { rows.push(Float64Array.from({ length: N }, rand)); variances.push(0); }
  for (let c = useful; c < K; c++) rows[c] = Float64Array.from({ length: N }, rand);
  orthonormaliseRows(rows, 99);
  // Sign convention: the largest-magnitude entry of each row is positive (stable across runs).
  for (const row of rows) {
    let big = 0;
    for (let i = 0; i < N; i++) if (Math.abs(row[i]) > Math.abs(big)) big = row[i];
    if (big < 0) for (let i = 0; i < N; i++) row[i] = -row[i];
  }
  const captured = variances.reduce((a, b) => a + b, 0);
  let acc = 0, c99 = 0;
  for (let c = 0; c < useful; c++) {
    acc += variances[c];
    c99 = c + 1;
    if (acc >= 0.99 * captured) break;
  }
  return { rows, variances, usefulComponents: useful, components99: c99, explained: total > 0 ? Math.min(1, captured / total) : 1 };
}

/**
 * The landmarks without their blink: frame t's shape minus blink[t] · motion (the clip's
 * blink motion per unit of strength, persona/blink.ts). The expression basis is fitted on
 * these, so its components do not open or close the eyes against the blink channel.
 * Returns a new [T*N] array (the input is left as it is).
 */
export function removeBlinkMotion(normalized: ArrayLike<number>, T: number, N: number, blink: ArrayLike<number>, motion: ArrayLike<number> | undefined): Float64Array {
  const out = Float64Array.from(normalized as ArrayLike<number>);
  if (!motion) return out;
  for (let t = 0; t < T; t++) {
    const b = blink[t];
    if (!b) continue;
    const o = t * N;
    for (let i = 0; i < N; i++) out[o + i] -= b * motion[i];
  }
  return out;
}

/** Coefficients of a shape in the basis: c_k = basis_k · (shape − neutral). */
export function expressionCoefficients(shape: ArrayLike<number>, offset: number, neutral: Float64Array, rows: Float64Array[]): Float64Array {
  const N = neutral.length;
  const d = new Float64Array(N);
  for (let i = 0; i < N; i++) d[i] = shape[offset + i] - neutral[i];
  return Float64Array.from(rows, (r) => dot(r, d));
}
