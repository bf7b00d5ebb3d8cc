import { deformMesh, poseVertices, projectCameraPoints, type FaceModel, type PinholeCamera } from '../common/face-model';
import { FRAME_FILLED, FRAME_TRACKED, type VideoTrack } from '../tracking/track-video';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import { throwIfCancelled } from '../util/errors';
import { BLINK_INDEX, EXPR_OFFSET, PARAM_COUNT } from '../../shared/facial-params';
import { blinkDeformation, measureBlinks, type BlinkDeformation, type BlinkResult } from './blink';
import { buildExpressionBasis, EXPRESSION_COUNT, expressionCoefficients, neutralShape, removeBlinkMotion, type ExpressionBasis } from './expression-basis';
import { eyeRegionMask, type EyeRegion } from './eye-region';
import { alignFrames, defaultCamera, fitPose, perspectiveCorrect, similarityToPose, type SmoothedTrack } from './fit-pose';
import { checkTurnedAway } from './clip-checks';
import { blinkEventsInRange, fitSegments, fitWeights, isWholeClip, smoothTrackInSegments } from './fit-range';
import type { Segment } from '../common/numeric';

/**
 * The fit stage of the persona build: tracked landmarks → the person's face model
 * (neutral shape, expression basis, eye region) and per-frame FACIAL parameters
 * (perspective pose, blink, expression).
 *
 * `shapeFromTrack` (rigid alignment, smoothing, neutral, basis) → `faceModelFrom`
 * → `fitFrameParams` (per frame) → `checkTurnedAway`.
 */

/** What the model is built from: the track aligned, smoothed and reduced to a neutral shape and basis. */
export interface TrackShape {
  camera: PinholeCamera;
  /** Frames [start, end) everything fitted was fitted on (the whole clip unless an evaluation persona: fit-range.ts). */
  fitRange: Segment;
  /** [T] how much each frame counts in the fits: 1 tracked, 0.5 bridged, 0 filled or outside `fitRange`. */
  weights: Float32Array;
  /** Points used for the rigid alignment. */
  stablePoints: number;
  smooth: SmoothedTrack;
  /** [478*3] neutral shape, model space (mm). */
  neutral: Float64Array;
  neutralFrames: number[];
  /** Blink strength per frame (calibrated to the person) and events. */
  blinks: BlinkResult;
  /** The blink field of the model and the clip's lid motion it was built from. */
  blinkField: BlinkDeformation;
  /** [T*478*3] `smooth.normalized` without the blink motion: what the expression basis describes. */
  unblinked: Float64Array;
  basis: ExpressionBasis;
}

/** The fit stage's result. */
export interface FaceFit extends TrackShape {
  model: FaceModel;
  /** [T*PARAM_COUNT] per-frame parameters. */
  params: Float32Array;
  eye: EyeRegion;
  warnings: string[];
}

export interface FitProgress {
  signal?: AbortSignal;
  progress?: (fraction: number, message?: string) => void;
}

/**
 * The fit stage: `track` (its `file` names the clip in errors) → face model and parameters.
 * With `fitRange`, only those frames are fitted on; the others are expressed in the model (fit-range.ts).
 */
export function fitFace(track: VideoTrack, file: string, opts: FitProgress & { fitRange?: Segment } = {}): FaceFit {
  opts.progress?.(0, 'pose and shape');
  const shape = shapeFromTrack(track, opts.fitRange);
  throwIfCancelled(opts.signal);
  const model = faceModelFrom(track, shape.neutral, shape.basis);
  model.blink = shape.blinkField.field;
  const params = fitFrameParams(model, shape, shape.blinks.blink, track.frameCount, opts);
  const eye = eyeRegionMask(shape.neutral);
  model.eyeMask = eye.mask;
  const warnings = checkTurnedAway(params, track.frameCount, file);
  return { ...shape, model, params, eye, warnings };
}

/** Per-frame weight of a track's status: tracked 1, bridged 0.5, filled 0. */
export function frameWeights(status: Uint8Array): Float32Array {
  return Float32Array.from(status, (s) => (s === FRAME_TRACKED ? 1 : s === FRAME_FILLED ? 0 : 0.5));
}

/**
 * Rigid alignment, smoothing, neutral shape, blinks and the blink field, and the
 * expression basis (fitted on the landmarks without the blink motion) of a track.
 * Everything fitted sees only the frames of `fitRange` (default: all); the smoothing
 * does not cross its ends.
 */
export function shapeFromTrack(track: VideoTrack, fitRange: Segment = { start: 0, end: track.frameCount }): TrackShape {
  const T = track.frameCount;
  const N = LANDMARK_COUNT * 3;
  const weights = fitWeights(frameWeights(track.status), fitRange);
  const camera = defaultCamera(track.width, track.height);
  // Model building works in weak perspective (see perspectiveCorrect); the pose fit and
  // everything stored use true image positions.
  const weak = Float32Array.from(track.landmarks);
  perspectiveCorrect(weak, T, camera, true);
  const align = alignFrames(weak, T, weights);
  const smooth = smoothTrackInSegments(align, T, fitSegments(T, fitRange), { fps: track.fps });
  perspectiveCorrect(smooth.image, T, camera, false);
  const { neutral, frames: neutralFrames } = neutralShape(smooth.normalized, T, N, weights);
  const blinks = measureBlinks(smooth.normalized, T, N, track.fps, weights);
  // The blink field learns from the events of the fitted frames only.
  const fitted = isWholeClip(fitRange, T) ? blinks : { ...blinks, events: blinkEventsInRange(blinks.blink, fitRange, Math.round(track.fps)) };
  const vertices = { vertexCount: LANDMARK_COUNT, landmarkToVertex: Int32Array.from({ length: LANDMARK_COUNT }, (_, i) => i) };
  const blinkField = blinkDeformation(vertices, neutral, smooth.normalized, T, fitted, weights);
  const unblinked = removeBlinkMotion(smooth.normalized, T, N, blinks.blink, blinkField.motion);
  const basis = buildExpressionBasis(unblinked, T, N, weights, EXPRESSION_COUNT);
  return { camera, fitRange, weights, stablePoints: align.stable.length, smooth, neutral, neutralFrames, blinks, blinkField, unblinked, basis };
}

/** The face model of a neutral shape and basis on the tracker's mesh (triangles wound outwards, its UVs); eye mask empty. */
export function faceModelFrom(track: Pick<VideoTrack, 'triangles' | 'uvs'>, neutral: Float64Array, basis: ExpressionBasis): FaceModel {
  const P = LANDMARK_COUNT;
  const N = P * 3;
  const model: FaceModel = {
    vertexCount: P,
    neutral: Float32Array.from(neutral),
    basis: new Float32Array(EXPRESSION_COUNT * N),
    triangles: orientTriangles(track.triangles, neutral),
    uvs: Float32Array.from({ length: P * 2 }, (_, i) => {
      const vtx = i >> 1;
      if (vtx >= track.uvs.length) return 0;
      return track.uvs[vtx][i & 1];
    }),
    eyeMask: new Uint8Array(P),
    landmarkToVertex: Int32Array.from({ length: P }, (_, i) => i),
  };
  basis.rows.forEach((row, k) => model.basis.set(row, k * N));
  return model;
}

/** Per frame: expression coefficients, the perspective pose that fits them to the smoothed landmarks, blink. */
export function fitFrameParams(model: FaceModel, shape: TrackShape, blink: Float32Array, T: number, opts: FitProgress = {}): Float32Array {
  const N = LANDMARK_COUNT * 3;
  const { smooth, camera, unblinked } = shape;
  const params = new Float32Array(T * PARAM_COUNT);
  const allIdx = Array.from({ length: LANDMARK_COUNT }, (_, i) => i);
  for (let t = 0; t < T; t++) {
    const coeffs = expressionCoefficients(unblinked, t * N, shape.neutral, shape.basis.rows);
    const deformed = deformMesh(model, coeffs, blink[t]);
    const init = similarityToPose(smooth.sims[t], camera);
    const pose = fitPose(deformed, smooth.image.subarray(t * N, (t + 1) * N), camera, init, allIdx);
    params.set(pose, t * PARAM_COUNT);
    params[t * PARAM_COUNT + BLINK_INDEX] = blink[t];
    params.set(coeffs, t * PARAM_COUNT + EXPR_OFFSET);
    if (t % 50 === 0) {
      throwIfCancelled(opts.signal);
      opts.progress?.(t / T, 'pose and shape');
    }
  }
  return params;
}

/** Posed (camera space) and projected (pixels) vertices of frame t (expression and blink). */
export function projectFrame(model: FaceModel, params: Float32Array, t: number, camera: PinholeCamera): { cam: Float32Array; image: Float32Array } {
  const o = t * PARAM_COUNT;
  const shape = deformMesh(model, params.subarray(o + EXPR_OFFSET, o + PARAM_COUNT), params[o + BLINK_INDEX]);
  const cam = poseVertices(shape, params.subarray(o, o + 6));
  return { cam, image: projectCameraPoints(cam, camera) };
}

/** Re-winds triangles so that (b − a) × (c − a) points out of the face (towards −z on the neutral shape). */
export function orientTriangles(tris: ArrayLike<number>, neutral: ArrayLike<number>): Uint32Array {
  const out = Uint32Array.from(tris as ArrayLike<number>);
  for (let f = 0; f < out.length; f += 3) {
    const a = out[f], b = out[f + 1], c = out[f + 2];
    const e1x = neutral[b * 3] - neutral[a * 3], e1y = neutral[b * 3 + 1] - neutral[a * 3 + 1];
    const e2x = neutral[c * 3] - neutral[a * 3], e2y = neutral[c * 3 + 1] - neutral[a * 3 + 1];
    const nz = e1x * e2y - e1y * e2x;
    if (nz > 0) { out[f + 1] = c; out[f + 2] = b; }
  }
  return out;
}
