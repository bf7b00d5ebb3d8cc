import { describe, expect, it } from 'vitest';
import { postFilter, savitzkyGolay5, gaussianSmooth } from '../../../src/engine/gan';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import { Rng } from '../../../src/engine/common/numeric';

describe('post-filter (Savitzky-Golay over the parameters, Gaussian on pose), without lag', () => {
  it('keeps a cubic as it is and moves no peak: zero phase', () => {
    const cubic = Float32Array.from({ length: 40 }, (_, t) => 0.001 * t ** 3 - 0.05 * t * t + t);
    const y = savitzkyGolay5(cubic);
    for (let t = 0; t < 40; t++) expect(y[t]).toBeCloseTo(cubic[t], 3);
    const pulse = Float32Array.from({ length: 41 }, (_, t) => Math.exp(-((t - 20) ** 2) / 8));
    for (const s of [savitzkyGolay5(pulse), gaussianSmooth(pulse, 1.5)]) {
      const peak = s.indexOf(Math.max(...s));
      expect(peak).toBe(20);
    }
  });

  it('smooths frame-to-frame noise of expression and pose, leaves blinks at full depth', () => {
    const T = 200;
    const rng = new Rng(3);
    const c = new Float32Array(T * PARAM_COUNT);
    for (let t = 0; t < T; t++) for (let k = 0; k < PARAM_COUNT; k++) c[t * PARAM_COUNT + k] = rng.normal();
    for (let t = 50; t < 53; t++) c[t * PARAM_COUNT + 6] = 1;
    const y = postFilter(c, 25);
    const step = (a: Float32Array, k: number) => {
      let s = 0;
      for (let t = 1; t < T; t++) s += Math.abs(a[t * PARAM_COUNT + k] - a[(t - 1) * PARAM_COUNT + k]);
      return s / (T - 1);
    };
    expect(step(y, 10)).toBeLessThan(0.7 * step(c, 10)); // expression
    expect(step(y, 0)).toBeLessThan(0.5 * step(c, 0)); // pose: Savitzky-Golay then Gaussian
    for (let t = 0; t < T; t++) expect(y[t * PARAM_COUNT + 6]).toBe(c[t * PARAM_COUNT + 6]);
  });
});
