/**
 * The zero-training prior: usable curves for a persona that has no trained
 * FACIAL-GAN yet, from a few statistics of its reference clip and the voice-over.
 *
 * - Mouth: the persona's jaw-opening direction in expression space (the expression
 *   change per unit of lip opening measured on the tracked landmarks, i.e. the
 *   regression of the 64 coefficients on the opening) driven by a jaw cycle per
 *   syllable of the voice-over (articulation.ts: open on each vowel, as wide as its
 *   level says, led 0.1 s ahead of the sound, closed in pauses), scaled to how wide the
 *   persona opens its mouth when speaking; clips of a minute or more set each syllable's
 *   width by a ridge regression fitted on the clip's own audio and lips.
 * - Blinks: a renewal process (gamma intervals, a refractory time) at the persona's
 *   measured blink rate, shrunk towards a human default (17 per minute) when the clip
 *   shows few blinks, with durations sampled from the measured ones (or 100-250 ms),
 *   an asymmetric lid profile (closing faster than opening) at the persona's peak.
 * - Head: a smooth random process per pose channel (white noise through a two-pole
 *   low-pass whose time constant matches the persona's speed-to-spread ratio), mixed
 *   to the persona's channel correlations, scaled by its standard deviations and
 *   modulated by speech energy (more motion while speaking).
 *
 * Deterministic for a seed. Files and the UI label the result `source: 'prior'`.
 */
import { PARAM_COUNT, POSE_COUNT, BLINK_INDEX, EXPR_OFFSET, EXPR_COUNT } from '../../shared/facial-params';
import { blinkStats, detectBlinks } from './metrics';
import { Rng, choleskyFactor, mean, median, movingAverage, pearson, percentile, ridge, std } from '../common/numeric';
import type { Segment } from '../common/numeric';
import { BUILTIN_ENCODER_IDENTITY } from '../audio';
import { articulatedOpening, type ArticulationAudio } from './articulation';

export const PRIOR_VERSION = 3;
/** Human defaults (spontaneous blinking in conversation). */
export const DEFAULT_BLINK_PER_MIN = 17;
export const DEFAULT_BLINK_MS: [number, number] = [100, 250];
const BLINK_PRIOR_MINUTES = 1; // weight of the default rate, in minutes of observation
const FEATURE_ROWS = [6, 7, 8, 9]; // centre steps of the 16-step window averaged for the mouth regressor
const FEATURE_DIM = 29;
/** Clip length from which an audio → opening ridge regression sets each syllable's width. */
const RIDGE_MIN_SECONDS = 60;
const WINDOW_STEPS = 16;
/**
 * Quantile at which the generated opening is matched to the persona's own while speaking.
 * The mean opening undersold wide talkers: the vertical clip's lips part 2-3 mm between
 * words and open 10-15 mm on stressed vowels (mean 0.05, 90th percentile 0.13 of the eye
 * distance), and 1.5x the mean gave a mouth that never opened past 5 mm.
 */
const WIDE_QUANTILE = 0.9;

/** What the prior needs of a persona (frames [from, to) of its clip are used). */
export interface PriorInput {
  fps: number;
  /** [T, 71] persona-space parameters. */
  params: Float32Array;
  /** [T] lip opening measured on the tracked landmarks (any unit: it only sets the scale of the opening signal). */
  opening: Float32Array;
  /** [T, 16, 29] audio features of the clip (absent: no audio). */
  features?: Float32Array;
  /** [T] speech probability and [T] RMS dB of the clip (absent: no audio). */
  speech?: Float32Array;
  rmsDb?: Float32Array;
}

export interface PriorModel {
  version: number;
  fps: number;
  /** Expression with the mouth closed (64). */
  exprRest: number[];
  /** Jaw-opening direction: expression change per unit of opening (64). */
  jawDirection: number[];
  /** Correlation of the opening with its projection through the direction, on the clip. */
  jawFit: number;
  openClosed: number;
  openMax: number;
  /** Audio → opening regressor (standardised inputs), or undefined: loudness mapping. */
  mouthRegressor?: { inMean: number[]; inStd: number[]; weights: number[]; bias: number; fitR: number };
  /** Loudness mapping: opening at the clip's speech-level percentiles. */
  loudnessOpen: number;
  /** How wide the persona's open syllables are: the 90th percentile of its opening while speaking. The generated opening's own 90th percentile over the voice-over's speech is scaled to it. */
  openWide: number;
  blink: {
    perMinute: number;
    durationsMs: number[];
    peak: number;
    rest: number;
    measured: { count: number; perMinute: number; meanDurationMs: number };
  };
  pose: {
    mean: number[];
    std: number[];
    /** Std per second (speed / std) per channel. */
    normSpeed: number[];
    /** Lower-triangular Cholesky factor of the channels' correlation (6x6 row-major). */
    corrChol: number[];
  };
}

function audioDescriptor(features: Float32Array, speech: Float32Array | undefined, rmsDb: Float32Array | undefined, t: number, out: Float64Array): void {
  const base = t * WINDOW_STEPS * FEATURE_DIM;
  for (let k = 0; k < FEATURE_DIM; k++) {
    let s = 0;
    for (const r of FEATURE_ROWS) s += features[base + r * FEATURE_DIM + k];
    out[k] = s / FEATURE_ROWS.length;
  }
  out[FEATURE_DIM] = rmsDb ? rmsDb[t] : 0;
  out[FEATURE_DIM + 1] = speech ? speech[t] : 0;
}
const DESC_DIM = FEATURE_DIM + 2;

/** The frames [from, to) of a prior fit. */
interface FitRange {
  input: PriorInput;
  from: number;
  to: number;
  n: number;
}

/** Fits the prior on frames [seg.start, seg.end) of the persona's clip (default: all): mouth, blinks and head, each from its own part. */
export function fitPrior(input: PriorInput, seg?: Segment): PriorModel {
  const T = input.params.length / PARAM_COUNT;
  const from = seg?.start ?? 0;
  const to = seg?.end ?? T;
  const n = to - from;
  if (n < 2) throw new Error(`fitPrior: needs at least 2 frames, got ${n}`);
  const range: FitRange = { input, from, to, n };
  const jaw = fitJaw(range);
  return {
    version: PRIOR_VERSION,
    fps: input.fps,
    ...jaw,
    mouthRegressor: fitMouthRegressor(range),
    ...speakingOpenings(range),
    blink: fitBlinkModel(range),
    pose: fitPoseModel(range),
  };
}

/** Mouth: the regression of the 64 expression coefficients on the tracked opening (the jaw direction), the closed and widest openings. */
function fitJaw({ input, from, to, n }: FitRange): Pick<PriorModel, 'exprRest' | 'jawDirection' | 'jawFit' | 'openClosed' | 'openMax'> {
  const P = input.params;
  const open = input.opening.subarray(from, to);
  const oMean = mean(open);
  let oVar = 0;
  for (let t = 0; t < n; t++) oVar += (open[t] - oMean) ** 2;
  const exprMean = new Array<number>(EXPR_COUNT).fill(0);
  for (let t = from; t < to; t++) for (let k = 0; k < EXPR_COUNT; k++) exprMean[k] += P[t * PARAM_COUNT + EXPR_OFFSET + k] / n;
  const jaw = new Array<number>(EXPR_COUNT).fill(0);
  if (oVar > 1e-12) {
    for (let t = from; t < to; t++) {
      const d = open[t - from] - oMean;
      for (let k = 0; k < EXPR_COUNT; k++) jaw[k] += ((P[t * PARAM_COUNT + EXPR_OFFSET + k] - exprMean[k]) * d) / oVar;
    }
  }
  // How well the direction explains the opening: correlation of e·d with the opening.
  const dn = Math.hypot(...jaw) || 1;
  const proj = new Float32Array(n);
  for (let t = from; t < to; t++) {
    let s = 0;
    for (let k = 0; k < EXPR_COUNT; k++) s += (P[t * PARAM_COUNT + EXPR_OFFSET + k] - exprMean[k]) * (jaw[k] / dn);
    proj[t - from] = s;
  }
  const openClosed = percentile(open, 0.05);
  return {
    exprRest: exprMean.map((m, k) => m + jaw[k] * (openClosed - oMean)),
    jawDirection: jaw,
    jawFit: pearson(proj, open),
    openClosed,
    openMax: percentile(open, 0.98),
  };
}

/**
 * Audio → opening by ridge regression on the features, for clips of a minute or more;
 * undefined below (it overfits: held-out r worse than the loudness mapping on the 8 s
 * AOC clip, 0.23 vs 0.43) or without audio.
 */
function fitMouthRegressor({ input, from, to, n }: FitRange): PriorModel['mouthRegressor'] {
  if (!input.features || !input.speech || !input.rmsDb || n < RIDGE_MIN_SECONDS * input.fps) return undefined;
  const open = input.opening.subarray(from, to);
  const oMean = mean(open);
  const loud = relativeLoudness(input.rmsDb, input.speech, input.fps);
  const X = new Float64Array(n * DESC_DIM);
  const row = new Float64Array(DESC_DIM);
  for (let t = from; t < to; t++) {
    audioDescriptor(input.features, input.speech, loud, t, row);
    X.set(row, (t - from) * DESC_DIM);
  }
  const inMean = new Array<number>(DESC_DIM).fill(0);
  const inStd = new Array<number>(DESC_DIM).fill(0);
  for (let i = 0; i < n; i++) for (let d = 0; d < DESC_DIM; d++) inMean[d] += X[i * DESC_DIM + d] / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < DESC_DIM; d++) inStd[d] += (X[i * DESC_DIM + d] - inMean[d]) ** 2 / n;
  for (let d = 0; d < DESC_DIM; d++) inStd[d] = Math.sqrt(inStd[d]) || 1;
  for (let i = 0; i < n; i++) for (let d = 0; d < DESC_DIM; d++) X[i * DESC_DIM + d] = (X[i * DESC_DIM + d] - inMean[d]) / inStd[d];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = open[i] - oMean;
  // Strong shrinkage: a few hundred frames for 31 inputs.
  const w = ridge(X, n, DESC_DIM, y, 1, 0.5 * n);
  const pred = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = oMean;
    for (let d = 0; d < DESC_DIM; d++) s += X[i * DESC_DIM + d] * w[d];
    pred[i] = s;
  }
  return { inMean, inStd, weights: Array.from(w), bias: oMean, fitR: pearson(pred, open) };
}

/**
 * The opening while speaking: its mean (the loudness mapping's typical opening) and its
 * 90th percentile (how wide the open syllables are). Speaking frames are those of the
 * speech gate; all frames when the clip's lips do not open with its speech (a voice-over
 * or dub that is not the person's own, where the gate picks frames at random), and the
 * 75th percentile then stands for the mean.
 */
function speakingOpenings({ input, from, to }: FitRange): Pick<PriorModel, 'loudnessOpen' | 'openWide'> {
  const open = input.opening.subarray(from, to);
  if (input.speech && pearson(open, input.speech.subarray(from, to)) > 0) {
    const sp = input.speech.subarray(from, to);
    const speaking = Array.from(open).filter((_, i) => sp[i] >= 0.5);
    if (speaking.length >= 5) return { loudnessOpen: mean(speaking), openWide: percentile(speaking, WIDE_QUANTILE) };
  }
  return { loudnessOpen: percentile(open, 0.75), openWide: percentile(open, WIDE_QUANTILE) };
}

/** Blinks: the measured rate shrunk towards the human default, the measured durations, peak and rest. */
function fitBlinkModel({ input, from, to, n }: FitRange): PriorModel['blink'] {
  const blinkCh = new Float32Array(n);
  for (let t = from; t < to; t++) blinkCh[t - from] = input.params[t * PARAM_COUNT + BLINK_INDEX];
  const bs = blinkStats(blinkCh, input.fps, { threshold: 0.5 });
  const minutes = n / input.fps / 60;
  const events = detectBlinks(blinkCh, { threshold: 0.5 });
  return {
    perMinute: clamp((bs.count + DEFAULT_BLINK_PER_MIN * BLINK_PRIOR_MINUTES) / (minutes + BLINK_PRIOR_MINUTES), 6, 40),
    durationsMs: bs.durationsMs.map((d) => clamp(d, 80, 400)),
    peak: events.length ? clamp(mean(events.map((e) => e.peak)), 0.6, 1) : 0.95,
    rest: clamp(median(blinkCh), 0, 0.4),
    measured: { count: bs.count, perMinute: bs.perMinute, meanDurationMs: bs.meanDurationMs },
  };
}

/** Head: per channel mean, std and speed/spread ratio, and the channels' (shrunk) correlation as a Cholesky factor. */
function fitPoseModel({ input, from, to, n }: FitRange): PriorModel['pose'] {
  const poseMean: number[] = [];
  const poseStd: number[] = [];
  const normSpeed: number[] = [];
  const z: Float32Array[] = [];
  for (let c = 0; c < POSE_COUNT; c++) {
    const x = new Float32Array(n);
    for (let t = from; t < to; t++) x[t - from] = input.params[t * PARAM_COUNT + c];
    const m = mean(x);
    const s = std(x);
    poseMean.push(m);
    poseStd.push(s);
    let sp = 0;
    for (let t = 1; t < n; t++) sp += Math.abs(x[t] - x[t - 1]);
    sp = n > 1 ? (sp / (n - 1)) * input.fps : 0;
    // Tracked pose carries some jitter; keep within what natural head motion shows (0.5-6 std/s).
    normSpeed.push(s > 1e-9 ? clamp(sp / s, 0.5, 6) : 2);
    z.push(x.map((v) => (s > 1e-9 ? (v - m) / s : 0)));
  }
  const corr = new Array<number>(POSE_COUNT * POSE_COUNT).fill(0);
  for (let i = 0; i < POSE_COUNT; i++) {
    for (let j = 0; j < POSE_COUNT; j++) {
      if (i === j) {
        corr[i * POSE_COUNT + j] = 1;
        continue;
      }
      let s = 0;
      for (let t = 0; t < n; t++) s += z[i][t] * z[j][t];
      // Shrink towards independence: correlations from a few seconds are noisy.
      corr[i * POSE_COUNT + j] = (0.7 * s) / n;
    }
  }
  return { mean: poseMean, std: poseStd, normSpeed, corrChol: Array.from(choleskyFactor(corr, POSE_COUNT, 1e-9)!) };
}

/** Audio of the voice-over, per frame at the persona's fps ([T, 16, 29] features, [T] speech 0..1, [T] RMS dB). */
export interface PriorAudio extends Omit<ArticulationAudio, 'logMel'> {
  /** Identity of the features' encoder: the built-in log-mel features give band levels to the mouth (articulation.ts); others only the loudness. */
  encoder?: string;
}

export interface PriorOptions {
  seed?: number;
}

/** Curves [T, 71] in persona space for the audio, from the fitted prior. */
export function generatePrior(model: PriorModel, audio: PriorAudio, opts: PriorOptions = {}): Float32Array {
  const T = audio.frameCount;
  const fps = model.fps;
  const seed = opts.seed ?? 1;
  const out = new Float32Array(T * PARAM_COUNT);

  // --- mouth
  const opening = predictOpening(model, audio);
  for (let t = 0; t < T; t++) {
    const d = opening[t] - model.openClosed;
    for (let k = 0; k < EXPR_COUNT; k++) out[t * PARAM_COUNT + EXPR_OFFSET + k] = model.exprRest[k] + model.jawDirection[k] * d;
  }

  // --- speech energy (0..1), smoothed over ~0.4 s: modulates head motion
  const energy = speechEnergy(audio, fps);

  // --- head pose
  const rngPose = new Rng(seed * 7919 + 1);
  const unit: Float32Array[] = [];
  for (let c = 0; c < POSE_COUNT; c++) {
    const tau = tauForNormSpeed(model.pose.normSpeed[c], fps);
    const noise = smoothNoise(T, tau, fps, rngPose);
    const mod = new Float32Array(T);
    for (let t = 0; t < T; t++) mod[t] = noise[t] * (0.55 + 0.9 * energy[t]);
    unit.push(mod);
  }
  // Normalise the modulated processes to unit variance (the expected one for short tracks).
  for (let c = 0; c < POSE_COUNT; c++) {
    const u = unit[c];
    const meanMod = mean(energy.map((e) => (0.55 + 0.9 * e) ** 2));
    const expected = Math.sqrt(meanMod);
    const s = T >= 10 * fps ? std(u) || expected : expected;
    const m = T >= 10 * fps ? mean(u) : 0;
    for (let t = 0; t < T; t++) u[t] = (u[t] - m) / s;
  }
  const Lc = model.pose.corrChol;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < POSE_COUNT; i++) {
      let v = 0;
      for (let j = 0; j <= i; j++) v += Lc[i * POSE_COUNT + j] * unit[j][t];
      out[t * PARAM_COUNT + i] = model.pose.mean[i] + model.pose.std[i] * v;
    }
  }

  // --- blinks
  const blink = sampleBlinks(model, T, new Rng(seed * 104729 + 3));
  for (let t = 0; t < T; t++) out[t * PARAM_COUNT + BLINK_INDEX] = blink[t];
  return out;
}

/**
 * Lip opening per frame from the audio: a jaw cycle per syllable (articulation.ts), as
 * wide as the persona opens its mouth when speaking, closed in silence. With a fitted
 * audio regressor (clips of a minute or more) the regressor sets each syllable's width.
 */
export function predictOpening(model: PriorModel, audio: PriorAudio): Float32Array {
  const T = audio.frameCount;
  const span = 1.5 * (model.loudnessOpen - model.openClosed);
  const reg = model.mouthRegressor;
  let amplitude: Float32Array | undefined;
  if (reg && span > 1e-9) {
    const loud = relativeLoudness(audio.rmsDb, audio.speech, model.fps);
    const row = new Float64Array(DESC_DIM);
    amplitude = new Float32Array(T);
    for (let t = 0; t < T; t++) {
      audioDescriptor(audio.features, audio.speech, loud, t, row);
      let s = reg.bias;
      for (let d = 0; d < DESC_DIM; d++) s += ((row[d] - reg.inMean[d]) / reg.inStd[d]) * reg.weights[d];
      amplitude[t] = clamp((s - model.openClosed) / span, 0, 1);
    }
  }
  const cycle = articulatedOpening({ ...audio, logMel: audio.encoder === BUILTIN_ENCODER_IDENTITY }, model.fps, amplitude);
  const width = wideSpan(model, cycle, audio.speech) ?? span;
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) out[t] = Math.min(model.openClosed + width * cycle[t], model.openMax * 1.1 + 1e-6);
  return out;
}

/** The span that puts the cycle's 90th percentile over the voice-over's speech at the persona's `openWide`; undefined with too little speech to measure. */
function wideSpan(model: PriorModel, cycle: Float32Array, speech: Float32Array): number | undefined {
  const during = Array.from(cycle).filter((_, t) => speech[t] >= 0.5);
  if (during.length < 10) return undefined;
  const q = percentile(during, WIDE_QUANTILE);
  const wide = model.openWide - model.openClosed;
  return q > 0.05 && wide > 1e-9 ? wide / q : undefined;
}

/** Loudness (dB, floored at -80) averaged over +-0.12 s: the jaw follows syllables, not single 40 ms frames. */
function smoothLoudness(rmsDb: Float32Array, fps: number): Float32Array {
  return movingAverage(rmsDb.map((v) => Math.max(-80, v)), Math.max(1, Math.round(0.12 * fps)));
}

/**
 * Smoothed loudness relative to the track's typical speech level (its median over
 * speech frames): the same words spoken louder, or recorded at another gain, read the same.
 */
function relativeLoudness(rmsDb: Float32Array, speech: Float32Array, fps: number): Float32Array {
  const loud = smoothLoudness(rmsDb, fps);
  const speaking = Array.from(loud).filter((_, t) => speech[t] >= 0.5);
  const level = speaking.length ? median(speaking) : median(loud);
  return loud.map((v) => v - level);
}

function speechEnergy(audio: PriorAudio, fps: number): Float32Array {
  const T = audio.frameCount;
  const speechDb = Array.from(audio.rmsDb).filter((_, t) => audio.speech[t] >= 0.5);
  const lo = speechDb.length ? percentile(speechDb, 0.05) : -60;
  const hi = speechDb.length ? percentile(speechDb, 0.95) : -20;
  const e = new Float32Array(T);
  for (let t = 0; t < T; t++) e[t] = audio.speech[t] * clamp((audio.rmsDb[t] - lo) / Math.max(3, hi - lo), 0, 1);
  return movingAverage(e, Math.max(1, Math.round(0.2 * fps)));
}

/** Two cascaded one-pole low-passes of white noise (time constant tau seconds), started in its stationary state. */
function smoothNoise(T: number, tau: number, fps: number, rng: Rng): Float32Array {
  const a = Math.exp(-1 / (tau * fps));
  const burn = Math.ceil(5 * tau * fps);
  let y1 = 0, y2 = 0;
  const out = new Float32Array(T);
  const g = stationaryStd(a);
  for (let i = -burn; i < T; i++) {
    y1 = a * y1 + (1 - a) * rng.normal();
    y2 = a * y2 + (1 - a) * y1;
    if (i >= 0) out[i] = y2 / g;
  }
  return out;
}

/** Std of two cascaded one-pole filters (coefficient a, gain 1-a each) of unit white noise. */
function stationaryStd(a: number): number {
  // Impulse response h[k] = (1-a)^2 (k+1) a^k; variance = sum h^2.
  const b = (1 - a) ** 2;
  const a2 = a * a;
  // sum (k+1)^2 a2^k = (1 + a2) / (1 - a2)^3
  return Math.sqrt((b * b * (1 + a2)) / (1 - a2) ** 3);
}

/**
 * Time constant whose unit process moves `normSpeed` standard deviations per second
 * (mean |step| * fps). For a Gaussian step, E|step| = sqrt(2/pi) * std(step), and
 * std(step)^2 = 2 (r0 - r1) with r the normalised autocorrelation.
 */
export function tauForNormSpeed(normSpeed: number, fps: number): number {
  const speedOf = (tau: number) => {
    const a = Math.exp(-1 / (tau * fps));
    // Autocorrelation at lag 1 of the two-pole process: rho1 = 2a / (1 + a^2).
    const rho1 = (2 * a) / (1 + a * a);
    return Math.sqrt(2 / Math.PI) * Math.sqrt(2 * (1 - rho1)) * fps;
  };
  let lo = 0.01, hi = 20;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(lo * hi);
    if (speedOf(mid) > normSpeed) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(lo * hi);
}

/** Blink channel [T]: gamma renewal process with a refractory time, asymmetric lid profile. */
export function sampleBlinks(model: PriorModel, T: number, rng: Rng): Float32Array {
  const fps = model.fps;
  const out = new Float32Array(T).fill(model.blink.rest);
  const meanInterval = 60 / model.blink.perMinute;
  const shape = 3;
  const refractory = 0.6;
  const draw = () => Math.max(refractory, rng.gamma(shape) * (meanInterval / shape));
  // Start as if the process had been running (first onset uniform within an interval).
  let tS = rng.next() * draw();
  const tEnd = T / fps;
  while (tS < tEnd) {
    const ms = model.blink.durationsMs.length
      ? model.blink.durationsMs[rng.int(model.blink.durationsMs.length)] * rng.uniform(0.85, 1.15)
      : rng.uniform(DEFAULT_BLINK_MS[0], DEFAULT_BLINK_MS[1]);
    const D = Math.max(1, (ms / 1000) * fps); // FWHM in frames
    const rise = 0.8 * D, fall = 1.2 * D; // half-cosine flanks: FWHM = (rise + fall) / 2
    const centre = tS * fps + rise;
    const peak = model.blink.peak;
    for (let f = Math.floor(centre - rise); f <= Math.ceil(centre + fall); f++) {
      if (f < 0 || f >= T) continue;
      const dt = f - centre;
      const w = dt <= 0 ? 0.5 * (1 + Math.cos((Math.PI * dt) / rise)) : 0.5 * (1 + Math.cos((Math.PI * dt) / fall));
      const v = model.blink.rest + (peak - model.blink.rest) * clamp(w, 0, 1);
      if (v > out[f]) out[f] = v;
    }
    tS += (rise + fall) / fps + draw();
  }
  return out;
}

function clamp(x: number, a: number, b: number): number {
  return x < a ? a : x > b ? b : x;
}
