import { describe, expect, it } from 'vitest';
import { buildExpressionBasis, expressionCoefficients, neutralShape } from '../../../src/engine/persona/expression-basis';
import { dot } from '../../../src/engine/persona/linalg';
import { rng, syntheticFace } from '../../helpers/persona-synthetic';

const N = 478 * 3;

/** T frames = base + Σ_k a_k(t) mode_k (+ noise), modes random unit vectors. */
function synthetic(T: number, modes: number, noise: number) {
  const r = rng(21);
  const base = syntheticFace(1);
  const M = Array.from({ length: modes }, () => {
    const v = Float64Array.from({ length: N }, r);
    const n = Math.sqrt(dot(v, v));
    return v.map((x) => x / n);
  });
  const data = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) data[t * N + i] = base[i] + noise * r();
    M.forEach((m, k) => {
      const a = (10 / (k + 1)) * Math.sin(0.3 * t * (k + 1) + k);
      for (let i = 0; i < N; i++) data[t * N + i] += a * m[i];
    });
  }
  return { data, modes: M };
}

function checkOrthonormal(rows: Float64Array[]) {
  let worst = 0;
  for (let a = 0; a < rows.length; a++) for (let b = a; b < rows.length; b++) {
    worst = Math.max(worst, Math.abs(dot(rows[a], rows[b]) - (a === b ? 1 : 0)));
  }
  return worst;
}

describe('expression basis (PCA)', () => {
  it('gives 64 orthonormal rows spanning the true modes; a clip with 5 modes has 5 useful components, the rest carry ~0', () => {
    const T = 120;
    const { data, modes } = synthetic(T, 5, 0);
    const w = new Float32Array(T).fill(1);
    const b = buildExpressionBasis(data, T, N, w);
    expect(b.rows).toHaveLength(64);
    expect(checkOrthonormal(b.rows)).toBeLessThan(1e-8);
    expect(b.usefulComponents).toBe(5);
    expect(b.variances.slice(5).every((v) => v === 0)).toBe(true);
    expect(b.explained).toBeGreaterThan(0.999999);
    // Each true mode lies in the span of the first 5 rows.
    for (const m of modes) {
      let inSpan = 0;
      for (let k = 0; k < 5; k++) inSpan += dot(m, b.rows[k]) ** 2;
      expect(inSpan).toBeGreaterThan(0.999999);
    }
    // Coefficients of the completion rows are ~0 for every frame.
    const { neutral } = neutralShape(data, T, N, w);
    for (const t of [0, 33, 99]) {
      const c = expressionCoefficients(data, t * N, neutral, b.rows);
      for (let k = 5; k < 64; k++) expect(Math.abs(c[k])).toBeLessThan(1e-6);
      // And the 64 coefficients reconstruct the frame exactly.
      const rec = Float64Array.from(neutral);
      b.rows.forEach((row, k) => { for (let i = 0; i < N; i++) rec[i] += c[k] * row[i]; });
      let err = 0;
      for (let i = 0; i < N; i++) err = Math.max(err, Math.abs(rec[i] - data[t * N + i]));
      expect(err).toBeLessThan(1e-6);
    }
  });

  it('with noise, all 64 components carry variance, sorted descending, still orthonormal', () => {
    const T = 150;
    const { data } = synthetic(T, 8, 0.05);
    const b = buildExpressionBasis(data, T, N, new Float32Array(T).fill(1));
    expect(checkOrthonormal(b.rows)).toBeLessThan(1e-8);
    expect(b.usefulComponents).toBe(64);
    for (let k = 1; k < 64; k++) expect(b.variances[k]).toBeLessThanOrEqual(b.variances[k - 1] * (1 + 1e-6));
    expect(b.components99).toBeGreaterThanOrEqual(8);
  });

  it('ignores frames with weight 0 (filled gaps)', () => {
    const T = 60;
    const { data } = synthetic(T, 3, 0);
    // Corrupt frames 10-19 and give them weight 0.
    for (let t = 10; t < 20; t++) for (let i = 0; i < N; i++) data[t * N + i] += 50 * Math.sin(i + t);
    const w = new Float32Array(T).fill(1);
    w.fill(0, 10, 20);
    const b = buildExpressionBasis(data, T, N, w);
    expect(b.usefulComponents).toBe(3);
  });
});
