/** Least squares with a ridge penalty, solved exactly (small dense problems: the GAN prior's mouth regressor). */
import { choleskyFactor, choleskySolve } from './cholesky';

/**
 * Solves the ridge regression min ||X w - y||^2 + lambda ||w||^2 for w (X: [n, d] row
 * major, y: [n, k]) by Cholesky on the normal equations. Returns w [d, k].
 */
export function ridge(X: Float64Array, n: number, d: number, y: Float64Array, k: number, lambda: number): Float64Array {
  const A = new Float64Array(d * d);
  const B = new Float64Array(d * k);
  for (let r = 0; r < n; r++) {
    const xo = r * d;
    for (let i = 0; i < d; i++) {
      const xi = X[xo + i];
      if (xi === 0) continue;
      for (let j = i; j < d; j++) A[i * d + j] += xi * X[xo + j];
      for (let c = 0; c < k; c++) B[i * k + c] += xi * y[r * k + c];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) A[i * d + j] = A[j * d + i];
    A[i * d + i] += lambda;
  }
  const L = choleskyFactor(A, d, 1e-12)!;
  const w = new Float64Array(d * k);
  const b = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) b[i] = B[i * k + c];
    const x = choleskySolve(L, b, d);
    for (let i = 0; i < d; i++) w[i * k + c] = x[i];
  }
  return w;
}
