import { describe, expect, it } from 'vitest';
import { NearestMouthBaseline } from '../../../src/engine/synthesis/nearest-mouth-baseline';
import { LIP_CONTOUR } from '../../../src/engine/synthesis/face-regions';
import { psnr } from '../../../src/engine/render/metrics';

/**
 * The training-free baseline of issue 11's held-out comparison: the nearest allowed
 * mouth by lip shape, warped onto the target by an affine map of the lip landmarks,
 * blended through an ellipse over the lips.
 */

const W = 256, H = 256;
const DIMS = LIP_CONTOUR.length * 3;

/** Landmarks of one frame: the lip contour on an ellipse (mouth 80 px wide) about (cx, cy); other points at the centre. */
function frameLandmarks(cx: number, cy: number, open: number): Float32Array {
  const lm = new Float32Array(478 * 3);
  for (let v = 0; v < 478; v++) lm.set([cx, cy - 40, 0], v * 3);
  LIP_CONTOUR.forEach((v, k) => {
    const a = (2 * Math.PI * (k % 20)) / 20, r = k < 20 ? 1 : 0.6;
    lm.set([cx - 40 * r * Math.cos(a), cy + (12 + open) * r * Math.sin(a), 0], v * 3);
  });
  return lm;
}

/** A textured picture (fine detail everywhere), shifted by (dx, dy). */
function picture(dx: number, dy: number): Uint8Array {
  const f = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x - dx, v = y - dy;
      const o = (y * W + x) * 3;
      f[o] = 128 + 90 * Math.sin(u * 0.35) * Math.cos(v * 0.21);
      f[o + 1] = 128 + 60 * Math.sin((u + v) * 0.17);
      f[o + 2] = (u * 3 + v * 5) & 255;
    }
  }
  return f;
}

describe('training-free baseline: nearest real mouth, affine-warped, blended', () => {
  // Frames: 0 the target; 1 a donor with the same lip shape, shifted; 2 a donor of another shape; 3 the nearest shape, not allowed.
  const centres: [number, number, number][] = [[128, 150, 0], [118, 141, 0], [128, 150, 14], [128, 150, 0]];
  const landmarks = new Float32Array(centres.length * 478 * 3);
  centres.forEach(([x, y, o], t) => landmarks.set(frameLandmarks(x, y, o), t * 478 * 3));
  const lips = new Float32Array(centres.length * DIMS);
  centres.forEach(([, , o], t) => { for (let d = 0; d < DIMS; d++) lips[t * DIMS + d] = o * Math.sin(d) + (t === 1 ? 0.2 : 0); });
  const donors = [false, true, true, false];

  it('takes the allowed frame with the nearest lip shape, never the target itself', () => {
    const b = new NearestMouthBaseline({ landmarks, lips, lipDims: DIMS, donors, width: W, height: H });
    expect(b.nearest(0)).toBe(1);
    expect(b.nearest(2)).toBe(1);
    expect(new NearestMouthBaseline({ landmarks, lips, lipDims: DIMS, donors: [true, true, true, true], width: W, height: H }).nearest(0)).toBe(3);
  });

  it('warps the donor\'s mouth onto the target\'s landmarks and leaves everything outside the ellipse as it was', () => {
    const b = new NearestMouthBaseline({ landmarks, lips, lipDims: DIMS, donors, width: W, height: H });
    const real = picture(0, 0);
    // Donor 1 is the same picture moved by (-10, -9) with its landmarks: warped back, it must give the target's pixels.
    b.addDonor(1, picture(-10, -9));
    const out = real.slice();
    b.compose(0, 1, out);
    // Inside the lips the donor's pixels replace the target's and match them (up to resampling).
    const box = (f: Uint8Array) => {
      const c: number[] = [];
      for (let y = 140; y < 160; y++) for (let x = 100; x < 156; x++) c.push(f[(y * W + x) * 3], f[(y * W + x) * 3 + 1], f[(y * W + x) * 3 + 2]);
      return Uint8Array.from(c);
    };
    expect(psnr(box(out), box(real))).toBeGreaterThan(30);
    // A donor that is a different picture changes the lips, and only within the ellipse (0.72 x 0.55 mouth widths).
    const other = new NearestMouthBaseline({ landmarks, lips, lipDims: DIMS, donors, width: W, height: H });
    other.addDonor(1, picture(37, 23));
    const changed = real.slice();
    other.compose(0, 1, changed);
    expect(psnr(box(changed), box(real))).toBeLessThan(20);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const u = (x + 0.5 - 128) / (0.72 * 80), v = (y + 0.5 - 150) / (0.55 * 80);
        if (Math.hypot(u, v) < 1.01) continue;
        const o = (y * W + x) * 3;
        expect([changed[o], changed[o + 1], changed[o + 2]]).toEqual([real[o], real[o + 1], real[o + 2]]);
      }
    }
    expect(() => other.compose(0, 2, changed)).toThrow(/donor frame 2/);
  });
});
