/**
 * The eyelids of the face model: which landmarks make the lid edges, and the blink
 * deformation that closes them (pure code, shared with the studio's 3D preview).
 *
 * A blink is a displacement D [V*3] (model space, mm): shape = S + b · D(S), S = neutral
 * + Σ c_k · basis_k, b the blink channel, 0 open .. 1 closed (clamped). D(S) is the
 * persona's own blink field (built from its tracked lids, persona/blink.ts; absent in
 * personas built before blinks moved vertices) plus the geometric rule `closingField` on
 * S + field, which closes whatever gap is left: every persona blinks, and the lids meet
 * at b = 1 whatever the expression.
 *
 * The geometric rule, on a given shape: the upper and lower lid edges are paired point by
 * point across the opening (outer → inner corner); pair k meets at
 * m_k = u_k + λ (l_k − u_k) with λ = UPPER_LID_SHARE (the upper lid travels most of the
 * way, the lower lid rises a little); the corners stay. Mesh vertices near the lids
 * (the lid skin up to the crease, the skin under the eye) follow their nearest lid
 * points, fading to nothing at FALLOFF_EYE_WIDTHS eye widths; irises do not move.
 */
import type { FaceModel } from './face-model';

/** Lid edges of one eye in landmark numbering (MediaPipe mesh), outer → inner corner; upper[k] faces lower[k]. */
export interface EyeLids {
  outer: number;
  inner: number;
  upper: readonly number[];
  lower: readonly number[];
  iris: readonly number[];
}

/** The eye on the image's left (the person's right eye) and the one on the image's right. */
export const EYE_LIDS: readonly [EyeLids, EyeLids] = [
  { outer: 33, inner: 133, upper: [246, 161, 160, 159, 158, 157, 173], lower: [7, 163, 144, 145, 153, 154, 155], iris: [473, 474, 475, 476, 477] },
  { outer: 263, inner: 362, upper: [466, 388, 387, 386, 385, 384, 398], lower: [249, 390, 373, 374, 380, 381, 382], iris: [468, 469, 470, 471, 472] },
];

/** Share of the lid gap the upper lid travels when the eye closes (the rest: the lower lid). */
export const UPPER_LID_SHARE = 0.8;
/** Radius (in eye widths, corner to corner) over which the skin around the lids follows them. */
export const FALLOFF_EYE_WIDTHS = 0.45;

/** Blink strength as the deformation uses it: finite, clamped to 0..1. */
export function blinkAmount(b: unknown): number {
  const x = Number(b);
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Vertex indices of an eye's lids in `model`, or undefined when the model does not have them. */
export function lidVertices(model: Pick<FaceModel, 'vertexCount' | 'landmarkToVertex'>, eye: EyeLids): EyeLids | undefined {
  const map = (l: number) => (l < model.landmarkToVertex.length ? model.landmarkToVertex[l] : -1);
  const ok = (v: number) => v >= 0 && v < model.vertexCount;
  const upper = eye.upper.map(map), lower = eye.lower.map(map), iris = eye.iris.map(map);
  const outer = map(eye.outer), inner = map(eye.inner);
  if (![outer, inner, ...upper, ...lower].every(ok)) return undefined;
  return { outer, inner, upper, lower, iris: iris.filter(ok) };
}

/** Corner-to-corner width of an eye on `shape` (x, y), mm. */
export function eyeWidth(shape: ArrayLike<number>, eye: EyeLids): number {
  return Math.hypot(shape[eye.outer * 3] - shape[eye.inner * 3], shape[eye.outer * 3 + 1] - shape[eye.inner * 3 + 1]);
}

/**
 * The field that closes the lids of `shape` ([V*3], model space): added once to `shape`,
 * the lid edges of each eye meet. All zeros for a model without the lid landmarks.
 */
export function closingField(model: Pick<FaceModel, 'vertexCount' | 'landmarkToVertex'>, shape: ArrayLike<number>): Float32Array {
  const out = new Float32Array(model.vertexCount * 3);
  for (const lm of EYE_LIDS) {
    const eye = lidVertices(model, lm);
    if (!eye) continue;
    const lid = new Map<number, [number, number, number]>();
    lid.set(eye.outer, [0, 0, 0]);
    lid.set(eye.inner, [0, 0, 0]);
    eye.upper.forEach((u, k) => {
      const l = eye.lower[k];
      const gap = [0, 1, 2].map((d) => shape[l * 3 + d] - shape[u * 3 + d]);
      lid.set(u, [gap[0] * UPPER_LID_SHARE, gap[1] * UPPER_LID_SHARE, gap[2] * UPPER_LID_SHARE]);
      const down = UPPER_LID_SHARE - 1;
      lid.set(l, [gap[0] * down, gap[1] * down, gap[2] * down]);
    });
    for (const [v, d] of lid) out.set(d, v * 3);
    spreadAroundLids(model.vertexCount, shape, lid, new Set(eye.iris), FALLOFF_EYE_WIDTHS * eyeWidth(shape, eye), out);
  }
  return out;
}

/**
 * Vertices near the lid points (within `radius` mm in x, y, not lid points or irises)
 * get the inverse-distance blend of the lid points' displacements, faded by
 * (1 − d / radius)², d the distance to the nearest lid point. Adds into `out`.
 */
export function spreadAroundLids(V: number, shape: ArrayLike<number>, lid: Map<number, ArrayLike<number>>, skip: Set<number>, radius: number, out: Float32Array): void {
  if (!(radius > 0)) return;
  const pts = [...lid.entries()];
  // Only vertices within `radius` of the lid points' box can be reached.
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [p] of pts) {
    x0 = Math.min(x0, shape[p * 3]); x1 = Math.max(x1, shape[p * 3]);
    y0 = Math.min(y0, shape[p * 3 + 1]); y1 = Math.max(y1, shape[p * 3 + 1]);
  }
  for (let v = 0; v < V; v++) {
    const x = shape[v * 3], y = shape[v * 3 + 1];
    if (x < x0 - radius || x > x1 + radius || y < y0 - radius || y > y1 + radius) continue;
    if (lid.has(v) || skip.has(v)) continue;
    let dMin = Infinity, wSum = 0;
    const acc = [0, 0, 0];
    for (const [p, d] of pts) {
      const dist2 = (shape[p * 3] - x) ** 2 + (shape[p * 3 + 1] - y) ** 2;
      dMin = Math.min(dMin, Math.sqrt(dist2));
      const w = 1 / (dist2 + 1e-6) ** 2;
      wSum += w;
      acc[0] += w * d[0]; acc[1] += w * d[1]; acc[2] += w * d[2];
    }
    if (dMin >= radius) continue;
    const fade = (1 - dMin / radius) ** 2 / wSum;
    for (let d = 0; d < 3; d++) out[v * 3 + d] += acc[d] * fade;
  }
}

/**
 * The displacement that takes `shape` (the model deformed by its expression) to closed
 * eyes: the model's own field (`model.blink`, if any), then the geometric rule on the
 * result, which closes whatever gap is left. So the lids meet at blink 1 whatever the
 * expression does to them (a smile narrows the eyes; an older persona's expression basis
 * may already half-close them), and never cross.
 */
export function blinkDisplacement(model: FaceModel, shape: ArrayLike<number>): Float32Array {
  const own = model.blink && model.blink.length === model.vertexCount * 3 ? model.blink : undefined;
  if (!own) return closingField(model, shape);
  const moved = new Float32Array(own.length);
  for (let i = 0; i < own.length; i++) moved[i] = shape[i] + own[i];
  const rest = closingField(model, moved);
  for (let i = 0; i < rest.length; i++) rest[i] += own[i];
  return rest;
}

/** Adds blink · blinkDisplacement(shape) (blink clamped to 0..1) to a deformed shape [V*3] in place. */
export function applyBlink(model: FaceModel, blink: unknown, shape: Float32Array): Float32Array {
  const b = blinkAmount(blink);
  if (b === 0) return shape;
  const D = blinkDisplacement(model, shape);
  for (let i = 0; i < D.length; i++) shape[i] += b * D[i];
  return shape;
}
