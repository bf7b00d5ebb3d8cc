import { Rng } from '../common/numeric';

/**
 * Small dense linear algebra for the persona fit: symmetric eigen-decomposition
 * (cyclic Jacobi), 3-D similarity alignment (Horn's quaternion method), robust
 * statistics and a zero-phase Gaussian smoother. Plain Float64Array, row-major.
 */

/** Eigen-decomposition of a symmetric n×n matrix (row-major). Values descending; vectors[k] is the k-th unit eigenvector. */
export function symmetricEigen(A: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array[] } {
  const a = Float64Array.from(A as ArrayLike<number>);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] * a[i * n + i];
      for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
    }
    if (off <= 1e-22 * Math.max(diag, 1e-300) || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J, V ← V J for the rotation J in the (p, q) plane.
        rotatePlane(a, n, p, q, c, s, n, 1);
        rotatePlane(a, n, p, q, c, s, 1, n);
        rotatePlane(v, n, p, q, c, s, n, 1);
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = new Float64Array(n);
  const vectors: Float64Array[] = [];
  order.forEach((col, k) => {
    values[k] = a[col * n + col];
    const vec = new Float64Array(n);
    for (let r = 0; r < n; r++) vec[r] = v[r * n + col];
    vectors.push(vec);
  });
  return { values, vectors };
}

/**
 * Rotates the pair of lines p and q of an n×n row-major matrix by (c, s): columns
 * p and q when `along` is n and `across` 1 (M J), rows p and q when `along` is 1 and
 * `across` n (Jᵀ M).
 */
function rotatePlane(m: Float64Array, n: number, p: number, q: number, c: number, s: number, along: number, across: number): void {
  for (let k = 0; k < n; k++) {
    const ip = k * along + p * across;
    const iq = k * along + q * across;
    const mp = m[ip];
    const mq = m[iq];
    m[ip] = c * mp - s * mq;
    m[iq] = s * mp + c * mq;
  }
}

export interface Similarity {
  /** Scale. */
  s: number;
  /** Rotation, row-major 3x3. */
  R: Float64Array;
  /** Translation. */
  t: [number, number, number];
}

/**
 * Least-squares similarity dst ≈ s·R·src + t over the points `idx` (all when
 * omitted), optionally weighted. Points are flat [N*3]. Horn's closed form with unit
 * quaternions, so R is always a proper rotation.
 */
export function alignSimilarity(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  idx?: ArrayLike<number>,
  weights?: ArrayLike<number>,
  withScale = true,
): Similarity {
  const n = idx ? idx.length : src.length / 3;
  const at = (k: number) => (idx ? idx[k] : k);
  let W = 0;
  const ms = [0, 0, 0];
  const md = [0, 0, 0];
  for (let k = 0; k < n; k++) {
    const i = at(k);
    const w = weights ? weights[k] : 1;
    W += w;
    for (let d = 0; d < 3; d++) {
      ms[d] += w * src[i * 3 + d];
      md[d] += w * dst[i * 3 + d];
    }
  }
  for (let d = 0; d < 3; d++) {
    ms[d] /= W;
    md[d] /= W;
  }
  // Point k of src and dst about their weighted centroids.
  const centred = (k: number): [number[], number[]] => {
    const i = at(k);
    return [
      [src[i * 3] - ms[0], src[i * 3 + 1] - ms[1], src[i * 3 + 2] - ms[2]],
      [dst[i * 3] - md[0], dst[i * 3 + 1] - md[1], dst[i * 3 + 2] - md[2]],
    ];
  };
  const S = new Float64Array(9);
  let ss = 0;
  for (let k = 0; k < n; k++) {
    const w = weights ? weights[k] : 1;
    const [a, b] = centred(k);
    ss += w * (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) S[r * 3 + c] += w * a[r] * b[c];
  }
  const [Sxx, Sxy, Sxz, Syx, Syy, Syz, Szx, Szy, Szz] = S;
  const N = [
    Sxx + Syy + Szz, Syz - Szy, Szx - Sxz, Sxy - Syx,
    Syz - Szy, Sxx - Syy - Szz, Sxy + Syx, Szx + Sxz,
    Szx - Sxz, Sxy + Syx, -Sxx + Syy - Szz, Syz + Szy,
    Sxy - Syx, Szx + Sxz, Syz + Szy, -Sxx - Syy + Szz,
  ];
  const { vectors } = symmetricEigen(N, 4);
  const [q0, qx, qy, qz] = vectors[0];
  const R = quaternionToMatrix(q0, qx, qy, qz);
  // Scale: sum of b·(R a) over sum of |a|^2.
  let num = 0;
  for (let k = 0; k < n; k++) {
    const w = weights ? weights[k] : 1;
    const [a, b] = centred(k);
    for (let r = 0; r < 3; r++) num += w * b[r] * (R[r * 3] * a[0] + R[r * 3 + 1] * a[1] + R[r * 3 + 2] * a[2]);
  }
  const s = withScale ? (ss > 0 ? num / ss : 1) : 1;
  const t: [number, number, number] = [0, 0, 0];
  for (let r = 0; r < 3; r++) t[r] = md[r] - s * (R[r * 3] * ms[0] + R[r * 3 + 1] * ms[1] + R[r * 3 + 2] * ms[2]);
  return { s, R, t };
}

export function quaternionToMatrix(w: number, x: number, y: number, z: number): Float64Array {
  const n = Math.hypot(w, x, y, z) || 1;
  w /= n; x /= n; y /= n; z /= n;
  return new Float64Array([
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ]);
}

/** Unit quaternion [w, x, y, z] of a rotation matrix (Shepperd's method). */
export function matrixToQuaternion(R: ArrayLike<number>): [number, number, number, number] {
  const tr = R[0] + R[4] + R[8];
  let w: number, x: number, y: number, z: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s; x = (R[7] - R[5]) / s; y = (R[2] - R[6]) / s; z = (R[3] - R[1]) / s;
  } else if (R[0] > R[4] && R[0] > R[8]) {
    const s = Math.sqrt(1 + R[0] - R[4] - R[8]) * 2;
    w = (R[7] - R[5]) / s; x = 0.25 * s; y = (R[1] + R[3]) / s; z = (R[2] + R[6]) / s;
  } else if (R[4] > R[8]) {
    const s = Math.sqrt(1 + R[4] - R[0] - R[8]) * 2;
    w = (R[2] - R[6]) / s; x = (R[1] + R[3]) / s; y = 0.25 * s; z = (R[5] + R[7]) / s;
  } else {
    const s = Math.sqrt(1 + R[8] - R[0] - R[4]) * 2;
    w = (R[3] - R[1]) / s; x = (R[2] + R[6]) / s; y = (R[5] + R[7]) / s; z = 0.25 * s;
  }
  return [w, x, y, z];
}

/** Applies a similarity to flat points [N*3]. */
export function applySimilarity(sim: Similarity, pts: ArrayLike<number>, out = new Float64Array(pts.length)): Float64Array {
  const { s, R, t } = sim;
  for (let i = 0; i < pts.length; i += 3) {
    const x = pts[i], y = pts[i + 1], z = pts[i + 2];
    out[i] = s * (R[0] * x + R[1] * y + R[2] * z) + t[0];
    out[i + 1] = s * (R[3] * x + R[4] * y + R[5] * z) + t[1];
    out[i + 2] = s * (R[6] * x + R[7] * y + R[8] * z) + t[2];
  }
  return out;
}

/** Applies the inverse of a similarity: (1/s)·Rᵀ·(p − t). */
export function applyInverseSimilarity(sim: Similarity, pts: ArrayLike<number>, out = new Float64Array(pts.length)): Float64Array {
  const { s, R, t } = sim;
  for (let i = 0; i < pts.length; i += 3) {
    const x = pts[i] - t[0], y = pts[i + 1] - t[1], z = pts[i + 2] - t[2];
    out[i] = (R[0] * x + R[3] * y + R[6] * z) / s;
    out[i + 1] = (R[1] * x + R[4] * y + R[7] * z) / s;
    out[i + 2] = (R[2] * x + R[5] * y + R[8] * z) / s;
  }
  return out;
}

/**
 * Zero-phase (non-causal, so no lag) Gaussian smoothing of a series sampled every
 * `stride` elements starting at `offset` (T samples), in place. sigma in samples;
 * edges renormalise the kernel. `sigma <= 0` leaves the series unchanged.
 */
export function gaussianSmoothStrided(data: Float32Array | Float64Array, T: number, offset: number, stride: number, sigma: number, scratch?: Float64Array): void {
  if (sigma <= 0 || T < 2) return;
  const r = Math.max(1, Math.ceil(sigma * 3));
  const kernel = new Float64Array(2 * r + 1);
  for (let k = -r; k <= r; k++) kernel[k + r] = Math.exp(-(k * k) / (2 * sigma * sigma));
  const src = scratch && scratch.length >= T ? scratch : new Float64Array(T);
  for (let t = 0; t < T; t++) src[t] = data[offset + t * stride];
  for (let t = 0; t < T; t++) {
    let acc = 0;
    let wsum = 0;
    const lo = Math.max(0, t - r);
    const hi = Math.min(T - 1, t + r);
    for (let u = lo; u <= hi; u++) {
      const w = kernel[u - t + r];
      acc += w * src[u];
      wsum += w;
    }
    data[offset + t * stride] = acc / wsum;
  }
}

/** Orthonormalises the rows of a [k, n] matrix in place (modified Gram-Schmidt, twice). Returns the norms before normalising (0 for a dependent row, which is then replaced by a vector orthogonal to the others). */
export function orthonormaliseRows(rows: Float64Array[], seed = 1): number[] {
  const norms: number[] = [];
  const rng = new Rng(seed);
  const rand = () => rng.next() - 0.5;
  for (let k = 0; k < rows.length; k++) {
    const v = rows[k];
    const initial = Math.sqrt(dot(v, v));
    let attempts = 0;
    for (;;) {
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < k; j++) {
          const d = dot(v, rows[j]);
          for (let i = 0; i < v.length; i++) v[i] -= d * rows[j][i];
        }
      }
      const nrm = Math.sqrt(dot(v, v));
      if (nrm > 1e-9 * Math.max(1, initial) && nrm > 1e-12) {
        for (let i = 0; i < v.length; i++) v[i] /= nrm;
        break;
      }
      if (++attempts > 20) throw new Error('orthonormaliseRows: could not complete the basis');
      for (let i = 0; i < v.length; i++) v[i] = rand();
    }
    norms.push(attempts === 0 ? initial : 0);
  }
  return norms;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
