import type { FaceModel } from '../common/face-model';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT, LIPS, STABLE_SEED } from '../persona/landmark-sets';

/**
 * The regions synthesis replaces (mouth with jaw and lips; each eye with its lids),
 * defined once on the persona's neutral shape so they follow the face's geometry at
 * any pose and resolution. The model's mesh leaves the mouth and the eye openings
 * open (MediaPipe topology), so each gets a fan of triangles around an extra vertex at
 * the opening's centre: points arrays used with these triangles carry V + 3 points
 * (`withCentres`).
 */

/** Inner lip contour, a closed loop: left corner, upper inner lip, right corner, lower inner lip. */
export const INNER_LIP_LOOP = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];
const eyeLoop = (e: typeof EYE_IMAGE_LEFT) => [e.outer, ...e.upper, e.inner, ...[...e.lower].reverse()];
export const EYE_LOOPS = [eyeLoop(EYE_IMAGE_LEFT), eyeLoop(EYE_IMAGE_RIGHT)];
/** The lip contours (outer and inner), the shape that mouth retrieval compares. */
export const LIP_CONTOUR = LIPS.slice(0, 40);

export interface FaceRegions {
  /** Vertices of the model (the extra centres are V, V + 1, V + 2: mouth, image-left eye, image-right eye). */
  vertexCount: number;
  /** Triangles over V + 3 points: the mesh plus the three fans. */
  triangles: Int32Array;
  /** [V + 3] blend weight of the mouth region (1 inside, feathered to 0 at its edge). */
  mouthWeights: Float32Array;
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
  const n = V + 3;
  const p = withCentres(model.neutral, V, 3);
  const tris: number[] = Array.from(model.triangles);
  [INNER_LIP_LOOP, ...EYE_LOOPS].forEach((loop, k) => {
    for (let i = 0; i < loop.length; i++) tris.push(loop[i], loop[(i + 1) % loop.length], V + k);
  });
  // Mouth: an ellipse about the inner-lip centre, a mouth width either side, reaching
  // up to just under the nose and down to just above the chin line.
  const mouthWidth = dist2(p, 61, 291);
  const mc = V;
  const up = Math.max(1e-6, p[mc * 2 + 1] - p[2 * 2 + 1]);
  const down = Math.max(1e-6, p[152 * 2 + 1] - p[mc * 2 + 1]);
  const mouthWeights = ellipseWeights(p, n, p[mc * 2], p[mc * 2 + 1], 1.05 * mouthWidth, 0.95 * up, 0.85 * down, 0.7);
  const eyeWeights: Float32Array[] = [];
  const eyeAlign: number[][] = [];
  [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT].forEach((eye, k) => {
    const c = V + 1 + k;
    const width = dist2(p, eye.outer, eye.inner);
    eyeWeights.push(ellipseWeights(p, n, p[c * 2], p[c * 2 + 1], 0.85 * width, 0.6 * width, 0.6 * width, 0.55));
    eyeAlign.push(STABLE_SEED.filter((v) => v < V && Math.hypot(p[v * 2] - p[c * 2], p[v * 2 + 1] - p[c * 2 + 1]) < 1.6 * width));
  });
  const nonZero = (w: Float32Array) => Array.from(w.keys()).filter((v) => w[v] > 0);
  return {
    vertexCount: V,
    triangles: Int32Array.from(tris),
    mouthWeights,
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
