/** Least squares with a ridge penalty, solved exactly (small dense problems: the GAN prior's mouth regressor). */

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
  // Cholesky A = L L^T
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j];
      for (let q = 0; q < j; q++) s -= L[i * d + q] * L[j * d + q];
      if (i === j) L[i * d + i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i * d + j] = s / L[j * d + j];
    }
  }
  const w = new Float64Array(d * k);
  const z = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      let s = B[i * k + c];
      for (let q = 0; q < i; q++) s -= L[i * d + q] * z[q];
      z[i] = s / L[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = z[i];
      for (let q = i + 1; q < d; q++) s -= L[q * d + i] * w[q * k + c];
      w[i * k + c] = s / L[i * d + i];
    }
  }
  return w;
}
