/**
 * What a trained FACIAL-GAN adds to the zero-training prior, per attribute: expression
 * (the mouth), head pose, blinks.
 *
 * A model trained from scratch on a short clip often learns less than the prior already
 * gives (on the 8 s AOC clip its raw expression was anti-correlated with the speech on
 * held-out frames). So at the end of training the best weights' output on held-out
 * frames (the last quarter of the clip, at least 2 s: `heldOutFrames`) is compared with
 * the tracked truth and with the prior:
 * - expression: the model's expression is a correction on top of the prior's
 *   (prior + w (model - prior)); the weight w in 0..1 is the one that does best on the
 *   held-out frames, and 0 (the prior) unless it beats the prior in both expression
 *   error and mouth-opening correlation there;
 * - blinks, head pose: learnt (the model's) or not (the prior's), from blink rate and
 *   head speed.
 * The verdict is stored in gan/model.json (`implicit`); generation (`--implicit auto`)
 * follows it, `--implicit model|prior` forces either side.
 *
 * Pure functions: the verdicts, and the refinement of the prior by the model.
 */
import { PARAM_COUNT, POSE_COUNT, BLINK_INDEX, EXPR_OFFSET, EXPR_COUNT } from '../../shared/facial-params';
import { pearson, type Segment } from '../common/numeric';
import { blinkStats, poseStats } from './metrics';

/** 2: held-out frames at the clip's end, and the expression verdict (1: blinks and pose only, on the validation part). */
export const IMPLICIT_VERDICT_VERSION = 2;
/** The held-out frames of the verdicts: the last quarter of the clip, at least this many seconds. */
export const HELD_OUT_MIN_S = 2;
/** Below this many held-out seconds the verdict keeps the prior's expression (too little to decide on). */
export const EXPRESSION_MIN_S = 1.5;
/** The model's correction must lower the held-out expression error by at least this fraction. */
export const EXPRESSION_MIN_GAIN = 0.02;
/** Correction weights tried (plus the least-squares optimum). */
const WEIGHT_GRID = [0, 0.25, 0.5, 0.75, 1];
/** Blinks are plausible when the model's rate is within this factor of the truth's. */
export const BLINK_RATE_FACTOR = 3;
/** Head pose is plausible when the speed ratio model / truth lies in this range. */
export const POSE_SPEED_RANGE: [number, number] = [0.5, 2];
/** A validation part without any tracked blink counts as evidence (of a persona that does not blink) only from this length on. */
export const NO_BLINK_EVIDENCE_S = 30;

export type ImplicitMode = 'model' | 'prior' | 'auto';
export const IMPLICIT_MODES: readonly ImplicitMode[] = ['model', 'prior', 'auto'];

/** The expression (mouth) verdict: how much of the model's correction to the prior's expression is kept. */
export interface ExpressionVerdict {
  /** Weight of the model's correction (0: the prior's expression, 1: the model's). */
  weight: number;
  /** weight > 0: the model refines the prior's expression. */
  learned: boolean;
  /** Mouth-opening Pearson r on the held-out frames (generated vs tracked): raw model, refined (at `weight`), prior. */
  mouthR: { model: number; refined: number; prior: number };
  /** Expression mean squared error (persona units, mm^2) on the held-out frames. */
  mse: { model: number; refined: number; prior: number };
  reason: string;
}

export interface ImplicitVerdict {
  version: number;
  /** The frames judged (version 2: the held-out end of the clip; 1: the validation part). */
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
  /** Version 2 on. */
  expression?: ExpressionVerdict;
}

/**
 * The held-out frames of the verdicts: the last quarter of a clip of T frames, at least
 * HELD_OUT_MIN_S seconds, never reaching before `notBefore` (the end of the frames
 * training or early stopping saw).
 */
export function heldOutFrames(T: number, fps: number, notBefore: number): Segment {
  const n = Math.max(Math.round(T / 4), Math.round(HELD_OUT_MIN_S * fps));
  return { start: Math.min(T, Math.max(notBefore, T - n)), end: T };
}

/**
 * The expression verdict on held-out frames: `model`, `prior`, `truth` are [n*71]
 * persona-space curves of those frames, `opening` maps such curves to the model-space
 * mouth opening per frame, `tracked` is the tracked opening. Tries correction weights
 * and keeps the one that lowers the expression error most while not lowering the
 * mouth-opening correlation; 0 (the prior) when none gains EXPRESSION_MIN_GAIN.
 */
export function judgeExpression(model: Float32Array, prior: Float32Array, truth: Float32Array, opening: (curves: Float32Array) => Float32Array, tracked: Float32Array, fps: number): ExpressionVerdict {
  const n = truth.length / PARAM_COUNT;
  if (model.length !== truth.length || prior.length !== truth.length) throw new Error('judgeExpression: model, prior and truth must cover the same frames');
  // Least-squares weight of the correction d = model - prior towards e = truth - prior.
  let de = 0, dd = 0;
  for (let t = 0; t < n; t++) {
    for (let k = EXPR_OFFSET; k < EXPR_OFFSET + EXPR_COUNT; k++) {
      const i = t * PARAM_COUNT + k;
      const d = model[i] - prior[i];
      de += d * (truth[i] - prior[i]);
      dd += d * d;
    }
  }
  const optimum = dd > 0 ? Math.min(1, Math.max(0, de / dd)) : 0;
  const score = (w: number) => {
    const c = refineExpression(model, prior, w);
    return { w, mse: expressionMse(c, truth), r: safeR(opening(c), tracked) };
  };
  const tried = [...WEIGHT_GRID, optimum].map(score);
  const base = tried[0];
  const raw = tried[WEIGHT_GRID.length - 1];
  const seconds = n / fps;
  let best = base;
  if (seconds >= EXPRESSION_MIN_S) {
    for (const c of tried) {
      if (c.w <= 0 || c.mse > (1 - EXPRESSION_MIN_GAIN) * base.mse || c.r < base.r) continue;
      if ((base.mse - c.mse) / base.mse + (c.r - base.r) > (base.mse - best.mse) / base.mse + (best.r - base.r)) best = c;
    }
  }
  const learned = best.w > 0;
  const figures = `held-out mouth r ${fmtR(raw.r)} model, ${fmtR(base.r)} prior; expression error ${(raw.mse / base.mse).toFixed(2)}x the prior's`;
  const reason = seconds < EXPRESSION_MIN_S
    ? `only ${seconds.toFixed(1)} s held out: too little to judge, the prior's expression is kept (${figures})`
    : learned
      ? `the model's correction at ${Math.round(best.w * 100)} % improves on the prior (${figures}; refined r ${fmtR(best.r)})`
      : `the model's correction does not improve on the prior (${figures})`;
  return {
    weight: best.w,
    learned,
    mouthR: { model: raw.r, refined: best.r, prior: base.r },
    mse: { model: raw.mse, refined: best.mse, prior: base.mse },
    reason,
  };
}

/** prior + w (model - prior) on the expression columns; pose and blink of `model`. A copy. */
export function refineExpression(model: Float32Array, prior: Float32Array, w: number): Float32Array {
  const out = model.slice();
  const T = model.length / PARAM_COUNT;
  for (let t = 0; t < T; t++) {
    for (let k = EXPR_OFFSET; k < EXPR_OFFSET + EXPR_COUNT; k++) {
      const i = t * PARAM_COUNT + k;
      out[i] = prior[i] + w * (model[i] - prior[i]);
    }
  }
  return out;
}

function expressionMse(a: Float32Array, b: Float32Array): number {
  const T = a.length / PARAM_COUNT;
  let s = 0;
  for (let t = 0; t < T; t++) for (let k = EXPR_OFFSET; k < EXPR_OFFSET + EXPR_COUNT; k++) s += (a[t * PARAM_COUNT + k] - b[t * PARAM_COUNT + k]) ** 2;
  return s / Math.max(1, T * EXPR_COUNT);
}

/** Pearson r, 0 for a constant series (a mouth that does not move correlates with nothing). */
function safeR(a: Float32Array, b: Float32Array): number {
  const r = pearson(a, b);
  return Number.isFinite(r) ? r : 0;
}

function fmtR(r: number): string {
  return r.toFixed(2);
}

/**
 * Judges the model's implicit attributes on frames [start, end) of the clip: `model` and
 * `truth` are the [T*71] persona-space (or network-space: only ratios and blink
 * thresholds on column 6 are used, which both share) parameters of those frames.
 */
export function judgeImplicit(model: Float32Array, truth: Float32Array, fps: number, frames?: { start: number; end: number }, label = 'held out'): ImplicitVerdict {
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
    blinkReason = `${label}: ${fmt(mb.perMinute)} vs ${fmt(tb.perMinute)} blinks/min`;
  } else if (mb.count === 0 && seconds >= NO_BLINK_EVIDENCE_S) {
    blinkLearned = true;
    blinkReason = `${label}: no blinks in the model nor in the tracked ${seconds.toFixed(0)} s`;
  } else {
    blinkLearned = false;
    blinkReason = mb.count === 0
      ? `${label}: no blinks in the model, and the tracked ${seconds.toFixed(1)} s hold none either (too short to show that the persona does not blink)`
      : `${label}: ${fmt(mb.perMinute)} blinks/min where the tracked ${seconds.toFixed(1)} s hold none`;
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
    pose: { learned: poseLearned, speedRatio, channelRatios, reason: `${label}: pose speed ${fmtRatio(speedRatio)}x the tracked` },
  };
}

function fmt(v: number): string {
  return v.toFixed(v < 10 ? 1 : 0);
}

/** 3.1, 0.45, 0.0031: two significant digits below 1 (an untrained model barely moves). */
function fmtRatio(r: number): string {
  return r >= 1 ? r.toFixed(1) : r.toPrecision(2);
}

/** Where each attribute comes from. */
export interface ImplicitChannels {
  pose: 'model' | 'prior';
  blink: 'model' | 'prior';
  /** Weight of the model's correction to the prior's expression: 1 the model's expression, 0 the prior's. */
  expression: number;
  /** What the curve document says about it (undefined when all comes from the model and nothing needs saying). */
  note?: string;
}

/** 'model' (weight 1), 'prior' (0) or 'refined' (in between): the curve document's word for the expression. */
export function expressionOrigin(weight: number): 'model' | 'prior' | 'refined' {
  return weight >= 1 ? 'model' : weight <= 0 ? 'prior' : 'refined';
}

/**
 * Where each attribute comes from: forced by `mode`, or in `auto` from the verdict (a
 * model trained before the checks has none, or no expression verdict: its own channels
 * are kept, as before, and the note says what was not checked).
 */
export function chooseImplicit(mode: ImplicitMode, verdict: ImplicitVerdict | undefined): ImplicitChannels {
  if (mode === 'model') return { pose: 'model', blink: 'model', expression: 1, note: 'expression, blinks and head pose from the model (--implicit model)' };
  if (mode === 'prior') return { pose: 'prior', blink: 'prior', expression: 0, note: 'expression, blinks and head pose from the zero-training prior (--implicit prior)' };
  if (!verdict) return { pose: 'model', blink: 'model', expression: 1, note: 'expression, blinks and head pose from the model, not checked (trained before the check: train again to check them)' };
  const pose = verdict.pose.learned ? 'model' : 'prior';
  const blink = verdict.blinks.learned ? 'model' : 'prior';
  const expression = verdict.expression ? verdict.expression.weight : 1;
  const parts: string[] = [];
  if (verdict.expression) {
    parts.push(expression >= 1 ? 'expression from the model' : expression <= 0 ? 'expression from the zero-training prior' : `expression: the prior refined by the model (${Math.round(expression * 100)} % of its correction)`);
  }
  if (pose === 'prior' && blink === 'prior') parts.push('blinks and head pose from the zero-training prior');
  else if (pose === 'prior') parts.push('head pose from the zero-training prior');
  else if (blink === 'prior') parts.push('blinks from the zero-training prior');
  const why: string[] = [];
  if (verdict.expression && expression < 1) {
    const e = verdict.expression;
    why.push(`mouth r ${e.mouthR.model.toFixed(2)} model, ${e.mouthR.prior.toFixed(2)} prior${expression > 0 ? `, ${e.mouthR.refined.toFixed(2)} refined` : ''}; expression error ${(e.mse.model / e.mse.prior).toFixed(2)}x the prior's`);
  }
  if (blink === 'prior') why.push(verdict.blinks.reason.replace(/^(validation|held out): /, ''));
  if (pose === 'prior') why.push(`pose speed ${fmtRatio(verdict.pose.speedRatio)}x`);
  if (why.length === 0) return { pose, blink, expression, ...(verdict.expression ? { note: `${parts.join('; ')} (all learnt)` } : {}) };
  const where = verdict.version >= 2 ? 'held-out frames' : 'validation';
  return { pose, blink, expression, note: `${parts.join('; ')}: the model did not learn them${expression > 0 && expression < 1 ? ' fully' : ''} from this persona's clip (${where}: ${why.join('; ')})` };
}

/**
 * The model's curves refined by the prior's (same frames): pose (columns 0-5) and/or
 * blink (column 6) replaced by the prior's where `channels` says so, expression (7-70)
 * prior + w (model - prior) with w = channels.expression (default 1: the model's). A copy.
 */
export function substituteImplicit(model: Float32Array, prior: Float32Array, channels: Pick<ImplicitChannels, 'pose' | 'blink'> & { expression?: number }): Float32Array {
  if (model.length !== prior.length) throw new Error(`substituteImplicit: ${model.length} model values vs ${prior.length} prior values`);
  const w = channels.expression ?? 1;
  const out = w === 1 ? model.slice() : refineExpression(model, prior, w);
  const T = model.length / PARAM_COUNT;
  for (let t = 0; t < T; t++) {
    const o = t * PARAM_COUNT;
    if (channels.pose === 'prior') for (let c = 0; c < POSE_COUNT; c++) out[o + c] = prior[o + c];
    if (channels.blink === 'prior') out[o + BLINK_INDEX] = prior[o + BLINK_INDEX];
  }
  return out;
}

/** The verdict in plain words, one line per attribute (CLI, logs). */
export function verdictLines(v: ImplicitVerdict): string[] {
  const where = `held-out frames ${v.frames.start}-${v.frames.end} (${v.frames.seconds.toFixed(1)} s)`;
  const e = v.expression;
  return [
    `verdict on ${where}:`,
    e ? `  expression (mouth): ${e.weight >= 1 ? 'the model' : e.weight <= 0 ? 'the prior' : `the prior refined by the model (${Math.round(e.weight * 100)} % of its correction)`}: ${e.reason}` : '  expression (mouth): not judged (model saved before the check): the model',
    `  head pose: ${v.pose.learned ? 'the model' : 'the prior'} (${v.pose.reason})`,
    `  blinks: ${v.blinks.learned ? 'the model' : 'the prior'} (${v.blinks.reason})`,
  ];
}
