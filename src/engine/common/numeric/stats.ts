/**
 * Summary statistics over plain number arrays, one convention for all of them:
 * - `percentile(x, p)`: p in 0..1 (0.5 is the median), linear interpolation between
 *   order statistics, non-finite values (NaN, ±Infinity) ignored;
 * - an input with nothing to summarise (empty, or no finite value for the order
 *   statistics) gives NaN for percentile/median, 0 for mean/std/meanAbsDiff and
 *   pearson (documented per function). Callers that need another fallback check the
 *   length themselves.
 */

/** Arithmetic mean; 0 for an empty input. */
export function mean(x: ArrayLike<number>): number {
  if (x.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Population standard deviation; 0 for an empty input. */
export function std(x: ArrayLike<number>): number {
  if (x.length === 0) return 0;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) * (x[i] - m);
  return Math.sqrt(s / x.length);
}

/**
 * The p-quantile, p in [0, 1] (clamped), linear interpolation between order statistics
 * of the finite values; NaN when there is no finite value.
 */
export function percentile(x: ArrayLike<number>, p: number): number {
  const s = finiteSorted(x);
  if (s.length === 0) return NaN;
  const pos = Math.min(1, Math.max(0, p)) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** percentile(x, 0.5); NaN when there is no finite value. */
export function median(x: ArrayLike<number>): number {
  return percentile(x, 0.5);
}

function finiteSorted(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) out[n++] = x[i];
  return out.subarray(0, n).sort();
}

/** Pearson correlation over the common length; 0 when shorter than 2 or either side is constant. */
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

/** Least-squares slope of b on a over the common length (how much b moves per unit of a); 0 when a is constant. */
export function slope(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i] / n; mb += b[i] / n; }
  let sab = 0, saa = 0;
  for (let i = 0; i < n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; }
  return saa > 1e-20 ? sab / saa : 0;
}

/** Mean of |x[t+1] - x[t]| (the typical step of a series); 0 when shorter than 2. */
export function meanAbsDiff(x: ArrayLike<number>): number {
  if (x.length < 2) return 0;
  let s = 0;
  for (let i = 1; i < x.length; i++) s += Math.abs(x[i] - x[i - 1]);
  return s / (x.length - 1);
}

/** Centred moving average with edge clamping (window 2*radius+1); radius <= 0 copies. */
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

/** Column `c` of a row-major [T, C] array (a copy). */
export function column(data: ArrayLike<number>, T: number, C: number, c: number): Float32Array {
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) out[t] = data[t * C + c];
  return out;
}

