/**
 * The persona's face model and its camera, as pure functions (no Node, no DOM): the
 * engine, the renderer and the UI's three.js preview all use this module.
 *
 * Conventions (see also src/engine/persona/persona-folder.ts):
 * - Model space: millimetres; the model is scaled so that its two pupil centres are
 *   63 mm apart. Axes as seen when the face looks straight into the camera:
 *   +x towards the image's right (the person's left), +y down (forehead to chin),
 *   +z away from the camera (into the head). Right-handed (x × y = z).
 *   Origin: the centroid of the neutral shape's 468 mesh vertices.
 * - Camera space: the same handedness as OpenCV: +x right, +y down, +z forward (away
 *   from the camera, depth), millimetres. The camera sits at the origin.
 * - Pose (params 0-5, src/shared/facial-params.ts): pitch, yaw, roll in radians
 *   about the camera's x, y and z axes, applied to the model as
 *   R = Rz(roll) · Ry(yaw) · Rx(pitch) (pitch first), then the translation (x, y, z) mm:
 *   p_cam = R · v_model + t. The translation is where the model's origin sits in
 *   camera space.
 * - Camera: pinhole in source-video pixels, u = fx · p.x / p.z + cx,
 *   v = fy · p.y / p.z + cy; u right, v down, continuous coordinates with (0, 0) the
 *   top-left corner of the frame (the tracked landmarks use the same frame).
 * - Expression: v = neutral + Σ_k expr[k] · basis[k]; the basis is orthonormal over
 *   the whole [V, 3] vector, so a coefficient is the displacement's size in mm
 *   (root of the sum of squares over all vertices).
 * - Blink (param 6, 0 open .. 1 closed, clamped): v += blink · D(v), D the model's blink
 *   field (`blink`) plus the geometric lid-closing rule of eyelids.ts on the result (the
 *   rule alone for a model without a field), so the lids meet at blink 1 whatever the
 *   expression, in every consumer of `deformMesh` / `projectVertices`.
 *
 * For three.js (y up, camera looking down -z) use (x, -y, -z) of camera space.
 */

import { applyBlink } from './eyelids';

export const EXPRESSION_COMPONENTS = 64;

export interface FaceModel {
  /** V: vertices (the 478 tracked landmarks: 468 mesh points + 10 iris points). */
  vertexCount: number;
  /** [V*3] neutral shape, mm, model space. */
  neutral: Float32Array;
  /** [64*V*3] expression basis, orthonormal rows, model space. */
  basis: Float32Array;
  /** [F*3] triangle vertex indices (mesh points only), counter-clockwise seen from the front in image space (y down). */
  triangles: Uint32Array;
  /** [V*2] texture coordinates 0..1 (u right, v down, matching texture.png rows top to bottom). */
  uvs: Float32Array;
  /** [V] 1 where the vertex belongs to an eye region (method doc section 5). */
  eyeMask: Uint8Array;
  /** [478] vertex index of each tracked landmark. */
  landmarkToVertex: Int32Array;
  /**
   * [V*3] blink field: the persona's own lid motion, mm at blink 1 (eyes closed); absent in
   * models built before blinks moved vertices, which close by the geometric rule of eyelids.ts.
   */
  blink?: Float32Array;
}

export interface PinholeCamera {
  /** Focal lengths, pixels. */
  fx: number;
  fy: number;
  /** Principal point, pixels (top-left corner origin). */
  cx: number;
  cy: number;
  /** Source video size, pixels. */
  width: number;
  height: number;
}

/** R = Rz(roll) · Ry(yaw) · Rx(pitch), row-major 3x3. */
export function rotationMatrix(pitch: number, yaw: number, roll: number): Float64Array {
  const [cp, sp] = [Math.cos(pitch), Math.sin(pitch)];
  const [cy, sy] = [Math.cos(yaw), Math.sin(yaw)];
  const [cr, sr] = [Math.cos(roll), Math.sin(roll)];
  // Rx = [1 0 0; 0 cp -sp; 0 sp cp], Ry = [cy 0 sy; 0 1 0; -sy 0 cy], Rz = [cr -sr 0; sr cr 0; 0 0 1]
  return new Float64Array([
    cr * cy, cr * sy * sp - sr * cp, cr * sy * cp + sr * sp,
    sr * cy, sr * sy * sp + cr * cp, sr * sy * cp - cr * sp,
    -sy, cy * sp, cy * cp,
  ]);
}

/** Inverse of rotationMatrix: angles (pitch, yaw, roll) of a rotation matrix (row-major). */
export function rotationAngles(R: ArrayLike<number>): [number, number, number] {
  const sy = -R[6];
  const yaw = Math.asin(Math.max(-1, Math.min(1, sy)));
  if (Math.abs(sy) < 0.999999) {
    const pitch = Math.atan2(R[7], R[8]);
    const roll = Math.atan2(R[3], R[0]);
    return [pitch, yaw, roll];
  }
  // Gimbal lock: put everything in roll.
  return [0, yaw, Math.atan2(-R[1], R[4])];
}

/** The deformed shape: neutral + Σ expr[k] basis[k] + blink · D (see eyelids.ts). Returns [V*3] model-space mm. */
export function deformMesh(model: FaceModel, expr: ArrayLike<number>, blink = 0): Float32Array {
  const n = model.vertexCount * 3;
  const out = new Float32Array(model.neutral);
  const K = Math.min(expr.length, model.basis.length / n);
  for (let k = 0; k < K; k++) {
    const c = expr[k];
    if (c === 0) continue;
    const off = k * n;
    for (let i = 0; i < n; i++) out[i] += c * model.basis[off + i];
  }
  return applyBlink(model, blink, out);
}

/** Applies pose params (pitch, yaw, roll, x, y, z) to model-space vertices: camera-space mm [V*3]. */
export function poseVertices(vertices: Float32Array, pose: ArrayLike<number>): Float32Array {
  const R = rotationMatrix(pose[0], pose[1], pose[2]);
  const V = vertices.length / 3;
  const out = new Float32Array(vertices.length);
  for (let i = 0; i < V; i++) {
    const x = vertices[i * 3], y = vertices[i * 3 + 1], z = vertices[i * 3 + 2];
    out[i * 3] = R[0] * x + R[1] * y + R[2] * z + pose[3];
    out[i * 3 + 1] = R[3] * x + R[4] * y + R[5] * z + pose[4];
    out[i * 3 + 2] = R[6] * x + R[7] * y + R[8] * z + pose[5];
  }
  return out;
}

/** Projects camera-space points [V*3] to pixels [V*2]. */
export function projectCameraPoints(points: Float32Array, camera: PinholeCamera): Float32Array {
  const V = points.length / 3;
  const out = new Float32Array(V * 2);
  for (let i = 0; i < V; i++) {
    const z = points[i * 3 + 2];
    const iz = z > 1e-6 ? 1 / z : 1e6;
    out[i * 2] = camera.fx * points[i * 3] * iz + camera.cx;
    out[i * 2 + 1] = camera.fy * points[i * 3 + 1] * iz + camera.cy;
  }
  return out;
}

/**
 * Source-video pixel positions [V*2] of the model's vertices for one frame's 71
 * parameters ([pose 0-5 | blink 6 | expression 7-70]).
 */
export function projectVertices(model: FaceModel, params71: ArrayLike<number>, camera: PinholeCamera): Float32Array {
  const expr = Array.from({ length: EXPRESSION_COMPONENTS }, (_, k) => params71[7 + k] ?? 0);
  const shape = deformMesh(model, expr, params71[6] ?? 0);
  return projectCameraPoints(poseVertices(shape, [params71[0], params71[1], params71[2], params71[3], params71[4], params71[5]]), camera);
}
