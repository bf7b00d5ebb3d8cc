/**
 * Training data of FACIAL-GAN: a persona's clip cut into windows of L frames (every
 * start frame of the training part, as the reference samples them), parameters in
 * network space (normalize.ts), batches with light augmentation for tiny clips.
 */
import { PARAM_COUNT } from '../../shared/facial-params';
import { UserError } from '../util/errors';
import { computeNormStats, normalizeParams, type NormStats } from './normalize';
import { AUDIO_DIM, AUDIO_STEPS } from './model';
import { Rng, splitFrames, type Split } from '../common/numeric';
import { chooseWindowLength, trainingStarts } from './windows';

export const FRAME_FEATURES = AUDIO_STEPS * AUDIO_DIM;

/**
 * Augmentation of the training windows, so that what the model learns from one voice
 * carries over to other voices and rooms (the features are already z-scored per band
 * over each track, which removes loudness and channel gain).
 */
export interface Augmentation {
  /** Gaussian noise on the audio features, in units of each feature dimension's std (noise in the room). */
  featureNoise: number;
  /** Gaussian noise on the initial state (network units), so the model tolerates its own predictions as state. */
  stateNoise: number;
  /** Speaking rate: each window is read at a speed drawn in 1 ± this (audio and motion together). */
  speed?: number;
  /** Voice pitch / formants: the 29 mel bands shifted by up to this many bands (± 3 semitones is about 1.3 bands around 1 kHz). */
  bandShift?: number;
}

export const DEFAULT_AUGMENTATION: Augmentation = { featureNoise: 0.05, stateNoise: 0.05, speed: 0.1, bandShift: 1.3 };
export const NO_AUGMENTATION: Augmentation = { featureNoise: 0, stateNoise: 0, speed: 0, bandShift: 0 };

export interface GanDataset {
  T: number;
  window: number;
  split: Split;
  stats: NormStats;
  /** [T*71] network space. */
  norm: Float32Array;
  /** [T*16*29] */
  features: Float32Array;
  /** Per feature dimension (29) std over the training part. */
  featureStd: Float32Array;
  /** Start frames of the training windows. */
  starts: number[];
}

export interface Batch {
  /** [B, L, 16, 29] */
  audio: Float32Array;
  /** [B, L, 71] */
  target: Float32Array;
  /** [B, 71] */
  state: Float32Array;
  starts: number[];
}

/** `stats`: the network-space statistics to use (default: computed on the training part). */
export function buildDataset(params: Float32Array, features: Float32Array, T: number, window: number, file = 'the persona', givenStats?: NormStats): GanDataset {
  const split = splitFrames(T);
  const trainLen = split.train.end - split.train.start;
  if (trainLen < window) {
    throw new UserError(
      'gan-clip-too-short',
      `The persona's clip is too short to train FACIAL-GAN with windows of ${window} frames: its training part (the first half of ${T} frames) has ${trainLen} frames, fewer than one window.`,
      {
        file,
        hint:
          trainLen >= 32
            ? `Use a shorter window (--window ${chooseWindowLength(trainLen) ?? 32}, or leave --window out to choose it), or a longer clip; the zero-training prior (generate --prior) works for any clip.`
            : `Build the persona from a longer clip (at least ${2 * 32} frames with speech; a minute or more is better); the zero-training prior (generate --prior) works for any clip.`,
      },
    );
  }
  const stats = givenStats ?? computeNormStats(params, split.train.start, split.train.end);
  const norm = normalizeParams(params, stats);
  const featureStd = new Float32Array(AUDIO_DIM);
  const featureMean = new Float64Array(AUDIO_DIM);
  let n = 0;
  for (let t = split.train.start; t < split.train.end; t++) {
    for (let s = 0; s < AUDIO_STEPS; s++) for (let d = 0; d < AUDIO_DIM; d++) featureMean[d] += features[t * FRAME_FEATURES + s * AUDIO_DIM + d];
    n += AUDIO_STEPS;
  }
  for (let d = 0; d < AUDIO_DIM; d++) featureMean[d] /= Math.max(1, n);
  for (let t = split.train.start; t < split.train.end; t++) {
    for (let s = 0; s < AUDIO_STEPS; s++) for (let d = 0; d < AUDIO_DIM; d++) featureStd[d] += (features[t * FRAME_FEATURES + s * AUDIO_DIM + d] - featureMean[d]) ** 2;
  }
  for (let d = 0; d < AUDIO_DIM; d++) featureStd[d] = Math.sqrt(featureStd[d] / Math.max(1, n));
  return { T, window, split, stats, norm, features, featureStd, starts: trainingStarts(split.train, window) };
}

/** Epoch-shuffled start order: every window once per epoch. */
export class WindowSampler {
  private order: number[] = [];
  private pos = 0;
  constructor(private readonly starts: number[], private readonly rng: Rng) {}

  next(): number {
    if (this.pos >= this.order.length) {
      this.order = this.rng.shuffle([...this.starts]);
      this.pos = 0;
    }
    return this.order[this.pos++];
  }
}

/** A batch of B windows (starts drawn by the sampler), augmented. */
export function makeBatch(ds: GanDataset, B: number, sampler: WindowSampler, rng: Rng, aug: Augmentation = DEFAULT_AUGMENTATION): Batch {
  const L = ds.window;
  const audio = new Float32Array(B * L * FRAME_FEATURES);
  const target = new Float32Array(B * L * PARAM_COUNT);
  const state = new Float32Array(B * PARAM_COUNT);
  const starts: number[] = [];
  for (let b = 0; b < B; b++) {
    const s = sampler.next();
    starts.push(s);
    // Draws only when asked for, so a batch without speed/pitch augmentation uses the random stream as before.
    const speed = aug.speed ? Math.min(1 + aug.speed * (2 * rng.next() - 1), (ds.split.train.end - 1 - s) / (L - 1)) : 1;
    const shift = aug.bandShift ? aug.bandShift * (2 * rng.next() - 1) : 0;
    if (speed === 1 && shift === 0) {
      audio.set(ds.features.subarray(s * FRAME_FEATURES, (s + L) * FRAME_FEATURES), b * L * FRAME_FEATURES);
      target.set(ds.norm.subarray(s * PARAM_COUNT, (s + L) * PARAM_COUNT), b * L * PARAM_COUNT);
    } else writeWarpedWindow(ds, s, L, speed, shift, audio.subarray(b * L * FRAME_FEATURES, (b + 1) * L * FRAME_FEATURES), target.subarray(b * L * PARAM_COUNT, (b + 1) * L * PARAM_COUNT));
    state.set(target.subarray(b * L * PARAM_COUNT, b * L * PARAM_COUNT + PARAM_COUNT), b * PARAM_COUNT);
  }
  if (aug.featureNoise > 0) {
    for (let i = 0; i < audio.length; i++) audio[i] += aug.featureNoise * ds.featureStd[i % AUDIO_DIM] * rng.normal();
  }
  if (aug.stateNoise > 0) {
    for (let i = 0; i < state.length; i++) state[i] += aug.stateNoise * rng.normal();
  }
  return { audio, target, state, starts };
}

/**
 * One window read at `speed` from frame `start` (frame i of the window is clip frame
 * start + i * speed: the motion interpolated, the audio window of the nearest frame),
 * its mel bands shifted by `shift` bands (linear interpolation, edges held).
 */
function writeWarpedWindow(ds: GanDataset, start: number, L: number, speed: number, shift: number, audio: Float32Array, target: Float32Array): void {
  for (let i = 0; i < L; i++) {
    const x = start + i * speed;
    const f0 = Math.min(ds.T - 1, Math.floor(x));
    const f1 = Math.min(ds.T - 1, f0 + 1);
    const fr = x - f0;
    for (let k = 0; k < PARAM_COUNT; k++) target[i * PARAM_COUNT + k] = ds.norm[f0 * PARAM_COUNT + k] * (1 - fr) + ds.norm[f1 * PARAM_COUNT + k] * fr;
    const src = Math.min(ds.T - 1, Math.round(x)) * FRAME_FEATURES;
    for (let st = 0; st < AUDIO_STEPS; st++) {
      const row = src + st * AUDIO_DIM;
      const out = i * FRAME_FEATURES + st * AUDIO_DIM;
      for (let d = 0; d < AUDIO_DIM; d++) {
        const y = Math.min(AUDIO_DIM - 1, Math.max(0, d - shift));
        const d0 = Math.floor(y);
        const d1 = Math.min(AUDIO_DIM - 1, d0 + 1);
        const w = y - d0;
        audio[out + d] = ds.features[row + d0] * (1 - w) + ds.features[row + d1] * w;
      }
    }
  }
}
