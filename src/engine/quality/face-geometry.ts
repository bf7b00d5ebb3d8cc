import { deformMesh, projectVertices, type FaceModel, type PinholeCamera } from '../common/face-model';
import { eyeAspectRatio } from '../persona/blink';
import { mouthOpening } from '../persona/expression-basis';
import { fitPose, perspectiveCorrect, similarityToPose } from '../persona/fit-pose';
import { STABLE_SEED } from '../persona/landmark-sets';
import { alignSimilarity, applyInverseSimilarity } from '../persona/linalg';
import { median } from '../common/numeric';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import { BLINK_INDEX, EXPR_OFFSET, PARAM_COUNT } from '../../shared/facial-params';

/**
 * What the landmarks of a frame say, measured as the persona builder measures its own
 * footage: the frame's landmarks (in source pixels) are aligned to the persona's
 * neutral shape by a similarity over stable points (pose-normalised, in model mm), which
 * gives the eye aspect ratio, the inner-lip gap (mm) and the expression coefficients;
 * the pose is then fitted with the persona's camera and model, deformed by those
 * coefficients (persona/fit-pose.ts).
 */

/** How video pixels map to the persona's source pixels: source = offset + scale * video. */
export interface VideoFraming {
  scale: number;
  offsetX: number;
  offsetY: number;
}

export const IDENTITY_FRAMING: VideoFraming = { scale: 1, offsetX: 0, offsetY: 0 };

export interface PersonaGeometry {
  model: FaceModel;
  camera: PinholeCamera;
}

export interface LandmarkMeasures {
  /** Eye aspect ratio, both eyes (persona/blink.ts). */
  ear: number;
  /** Inner-lip gap, mm of the persona's model space. */
  mouthMm: number;
  /** pitch, yaw, roll (radians) with the persona's camera. */
  rotation: [number, number, number];
}

const ALL_POINTS = Array.from({ length: LANDMARK_COUNT }, (_, i) => i);

/** Landmarks of video pixels in source pixels (a copy). */
export function toSourcePixels(lm: ArrayLike<number>, framing: VideoFraming): Float32Array {
  const out = new Float32Array(LANDMARK_COUNT * 3);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    out[i * 3] = framing.offsetX + framing.scale * lm[i * 3];
    out[i * 3 + 1] = framing.offsetY + framing.scale * lm[i * 3 + 1];
    out[i * 3 + 2] = framing.scale * lm[i * 3 + 2];
  }
  return out;
}

/** Measures one frame's landmarks (video pixels) against the persona. */
export function measureLandmarks(lmVideo: ArrayLike<number>, g: PersonaGeometry, framing: VideoFraming): LandmarkMeasures {
  const N = LANDMARK_COUNT * 3;
  const image = toSourcePixels(lmVideo, framing);
  const weak = Float32Array.from(image);
  perspectiveCorrect(weak, 1, g.camera, true);
  const sim = alignSimilarity(g.model.neutral, weak, STABLE_SEED);
  const norm = applyInverseSimilarity(sim, weak);
  const K = g.model.basis.length / N;
  const coeffs = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    const o = k * N;
    for (let i = 0; i < N; i++) s += g.model.basis[o + i] * (norm[i] - g.model.neutral[i]);
    coeffs[k] = s;
  }
  const shape = deformMesh(g.model, coeffs);
  const pose = fitPose(shape, image, g.camera, similarityToPose(sim, g.camera), ALL_POINTS);
  return { ear: eyeAspectRatio(norm), mouthMm: mouthOpening(norm), rotation: [pose[0], pose[1], pose[2]] };
}

export interface CurveSeries {
  /** [N] blink strength 0..1. */
  blink: Float32Array;
  /** [N] inner-lip gap of the model deformed by the curves' expression, mm. */
  mouthMm: Float32Array;
  /** [N*3] pitch, yaw, roll (radians). */
  rotation: Float32Array;
}

/** The series the curves [N*71] promise: blink, mouth opening through the persona's model, head rotation. */
export function curveSeries(curves: Float32Array, model: FaceModel): CurveSeries {
  const N = Math.floor(curves.length / PARAM_COUNT);
  const blink = new Float32Array(N), mouthMm = new Float32Array(N), rotation = new Float32Array(N * 3);
  for (let t = 0; t < N; t++) {
    const o = t * PARAM_COUNT;
    blink[t] = curves[o + BLINK_INDEX];
    mouthMm[t] = mouthOpening(deformMesh(model, curves.subarray(o + EXPR_OFFSET, o + PARAM_COUNT)));
    rotation.set(curves.subarray(o, o + 3), t * 3);
  }
  return { blink, mouthMm, rotation };
}

/**
 * The framing of a video whose size differs from the source's and whose mapping is not
 * known: the scale and offset that best carry the tracked face boxes (video pixels) onto
 * the boxes of the model projected with the curves (source pixels), medians over frames.
 * A constant offset of the head is then taken for framing; rotations are unaffected.
 */
export function estimateFraming(videoLandmarks: Float32Array, tracked: ArrayLike<boolean>, curves: Float32Array, g: PersonaGeometry): VideoFraming | undefined {
  const N = LANDMARK_COUNT * 3;
  const frames = Math.min(tracked.length, Math.floor(curves.length / PARAM_COUNT));
  const scales: number[] = [], ox: number[] = [], oy: number[] = [];
  const box = (xy: (i: number) => [number, number]) => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < 468; i++) {
      const [x, y] = xy(i);
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
    return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0 };
  };
  for (let t = 0; t < frames; t += Math.max(1, Math.floor(frames / 100))) {
    if (!tracked[t]) continue;
    const v = box((i) => [videoLandmarks[t * N + i * 3], videoLandmarks[t * N + i * 3 + 1]]);
    const p = projectVertices(g.model, curves.subarray(t * PARAM_COUNT, (t + 1) * PARAM_COUNT), g.camera);
    const c = box((i) => [p[i * 2], p[i * 2 + 1]]);
    if (!(v.w > 0 && v.h > 0)) continue;
    const s = (c.w + c.h) / (v.w + v.h);
    scales.push(s);
    ox.push(c.cx - s * v.cx);
    oy.push(c.cy - s * v.cy);
  }
  if (scales.length === 0) return undefined;
  return { scale: median(scales), offsetX: median(ox), offsetY: median(oy) };
}
