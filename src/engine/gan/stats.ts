/**
 * Small numeric helpers shared by the prior, the data pipeline and the evaluation:
 * a seeded random generator, summary statistics, smoothing. Pure functions.
 */

/** A seeded pseudo-random generator (SplitMix32 + mulberry-style mixing): deterministic for a seed. */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape k, scale 1) by Marsaglia-Tsang (k >= 1; boosted for k < 1). */
  gamma(k: number): number {
    if (k < 1) return this.gamma(k + 1) * Math.pow(Math.max(this.next(), 1e-12), 1 / k);
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Shuffles in place (Fisher-Yates). */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

export function mean(x: ArrayLike<number>): number {
  if (x.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Population standard deviation. */
export function std(x: ArrayLike<number>): number {
  if (x.length === 0) return 0;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) * (x[i] - m);
  return Math.sqrt(s / x.length);
}

/** p in [0, 1], linear interpolation between order statistics. */
export function percentile(x: ArrayLike<number>, p: number): number {
  if (x.length === 0) return 0;
  const s = Float64Array.from(x).sort();
  const pos = Math.min(1, Math.max(0, p)) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function median(x: ArrayLike<number>): number {
  return percentile(x, 0.5);
}

/** Pearson correlation; 0 when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa <= 1e-20 || sbb <= 1e-20) return 0;
  return sab / Math.sqrt(saa * sbb);
}

/** Column `c` of a row-major [T, C] array. */
export function column(data: ArrayLike<number>, T: number, C: number, c: number): Float32Array {
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) out[t] = data[t * C + c];
  return out;
}

/** Rows [from, to) of a row-major [T, C] array (a copy). */
export function rows(data: Float32Array, C: number, from: number, to: number): Float32Array {
  return data.slice(from * C, to * C);
}

/** Centred moving average with edge clamping (window 2*radius+1). */
export function movingAverage(x: ArrayLike<number>, radius: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  if (radius <= 0) {
    for (let i = 0; i < n; i++) out[i] = x[i];
    return out;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = -radius; j <= radius; j++) s += x[Math.min(n - 1, Math.max(0, i + j))];
    out[i] = s / (2 * radius + 1);
  }
  return out;
}

/** Mean of |x[t+1] - x[t]|. */
export function meanAbsDiff(x: ArrayLike<number>): number {
  if (x.length < 2) return 0;
  let s = 0;
  for (let i = 1; i < x.length; i++) s += Math.abs(x[i] - x[i - 1]);
  return s / (x.length - 1);
}

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
