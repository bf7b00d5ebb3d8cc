import { describe, it, expect } from 'vitest';
import { warpTriangles, matchColour, blendInto, cropImage, fitAffine, applyAffine, pointsBox, type ImageCrop } from '../../../src/engine/synthesis/warp';
import { faceRegions, withCentres, lipBasis, lipShapes, INNER_LIP_LOOP } from '../../../src/engine/synthesis/face-regions';
import type { FaceModel } from '../../../src/engine/common/face-model';

/** A W×H RGB frame with a sharp pattern: a function of (x, y). */
function pattern(W: number, H: number, f: (x: number, y: number) => number): Uint8Array {
  const a = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = f(x, y);
    a.set([v, 255 - v, (v * 3) % 256], (y * W + x) * 3);
  }
  return a;
}
const checker = (x: number, y: number) => (((x >> 2) + (y >> 2)) % 2 ? 200 : 40);
/** Two triangles covering the square [x0, x1] × [y0, y1]. */
const square = (x0: number, y0: number, x1: number, y1: number) => Float32Array.from([x0, y0, x1, y0, x1, y1, x0, y1]);
const TRIS = [0, 1, 2, 0, 2, 3];

describe('piecewise-affine warp of real pixels', () => {
  const W = 48, H = 40;
  const frame = pattern(W, H, checker);
  const whole: ImageCrop = cropImage(frame, W, { x0: 0, y0: 0, x1: W, y1: H });

  it('returns the pixels unchanged when source and target points coincide', () => {
    const pts = square(8, 8, 40, 32);
    const p = warpTriangles(whole, pts, pts, TRIS, [1, 1, 1, 1], W, H);
    let checked = 0;
    for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) {
      const o = y * p.width + x;
      if (p.alpha[o] <= 0) continue;
      const f = ((p.y0 + y) * W + p.x0 + x) * 3;
      for (let ch = 0; ch < 3; ch++) expect(Math.abs(p.rgb[o * 3 + ch] - frame[f + ch])).toBeLessThan(1e-3);
      checked++;
    }
    expect(checked).toBe(32 * 24);
  });

  it('moves pixels by whole-pixel translations exactly (no blur)', () => {
    const src = square(8, 8, 30, 30), dst = square(13, 5, 35, 27); // +5, -3
    const p = warpTriangles(whole, src, dst, TRIS, [1, 1, 1, 1], W, H);
    for (let y = 6; y < 26; y++) for (let x = 14; x < 34; x++) {
      const o = (y - p.y0) * p.width + (x - p.x0);
      expect(p.alpha[o]).toBe(1);
      expect(p.rgb[o * 3]).toBeCloseTo(frame[((y + 3) * W + x - 5) * 3], 3);
    }
  });

  it('interpolates the blend weight over the triangles and skips weightless ones', () => {
    const pts = square(0, 0, 40, 40);
    const p = warpTriangles(whole, pts, pts, TRIS, [0, 1, 1, 0], W, H); // weight 0 on the left edge, 1 on the right
    const at = (x: number, y: number) => p.alpha[(y - p.y0) * p.width + (x - p.x0)];
    expect(at(2, 20)).toBeLessThan(0.1);
    expect(at(38, 20)).toBeGreaterThan(0.9);
    expect(at(20, 20)).toBeGreaterThan(0.4);
    expect(at(20, 20)).toBeLessThan(0.6);
    expect(warpTriangles(whole, pts, pts, TRIS, [0, 0, 0, 0], W, H).width).toBe(0);
  });

  it('matches the colour on the band of its colour weights, not on the edge of a wider region', () => {
    // The frame is 100 above row 20 and 20 below it (a shadow); the patch is 130 everywhere.
    const frame = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) frame.fill(y <= 20 ? 100 : 20, y * W * 3, (y + 1) * W * 3);
    const bright: ImageCrop = { x0: 0, y0: 0, width: W, height: H, data: new Uint8Array(W * H * 3).fill(130) };
    const pts = square(4, 4, 44, 36);
    // Blend weights: band at every corner, so the band reaches into the shadow.
    const wide = matchColour(warpTriangles(bright, pts, pts, TRIS, [0.3, 0.3, 0.3, 0.3], W, H), frame, W, 0.5, 200);
    expect(wide[0]).toBeLessThan(-40);
    // Colour weights whose band is the top rows only (full weight at the bottom corners).
    const top = warpTriangles(bright, pts, pts, TRIS, [0.3, 0.3, 0.3, 0.3], W, H, [0, 0, 1, 1]);
    expect(top.colour).toBeDefined();
    const shift = matchColour(top, frame, W, 0.5, 200);
    expect(shift[0]).toBeCloseTo(-30, 5);
    // The blend weights are unchanged by the colour weights.
    expect(Array.from(top.alpha).filter((a) => a > 0).every((a) => Math.abs(a - 0.3) < 1e-6)).toBe(true);
  });

  it('matches the colour on the mask band and blends through a smooth mask', () => {
    const flat = new Uint8Array(W * H * 3).fill(100);
    const bright: ImageCrop = { x0: 0, y0: 0, width: W, height: H, data: new Uint8Array(W * H * 3).fill(130) };
    const pts = square(4, 4, 44, 36);
    const p = warpTriangles(bright, pts, pts, TRIS, [0.3, 0.3, 1, 1], W, H);
    const shift = matchColour(p, flat, W);
    expect(shift[0]).toBeCloseTo(-30, 5);
    const out = flat.slice();
    blendInto(out, W, p);
    // After the shift the patch has the frame's colour: blending changes nothing.
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(100);
    const dark: ImageCrop = { ...bright, data: new Uint8Array(W * H * 3).fill(0) };
    const q = warpTriangles(dark, pts, pts, TRIS, [1, 1, 1, 1], W, H);
    const out2 = flat.slice();
    blendInto(out2, W, q, 0.5);
    expect(out2[(20 * W + 20) * 3]).toBe(50);
    expect(out2[0]).toBe(100); // outside the patch
  });

  it('fits affine maps by least squares', () => {
    const from = Float32Array.from([0, 0, 10, 0, 0, 10, 10, 10, 5, 3]);
    const A = [1.1, -0.2, 7, 0.3, 0.9, -4];
    const to = applyAffine(A, from);
    const fit = fitAffine(from, to, [0, 1, 2, 3, 4]);
    for (let k = 0; k < 6; k++) expect(fit[k]).toBeCloseTo(A[k], 5);
    expect(pointsBox(from, [0, 3], 1, 11, 11)).toEqual({ x0: 0, y0: 0, x1: 11, y1: 11 });
  });
});

describe('face regions', () => {
  /** A synthetic 478-point "face": points on a grid, with lips and eyes where MediaPipe's numbering puts them in the loops. */
  function model(): FaceModel {
    const V = 478;
    const neutral = new Float32Array(V * 3);
    for (let v = 0; v < V; v++) { neutral[v * 3] = ((v * 37) % 120) - 60; neutral[v * 3 + 1] = ((v * 53) % 140) - 70; }
    const put = (v: number, x: number, y: number) => { neutral[v * 3] = x; neutral[v * 3 + 1] = y; };
    put(61, -25, 30); put(291, 25, 30); put(2, 0, 12); put(152, 0, 65);
    INNER_LIP_LOOP.forEach((v, k) => put(v, 20 * Math.cos((2 * Math.PI * k) / INNER_LIP_LOOP.length), 30 + 4 * Math.sin((2 * Math.PI * k) / INNER_LIP_LOOP.length)));
    const basis = new Float32Array(2 * V * 3);
    basis[13 * 3 + 1] = -1; basis[14 * 3 + 1] = 1; // component 0 opens the mouth
    return { vertexCount: V, neutral, basis, triangles: Uint32Array.from([61, 291, 152]), uvs: new Float32Array(V * 2), eyeVertices: [] } as unknown as FaceModel;
  }

  it('weighs the mouth 1 at its centre and 0 far from it, and fans the mouth opening', () => {
    const m = model();
    const r = faceRegions(m);
    expect(r.mouthWeights[478]).toBe(1); // the inner-lip centre
    expect(r.mouthWeights[13]).toBe(1);
    // A point 60 mm to the side is outside.
    const far = Array.from({ length: 478 }, (_, v) => v).find((v) => Math.abs(m.neutral[v * 3] - 60) < 1 && Math.abs(m.neutral[v * 3 + 1]) < 30);
    if (far !== undefined) expect(r.mouthWeights[far]).toBe(0);
    expect(r.triangles.length).toBe(3 + 3 * (INNER_LIP_LOOP.length + 16 + 16) + 3 * 2 * 36);
    expect(r.pointCount).toBe(478 + 3 + 36);
    const c = withCentres(m.neutral, 478, 3);
    expect(c[478 * 2 + 1]).toBeCloseTo(30, 5);
  });

  it("takes the donor's chin with its mouth (the region reaches past the chin point), but not the nose", () => {
    const r = faceRegions(model());
    expect(r.mouthWeights[152]).toBe(1); // chin, 35 below the mouth centre
    expect(r.mouthWeights[2]).toBe(0); // under the nose, 18 above it
    expect(r.mouthVertices).toContain(152);
    // Its colour is matched about the lips, above the chin.
    expect(r.mouthColourWeights[152]).toBe(0);
    expect(r.mouthColourWeights[13]).toBe(1);
  });

  it('compares lip shapes from expression coefficients', () => {
    const m = model();
    const lb = lipBasis(m);
    const params = new Float32Array(2 * 71);
    params[71 + 7] = 2; // frame 1 opens the mouth by 2 per lip point
    const s = lipShapes(params, 2, lb);
    expect(Array.from(s.subarray(0, lb.dims)).every((x) => x === 0)).toBe(true);
    expect(Math.max(...Array.from(s.subarray(lb.dims)).map(Math.abs))).toBe(2);
  });
});
