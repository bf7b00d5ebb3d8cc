import { describe, expect, it } from 'vitest';
import {
  Rng, mean, std, percentile, median, pearson, slope, meanAbsDiff, movingAverage, column, splitFrames, linearTap, resampleLinear, alignCornersPosition, ridge,
  choleskyFactor, choleskySolve, solveSymmetric,
} from '../../../src/engine/common/numeric';

describe('Rng (xoshiro128**)', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(xa);
    // Large and fractional seeds (seed * 7919 + step) are taken modulo 2^32 after truncation.
    expect(new Rng(2 ** 32 + 5).next()).toBe(new Rng(5).next());
    expect(new Rng(5.7).next()).toBe(new Rng(5).next());
  });

  it('draws uniform, integer, normal and gamma values with the right moments', () => {
    const r = new Rng(7);
    const n = 20000;
    const u = Array.from({ length: n }, () => r.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 2);
    const ints = Array.from({ length: n }, () => r.int(6));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    const uv = Array.from({ length: n }, () => r.uniform(-2, 3));
    expect(Math.min(...uv)).toBeGreaterThanOrEqual(-2);
    expect(mean(uv)).toBeCloseTo(0.5, 1);
    const z = Array.from({ length: n }, () => r.normal());
    expect(Math.abs(mean(z))).toBeLessThan(0.03);
    expect(std(z)).toBeCloseTo(1, 1);
    for (const k of [0.5, 3]) {
      const g = Array.from({ length: n }, () => r.gamma(k));
      expect(Math.min(...g)).toBeGreaterThan(0);
      expect(mean(g)).toBeCloseTo(k, 1); // Gamma(k, 1): mean k, variance k
      expect(std(g) ** 2).toBeCloseTo(k, 0);
    }
  });

  it('fills arrays and shuffles in place', () => {
    const r = new Rng(3);
    const f = r.fillNormal(new Float32Array(10000), 2, 5);
    expect(f).toBeInstanceOf(Float32Array);
    expect(mean(f)).toBeCloseTo(5, 1);
    expect(std(f)).toBeCloseTo(2, 1);
    const g = r.fillUniform(new Float64Array(1000), -1, 1);
    expect(Math.max(...g)).toBeLessThan(1);
    expect(Math.min(...g)).toBeGreaterThanOrEqual(-1);
    const a = Array.from({ length: 50 }, (_, i) => i);
    const s = r.shuffle([...a]);
    expect(s).not.toEqual(a);
    expect([...s].sort((x, y) => x - y)).toEqual(a);
  });
});

describe('summary statistics', () => {
  it('percentile: p in 0..1, linear interpolation, non-finite ignored, NaN when nothing is finite', () => {
    expect(percentile([3, 1, 2, 4], 0)).toBe(1);
    expect(percentile([3, 1, 2, 4], 1)).toBe(4);
    expect(percentile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(percentile([0, 10], 0.25)).toBe(2.5);
    expect(percentile([0, 10], 7)).toBe(10); // clamped
    expect(percentile([NaN, 5, Infinity, 1, -Infinity], 0.5)).toBe(3);
    expect(percentile([], 0.5)).toBeNaN();
    expect(percentile([NaN], 0.5)).toBeNaN();
    expect(median(new Float32Array([5, 1, 3]))).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('mean, std, pearson, meanAbsDiff, movingAverage, column', () => {
    expect(mean([])).toBe(0);
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2); // population
    expect(std([])).toBe(0);
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBe(0);
    // The slope says how much of a's motion b shows, where r only says they move together.
    expect(slope([1, 2, 3, 4], [5, 5.5, 6, 6.5])).toBeCloseTo(0.5, 12);
    expect(slope([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(slope([2, 2, 2], [1, 2, 3])).toBe(0);
    expect(pearson([1], [1])).toBe(0);
    expect(meanAbsDiff([0, 2, 1, 1])).toBe(1);
    expect(meanAbsDiff([4])).toBe(0);
    expect(Array.from(movingAverage([0, 3, 0, 3], 1))).toEqual([1, 1, 2, 1 + 1]);
    expect(Array.from(movingAverage([1, 2], 0))).toEqual([1, 2]);
    expect(Array.from(column([1, 2, 3, 4, 5, 6], 3, 2, 1))).toEqual([2, 4, 6]);
  });

  it('ridge regression recovers a linear map and shrinks with lambda', () => {
    const r = new Rng(1);
    const n = 200, d = 3;
    const X = r.fillNormal(new Float64Array(n * d));
    const w = [0.5, -2, 1];
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) y[i] += X[i * d + j] * w[j];
    const fit = ridge(X, n, d, y, 1, 1e-6);
    fit.forEach((v, j) => expect(v).toBeCloseTo(w[j], 4));
    const shrunk = ridge(X, n, d, y, 1, 1e4);
    expect(Math.hypot(...shrunk)).toBeLessThan(0.2 * Math.hypot(...w));
  });
});

describe('splitFrames (5 : 1 : 4 in time)', () => {
  it('cuts at round(T/2) and round(0.6 T)', () => {
    expect(splitFrames(200)).toEqual({ train: { start: 0, end: 100 }, val: { start: 100, end: 120 }, test: { start: 120, end: 200 } });
    const s = splitFrames(731);
    expect(s.train.end).toBe(366);
    expect(s.val.end - s.val.start).toBe(73);
    expect(s.test.end).toBe(731);
  });

  it('edge rule: every part has a frame from T = 3 on; below, every part is the whole clip', () => {
    for (let T = 3; T < 40; T++) {
      const { train, val, test } = splitFrames(T);
      expect(train.start).toBe(0);
      expect(train.end).toBe(val.start);
      expect(val.end).toBe(test.start);
      expect(test.end).toBe(T);
      for (const seg of [train, val, test]) expect(seg.end - seg.start).toBeGreaterThanOrEqual(1);
    }
    expect(splitFrames(3)).toEqual({ train: { start: 0, end: 1 }, val: { start: 1, end: 2 }, test: { start: 2, end: 3 } });
    expect(splitFrames(2)).toEqual({ train: { start: 0, end: 2 }, val: { start: 0, end: 2 }, test: { start: 0, end: 2 } });
    expect(splitFrames(0).test).toEqual({ start: 0, end: 0 });
  });
});

describe('1-D linear interpolation', () => {
  it('linearTap holds the ends', () => {
    expect(linearTap(-1, 4)).toEqual({ i0: 0, i1: 0, w: 0 });
    expect(linearTap(NaN, 4)).toEqual({ i0: 0, i1: 0, w: 0 });
    expect(linearTap(1.25, 4)).toEqual({ i0: 1, i1: 2, w: 0.25 });
    expect(linearTap(3, 4)).toEqual({ i0: 3, i1: 3, w: 0 });
    expect(linearTap(9, 4)).toEqual({ i0: 3, i1: 3, w: 0 });
  });

  it('resampleLinear samples a [n, C] series at fractional positions', () => {
    const data = [0, 10, 1, 20, 2, 30]; // [3, 2]
    expect(Array.from(resampleLinear(data, 2, 3, 5, (k) => k / 2))).toEqual([0, 10, 0.5, 15, 1, 20, 1.5, 25, 2, 30]);
    expect(Array.from(resampleLinear(data, 2, 3, 2, (k) => 5 * k - 1))).toEqual([0, 10, 2, 30]);
    expect(Array.from(resampleLinear([], 2, 0, 2, (k) => k))).toEqual([0, 0, 0, 0]);
  });

  it('Cholesky: L Lᵀ = A, solves A x = b, refuses a singular A unless pivots are clamped', () => {
    // A = M Mᵀ + I for a fixed M: symmetric positive definite.
    const n = 4;
    const M = [2, 0, 1, 3, -1, 4, 0, 2, 0.5, 1, 3, -2, 1, 1, 1, 1];
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) A[i * n + j] += M[i * n + k] * M[j * n + k];
      if (i === j) A[i * n + j] += 1;
    }
    const L = choleskyFactor(A, n)!;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k];
      expect(s).toBeCloseTo(A[i * n + j], 10);
      if (j > i) expect(L[i * n + j]).toBe(0);
    }
    const x = [1, -2, 0.5, 3];
    const b = Array.from({ length: n }, (_, i) => x.reduce((s, xj, j) => s + A[i * n + j] * xj, 0));
    choleskySolve(L, b, n).forEach((v, i) => expect(v).toBeCloseTo(x[i], 10));
    expect(Array.from(solveSymmetric(A, b, n)!)).toEqual(Array.from(choleskySolve(L, b, n)));
    const singular = [1, 1, 1, 1];
    expect(choleskyFactor(singular, 2)).toBeUndefined();
    expect(solveSymmetric(singular, [1, 1], 2)).toBeUndefined();
    expect(Array.from(choleskyFactor(singular, 2, 1e-6)!)).toEqual([1, 0, 1, 1e-3]);
  });

  it('alignCornersPosition maps the end samples onto each other', () => {
    expect(alignCornersPosition(0, 5, 9)).toBe(0);
    expect(alignCornersPosition(8, 5, 9)).toBe(4);
    expect(alignCornersPosition(4, 5, 9)).toBe(2);
    expect(alignCornersPosition(0, 5, 1)).toBe(0);
  });
});
