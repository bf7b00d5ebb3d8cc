/**
 * The network's parameter space. As in the reference, the 6 pose values are z-scored
 * per persona. The 64 expression coefficients are centred on the persona's mean and
 * divided by one persona-wide factor, so that their typical size matches the
 * reference's expression coefficients (RMS of the per-coefficient standard deviations
 * = EXPR_TARGET_RMS): the reference's loss weights (expression x20, motion x200, pose
 * x1 on z-scores) then keep the balance they were tuned for. One factor for all 64
 * keeps the relative size of the basis components. Blink stays 0..1.
 * The statistics come from the training part and are saved with the model.
 */
import { PARAM_COUNT, POSE_COUNT, BLINK_INDEX, EXPR_OFFSET, EXPR_COUNT } from '../../shared/facial-params';
import { median } from '../common/numeric';

/** RMS of the per-coefficient std of the reference FACIAL-GAN output's expression (obama2: 0.169). */
export const EXPR_TARGET_RMS = 0.17;
const MIN_POSE_STD = [0.005, 0.005, 0.005, 0.2, 0.2, 0.2]; // rad, rad, rad, mm, mm, mm

export interface NormStats {
  poseMean: number[];
  poseStd: number[];
  exprMean: number[];
  /** Raw expression units per normalised unit. */
  exprScale: number;
  /** Median blink of the training part (eyes open): the rest state's blink. */
  blinkRest: number;
}

/** Statistics over frames [from, to) of params [T, 71]. */
export function computeNormStats(params: Float32Array, from: number, to: number): NormStats {
  const n = Math.max(1, to - from);
  const poseMean = new Array<number>(POSE_COUNT).fill(0);
  const poseStd = new Array<number>(POSE_COUNT).fill(0);
  const exprMean = new Array<number>(EXPR_COUNT).fill(0);
  for (let t = from; t < to; t++) {
    for (let c = 0; c < POSE_COUNT; c++) poseMean[c] += params[t * PARAM_COUNT + c] / n;
    for (let k = 0; k < EXPR_COUNT; k++) exprMean[k] += params[t * PARAM_COUNT + EXPR_OFFSET + k] / n;
  }
  let exprVar = 0;
  for (let t = from; t < to; t++) {
    for (let c = 0; c < POSE_COUNT; c++) poseStd[c] += (params[t * PARAM_COUNT + c] - poseMean[c]) ** 2 / n;
    for (let k = 0; k < EXPR_COUNT; k++) exprVar += (params[t * PARAM_COUNT + EXPR_OFFSET + k] - exprMean[k]) ** 2 / n;
  }
  for (let c = 0; c < POSE_COUNT; c++) poseStd[c] = Math.max(MIN_POSE_STD[c], Math.sqrt(poseStd[c]));
  const exprRms = Math.sqrt(exprVar / EXPR_COUNT);
  const exprScale = Math.max(1e-6, exprRms / EXPR_TARGET_RMS);
  const blink = new Float32Array(to - from);
  for (let t = from; t < to; t++) blink[t - from] = params[t * PARAM_COUNT + BLINK_INDEX];
  return { poseMean, poseStd, exprMean, exprScale, blinkRest: blink.length ? median(blink) : 0 };
}

/** Persona space → network space, a new [T, 71] array. */
export function normalizeParams(params: Float32Array, s: NormStats): Float32Array {
  const out = new Float32Array(params.length);
  const T = params.length / PARAM_COUNT;
  for (let t = 0; t < T; t++) {
    const o = t * PARAM_COUNT;
    for (let c = 0; c < POSE_COUNT; c++) out[o + c] = (params[o + c] - s.poseMean[c]) / s.poseStd[c];
    out[o + BLINK_INDEX] = params[o + BLINK_INDEX];
    for (let k = 0; k < EXPR_COUNT; k++) out[o + EXPR_OFFSET + k] = (params[o + EXPR_OFFSET + k] - s.exprMean[k]) / s.exprScale;
  }
  return out;
}

/** Network space → persona space, a new [T, 71] array. */
export function denormalizeParams(norm: Float32Array, s: NormStats): Float32Array {
  const out = new Float32Array(norm.length);
  const T = norm.length / PARAM_COUNT;
  for (let t = 0; t < T; t++) {
    const o = t * PARAM_COUNT;
    for (let c = 0; c < POSE_COUNT; c++) out[o + c] = norm[o + c] * s.poseStd[c] + s.poseMean[c];
    out[o + BLINK_INDEX] = norm[o + BLINK_INDEX];
    for (let k = 0; k < EXPR_COUNT; k++) out[o + EXPR_OFFSET + k] = norm[o + EXPR_OFFSET + k] * s.exprScale + s.exprMean[k];
  }
  return out;
}

/** The rest state in network space: mean pose, open eyes, mean expression. */
export function restState(s: NormStats): Float32Array {
  const v = new Float32Array(PARAM_COUNT);
  v[BLINK_INDEX] = s.blinkRest;
  return v;
}

export function isNormStats(x: unknown): x is NormStats {
  const o = x as NormStats;
  return (
    !!o &&
    Array.isArray(o.poseMean) && o.poseMean.length === POSE_COUNT &&
    Array.isArray(o.poseStd) && o.poseStd.length === POSE_COUNT &&
    Array.isArray(o.exprMean) && o.exprMean.length === EXPR_COUNT &&
    typeof o.exprScale === 'number' && typeof o.blinkRest === 'number'
  );
}
