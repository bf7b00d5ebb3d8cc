import type { FaceModel, PinholeCamera } from '../common/face-model';
import { perspectiveCorrect } from '../persona/fit-pose';
import { alignSimilarity, applyInverseSimilarity } from '../persona/linalg';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT, FACE_OVAL, LIPS, STABLE_SEED } from '../persona/landmark-sets';

/**
 * The regions synthesis replaces (mouth with jaw and lips; each eye with its lids),
 * defined once on the persona's neutral shape so they follow the face's geometry at
 * any pose and resolution. The model's mesh leaves the mouth and the eye openings
 * open (MediaPipe topology), so each gets a fan of triangles around an extra vertex at
 * the opening's centre. Around the face, a ring of fixed points (the face outline pushed
 * out by RING_SCALE from its centre) joined to the outline by triangles lets the jaw move
 * within the frame: the background and neck between outline and ring stretch, the ring
 * stays put, so a warped lower face has no edge. Points arrays used with these triangles
 * carry V + 3 + FACE_OVAL.length points (`withCentres`, `withRing`).
 */

export const RING_SCALE = 1.45;
/** How far below the inner-lip centre the mouth region reaches, in mouth-to-chin distances (past the chin: see faceRegions). */
export const MOUTH_REACH_DOWN = 1.6;

/** Inner lip contour, a closed loop: left corner, upper inner lip, right corner, lower inner lip. */
export const INNER_LIP_LOOP = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];
const eyeLoop = (e: typeof EYE_IMAGE_LEFT) => [e.outer, ...e.upper, e.inner, ...[...e.lower].reverse()];
export const EYE_LOOPS = [eyeLoop(EYE_IMAGE_LEFT), eyeLoop(EYE_IMAGE_RIGHT)];
/** The lip contours (outer and inner), the shape that mouth retrieval compares. */
export const LIP_CONTOUR = LIPS.slice(0, 40);

export interface FaceRegions {
  /** Vertices of the model (the extra centres are V, V + 1, V + 2: mouth, image-left eye, image-right eye; the ring follows). */
  vertexCount: number;
  /** All points: V + 3 centres + the ring. */
  pointCount: number;
  /** Triangles over the points: the mesh, the three fans and the ring's band. */
  triangles: Int32Array;
  /** [points] how much of the curves' change of expression moves each point (1 from the mouth down, 0 from the nose up; the ring 0). */
  jawShare: Float32Array;
  /** [points] blend weight of the lower-face warp (1 on the lower face and its part of the ring). */
  jawWeights: Float32Array;
  /** [V + 3] blend weight of the mouth region (1 inside, feathered to 0 at its edge). */
  mouthWeights: Float32Array;
  /** [points] weights whose outer band (0..0.5) is where a mouth patch's colour is matched to the frame: an ellipse about the lips, inside the region. */
  mouthColourWeights: Float32Array;
  /** Per eye, [V + 3] blend weights. */
  eyeWeights: [Float32Array, Float32Array];
  /** Per eye, the points an eye patch is aligned by (they do not move with the lids). */
  eyeAlign: [number[], number[]];
  /** Vertices with a mouth weight > 0 (what a mouth crop must hold), and the same per eye. */
  mouthVertices: number[];
  eyeVertices: [number[], number[]];
}

function centre(pts: ArrayLike<number>, loop: number[], dims: number): [number, number] {
  let x = 0, y = 0;
  for (const v of loop) { x += pts[v * dims]; y += pts[v * dims + 1]; }
  return [x / loop.length, y / loop.length];
}

/**
 * Points [(V+3)*2] → [(V+3+R)*2] with the ring appended: the face outline's points pushed
 * out by RING_SCALE from their mean.
 */
export function withRing(pts: Float32Array, V: number): Float32Array {
  const R = FACE_OVAL.length;
  const out = new Float32Array((V + 3 + R) * 2);
  out.set(pts.subarray(0, (V + 3) * 2));
  let cx = 0, cy = 0;
  for (const v of FACE_OVAL) { cx += pts[v * 2] / R; cy += pts[v * 2 + 1] / R; }
  FACE_OVAL.forEach((v, k) => {
    out[(V + 3 + k) * 2] = cx + RING_SCALE * (pts[v * 2] - cx);
    out[(V + 3 + k) * 2 + 1] = cy + RING_SCALE * (pts[v * 2 + 1] - cy);
  });
  return out;
}

/** Points [V*2] (or [V*3] with `dims` 3) → [(V+3)*2] with the three opening centres appended. */
export function withCentres(pts: ArrayLike<number>, V: number, dims = 2, out = new Float32Array((V + 3) * 2)): Float32Array {
  for (let v = 0; v < V; v++) { out[v * 2] = pts[v * dims]; out[v * 2 + 1] = pts[v * dims + 1]; }
  [INNER_LIP_LOOP, ...EYE_LOOPS].forEach((loop, k) => {
    const [x, y] = centre(pts, loop, dims);
    out[(V + k) * 2] = x;
    out[(V + k) * 2 + 1] = y;
  });
  return out;
}

const smooth = (t: number) => (t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t));

/** Weight 1 inside `inner` (a fraction of the ellipse), falling smoothly to 0 at the ellipse. */
function ellipseWeights(pts: Float32Array, n: number, cx: number, cy: number, ax: number, ayUp: number, ayDown: number, inner: number): Float32Array {
  const w = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    const dx = (pts[v * 2] - cx) / ax;
    const dy = (pts[v * 2 + 1] - cy) / (pts[v * 2 + 1] < cy ? ayUp : ayDown);
    const r = Math.hypot(dx, dy);
    w[v] = smooth((1 - r) / (1 - inner));
  }
  return w;
}

const dist2 = (p: Float32Array, a: number, b: number) => Math.hypot(p[a * 2] - p[b * 2], p[a * 2 + 1] - p[b * 2 + 1]);

/** Regions of a persona's model (from its neutral shape, model space: +y down). */
export function faceRegions(model: FaceModel): FaceRegions {
  const V = model.vertexCount;
  const R = FACE_OVAL.length;
  const n = V + 3 + R;
  const p = withRing(withCentres(model.neutral, V, 3), V);
  const tris: number[] = Array.from(model.triangles);
  [INNER_LIP_LOOP, ...EYE_LOOPS].forEach((loop, k) => {
    for (let i = 0; i < loop.length; i++) tris.push(loop[i], loop[(i + 1) % loop.length], V + k);
  });
  for (let k = 0; k < R; k++) {
    const a = FACE_OVAL[k], b = FACE_OVAL[(k + 1) % R], ra = V + 3 + k, rb = V + 3 + ((k + 1) % R);
    tris.push(a, b, rb, a, rb, ra);
  }
  // Mouth: an ellipse about the inner-lip centre, a mouth width either side, reaching
  // up to just under the nose and down past the chin, so the donor's chin and jaw line
  // come with its mouth. A face tracker reads the opening partly from them: with the
  // source frame's chin (the ellipse ending above the chin line) held-out frames of the
  // vertical clip made as an export makes them read r 0.82 against their curves, with
  // the donor's 0.89 (docs/quality.md, "What limits r").
  const mouthWidth = dist2(p, 61, 291);
  const mc = V;
  const up = Math.max(1e-6, p[mc * 2 + 1] - p[2 * 2 + 1]);
  const down = Math.max(1e-6, p[152 * 2 + 1] - p[mc * 2 + 1]);
  const mouthEllipse = (reachDown: number) => ellipseWeights(p, n, p[mc * 2], p[mc * 2 + 1], 1.05 * mouthWidth, 0.95 * up, reachDown * down, 0.7);
  const mouthWeights = mouthEllipse(MOUTH_REACH_DOWN);
  // The colour match reads the band of the mouth-sized ellipse (ending above the chin line):
  // on the wider region's band (neck, the chin's shadow) the held-out lip box lost 0.26 dB.
  const mouthColourWeights = mouthEllipse(0.85);
  const eyeWeights: Float32Array[] = [];
  const eyeAlign: number[][] = [];
  [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT].forEach((eye, k) => {
    const c = V + 1 + k;
    const width = dist2(p, eye.outer, eye.inner);
    eyeWeights.push(ellipseWeights(p, n, p[c * 2], p[c * 2 + 1], 0.85 * width, 0.6 * width, 0.6 * width, 0.55));
    eyeAlign.push(STABLE_SEED.filter((v) => v < V && Math.hypot(p[v * 2] - p[c * 2], p[v * 2 + 1] - p[c * 2 + 1]) < 1.6 * width));
  });
  // The lower face moves with the curves: fully from the mouth down, not at all from the nose tip up.
  const noseY = p[4 * 2 + 1], mouthY = p[mc * 2 + 1];
  const jawShare = new Float32Array(n);
  const jawWeights = new Float32Array(n);
  for (let v = 0; v < V + 3; v++) jawShare[v] = smooth((p[v * 2 + 1] - noseY) / Math.max(1e-6, mouthY - noseY));
  for (let v = 0; v < V + 3; v++) jawWeights[v] = jawShare[v] > 0 ? 1 : 0;
  // The ring: fixed, weighted like the outline point it faces (so the upper ring is not warped).
  FACE_OVAL.forEach((v, k) => { jawWeights[V + 3 + k] = jawWeights[v]; });
  const nonZero = (w: Float32Array) => Array.from(w.keys()).filter((v) => w[v] > 0);
  return {
    vertexCount: V,
    pointCount: n,
    jawShare,
    jawWeights,
    triangles: Int32Array.from(tris),
    mouthWeights,
    mouthColourWeights,
    eyeWeights: [eyeWeights[0], eyeWeights[1]],
    eyeAlign: [eyeAlign[0], eyeAlign[1]],
    mouthVertices: nonZero(mouthWeights),
    eyeVertices: [nonZero(eyeWeights[0]), nonZero(eyeWeights[1])],
  };
}

/**
 * Lip shapes for retrieval: per expression component, the displacement of the lip
 * contour vertices (model mm), so a frame's lip shape is a short vector
 * (Σ_c expr_c · lipBasis_c) compared in mm whatever the head pose.
 */
export function lipBasis(model: FaceModel): { dims: number; components: number; basis: Float32Array } {
  const V3 = model.vertexCount * 3;
  const K = model.basis.length / V3;
  const dims = LIP_CONTOUR.length * 3;
  const basis = new Float32Array(K * dims);
  for (let k = 0; k < K; k++) {
    LIP_CONTOUR.forEach((v, i) => {
      for (let d = 0; d < 3; d++) basis[k * dims + i * 3 + d] = model.basis[k * V3 + v * 3 + d];
    });
  }
  return { dims, components: K, basis };
}

/** [F * dims] lip shape vectors of F frames of 71 parameters (expression at 7..70). */
export function lipShapes(params: ArrayLike<number>, frames: number, lb: ReturnType<typeof lipBasis>): Float32Array {
  const out = new Float32Array(frames * lb.dims);
  for (let f = 0; f < frames; f++) {
    const o = f * lb.dims;
    for (let k = 0; k < lb.components; k++) {
      const c = params[f * 71 + 7 + k];
      if (!c) continue;
      const b = k * lb.dims;
      for (let d = 0; d < lb.dims; d++) out[o + d] += c * lb.basis[b + d];
    }
  }
  return out;
}

/**
 * [T * dims] lip shape vectors of footage frames from their tracked landmarks (what a
 * tracker sees, not the model's fit of it): each frame's landmarks aligned to the neutral
 * shape by a similarity over stable points, as the quality report measures a video, minus
 * the neutral. Retrieval by these picks donors whose pixels really show the lip shape.
 */
export function trackedLipShapes(model: FaceModel, camera: PinholeCamera, landmarks: Float32Array, T: number): Float32Array {
  const N = 478 * 3;
  const dims = LIP_CONTOUR.length * 3;
  const out = new Float32Array(T * dims);
  for (let t = 0; t < T; t++) {
    const weak = Float32Array.from(landmarks.subarray(t * N, (t + 1) * N));
    perspectiveCorrect(weak, 1, camera, true);
    const norm = applyInverseSimilarity(alignSimilarity(model.neutral, weak, STABLE_SEED), weak);
    LIP_CONTOUR.forEach((v, i) => {
      for (let d = 0; d < 3; d++) out[t * dims + i * 3 + d] = norm[v * 3 + d] - model.neutral[v * 3 + d];
    });
  }
  return out;
}
