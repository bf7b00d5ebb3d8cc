import { describe, it, expect } from 'vitest';
import { boxSharpness, contourDetailBalance, contourEdgeEnergy, contourSamples, laplacianVariance, patchDetail, patchLuma, resampleLuma } from '../../../src/engine/quality/image-measures';
import { faceBox, lipBox, measureFrame, OUTER_LIPS, ringEnergies, SEAM_RINGS } from '../../../src/engine/quality/frame-measures';
import { FACE_OVAL } from '../../../src/engine/persona/landmark-sets';
import { rng } from '../../helpers/persona-synthetic';

const W = 160, H = 160;

/** Grey frame with fine random texture in [40, 200]. */
function texturedFrame(seed = 3): Uint8Array {
  const r = rng(seed);
  const f = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) f.fill(Math.round(120 + 160 * r()), i * 3, i * 3 + 3);
  return f;
}

/** 3x3 box blur, twice (a soft copy of the same picture). */
function blurred(src: Uint8Array): Uint8Array {
  let a = src;
  for (let pass = 0; pass < 2; pass++) {
    const out = new Uint8Array(a.length);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
      let s = 0, n = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const xx = Math.min(W - 1, Math.max(0, x + dx)), yy = Math.min(H - 1, Math.max(0, y + dy));
        s += a[(yy * W + xx) * 3 + c];
        n++;
      }
      out[(y * W + x) * 3 + c] = Math.round(s / n);
    }
    a = out;
  }
  return a;
}

/** Landmarks of a round "face" of radius R at the frame's centre: the oval on the circle, everything else inside. */
function roundFace(R = 50): Float32Array {
  const lm = new Float32Array(478 * 3);
  const r = rng(11);
  for (let i = 0; i < 478; i++) {
    lm[i * 3] = W / 2 + r() * R;
    lm[i * 3 + 1] = H / 2 + r() * R;
  }
  FACE_OVAL.forEach((v, k) => {
    const a = (2 * Math.PI * k) / FACE_OVAL.length;
    lm[v * 3] = W / 2 + R * Math.sin(a);
    lm[v * 3 + 1] = H / 2 - R * Math.cos(a);
  });
  OUTER_LIPS.forEach((v, k) => {
    const a = (2 * Math.PI * k) / OUTER_LIPS.length;
    lm[v * 3] = W / 2 - 16 * Math.cos(a);
    lm[v * 3 + 1] = H / 2 + 25 + 6 * Math.sin(a);
  });
  return lm;
}

describe('pixel measures', () => {
  it('resamples luma by area: a constant stays constant, a 2x2 checker shrinks to its mean', () => {
    const flat = new Uint8Array(W * H * 3).fill(77);
    const r = resampleLuma(flat, W, H, { x0: 10, y0: 20, x1: 110, y1: 90 }, 16, 16);
    for (const v of r) expect(v).toBeCloseTo(77, 3);
    const checker = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) checker.fill(((i % W) + Math.floor(i / W)) % 2 ? 200 : 0, i * 3, i * 3 + 3);
    const small = resampleLuma(checker, W, H, { x0: 0, y0: 0, x1: 64, y1: 64 }, 32, 32);
    for (const v of small) expect(v).toBeCloseTo(100, 3);
    // Enlarging interpolates between pixels, outside the frame the edge repeats.
    const up = resampleLuma(flat, W, H, { x0: -5, y0: -5, x1: 3, y1: 3 }, 32, 32);
    for (const v of up) expect(v).toBeCloseTo(77, 3);
  });

  it('a blurred copy scores lower sharpness; a flat image scores 0', () => {
    const f = texturedFrame();
    const box = { x0: 30, y0: 30, x1: 130, y1: 130 };
    const sharp = boxSharpness(f, W, H, box, 96);
    const soft = boxSharpness(blurred(f), W, H, box, 96);
    expect(sharp).toBeGreaterThan(500);
    expect(soft).toBeLessThan(sharp * 0.3);
    expect(laplacianVariance(new Float32Array(96 * 96).fill(9), 96, 96)).toBe(0);
  });

  it('contour samples: evenly spaced, normals point outwards for either winding', () => {
    const square = [0, 0, 40, 0, 40, 40, 0, 40];
    for (const poly of [square, [0, 0, 0, 40, 40, 40, 40, 0]]) {
      const { points, normals } = contourSamples(poly, 16, 5);
      for (let k = 0; k < 16; k++) {
        const x = points[k * 2], y = points[k * 2 + 1];
        // Moved 5 px outwards: outside the square, 5 px from its nearest edge.
        const inside = x > 0 && x < 40 && y > 0 && y < 40;
        expect(inside).toBe(false);
        expect((x - 20) * normals[k * 2] + (y - 20) * normals[k * 2 + 1]).toBeGreaterThan(0);
      }
    }
  });

  it('edge energy across a contour: high on a step along it, none on a flat image', () => {
    const lm = roundFace(50);
    const poly = FACE_OVAL.flatMap((v) => [lm[v * 3], lm[v * 3 + 1]]);
    const flat = new Uint8Array(W * H * 3).fill(90);
    const disc = new Uint8Array(W * H * 3).fill(90);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - W / 2, y - H / 2) < 50) disc.fill(160, (y * W + x) * 3, (y * W + x) * 3 + 3);
    expect(contourEdgeEnergy(flat, W, H, poly, 0, 3)).toBe(0);
    const onStep = contourEdgeEnergy(disc, W, H, poly, 0, 3);
    expect(onStep).toBeGreaterThan(40);
    // 10 px outside the step there is nothing across the ring.
    expect(contourEdgeEnergy(disc, W, H, poly, 10, 3)).toBeLessThan(1);
    // Off the frame: NaN, not 0.
    expect(contourEdgeEnergy(disc, W, H, poly.map((v) => v + 1000), 0, 3)).toBeNaN();
    expect(patchLuma(disc, W, H, W / 2, H / 2, 2)).toBeCloseTo(160, 5);
  });

  it('detail balance across a contour: about 0 with the same texture on both sides, negative when the inside is blurred', () => {
    const lm = roundFace(45);
    const poly = FACE_OVAL.flatMap((v) => [lm[v * 3], lm[v * 3 + 1]]);
    const f = texturedFrame(9);
    const soft = blurred(f);
    const insideSoft = Uint8Array.from(f);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - W / 2, y - H / 2) < 45) insideSoft.set(soft.subarray((y * W + x) * 3, (y * W + x) * 3 + 3), (y * W + x) * 3);
    expect(Math.abs(contourDetailBalance(f, W, H, poly, 0, 3))).toBeLessThan(0.15);
    expect(Math.abs(contourDetailBalance(soft, W, H, poly, 0, 3))).toBeLessThan(0.15);
    expect(contourDetailBalance(insideSoft, W, H, poly, 0, 3)).toBeLessThan(-0.7);
    // The brightness step misses it: both sides have the same mean.
    expect(contourEdgeEnergy(insideSoft, W, H, poly, 0, 3)).toBeLessThan(contourEdgeEnergy(f, W, H, poly, 0, 3) * 1.2);
    expect(patchDetail(new Uint8Array(W * H * 3).fill(50), W, H, 80, 80, 6)).toBe(0);
  });

  it('measures a frame by its landmarks: boxes, flicker against the previous frame, rings', () => {
    const lm = roundFace(50);
    const fb = faceBox(lm);
    expect(fb.x1 - fb.x0).toBeCloseTo(100, 0);
    const lb = lipBox(lm);
    // Lips 32 px wide: grown by 8 px each side.
    expect(lb.x1 - lb.x0).toBeCloseTo(48, 0);
    const f = texturedFrame(5);
    const same = measureFrame(f, W, H, lm, f);
    expect(same.flicker).toBe(0);
    expect(measureFrame(f, W, H, lm).flicker).toBeNaN();
    const other = measureFrame(f, W, H, lm, texturedFrame(6));
    expect(other.flicker).toBeGreaterThan(10);
    expect(same.faceSharpness).toBeGreaterThan(measureFrame(blurred(f), W, H, lm).faceSharpness * 3);
    expect(same.mouthSharpness).toBeGreaterThan(measureFrame(blurred(f), W, H, lm).mouthSharpness * 3);
    const rings = ringEnergies(f, W, H, lm);
    expect(rings.step.length).toBe(SEAM_RINGS.length);
    expect(rings.detail.length).toBe(SEAM_RINGS.length);
  });
});
