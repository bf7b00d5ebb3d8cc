import { describe, expect, it } from 'vitest';
import { deformMesh, poseVertices, projectCameraPoints, projectVertices, rotationAngles, rotationMatrix, type FaceModel } from '../../../src/engine/common/face-model';
import { alignFrames, defaultCamera, fitPose, modelFrame, perspectiveCorrect, similarityToPose, IPD_MM } from '../../../src/engine/persona/fit-pose';
import { alignSimilarity, applySimilarity } from '../../../src/engine/persona/linalg';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from '../../../src/engine/persona/landmark-sets';
import { rng, syntheticFace } from '../../helpers/persona-synthetic';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('rotation conventions', () => {
  it('rotationAngles inverts rotationMatrix (R = Rz(roll) Ry(yaw) Rx(pitch))', () => {
    for (const [p, y, r] of [[0.1, -0.3, 0.2], [-0.5, 0.7, -1.1], [0, 0, 0], [0.3, 0, 0]]) {
      const R = rotationMatrix(p, y, r);
      const [p2, y2, r2] = rotationAngles(R);
      expect(p2).toBeCloseTo(p, 10);
      expect(y2).toBeCloseTo(y, 10);
      expect(r2).toBeCloseTo(r, 10);
    }
    // Pitch alone turns +y towards +z (chin away from the camera when positive).
    const R = rotationMatrix(Math.PI / 2, 0, 0);
    expect(R[3 * 1 + 1]).toBeCloseTo(0, 12);
    expect(R[3 * 2 + 1]).toBeCloseTo(1, 12);
  });
});

describe('similarity alignment', () => {
  it('recovers a known rotation, scale and translation of a shape', () => {
    const src = syntheticFace(3);
    const R = rotationMatrix(0.25, -0.4, 0.15);
    const truth = { s: 2.7, R, t: [120, -40, 33] as [number, number, number] };
    const dst = applySimilarity(truth, src);
    const got = alignSimilarity(src, dst);
    expect(got.s).toBeCloseTo(2.7, 9);
    expect(maxAbsDiff(got.R, R)).toBeLessThan(1e-9);
    expect(maxAbsDiff(got.t, truth.t)).toBeLessThan(1e-7);
  });

  it('alignFrames recovers every frame\'s rigid pose from noisy landmarks and builds a 63 mm IPD model', () => {
    const base = syntheticFace(5);
    const r = rng(11);
    const T = 30;
    const lm = new Float32Array(T * 478 * 3);
    const truths: { s: number; R: Float64Array; t: [number, number, number] }[] = [];
    for (let t = 0; t < T; t++) {
      const sim = { s: 1.5 + 0.2 * Math.sin(t), R: rotationMatrix(0.2 * Math.sin(t / 3), 0.3 * Math.cos(t / 4), 0.1 * Math.sin(t / 5)), t: [256 + 10 * r(), 256 + 10 * r(), 0] as [number, number, number] };
      truths.push(sim);
      const pts = applySimilarity(sim, base);
      for (let i = 0; i < pts.length; i++) lm[t * 1434 + i] = pts[i] + 0.05 * r();
    }
    const res = alignFrames(lm, T, new Float32Array(T).fill(1));
    const ipd = Math.hypot(...[0, 1, 2].map((d) => res.reference[EYE_IMAGE_LEFT.irisCentre * 3 + d] - res.reference[EYE_IMAGE_RIGHT.irisCentre * 3 + d]));
    expect(ipd).toBeCloseTo(IPD_MM, 6);
    // Relative rotation between frames must match the truth (the model frame is arbitrary up to one fixed rotation).
    const rel = (A: ArrayLike<number>, B: ArrayLike<number>) => {
      const out = new Float64Array(9);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += A[i * 3 + k] * B[j * 3 + k];
      return out;
    };
    for (const t of [5, 17, 29]) {
      expect(maxAbsDiff(rel(res.sims[t].R, res.sims[0].R), rel(truths[t].R, truths[0].R))).toBeLessThan(2e-3);
      expect(res.sims[t].s / res.sims[0].s).toBeCloseTo(truths[t].s / truths[0].s, 3);
    }
    // Normalised shapes are all the same rigid shape.
    expect(maxAbsDiff(res.normalized.subarray(0, 1434), res.normalized.subarray(20 * 1434, 21 * 1434))).toBeLessThan(0.3);
  });

  it('modelFrame puts the pupils on the x axis, image-left to image-right, forehead above chin', () => {
    const base = syntheticFace(9);
    base.set([0, -90, -10], 10 * 3);
    base.set([0, 90, -10], 152 * 3);
    const M = modelFrame(base);
    const m = applySimilarity(M, base);
    const a = EYE_IMAGE_LEFT.irisCentre * 3, b = EYE_IMAGE_RIGHT.irisCentre * 3;
    expect(m[b] - m[a]).toBeCloseTo(IPD_MM, 9);
    expect(m[b + 1] - m[a + 1]).toBeCloseTo(0, 9);
    expect(m[152 * 3 + 1]).toBeGreaterThan(m[10 * 3 + 1]);
  });
});

describe('perspective pose fit', () => {
  const cam = defaultCamera(512, 512);
  const shape = syntheticFace(13);
  const idx = Array.from({ length: 478 }, (_, i) => i);
  it('recovers a pose from the projection of a known shape', () => {
    const truth = [0.12, -0.31, 0.07, 12, -25, 780];
    const cam3 = poseVertices(Float32Array.from(shape), truth);
    const uv = projectCameraPoints(cam3, cam);
    const target = new Float32Array(478 * 3);
    for (let i = 0; i < 478; i++) target.set([uv[i * 2], uv[i * 2 + 1], 0], i * 3);
    const init = [0.05, -0.2, 0.0, 0, 0, 700];
    const got = fitPose(shape, target, cam, init, idx, 20);
    for (let k = 0; k < 3; k++) expect(got[k]).toBeCloseTo(truth[k], 4);
    for (let k = 3; k < 6; k++) expect(got[k]).toBeCloseTo(truth[k], 1);
  });

  it('similarityToPose gives the pose whose projection matches the weak-perspective one at the origin', () => {
    const sim = { s: 2, R: rotationMatrix(0.1, 0.2, 0.3), t: [300, 200, 0] as [number, number, number] };
    const pose = similarityToPose(sim, cam);
    expect(pose[5]).toBeCloseTo(cam.fx / 2, 9);
    const o = projectCameraPoints(poseVertices(new Float32Array(3), pose), cam);
    expect(o[0]).toBeCloseTo(300, 6);
    expect(o[1]).toBeCloseTo(200, 6);
  });

  it('perspectiveCorrect round-trips and makes a rigid model re-project exactly', () => {
    const r = rng(4);
    const lm = new Float32Array(2 * 1434).map(() => 256 + 200 * r());
    const copy = Float32Array.from(lm);
    perspectiveCorrect(lm, 2, cam, true);
    expect(maxAbsDiff(lm, copy)).toBeGreaterThan(0.1);
    perspectiveCorrect(lm, 2, cam, false);
    expect(maxAbsDiff(lm, copy)).toBeLessThan(1e-3);
  });
});

describe('face model helpers', () => {
  it('deformMesh adds the weighted basis rows; projectVertices applies pose and camera', () => {
    const V = 478;
    const neutral = Float32Array.from(syntheticFace(2));
    const basis = new Float32Array(64 * V * 3);
    basis[0 * V * 3 + 5] = 1; // component 0 moves vertex 1 in y
    basis[1 * V * 3 + 0] = 1; // component 1 moves vertex 0 in x
    const model: FaceModel = {
      vertexCount: V, neutral, basis, triangles: new Uint32Array(0), uvs: new Float32Array(V * 2), eyeMask: new Uint8Array(V),
      landmarkToVertex: Int32Array.from({ length: V }, (_, i) => i),
    };
    const expr = new Array(64).fill(0);
    expr[0] = 2.5;
    expr[1] = -1;
    const d = deformMesh(model, expr);
    expect(d[5]).toBeCloseTo(neutral[5] + 2.5, 5);
    expect(d[0]).toBeCloseTo(neutral[0] - 1, 5);
    expect(d[10]).toBe(neutral[10]);
    const params = new Float32Array(71);
    params.set([0.1, 0.2, -0.1, 5, -3, 800]);
    params.set(expr, 7);
    const cam = defaultCamera(640, 480);
    const p = projectVertices(model, params, cam);
    const ref = projectCameraPoints(poseVertices(d, params.subarray(0, 6)), cam);
    expect(maxAbsDiff(p, ref)).toBeLessThan(1e-4);
  });
});
