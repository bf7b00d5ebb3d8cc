import { describe, it, expect } from 'vitest';
import { ConditioningRenderer, renderConditioning, interleaveRgbe, type RgbTexture, type RenderView } from '../../../src/engine/render/conditioning';
import { buildSubdivision, applySparse } from '../../../src/engine/render/subdivide';
import type { FaceModel } from '../../../src/engine/common/face-model';
import { createGenericHead } from '../../../src/engine/demo/generic-head';

/** Camera and view where a vertex at (x, y, 100) mm lands on pixel (x + 50, y + 50) of a 100 x 100 image. */
const VIEW: RenderView = {
  camera: { fx: 100, fy: 100, cx: 0, cy: 0, width: 100, height: 100 },
  crop: { x: -50, y: -50, size: 100 },
  size: 100,
};
const FLAT = { ambient: 1, diffuse: 0 };

function model(verts: number[][], tris: number[][], uvs?: number[][], eye?: number[]): FaceModel {
  const V = verts.length;
  return {
    vertexCount: V,
    neutral: Float32Array.from(verts.flat()),
    basis: new Float32Array(0),
    triangles: Uint32Array.from(tris.flat()),
    uvs: Float32Array.from((uvs ?? verts.map(() => [0.5, 0.5])).flat()),
    eyeMask: Uint8Array.from(eye ?? verts.map(() => 0)),
    landmarkToVertex: new Int32Array(0),
  };
}

function solid(r: number, g: number, b: number): RgbTexture {
  return { width: 1, height: 1, channels: 3, data: Uint8Array.from([r, g, b]) };
}

/** Pose at depth 100 mm, nothing else. */
function params(extra: Record<number, number> = {}): Float32Array {
  const p = new Float32Array(71);
  p[5] = 100;
  for (const [k, v] of Object.entries(extra)) p[Number(k)] = v;
  return p;
}

/** Brute-force reference: is the pixel centre strictly inside the triangle (in pixels)? */
function inside(px: number, py: number, a: number[], b: number[], c: number[]): boolean {
  const e = (p: number[], q: number[]) => (q[0] - p[0]) * (py - p[1]) - (q[1] - p[1]) * (px - p[0]);
  const w0 = e(b, c), w1 = e(c, a), w2 = e(a, b);
  return (w0 > 0 && w1 > 0 && w2 > 0) || (w0 < 0 && w1 < 0 && w2 < 0);
}

describe('conditioning rasteriser', () => {
  it('a triangle covers exactly the pixels whose centres lie inside it', () => {
    // Vertices chosen off the pixel-centre lattice so no centre is on an edge.
    const tri = [[-30.3, -20.1, 0], [25.7, -10.2, 0], [-5.1, 35.4, 0]];
    const m = model(tri, [[0, 1, 2]]);
    const r = new ConditioningRenderer(m, solid(200, 100, 50), { subdivisions: 0, light: FLAT, cullBackfaces: false });
    const f = r.render(params(), VIEW);
    const px = tri.map(([x, y]) => [x + 50, y + 50]);
    let expected = 0, mismatches = 0;
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 100; x++) {
        const want = inside(x + 0.5, y + 0.5, px[0], px[1], px[2]);
        const got = f.coverage[y * 100 + x] === 255;
        if (want) expected++;
        if (want !== got) mismatches++;
      }
    }
    expect(expected).toBeGreaterThan(800);
    expect(mismatches).toBe(0);
    // Colour inside: the texture colour (flat lighting); outside: black.
    const c = (Math.round(px[0][1] + 10) * 100 + Math.round((px[0][0] + px[1][0] + px[2][0]) / 3));
    expect(Array.from(f.rgb.subarray(c * 3, c * 3 + 3))).toEqual([200, 100, 50]);
    expect(Array.from(f.rgb.subarray(0, 3))).toEqual([0, 0, 0]);
  });

  it('two triangles sharing an edge draw every pixel once (top-left rule, even on pixel centres)', () => {
    // A square split along its diagonal, corners on pixel centres: many centres lie on edges.
    const verts = [[-20.5, -20.5, 0], [19.5, -20.5, 0], [19.5, 19.5, 0], [-20.5, 19.5, 0]];
    const a = new ConditioningRenderer(model(verts, [[0, 1, 2]]), solid(255, 0, 0), { subdivisions: 0, light: FLAT, cullBackfaces: false });
    const b = new ConditioningRenderer(model(verts, [[0, 2, 3]]), solid(255, 0, 0), { subdivisions: 0, light: FLAT, cullBackfaces: false });
    const both = new ConditioningRenderer(model(verts, [[0, 1, 2], [0, 2, 3]]), solid(255, 0, 0), { subdivisions: 0, light: FLAT, cullBackfaces: false });
    const fa = a.render(params(), VIEW).coverage.slice();
    const fb = b.render(params(), VIEW).coverage.slice();
    const fab = both.render(params(), VIEW).coverage;
    let overlap = 0, union = 0, count = 0;
    for (let i = 0; i < 100 * 100; i++) {
      if (fa[i] && fb[i]) overlap++;
      if (fa[i] || fb[i]) union++;
      if (fab[i]) count++;
    }
    expect(overlap).toBe(0);
    // The square spans pixel centres 29.5..69.5: a 40 x 40 block (right and bottom edges excluded).
    expect(union).toBe(40 * 40);
    expect(count).toBe(40 * 40);
  });

  it('the z-buffer keeps the nearest surface whatever the drawing order', () => {
    // Texture: left half red, right half blue; near triangle samples red, far one blue.
    const tex: RgbTexture = { width: 2, height: 1, channels: 3, data: Uint8Array.from([255, 0, 0, 0, 0, 255]) };
    const near = [[-30, -30, -10], [30, -30, -10], [0, 30, -10]];
    const far = [[-30, -30, 10], [30, -30, 10], [0, 30, 10]];
    const uvNear = [[0.25, 0.5], [0.25, 0.5], [0.25, 0.5]];
    const uvFar = [[0.75, 0.5], [0.75, 0.5], [0.75, 0.5]];
    for (const order of [[0, 1], [1, 0]]) {
      const verts = order[0] === 0 ? [...near, ...far] : [...far, ...near];
      const uvs = order[0] === 0 ? [...uvNear, ...uvFar] : [...uvFar, ...uvNear];
      const r = new ConditioningRenderer(model(verts, [[0, 1, 2], [3, 4, 5]], uvs), tex, { subdivisions: 0, light: FLAT, cullBackfaces: false });
      const f = r.render(params(), VIEW);
      const c = 50 * 100 + 50;
      expect(Array.from(f.rgb.subarray(c * 3, c * 3 + 3))).toEqual([255, 0, 0]);
    }
  });

  it('samples the texture bilinearly', () => {
    // 2x1 texture black | white; u across the triangle's width runs 0..1.
    const tex: RgbTexture = { width: 2, height: 1, channels: 3, data: Uint8Array.from([0, 0, 0, 255, 255, 255]) };
    const verts = [[-40, -40, 0], [40, -40, 0], [40, 40, 0], [-40, 40, 0]];
    const uvs = [[0, 0], [1, 0], [1, 1], [0, 1]];
    const r = new ConditioningRenderer(model(verts, [[0, 1, 2], [0, 2, 3]], uvs), tex, { subdivisions: 0, light: FLAT, cullBackfaces: false });
    const f = r.render(params(), VIEW);
    const row = 50;
    const at = (x: number) => f.rgb[(row * 100 + x) * 3];
    // u = (x + 0.5 - 10) / 80; texel coordinate u*2 - 0.5, clamped to [0, 1].
    for (const x of [12, 35, 50, 62, 85]) {
      const u = (x + 0.5 - 10) / 80;
      const t = Math.min(1, Math.max(0, u * 2 - 0.5));
      expect(Math.abs(at(x) - 255 * t)).toBeLessThanOrEqual(1);
    }
    expect(at(25)).toBe(0); // u < 0.25: clamped to the black texel
    expect(at(88)).toBe(255);
  });

  it('fills the eye region with the frame blink value, and only there', () => {
    const verts = [[-40, -40, 0], [0, -40, 0], [-20, 0, 0], [10, -40, 0], [40, -40, 0], [25, 0, 0]];
    const eye = [1, 1, 1, 0, 0, 0];
    const r = new ConditioningRenderer(model(verts, [[0, 1, 2], [3, 4, 5]], undefined, eye), solid(100, 100, 100), { subdivisions: 0, light: FLAT, cullBackfaces: false });
    const f = r.render(params({ 6: 0.5 }), VIEW);
    const eyeAt = (x: number, y: number) => f.eye[(y + 50) * 100 + (x + 50)];
    expect(eyeAt(-20, -30)).toBe(128);
    expect(eyeAt(25, -30)).toBe(0);
    expect(eyeAt(0, 30)).toBe(0);
    expect(f.coverage[(-30 + 50) * 100 + (25 + 50)]).toBe(255);
    const closed = r.render(params({ 6: 1 }), VIEW);
    expect(closed.eye[(-30 + 50) * 100 + (-20 + 50)]).toBe(255);
    const open = r.render(params({ 6: 0 }), VIEW);
    expect(open.eye.every((v) => v === 0)).toBe(true);
    // Interleaved W x H x 4: the fourth channel is the eye map.
    const rgbe = interleaveRgbe(closed);
    const i = (-30 + 50) * 100 + (-20 + 50);
    expect(Array.from(rgbe.subarray(i * 4, i * 4 + 4))).toEqual([100, 100, 100, 255]);
  });

  it('culls triangles that face away from the camera', () => {
    const m = model([[-30, -30, 0], [30, -30, 0], [0, 30, 0]], [[0, 1, 2]]);
    const r = new ConditioningRenderer(m, solid(255, 255, 255), { subdivisions: 0, light: FLAT });
    const front = r.render(params(), VIEW).coverage.reduce((s, v) => s + (v ? 1 : 0), 0);
    const back = r.render(params({ 1: Math.PI }), VIEW).coverage.reduce((s, v) => s + (v ? 1 : 0), 0);
    expect(front).toBeGreaterThan(1000);
    expect(back).toBe(0);
  });

  it('lights a surface facing the light brighter than one turned away', () => {
    const m = model([[-30, -30, 0], [30, -30, 0], [0, 30, 0]], [[0, 1, 2]]);
    const r = new ConditioningRenderer(m, solid(200, 200, 200), { subdivisions: 0, light: { direction: [0, 0, -1], ambient: 0.3, diffuse: 0.7 } });
    const c = 50 * 100 + 50;
    const facing = r.render(params(), VIEW).rgb[c * 3];
    const turned = r.render(params({ 1: 1.0 }), VIEW).rgb[c * 3];
    expect(facing).toBe(200);
    expect(turned).toBeLessThan(facing - 30);
    expect(turned).toBeGreaterThan(60);
  });

  it('is deterministic: the same bytes from two renderers and two calls', () => {
    const head = createGenericHead();
    const view: RenderView = { camera: { fx: 1000, fy: 1000, cx: 256, cy: 256, width: 512, height: 512 }, crop: { x: 128, y: 96, size: 256 }, size: 256 };
    const p = params({ 0: 0.05, 1: 0.2, 2: -0.03, 5: 800, 6: 0.3 });
    const a = new ConditioningRenderer(head.model, head.texture).render(p, view);
    const b = renderConditioning(head.model, head.texture, p, view);
    const again = renderConditioning(head.model, head.texture, p, view);
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(Buffer.from(b.rgb).equals(Buffer.from(again.rgb))).toBe(true);
    expect(a.coverage.reduce((s, v) => s + (v ? 1 : 0), 0)).toBeGreaterThan(10_000);
  });
});

describe('Loop subdivision', () => {
  const verts = [[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [5, 5, 0]];
  const tris = Uint32Array.from([0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0, 4]);
  it('quadruples the triangles, keeps rows affine and a plane planar', () => {
    const op = buildSubdivision(5, tris, 1);
    expect(op.triangles.length).toBe(tris.length * 4);
    expect(op.fineCount).toBe(5 + 8);
    for (let r = 0; r < op.fineCount; r++) {
      let s = 0;
      for (let j = op.rowStart[r]; j < op.rowStart[r + 1]; j++) s += op.weights[j];
      expect(s).toBeCloseTo(1, 6);
    }
    const fine = applySparse(op.rowStart, op.cols, op.weights, Float32Array.from(verts.flat()), 3, new Float32Array(op.fineCount * 3));
    for (let r = 0; r < op.fineCount; r++) expect(fine[r * 3 + 2]).toBe(0);
    // The interior vertex of a symmetric fan stays where it is; boundary corners move along the boundary only.
    expect(fine[4 * 3]).toBeCloseTo(5, 5);
    expect(fine[4 * 3 + 1]).toBeCloseTo(5, 5);
    // Texture coordinates of an edge vertex are the midpoint (linear, not smoothed).
    const uv = applySparse(op.uvRowStart, op.uvCols, op.uvWeights, Float32Array.from(verts.flatMap((v) => [v[0] / 10, v[1] / 10])), 2, new Float32Array(op.fineCount * 2));
    const [e0, e1] = [op.triangles[1], op.triangles[0]];
    expect(e1).toBe(0);
    expect(uv[e0 * 2] + uv[e0 * 2 + 1]).toBeCloseTo(0.5, 5);
  });
  it('smooths a bent surface (the fold moves towards the chord)', () => {
    const bent = [[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [5, 5, 4]];
    const op = buildSubdivision(5, tris, 1);
    const fine = applySparse(op.rowStart, op.cols, op.weights, Float32Array.from(bent.flat()), 3, new Float32Array(op.fineCount * 3));
    expect(fine[4 * 3 + 2]).toBeGreaterThan(0);
    expect(fine[4 * 3 + 2]).toBeLessThan(4);
  });
});
