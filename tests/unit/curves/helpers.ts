import { PARAM_COUNT } from '../../../src/shared/facial-params';

/** A synthetic [T, 71] base: smooth pose, a few blinks, slow expression drift. */
export function syntheticBase(T: number, opts: { blinksAt?: number[] } = {}): Float32Array {
  const base = new Float32Array(T * PARAM_COUNT);
  const blinksAt = opts.blinksAt ?? [];
  for (let f = 0; f < T; f++) {
    const o = f * PARAM_COUNT;
    base[o + 0] = 0.05 * Math.sin(f / 17); // pitch
    base[o + 1] = 0.1 * Math.sin(f / 23); // yaw
    base[o + 2] = 0.02 * Math.cos(f / 31); // roll
    base[o + 3] = 2 * Math.sin(f / 40);
    base[o + 4] = 1 * Math.cos(f / 50);
    base[o + 5] = 600 + 5 * Math.sin(f / 60);
    let blink = 0.1;
    for (const b of blinksAt) {
      const u = (f - b) / 6;
      if (u >= 0 && u <= 1) blink += 0.85 * Math.sin(Math.PI * u);
    }
    base[o + 6] = blink;
    for (let k = 0; k < 64; k++) base[o + 7 + k] = 0.5 * Math.sin(f / (10 + k) + k);
  }
  return base;
}
