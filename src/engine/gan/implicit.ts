/**
 * The implicit attributes (head pose, blinks) of a trained FACIAL-GAN: were they learnt?
 *
 * A model trained from scratch on a short clip learns the mouth but often not the
 * implicit attributes (no blinks, head motion far too fast or too slow). At the end of
 * training the best weights' output on the validation part is compared with the
 * tracked truth; the verdict is stored in gan/model.json (`implicit`) and generation
 * then takes what was not learnt from the zero-training prior (`--implicit auto`).
 *
 * Pure functions: the verdict, and the channel substitution.
 */
import { PARAM_COUNT, POSE_COUNT, BLINK_INDEX } from '../../shared/facial-params';
import { blinkStats, poseStats } from './metrics';

export const IMPLICIT_VERDICT_VERSION = 1;
/** Blinks are plausible when the model's rate is within this factor of the truth's. */
export const BLINK_RATE_FACTOR = 3;
/** Head pose is plausible when the speed ratio model / truth lies in this range. */
export const POSE_SPEED_RANGE: [number, number] = [0.5, 2];
/** A validation part without any tracked blink counts as evidence (of a persona that does not blink) only from this length on. */
export const NO_BLINK_EVIDENCE_S = 30;

export type ImplicitMode = 'model' | 'prior' | 'auto';
export const IMPLICIT_MODES: readonly ImplicitMode[] = ['model', 'prior', 'auto'];

export interface ImplicitVerdict {
  version: number;
  /** The frames judged (the validation part of the clip). */
  frames: { start: number; end: number; seconds: number };
  blinks: { learned: boolean; modelCount: number; truthCount: number; modelPerMinute: number; truthPerMinute: number; reason: string };
  pose: {
    learned: boolean;
    /** Geometric mean over the 6 channels of (model speed / truth speed); speed as in poseStats (mean |frame-to-frame change| per second). */
    speedRatio: number;
    /** Per channel ratio. */
    channelRatios: number[];
    reason: string;
  };
}

/**
 * Judges the model's implicit attributes on frames [start, end) of the clip: `model` and
 * `truth` are the [T*71] persona-space (or network-space: only ratios and blink
 * thresholds on column 6 are used, which both share) parameters of those frames.
 */
export function judgeImplicit(model: Float32Array, truth: Float32Array, fps: number, frames?: { start: number; end: number }): ImplicitVerdict {
  const T = truth.length / PARAM_COUNT;
  if (model.length !== truth.length) throw new Error(`judgeImplicit: ${model.length / PARAM_COUNT} model frames vs ${T} truth frames`);
  const seconds = T / fps;
  const blinkCol = (a: Float32Array) => Array.from({ length: T }, (_, t) => a[t * PARAM_COUNT + BLINK_INDEX]);
  const mb = blinkStats(blinkCol(model), fps, { threshold: 0.5 });
  const tb = blinkStats(blinkCol(truth), fps, { threshold: 0.5 });
  let blinkLearned: boolean;
  let blinkReason: string;
  if (tb.count > 0) {
    const ratio = mb.perMinute / tb.perMinute;
    blinkLearned = mb.count > 0 && ratio >= 1 / BLINK_RATE_FACTOR && ratio <= BLINK_RATE_FACTOR;
    blinkReason = `validation: ${fmt(mb.perMinute)} vs ${fmt(tb.perMinute)} blinks/min`;
  } else if (mb.count === 0 && seconds >= NO_BLINK_EVIDENCE_S) {
    blinkLearned = true;
    blinkReason = `validation: no blinks in the model nor in the tracked ${seconds.toFixed(0)} s`;
  } else {
    blinkLearned = false;
    blinkReason = mb.count === 0
      ? `validation: no blinks in the model, and the tracked ${seconds.toFixed(1)} s hold none either (too short to show that the persona does not blink)`
      : `validation: ${fmt(mb.perMinute)} blinks/min where the tracked ${seconds.toFixed(1)} s hold none`;
  }
  const mp = poseStats(model, fps);
  const tp = poseStats(truth, fps);
  const channelRatios = mp.map((s, c) => s.speed / Math.max(tp[c].speed, 1e-12));
  let logSum = 0;
  for (const r of channelRatios) logSum += Math.log(Math.max(r, 1e-6));
  const speedRatio = Math.exp(logSum / POSE_COUNT);
  const poseLearned = speedRatio >= POSE_SPEED_RANGE[0] && speedRatio <= POSE_SPEED_RANGE[1];
  return {
    version: IMPLICIT_VERDICT_VERSION,
    frames: { start: frames?.start ?? 0, end: frames?.end ?? T, seconds },
    blinks: { learned: blinkLearned, modelCount: mb.count, truthCount: tb.count, modelPerMinute: mb.perMinute, truthPerMinute: tb.perMinute, reason: blinkReason },
    pose: { learned: poseLearned, speedRatio, channelRatios, reason: `validation: pose speed ${fmtRatio(speedRatio)}x the tracked` },
  };
}

function fmt(v: number): string {
  return v.toFixed(v < 10 ? 1 : 0);
}

/** 3.1, 0.45, 0.0031: two significant digits below 1 (an untrained model barely moves). */
function fmtRatio(r: number): string {
  return r >= 1 ? r.toFixed(1) : r.toPrecision(2);
}

/** Where each implicit channel comes from. */
export interface ImplicitChannels {
  pose: 'model' | 'prior';
  blink: 'model' | 'prior';
  /** What the curve document says about it (undefined when all comes from the model and nothing needs saying). */
  note?: string;
}

/**
 * Which channels the prior supplies: forced by `mode`, or in `auto` from the verdict
 * (a model trained before the check has none: its channels are kept, as before, and the
 * note says they were not checked).
 */
export function chooseImplicit(mode: ImplicitMode, verdict: ImplicitVerdict | undefined): ImplicitChannels {
  if (mode === 'model') return { pose: 'model', blink: 'model', note: 'blinks and head pose from the model (--implicit model)' };
  if (mode === 'prior') return { pose: 'prior', blink: 'prior', note: 'blinks and head pose from the zero-training prior (--implicit prior)' };
  if (!verdict) return { pose: 'model', blink: 'model', note: 'blinks and head pose from the model, not checked (trained before the check: train again to check them)' };
  const pose = verdict.pose.learned ? 'model' : 'prior';
  const blink = verdict.blinks.learned ? 'model' : 'prior';
  if (pose === 'model' && blink === 'model') return { pose, blink };
  const what = pose === 'prior' && blink === 'prior' ? 'blinks and head pose' : pose === 'prior' ? 'head pose' : 'blinks';
  const why: string[] = [];
  if (blink === 'prior') why.push(verdict.blinks.reason.replace(/^validation: /, ''));
  if (pose === 'prior') why.push(`pose speed ${fmtRatio(verdict.pose.speedRatio)}x`);
  return { pose, blink, note: `${what} from the zero-training prior: the model did not learn them from this persona's clip (validation: ${why.join('; ')})` };
}

/**
 * The model's curves with pose (columns 0-5) and/or blink (column 6) replaced by the
 * prior's (same frames); expression (7-70) always the model's. A copy.
 */
export function substituteImplicit(model: Float32Array, prior: Float32Array, channels: Pick<ImplicitChannels, 'pose' | 'blink'>): Float32Array {
  if (model.length !== prior.length) throw new Error(`substituteImplicit: ${model.length} model values vs ${prior.length} prior values`);
  const out = model.slice();
  const T = model.length / PARAM_COUNT;
  for (let t = 0; t < T; t++) {
    const o = t * PARAM_COUNT;
    if (channels.pose === 'prior') for (let c = 0; c < POSE_COUNT; c++) out[o + c] = prior[o + c];
    if (channels.blink === 'prior') out[o + BLINK_INDEX] = prior[o + BLINK_INDEX];
  }
  return out;
}
