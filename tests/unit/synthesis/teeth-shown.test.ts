import { describe, expect, it } from 'vitest';
import { teethShown } from '../../../src/engine/synthesis';

/**
 * A mouth drawn on skin: lips 80 px wide (outer corners at x 60 and 140), upper lip from
 * y 80 to 95, then `between` px of teeth, dark or nothing, then the lower lip 15 px tall.
 */
function mouth(between: number, fill: 'teeth' | 'dark' | 'seam'): { rgb: Uint8Array; lm: Float32Array; W: number; H: number } {
  const W = 200, H = 200;
  const rgb = new Uint8Array(W * H * 3);
  const put = (x: number, y: number, c: number[]) => rgb.set(c, (y * W + x) * 3);
  const upperTop = 80, upperBottom = 95, lowerTop = upperBottom + between, lowerBottom = lowerTop + 15;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let c = [200, 160, 140]; // skin
      if (x >= 60 && x < 140 && y >= upperTop && y < lowerBottom) {
        if (y < upperBottom || y >= lowerTop) c = [190, 90, 100]; // lips
        else c = fill === 'teeth' ? [235, 230, 220] : [40, 20, 25];
      }
      put(x, y, c);
    }
  }
  if (fill === 'seam') for (let x = 60; x < 140; x++) put(x, upperBottom, [110, 50, 60]);
  const lm = new Float32Array(478 * 3);
  const set = (v: number, x: number, y: number) => { lm[v * 3] = x; lm[v * 3 + 1] = y; };
  const mid = (upperBottom + lowerTop) / 2;
  set(61, 60, mid); set(291, 140, mid); // outer corners
  set(78, 66, mid); set(308, 134, mid); // inner corners
  set(0, 100, upperTop); set(17, 100, lowerBottom); // outer edges of the lips
  // The tracker's inner lip points: read closed for teeth (where it errs), open for the dark.
  set(13, 100, fill === 'dark' ? upperBottom : mid); set(14, 100, fill === 'dark' ? lowerTop : mid);
  return { rgb, lm, W, H };
}

describe('teeth between the lips, from the pixels', () => {
  it('measures a band of teeth as a fraction of the mouth\'s width', () => {
    const m = mouth(8, 'teeth');
    expect(teethShown(m.rgb, m.W, m.H, m.lm)).toBeCloseTo(8 / 80, 1);
    const wide = mouth(16, 'teeth');
    expect(teethShown(wide.rgb, wide.W, wide.H, wide.lm)).toBeGreaterThan(1.6 * teethShown(m.rgb, m.W, m.H, m.lm));
  });

  it('reads nothing for closed lips, their darker seam, or an open mouth\'s dark', () => {
    for (const m of [mouth(0, 'teeth'), mouth(0, 'seam'), mouth(12, 'dark')]) expect(teethShown(m.rgb, m.W, m.H, m.lm)).toBe(0);
  });

  it('reads nothing without a usable mouth (degenerate landmarks)', () => {
    const m = mouth(8, 'teeth');
    expect(teethShown(m.rgb, m.W, m.H, new Float32Array(478 * 3))).toBe(0);
  });
});
