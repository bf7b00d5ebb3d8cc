import { describe, expect, it } from 'vitest';
import { computeNormStats, normalizeParams, denormalizeParams, restState, EXPR_TARGET_RMS } from '../../../src/engine/gan';
import { Rng } from '../../../src/engine/common/numeric';
import { PARAM_COUNT } from '../../../src/shared/facial-params';

function fakeParams(T: number, seed = 3): Float32Array {
  const r = new Rng(seed);
  const p = new Float32Array(T * PARAM_COUNT);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < 3; c++) p[t * PARAM_COUNT + c] = 0.1 * c + 0.05 * r.normal();
    for (let c = 3; c < 6; c++) p[t * PARAM_COUNT + c] = [20, -10, 800][c - 3] + 5 * r.normal();
    p[t * PARAM_COUNT + 6] = r.next() < 0.05 ? 0.9 : 0.05 * r.next();
    for (let k = 0; k < 64; k++) p[t * PARAM_COUNT + 7 + k] = 10 + (30 / (k + 1)) * r.normal();
  }
  return p;
}

describe('normalisation (pose z-scored per persona, expression scaled)', () => {
  const P = fakeParams(400);
  const s = computeNormStats(P, 0, 200);

  it('round-trips', () => {
    const back = denormalizeParams(normalizeParams(P, s), s);
    let worst = 0;
    for (let i = 0; i < P.length; i++) worst = Math.max(worst, Math.abs(back[i] - P[i]) / Math.max(1, Math.abs(P[i])));
    expect(worst).toBeLessThan(1e-5);
  });

  it('z-scores the pose and scales the expression to the reference size on the statistics part', () => {
    const N = normalizeParams(P, s);
    for (let c = 0; c < 6; c++) {
      let m = 0, v = 0;
      for (let t = 0; t < 200; t++) m += N[t * PARAM_COUNT + c] / 200;
      for (let t = 0; t < 200; t++) v += (N[t * PARAM_COUNT + c] - m) ** 2 / 200;
      expect(Math.abs(m)).toBeLessThan(1e-4);
      expect(Math.sqrt(v)).toBeCloseTo(1, 3);
    }
    let ev = 0;
    for (let k = 0; k < 64; k++) {
      let m = 0, v = 0;
      for (let t = 0; t < 200; t++) m += N[t * PARAM_COUNT + 7 + k] / 200;
      for (let t = 0; t < 200; t++) v += (N[t * PARAM_COUNT + 7 + k] - m) ** 2 / 200;
      ev += v / 64;
    }
    expect(Math.sqrt(ev)).toBeCloseTo(EXPR_TARGET_RMS, 3);
    // blink is left in its 0..1 units
    expect(N[6]).toBe(P[6]);
  });

  it('the rest state is the mean pose and expression with open eyes', () => {
    const rest = denormalizeParams(restState(s), s);
    for (let c = 0; c < 6; c++) expect(rest[c]).toBeCloseTo(s.poseMean[c], 3);
    expect(rest[6]).toBeLessThan(0.1);
    for (let k = 0; k < 64; k++) expect(rest[7 + k]).toBeCloseTo(s.exprMean[k], 3);
  });

  it('guards against a constant channel', () => {
    const flat = new Float32Array(50 * PARAM_COUNT);
    const st = computeNormStats(flat, 0, 50);
    const n = normalizeParams(flat, st);
    expect(n.every(Number.isFinite)).toBe(true);
  });
});
