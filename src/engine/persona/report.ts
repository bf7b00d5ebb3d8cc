import { projectVertices, type FaceModel, type PinholeCamera } from '../common/face-model';
import { PARAM_COUNT } from '../../shared/facial-params';
import type { TrackGap } from '../tracking/track-video';
import { mean, median, percentile } from '../common/numeric';

/** report.json: how well the persona was tracked and fitted. */
export interface PersonaReport {
  formatVersion: number;
  video: { file: string; durationS: number; fps: number; frameCount: number; width: number; height: number; hasAudio: boolean };
  tracking: {
    framesTotal: number;
    framesTracked: number;
    trackedPct: number;
    /** Frames filled by interpolation across short gaps (≤ bridge limit). */
    bridgedFrames: number;
    /** Frames in long gaps or at the clip's ends, filled by interpolation / holding. */
    filledFrames: number;
    gaps: TrackGap[];
    longGaps: number;
    multiFaceFrames: number;
    medianFaceWidthPx: number;
    subPixelLandmarks: boolean;
    seconds: number;
  };
  fit: {
    /**
     * Fit residual: the fitted model (pose + expression, projected with the persona's camera)
     * vs the raw tracked landmarks it was fitted to, tracked frames, all 478 points, px. It
     * says how well the model follows the tracker, not how accurate either is.
     */
    reprojectionPx: { median: number; p95: number; mean: number };
    /** The same against the smoothed landmarks that were fitted. */
    reprojectionSmoothedPx: { median: number; p95: number };
    stablePoints: number;
    neutralFrames: number;
  };
  jitter: {
    definition: string;
    rawPx: number;
    smoothedPx: number;
    fittedPx: number;
    smoothingSigmasFrames: { rigid: number; stable: number; medium: number; fast: number };
  };
  expression: { components: number; usefulComponents: number; components99: number; explainedPct: number; note: string };
  blink: {
    count: number;
    ratePerMin: number;
    events: { start: number; end: number; peak: number }[];
    calibration: { open: number; closed: number };
  };
  pose: Record<'pitchDeg' | 'yawDeg' | 'rollDeg' | 'xMm' | 'yMm' | 'zMm', { min: number; max: number; p5: number; p95: number }>;
  texture: { frames: number[]; coverage: number; size: number };
  audio: { present: boolean; frameAdjust: number; note: string };
  warnings: string[];
  buildSeconds: number;
  /** Wall time of each stage, seconds (probe, trackerInit, track, fit, quality, texture, audio). */
  stageSeconds: Record<string, number>;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Reprojection error statistics of the model over the frames with `use[t]`, px. */
export function reprojectionStats(
  model: FaceModel, params: Float32Array, camera: PinholeCamera, landmarks: Float32Array, T: number, use: (t: number) => boolean,
): { median: number; p95: number; mean: number; perFrame: Float32Array } {
  const errs: number[] = [];
  const perFrame = new Float32Array(T);
  const V = model.vertexCount;
  for (let t = 0; t < T; t++) {
    if (!use(t)) continue;
    const proj = projectVertices(model, params.subarray(t * PARAM_COUNT, (t + 1) * PARAM_COUNT), camera);
    let sum = 0;
    for (let l = 0; l < model.landmarkToVertex.length; l++) {
      const v = model.landmarkToVertex[l];
      if (v < 0 || v >= V) continue;
      const e = Math.hypot(proj[v * 2] - landmarks[(t * 478 + l) * 3], proj[v * 2 + 1] - landmarks[(t * 478 + l) * 3 + 1]);
      errs.push(e);
      sum += e;
    }
    perFrame[t] = sum / model.landmarkToVertex.length;
  }
  return { median: r3(median(errs)), p95: r3(percentile(errs, 0.95)), mean: r3(mean(errs)), perFrame };
}

export const JITTER_DEFINITION =
  'median over frames of the RMS (over the 478 landmarks, x and y) of the second temporal difference x[t+1] - 2x[t] + x[t-1], px; frames whose neighbours are tracked';

/** Temporal jitter of a landmark track [T*P*stride] (x, y used). */
export function temporalJitter(pts: ArrayLike<number>, T: number, P: number, stride: number, use: (t: number) => boolean): number {
  const vals: number[] = [];
  for (let t = 1; t < T - 1; t++) {
    if (!use(t - 1) || !use(t) || !use(t + 1)) continue;
    let acc = 0;
    for (let i = 0; i < P; i++) {
      for (let d = 0; d < 2; d++) {
        const a = pts[((t - 1) * P + i) * stride + d], b = pts[(t * P + i) * stride + d], c = pts[((t + 1) * P + i) * stride + d];
        const dd = c - 2 * b + a;
        acc += dd * dd;
      }
    }
    vals.push(Math.sqrt(acc / P));
  }
  return r3(median(vals));
}

export function poseRanges(params: Float32Array, T: number): PersonaReport['pose'] {
  const keys = ['pitchDeg', 'yawDeg', 'rollDeg', 'xMm', 'yMm', 'zMm'] as const;
  const out = {} as PersonaReport['pose'];
  keys.forEach((k, j) => {
    const scale = j < 3 ? 180 / Math.PI : 1;
    const v = Array.from({ length: T }, (_, t) => params[t * PARAM_COUNT + j] * scale);
    out[k] = {
      min: Math.round(Math.min(...v) * 100) / 100,
      max: Math.round(Math.max(...v) * 100) / 100,
      p5: Math.round(percentile(v, 0.05) * 100) / 100,
      p95: Math.round(percentile(v, 0.95) * 100) / 100,
    };
  });
  return out;
}
