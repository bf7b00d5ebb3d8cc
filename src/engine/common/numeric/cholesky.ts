/**
 * Cholesky factorisation A = L Lᵀ of a small dense symmetric positive definite matrix
 * and the solve that goes with it (the pose fit's Gauss-Newton steps, ridge regression,
 * the GAN prior's correlated pose noise).
 */

/**
 * The lower-triangular L (row major, [n*n]) with A = L Lᵀ. A pivot at or below 0 makes
 * A singular (undefined); with `minPivot`, pivots are clamped up to it instead (a
 * regularised factor of a matrix known to be positive semi-definite).
 */
export function choleskyFactor(A: ArrayLike<number>, n: number, minPivot?: number): Float64Array | undefined {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (minPivot !== undefined) s = Math.max(s, minPivot);
        else if (s <= 0) return undefined;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}

/** Solves L Lᵀ x = b for x, with L from `choleskyFactor`. */
export function choleskySolve(L: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** Solves A x = b for a symmetric positive definite A; undefined when A is singular. */
export function solveSymmetric(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | undefined {
  const L = choleskyFactor(A, n);
  return L && choleskySolve(L, b, n);
}
