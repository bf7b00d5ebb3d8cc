import { describe, expect, it } from 'vitest';
import { deformMesh, poseVertices, projectCameraPoints, projectVertices, type FaceModel } from '../../../src/engine/common/face-model';
import { applyBlink, blinkDisplacement, closingField, EYE_LIDS } from '../../../src/engine/common/eyelids';
import { blinkDeformation, blinkMotion, clipShowsBlinks, detectBlinks } from '../../../src/engine/persona/blink';
import { buildExpressionBasis, expressionCoefficients, eyeOpening, removeBlinkMotion } from '../../../src/engine/persona/expression-basis';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from '../../../src/engine/persona/landmark-sets';
import { pearson } from '../../../src/engine/common/numeric';
import { eyeFixtureModel } from '../../helpers/eye-fixture';
import { rng } from '../../helpers/persona-synthetic';

const V = 478, N = V * 3;
const gapAt = (model: FaceModel, b: number) => eyeOpening(deformMesh(model, [], b));
const moved = (a: ArrayLike<number>, b: ArrayLike<number>, v: number) => Math.hypot(a[v * 3] - b[v * 3], a[v * 3 + 1] - b[v * 3 + 1], a[v * 3 + 2] - b[v * 3 + 2]);

describe('blink deformation of the face model (common/eyelids.ts)', () => {
  it('uses the same lid landmarks as the persona builder', () => {
    for (const [lids, eye] of [[EYE_LIDS[0], EYE_IMAGE_LEFT], [EYE_LIDS[1], EYE_IMAGE_RIGHT]] as const) {
      expect([lids.outer, lids.inner, lids.upper, lids.lower, lids.iris]).toEqual([eye.outer, eye.inner, eye.upper, eye.lower, eye.iris]);
      // The aperture pairs are facing pairs of the lid rows.
      for (const [u, l] of eye.lidPairs) expect(lids.lower[lids.upper.indexOf(u)]).toBe(l);
    }
  });

  it('blink 0 leaves the mesh unchanged; the lid gap shrinks monotonically to closed at 1', () => {
    const model = eyeFixtureModel(10);
    expect(deformMesh(model, [], 0)).toEqual(model.neutral);
    const expr = new Float32Array(64);
    const cam = { fx: 800, fy: 800, cx: 256, cy: 256, width: 512, height: 512 };
    expect(projectVertices(model, [0, 0, 0, 0, 0, 400, 0, ...expr], cam)).toEqual(projectCameraPoints(poseVertices(model.neutral, [0, 0, 0, 0, 0, 400]), cam));
    expect(projectVertices(model, [0, 0, 0, 0, 0, 400, 0.9, ...expr], cam)).not.toEqual(projectCameraPoints(poseVertices(model.neutral, [0, 0, 0, 0, 0, 400]), cam));
    const gaps = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].map((b) => gapAt(model, b));
    expect(gaps[0]).toBeCloseTo(eyeOpening(model.neutral), 6);
    expect(gaps[0]).toBeGreaterThan(5);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThan(gaps[i - 1]);
    expect(gaps[gaps.length - 1]).toBeLessThan(1e-4);
    // Half a blink closes half the gap (the field is linear in the blink strength).
    expect(gaps[3]).toBeCloseTo(gaps[0] / 2, 4);
    // Outside 0..1 it is clamped: lids never cross or open wider.
    expect(gapAt(model, 1.7)).toBeCloseTo(gaps[gaps.length - 1], 6);
    expect(deformMesh(model, [], -0.5)).toEqual(model.neutral);
  });

  it('the upper lid travels most of the way; the skin around follows a little; irises and the rest stay', () => {
    const model = eyeFixtureModel(10);
    const closed = deformMesh(model, [], 1);
    for (const eye of EYE_LIDS) {
      const up = eye.upper.map((v) => closed[v * 3 + 1] - model.neutral[v * 3 + 1]);
      const low = eye.lower.map((v) => closed[v * 3 + 1] - model.neutral[v * 3 + 1]);
      expect(Math.min(...up)).toBeGreaterThan(0); // +y is down: the upper lid comes down
      expect(Math.max(...low)).toBeLessThan(0); // the lower lid rises
      expect(up[3]).toBeGreaterThan(3 * -low[3]);
      for (const v of [eye.outer, eye.inner, ...eye.iris]) expect(moved(closed, model.neutral, v)).toBe(0);
    }
    // Far from the eyes nothing moves (the mouth, the chin); near the lids something does.
    for (const v of [13, 14, 152, 1]) expect(moved(closed, model.neutral, v)).toBe(0);
    const field = closingField(model, model.neutral);
    const movedCount = Array.from({ length: V }, (_, v) => Math.hypot(field[v * 3], field[v * 3 + 1], field[v * 3 + 2])).filter((d) => d > 0).length;
    expect(movedCount).toBeGreaterThan(28);
    expect(movedCount).toBeLessThan(120);
  });

  it('a model without the lid landmarks does not blink; a model with its own field uses it', () => {
    const small: FaceModel = {
      vertexCount: 3, neutral: new Float32Array(9).map((_, i) => i), basis: new Float32Array(0), triangles: Uint32Array.from([0, 1, 2]),
      uvs: new Float32Array(6), eyeMask: new Uint8Array(3), landmarkToVertex: new Int32Array(0),
    };
    expect(deformMesh(small, [], 1)).toEqual(small.neutral);
    const own = new Float32Array(9).fill(0.5);
    expect(Array.from(deformMesh({ ...small, blink: own }, [], 0.5))).toEqual(Array.from(small.neutral, (x) => x + 0.25));
    const model = eyeFixtureModel(10);
    expect(applyBlink(model, 0, model.neutral.slice())).toEqual(model.neutral);
    // An own field that closes only half the gap is completed: the lids still meet at 1.
    const half = closingField(model, model.neutral).map((x) => x / 2);
    const withHalf = { ...model, blink: half };
    expect(gapAt(withHalf, 1)).toBeLessThan(1e-4);
    const full = closingField(model, model.neutral), completed = blinkDisplacement(withHalf, model.neutral);
    EYE_LIDS.forEach((eye) => [...eye.upper, ...eye.lower].forEach((v) => expect(completed[v * 3 + 1]).toBeCloseTo(full[v * 3 + 1], 4)));
  });

  it('closes the eyes from whatever the expression did to them, without the lids crossing', () => {
    // An expression component that already lowers the upper lids 60 % of the way (what an
    // older persona's basis does at blink frames), and a blink on top of it.
    const model = eyeFixtureModel(10);
    const squint = closingField(model, model.neutral).map((x) => 0.6 * x);
    const norm = Math.hypot(...squint);
    model.basis.set(squint.map((x) => x / norm), 0);
    const expr = [norm];
    expect(eyeOpening(deformMesh(model, expr))).toBeCloseTo(0.4 * eyeOpening(model.neutral), 3);
    const gaps = [0, 0.5, 1].map((b) => eyeOpening(deformMesh(model, expr, b)));
    expect(gaps[1]).toBeLessThan(gaps[0]);
    expect(gaps[2]).toBeLessThan(1e-4);
    const closed = deformMesh(model, expr, 1);
    for (const eye of EYE_LIDS) eye.upper.forEach((u, k) => expect(closed[u * 3 + 1]).toBeLessThanOrEqual(closed[eye.lower[k] * 3 + 1] + 1e-4));
  });
});

/** A clip of T frames: blinks that close the lids 60 % of the way (as a tracker sees them), a mouth mode, noise. */
function syntheticClip(T = 120) {
  const model = eyeFixtureModel(10);
  const r = rng(5);
  const blink = new Float32Array(T);
  for (const peak of [15, 50, 90]) for (let d = -2; d <= 2; d++) blink[peak + d] = [0.3, 0.8, 1, 0.8, 0.3][d + 2];
  const lidMotion = new Float64Array(N);
  for (const eye of EYE_LIDS) {
    eye.upper.forEach((u, k) => {
      const gap = model.neutral[eye.lower[k] * 3 + 1] - model.neutral[u * 3 + 1];
      lidMotion[u * 3 + 1] = 0.5 * gap;
      lidMotion[eye.lower[k] * 3 + 1] = -0.1 * gap;
    });
  }
  const mouth = new Float64Array(N);
  for (const v of [13, 14, 17, 0, 61, 291]) mouth[v * 3 + 1] = v === 13 || v === 0 ? -3 : 3;
  const normalized = new Float64Array(T * N);
  const mouthAmount = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    mouthAmount[t] = Math.sin(t / 3) + 0.3 * r();
    for (let i = 0; i < N; i++) normalized[t * N + i] = model.neutral[i] + blink[t] * lidMotion[i] + mouthAmount[t] * mouth[i] + 0.02 * r();
  }
  return { model, T, blink, normalized, weights: new Float32Array(T).fill(1), events: detectBlinks(blink) };
}

describe('the persona\'s blink field and the expression basis without blinks', () => {
  it('learns the lid motion from the clip and completes it to a full closure', () => {
    const c = syntheticClip();
    expect(clipShowsBlinks({ blink: c.blink, events: c.events })).toBe(true);
    const motion = blinkMotion(c.normalized, c.T, N, c.blink, c.weights);
    const u = EYE_LIDS[0].upper[3];
    expect(motion[u * 3 + 1]).toBeCloseTo(5, 0); // half of the 10 mm gap per unit of blink
    const d = blinkDeformation(c.model, c.model.neutral, c.normalized, c.T, { blink: c.blink, events: c.events }, c.weights);
    expect(d.source).toBe('clip');
    expect(d.openGapMm).toBeGreaterThan(8);
    expect(d.closedGapMm).toBeLessThan(1e-3);
    // Without blinks in the clip: the geometric rule.
    const none = blinkDeformation(c.model, c.model.neutral, c.normalized, c.T, { blink: new Float32Array(c.T), events: [] }, c.weights);
    expect(none.source).toBe('geometric');
    expect(none.motion).toBeUndefined();
    expect(Array.from(none.field)).toEqual(Array.from(closingField(c.model, c.model.neutral)));
    // "Blinks" in the strength that the lids do not follow (tracking noise): not trusted.
    const shuffled = Float32Array.from(c.blink, (_, t) => c.blink[(t + 30) % c.T]);
    const noise = blinkDeformation(c.model, c.model.neutral, c.normalized, c.T, { blink: shuffled, events: detectBlinks(shuffled) }, c.weights);
    expect(noise.source).toBe('geometric');
    expect(noise.closedGapMm).toBeLessThan(1e-3);
  });

  it('fitted without the blink motion, the expression coefficients no longer open and close the eyes', () => {
    const c = syntheticClip();
    const d = blinkDeformation(c.model, c.model.neutral, c.normalized, c.T, { blink: c.blink, events: c.events }, c.weights);
    const neutral = Float64Array.from(c.model.neutral);
    const exprGap = (data: Float64Array) => {
      const basis = buildExpressionBasis(data, c.T, N, c.weights, 8);
      const model = { ...c.model, basis: new Float32Array(8 * N) };
      basis.rows.forEach((row, k) => model.basis.set(row, k * N));
      return Array.from({ length: c.T }, (_, t) => eyeOpening(deformMesh(model, expressionCoefficients(data, t * N, neutral, basis.rows))));
    };
    // Before: the basis carries the blink (the lid gap of the expression alone follows it).
    expect(pearson(exprGap(c.normalized), c.blink)).toBeLessThan(-0.9);
    // After: the expression alone keeps the eyes as they are; the blink channel closes them.
    const unblinked = removeBlinkMotion(c.normalized, c.T, N, c.blink, d.motion);
    const after = exprGap(unblinked);
    expect(Math.abs(pearson(after, c.blink))).toBeLessThan(0.3);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThan(0.5);
    // The input is left as it was.
    expect(unblinked).not.toBe(c.normalized);
    expect(removeBlinkMotion(c.normalized, c.T, N, c.blink, undefined)).toEqual(c.normalized);
  });
});
