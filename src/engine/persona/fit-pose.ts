import { rotationAngles, rotationMatrix, type PinholeCamera } from '../common/face-model';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import { solveSymmetric } from '../common/numeric';
import {
  alignSimilarity, applyInverseSimilarity, applySimilarity, gaussianSmoothStrided, matrixToQuaternion, quaternionToMatrix,
  type Similarity,
} from './linalg';
import { CHIN_BOTTOM, EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT, FAST_POINTS, FOREHEAD_TOP, MEDIUM_POINTS, STABLE_SEED } from './landmark-sets';

/**
 * Rigid pose and pose normalisation of tracked landmarks.
 *
 * 1. Generalised Procrustes: every frame's 478 points are aligned to a reference
 *    shape by a 3-D similarity (rotation, translation, scale) over a set of stable
 *    points (forehead, nose, upper cheeks, eye corners); the reference becomes the
 *    mean of the aligned frames; repeated. After the first round the stable set is
 *    re-chosen from the data: the least moving non-lip, non-eyelid, non-jaw points.
 * 2. Model frame: the reference is scaled to a 63 mm inter-pupil distance, centred on
 *    the centroid of its 468 mesh points, and rotated so that +x runs from the image-left
 *    pupil to the image-right pupil and +y from forehead to chin (z = x × y, away from
 *    the camera).
 * 3. Each frame's similarity (model → image, weak perspective) initialises a
 *    perspective 6-DoF pose fit (Gauss-Newton with Huber weights) of the
 *    personalised shape against the tracked 2-D points, with the pinhole camera of
 *    `defaultCamera`.
 */

export const IPD_MM = 63;
const P = LANDMARK_COUNT;

export interface FrameAlignment {
  /** Per frame: model space (mm) → image (px, with pixel-scale depth). Weak perspective. */
  sims: Similarity[];
  /** [T*478*3] pose-normalised landmarks in model space (mm). */
  normalized: Float64Array;
  /** [478*3] mean shape in model space (mm). */
  reference: Float64Array;
  /** Indices of the stable points used for the rigid alignment. */
  stable: number[];
}

/**
 * Aligns all frames. `weights[t]` (0..1) says how much frame t counts for the
 * reference (0 for filled gap frames).
 */
export function alignFrames(landmarks: Float32Array, T: number, weights: ArrayLike<number>): FrameAlignment {
  const N = P * 3;
  const frame = (t: number) => landmarks.subarray(t * N, (t + 1) * N);
  let first = 0;
  for (let t = 0; t < T; t++) if (weights[t] > 0) { first = t; break; }
  let ref = Float64Array.from(frame(first));
  let stable = STABLE_SEED.slice();
  let sims: Similarity[] = [];
  const normalized = new Float64Array(T * N);
  for (let iter = 0; iter < 4; iter++) {
    sims = [];
    const mean = new Float64Array(N);
    let wsum = 0;
    for (let t = 0; t < T; t++) {
      const sim = alignSimilarity(ref, frame(t), stable);
      sims.push(sim);
      const norm = normalized.subarray(t * N, (t + 1) * N);
      applyInverseSimilarity(sim, frame(t), norm);
      const w = weights[t];
      if (w > 0) {
        for (let i = 0; i < N; i++) mean[i] += w * norm[i];
        wsum += w;
      }
    }
    for (let i = 0; i < N; i++) mean[i] /= Math.max(wsum, 1e-9);
    if (iter === 1) stable = chooseStablePoints(normalized, mean, T, weights);
    ref = mean;
  }
  // Model frame.
  const M = modelFrame(ref);
  const reference = applySimilarity(M, ref);
  const Minv = invertSimilarity(M);
  const modelSims = sims.map((s) => composeSimilarity(s, Minv));
  for (let t = 0; t < T; t++) applyInverseSimilarity(modelSims[t], frame(t), normalized.subarray(t * N, (t + 1) * N));
  return { sims: modelSims, normalized, reference, stable };
}

/** The least moving points (per-point RMS deviation from the mean shape) outside the lips, eyes, brows and jaw. */
function chooseStablePoints(normalized: Float64Array, mean: Float64Array, T: number, weights: ArrayLike<number>): number[] {
  const N = P * 3;
  const excluded = new Set([...FAST_POINTS, ...MEDIUM_POINTS]);
  const dev: { i: number; d: number }[] = [];
  for (let i = 0; i < 468; i++) {
    if (excluded.has(i)) continue;
    let acc = 0, wsum = 0;
    for (let t = 0; t < T; t++) {
      const w = weights[t];
      if (w <= 0) continue;
      for (let d = 0; d < 3; d++) {
        const e = normalized[t * N + i * 3 + d] - mean[i * 3 + d];
        acc += w * e * e;
      }
      wsum += w;
    }
    dev.push({ i, d: acc / Math.max(wsum, 1e-9) });
  }
  dev.sort((a, b) => a.d - b.d);
  const keep = dev.slice(0, Math.max(40, Math.round(dev.length * 0.45))).map((x) => x.i);
  return keep.sort((a, b) => a - b);
}

/** The similarity taking a reference shape (tracker units) into model space. */
export function modelFrame(ref: ArrayLike<number>): Similarity {
  const pt = (i: number) => [ref[i * 3], ref[i * 3 + 1], ref[i * 3 + 2]];
  const a = pt(EYE_IMAGE_LEFT.irisCentre), b = pt(EYE_IMAGE_RIGHT.irisCentre);
  const ipd = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
  const k = IPD_MM / ipd;
  const c = [0, 0, 0];
  for (let i = 0; i < 468; i++) for (let d = 0; d < 3; d++) c[d] += ref[i * 3 + d] / 468;
  const x = normalize([b[0] - a[0], b[1] - a[1], b[2] - a[2]]);
  const top = pt(FOREHEAD_TOP), bottom = pt(CHIN_BOTTOM);
  let y = [bottom[0] - top[0], bottom[1] - top[1], bottom[2] - top[2]];
  const d = y[0] * x[0] + y[1] * x[1] + y[2] * x[2];
  y = normalize([y[0] - d * x[0], y[1] - d * x[1], y[2] - d * x[2]]);
  const z = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
  const R = new Float64Array([...x, ...y, ...z]);
  // m = k R (p - c) = k R p - k R c
  const t: [number, number, number] = [0, 0, 0];
  for (let r = 0; r < 3; r++) t[r] = -k * (R[r * 3] * c[0] + R[r * 3 + 1] * c[1] + R[r * 3 + 2] * c[2]);
  return { s: k, R, t };
}

function normalize(v: number[]): number[] {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

export function invertSimilarity(a: Similarity): Similarity {
  const Rt = new Float64Array([a.R[0], a.R[3], a.R[6], a.R[1], a.R[4], a.R[7], a.R[2], a.R[5], a.R[8]]);
  const s = 1 / a.s;
  const t: [number, number, number] = [0, 0, 0];
  for (let r = 0; r < 3; r++) t[r] = -s * (Rt[r * 3] * a.t[0] + Rt[r * 3 + 1] * a.t[1] + Rt[r * 3 + 2] * a.t[2]);
  return { s, R: Rt, t };
}

/** (a ∘ b)(p) = a(b(p)). */
export function composeSimilarity(a: Similarity, b: Similarity): Similarity {
  const R = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
    R[r * 3 + c] = a.R[r * 3] * b.R[c] + a.R[r * 3 + 1] * b.R[3 + c] + a.R[r * 3 + 2] * b.R[6 + c];
  }
  const t: [number, number, number] = [0, 0, 0];
  for (let r = 0; r < 3; r++) t[r] = a.s * (a.R[r * 3] * b.t[0] + a.R[r * 3 + 1] * b.t[1] + a.R[r * 3 + 2] * b.t[2]) + a.t[r];
  return { s: a.s * b.s, R, t };
}

export interface SmoothingOptions {
  fps: number;
  /** Gaussian sigma in frames at 25 fps for: the rigid motion, stable points, jaw/brows, lips/eyelids/irises. */
  sigmaRigid?: number;
  sigmaStable?: number;
  sigmaMedium?: number;
  sigmaFast?: number;
}

export interface SmoothedTrack {
  sims: Similarity[];
  normalized: Float64Array;
  /** [T*478*3] smoothed landmarks in image pixels (z: pixel-scale depth). */
  image: Float32Array;
  sigmas: { rigid: number; stable: number; medium: number; fast: number };
}

/**
 * Zero-phase (forward-backward, no lag) Gaussian smoothing, split into the rigid head
 * motion and the non-rigid shape: the rigid similarity (quaternion, log scale,
 * translation) and the stable points are smoothed most; jaw and brows less; lips,
 * eyelids and irises least, so fast mouth motion and blinks keep their timing and
 * depth.
 */
export function smoothTrack(align: FrameAlignment, T: number, opts: SmoothingOptions): SmoothedTrack {
  const k = opts.fps / 25;
  const sig = {
    rigid: (opts.sigmaRigid ?? 1.0) * k,
    stable: (opts.sigmaStable ?? 1.5) * k,
    medium: (opts.sigmaMedium ?? 0.9) * k,
    fast: (opts.sigmaFast ?? 0.5) * k,
  };
  const N = P * 3;
  const normalized = Float64Array.from(align.normalized);
  const fast = new Set(FAST_POINTS), medium = new Set(MEDIUM_POINTS);
  const scratch = new Float64Array(T);
  for (let i = 0; i < P; i++) {
    const s = fast.has(i) ? sig.fast : medium.has(i) ? sig.medium : sig.stable;
    for (let d = 0; d < 3; d++) gaussianSmoothStrided(normalized, T, i * 3 + d, N, s, scratch);
  }
  // Rigid: 8 channels per frame (quaternion w x y z, log s, t x y z), quaternion signs kept continuous.
  const ch = new Float64Array(T * 8);
  let prev: number[] | undefined;
  for (let t = 0; t < T; t++) {
    let q = matrixToQuaternion(align.sims[t].R);
    if (prev && q[0] * prev[0] + q[1] * prev[1] + q[2] * prev[2] + q[3] * prev[3] < 0) q = [-q[0], -q[1], -q[2], -q[3]];
    prev = q;
    ch.set([...q, Math.log(align.sims[t].s), ...align.sims[t].t], t * 8);
  }
  for (let c = 0; c < 8; c++) gaussianSmoothStrided(ch, T, c, 8, sig.rigid, scratch);
  const sims: Similarity[] = [];
  const image = new Float32Array(T * N);
  const tmp = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    const o = t * 8;
    const sim: Similarity = { R: quaternionToMatrix(ch[o], ch[o + 1], ch[o + 2], ch[o + 3]), s: Math.exp(ch[o + 4]), t: [ch[o + 5], ch[o + 6], ch[o + 7]] };
    sims.push(sim);
    applySimilarity(sim, normalized.subarray(t * N, (t + 1) * N), tmp);
    image.set(tmp, t * N);
  }
  return { sims, normalized, image, sigmas: sig };
}

/**
 * The persona's camera: a pinhole with the principal point at the frame's centre and
 * a long focal length, fx = fy = 3 · max(width, height) (about 19° across the long
 * side). The tracker measures shape nearly orthographically, so a long lens keeps the
 * model's projection consistent with it; head distance then follows from face size.
 */
export function defaultCamera(width: number, height: number): PinholeCamera {
  const f = 3 * Math.max(width, height);
  return { fx: f, fy: f, cx: width / 2, cy: height / 2, width, height };
}

/** Converts a weak-perspective similarity (model mm → image px) to a 6-DoF pose for `camera`. */
export function similarityToPose(sim: Similarity, camera: PinholeCamera): number[] {
  const z = camera.fx / sim.s;
  const x = ((sim.t[0] - camera.cx) * z) / camera.fx;
  const y = ((sim.t[1] - camera.cy) * z) / camera.fy;
  const [pitch, yaw, roll] = rotationAngles(sim.R);
  return [pitch, yaw, roll, x, y, z];
}

function projectPoints(shape: ArrayLike<number>, pose: ArrayLike<number>, camera: PinholeCamera, idx: ArrayLike<number>, out: Float64Array): void {
  const R = rotationMatrix(pose[0], pose[1], pose[2]);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const x = shape[i * 3], y = shape[i * 3 + 1], z = shape[i * 3 + 2];
    const px = R[0] * x + R[1] * y + R[2] * z + pose[3];
    const py = R[3] * x + R[4] * y + R[5] * z + pose[4];
    const pz = R[6] * x + R[7] * y + R[8] * z + pose[5];
    out[k * 2] = (camera.fx * px) / pz + camera.cx;
    out[k * 2 + 1] = (camera.fy * py) / pz + camera.cy;
  }
}

/**
 * Perspective pose fit: minimises the Huber-weighted 2-D distance between the
 * projected `shape` (model mm, [V*3]) points `idx` and `target` ([*, 478*3] image px;
 * only x, y used), starting from `init`. Returns the refined pose.
 */
export function fitPose(shape: ArrayLike<number>, target: ArrayLike<number>, camera: PinholeCamera, init: number[], idx: ArrayLike<number>, iterations = 6): number[] {
  const n = idx.length;
  const pose = init.slice();
  const proj = new Float64Array(n * 2);
  const projD = new Float64Array(n * 2);
  const J = new Float64Array(n * 2 * 6);
  const steps = [1e-4, 1e-4, 1e-4, 1e-2, 1e-2, 1e-1];
  for (let it = 0; it < iterations; it++) {
    projectPoints(shape, pose, camera, idx, proj);
    for (let j = 0; j < 6; j++) {
      const p2 = pose.slice();
      p2[j] += steps[j];
      projectPoints(shape, p2, camera, idx, projD);
      for (let r = 0; r < n * 2; r++) J[r * 6 + j] = (projD[r] - proj[r]) / steps[j];
    }
    // Residuals and Huber weights (delta 2 px).
    const H = new Float64Array(36);
    const g = new Float64Array(6);
    for (let k = 0; k < n; k++) {
      const i = idx[k];
      const ex = target[i * 3] - proj[k * 2], ey = target[i * 3 + 1] - proj[k * 2 + 1];
      const e = Math.hypot(ex, ey);
      const w = e <= 2 ? 1 : 2 / e;
      for (const [r, res] of [[k * 2, ex], [k * 2 + 1, ey]] as const) {
        for (let a = 0; a < 6; a++) {
          g[a] += w * J[r * 6 + a] * res;
          for (let b = a; b < 6; b++) H[a * 6 + b] += w * J[r * 6 + a] * J[r * 6 + b];
        }
      }
    }
    for (let a = 0; a < 6; a++) for (let b = 0; b < a; b++) H[a * 6 + b] = H[b * 6 + a];
    for (let a = 0; a < 6; a++) H[a * 6 + a] *= 1 + 1e-6;
    const delta = solveSymmetric(H, g, 6);
    if (!delta) break;
    let maxStep = 0;
    for (let a = 0; a < 6; a++) {
      pose[a] += delta[a];
      maxStep = Math.max(maxStep, Math.abs(delta[a] / steps[a]));
    }
    if (maxStep < 1e-2) break;
  }
  return pose;
}

/**
 * Perspective ↔ weak perspective for tracked landmarks. The tracker gives image
 * positions (x, y) under the real camera's perspective plus a relative depth z (px).
 * Seen from a pinhole with focal length f, a point at relative depth z − z0 behind the
 * face's centroid appears scaled by 1 / (1 + (z − z0) / f) about the principal point.
 * `toWeak` undoes that scaling (the shape as a weak-perspective camera at the
 * centroid's depth would see it), so a rigid model built from it re-projects
 * exactly with the persona's pinhole; `toWeak = false` applies it again. In place.
 */
export function perspectiveCorrect(landmarks: Float32Array, T: number, camera: PinholeCamera, toWeak: boolean): void {
  const N = P * 3;
  for (let t = 0; t < T; t++) {
    const o = t * N;
    let z0 = 0;
    for (let i = 0; i < 468; i++) z0 += landmarks[o + i * 3 + 2];
    z0 /= 468;
    for (let i = 0; i < P; i++) {
      const k = 1 + (landmarks[o + i * 3 + 2] - z0) / camera.fx;
      const f = toWeak ? k : 1 / k;
      landmarks[o + i * 3] = camera.cx + (landmarks[o + i * 3] - camera.cx) * f;
      landmarks[o + i * 3 + 1] = camera.cy + (landmarks[o + i * 3 + 1] - camera.cy) * f;
    }
  }
}
