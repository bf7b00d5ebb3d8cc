import { LANDMARK_COUNT } from '../tracking/face-tracker';
import { FRAME_TRACKED, type VideoTrack } from '../tracking/track-video';
import { median, percentile } from '../common/numeric';
import { projectFrame, type FaceFit } from './fit-face';
import { FACE_OVAL } from './landmark-sets';
import type { PersonaMeta } from './persona-folder';
import { reprojectionStats } from './report';

/**
 * The quality stage of the persona build: how far the fitted model lands from the
 * tracked landmarks, and what the paste back into the frame needs (the crop that
 * holds the face in every frame, the face outline per frame).
 */

type Reprojection = ReturnType<typeof reprojectionStats>;

export interface FitQuality {
  /** Fitted model vs the raw tracked landmarks (tracked frames). */
  reprojection: Reprojection;
  /** The same against the smoothed landmarks that were fitted. */
  reprojectionSmoothed: Reprojection;
  /** [T*478*2] the fitted model projected per frame, px. */
  fittedProjection: Float32Array;
  crop: PersonaMeta['crop'];
  /** [T*FACE_OVAL.length*2] the face outline per frame, px. */
  hull: Float32Array;
  warnings: string[];
}

/** The quality stage. `medianFaceWidth` (px) scales the warning threshold. */
export function measureFit(track: VideoTrack, fit: FaceFit, medianFaceWidth: number): FitQuality {
  const T = track.frameCount;
  const isTracked = (t: number) => track.status[t] === FRAME_TRACKED;
  const reprojection = reprojectionStats(fit.model, fit.params, fit.camera, track.landmarks, T, isTracked);
  const reprojectionSmoothed = reprojectionStats(fit.model, fit.params, fit.camera, fit.smooth.image, T, isTracked);
  const fittedProjection = projectAllFrames(fit, T);
  const warnings = reprojection.median > 0.02 * medianFaceWidth
    ? [`The fitted model is ${reprojection.median} px off the tracked landmarks (median): the tracking may be unreliable in parts of the clip.`]
    : [];
  // The crop is fitted too: on the fitted frames only (an evaluation persona's held-out frames do not place it).
  const { start, end } = fit.fitRange;
  const crop = computeCrop(fit.smooth.image.subarray(start * LANDMARK_COUNT * 3, end * LANDMARK_COUNT * 3), end - start, track.width, track.height);
  const hull = outlinePerFrame(fittedProjection, T);
  return { reprojection, reprojectionSmoothed, fittedProjection, crop, hull, warnings };
}

/** [T*V*2] the fitted model of every frame projected to pixels. */
export function projectAllFrames(fit: Pick<FaceFit, 'model' | 'params' | 'camera'>, T: number): Float32Array {
  const V = fit.model.vertexCount;
  const out = new Float32Array(T * V * 2);
  for (let t = 0; t < T; t++) out.set(projectFrame(fit.model, fit.params, t, fit.camera).image, t * V * 2);
  return out;
}

/** [T*FACE_OVAL.length*2] the FACE_OVAL vertices of each frame's projection ([T*478*2]). */
export function outlinePerFrame(projection: Float32Array, T: number): Float32Array {
  const P = LANDMARK_COUNT;
  const hull = new Float32Array(T * FACE_OVAL.length * 2);
  for (let t = 0; t < T; t++) {
    FACE_OVAL.forEach((vtx, k) => {
      hull[(t * FACE_OVAL.length + k) * 2] = projection[(t * P + vtx) * 2];
      hull[(t * FACE_OVAL.length + k) * 2 + 1] = projection[(t * P + vtx) * 2 + 1];
    });
  }
  return hull;
}

/**
 * A square crop (source px) that holds the face in every frame: the union of the
 * per-frame face boxes (1st to 99th percentile of their edges), widened by 30 % of the
 * face size on each side, made square around its centre, shifted inside the frame.
 */
export function computeCrop(image: Float32Array, T: number, W: number, H: number): PersonaMeta['crop'] {
  const x0: number[] = [], y0: number[] = [], x1: number[] = [], y1: number[] = [];
  for (let t = 0; t < T; t++) {
    let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
    for (let i = 0; i < 468; i++) {
      const x = image[(t * 478 + i) * 3], y = image[(t * 478 + i) * 3 + 1];
      a = Math.min(a, x); b = Math.min(b, y); c = Math.max(c, x); d = Math.max(d, y);
    }
    x0.push(a); y0.push(b); x1.push(c); y1.push(d);
  }
  const left = percentile(x0, 0.01), top = percentile(y0, 0.01), right = percentile(x1, 0.99), bottom = percentile(y1, 0.99);
  const face = Math.max(median(x1.map((x, i) => x - x0[i])), median(y1.map((y, i) => y - y0[i])));
  const margin = 0.3 * face;
  let size = Math.max(right - left, bottom - top) + 2 * margin;
  size = Math.min(Math.round(size), W, H);
  const cx = (left + right) / 2, cy = (top + bottom) / 2;
  const x = Math.round(Math.max(0, Math.min(W - size, cx - size / 2)));
  const y = Math.round(Math.max(0, Math.min(H - size, cy - size / 2)));
  return { x, y, size, renderSizes: [256, 512] };
}
