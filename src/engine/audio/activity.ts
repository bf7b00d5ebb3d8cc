import { percentile } from '../common/numeric';
import { BLOCK, SAMPLE_RATE, STEPS_PER_SECOND } from './spectral';

/**
 * Per-frame loudness and speech activity.
 *
 * Loudness: RMS of the samples in frame t's interval [(t - 0.5)/fps, (t + 0.5)/fps),
 * from 10 ms blocks, in dB full scale (a full-scale square wave is 0 dB; floor -120 dB).
 *
 * Speech activity combines two cues per 20 ms step:
 *  - energy above the track's own noise floor: the speech-band (250-4000 Hz) level is
 *    compared with a threshold set from the track (the noise floor, i.e. the 10th
 *    percentile of the step levels ignoring digital silence, plus 9 dB; at least 35 dB
 *    below the loud level, the 95th percentile; never below -60 dBFS), through a
 *    logistic with a 3 dB scale;
 *  - voicing nearby: the peak normalised autocorrelation at pitch lags (60-400 Hz)
 *    above 0.65 within +-200 ms, so that room tone, breaths and broadband noise that
 *    rise above the floor are not taken for speech, while the unvoiced consonants
 *    next to vowels are.
 * The product is cleaned by a 3-step median and a +-60 ms hangover. Stationary noise
 * or hum at any level sits at the floor and reads as silence; digital silence always does.
 */
export const RMS_FLOOR_DB = -120;
export const VAD_ABSOLUTE_MIN_DB = -60;

export interface ActivityParams {
  floorDb: number;
  loudDb: number;
  thresholdDb: number;
}

export function activityThreshold(stepDb: Float32Array, count = stepDb.length): ActivityParams {
  const sorted = stepDb.slice(0, count).sort();
  if (sorted.length === 0) return { floorDb: RMS_FLOOR_DB, loudDb: RMS_FLOOR_DB, thresholdDb: Math.max(RMS_FLOOR_DB + 9, VAD_ABSOLUTE_MIN_DB) };
  const loudDb = percentile(sorted, 0.95);
  // The noise floor ignores digitally silent steps (edited gaps), unless they are nearly everything.
  let firstLive = 0;
  while (firstLive < sorted.length && sorted[firstLive] <= DIGITAL_SILENCE_DB) firstLive++;
  const live = sorted.length - firstLive >= 0.1 * sorted.length ? sorted.subarray(firstLive) : sorted;
  const floorDb = percentile(live, 0.1);
  const thresholdDb = Math.max(floorDb + 9, loudDb - 35, VAD_ABSOLUTE_MIN_DB);
  return { floorDb, loudDb, thresholdDb };
}

const DIGITAL_SILENCE_DB = -95;
const VOICED_THRESHOLD = 0.65;
const VOICED_REACH = 10; // steps (200 ms)

/** Speech probability per step (0..1), smoothed. `voicing` as computed by SpectralAnalyzer. */
export function stepSpeechProbability(stepDb: Float32Array, voicing: Float32Array, count = stepDb.length): { prob: Float32Array; params: ActivityParams } {
  const params = activityThreshold(stepDb, count);
  const voiced = new Float32Array(count);
  for (let i = 0; i < count; i++) voiced[i] = 1 / (1 + Math.exp(-(voicing[i] - VOICED_THRESHOLD) / 0.05));
  const raw = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let j = Math.max(0, i - VOICED_REACH); j <= Math.min(count - 1, i + VOICED_REACH); j++) if (voiced[j] > v) v = voiced[j];
    raw[i] = v / (1 + Math.exp(-(stepDb[i] - params.thresholdDb) / 3));
  }
  // 3-step median
  const med = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    // mirrored at the ends, so a click at the track's first or last step is removed too
    const a = raw[i > 0 ? i - 1 : Math.min(count - 1, 1)], b = raw[i], c = raw[i < count - 1 ? i + 1 : Math.max(0, count - 2)];
    med[i] = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
  // hangover: max over +-3 steps (60 ms)
  const prob = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let m = 0;
    for (let j = Math.max(0, i - 3); j <= Math.min(count - 1, i + 3); j++) if (med[j] > m) m = med[j];
    prob[i] = m;
  }
  return { prob, params };
}

/** Per-frame RMS in dB from 10 ms block mean squares. */
export function frameRmsDb(blockMs: Float32Array, totalSamples: number, fps: number, frameCount: number): Float32Array {
  const out = new Float32Array(frameCount);
  const blocks = blockMs.length;
  for (let t = 0; t < frameCount; t++) {
    const s0 = Math.max(0, ((t - 0.5) / fps) * SAMPLE_RATE);
    const s1 = Math.min(totalSamples, ((t + 0.5) / fps) * SAMPLE_RATE);
    let b0 = Math.floor(s0 / BLOCK);
    let b1 = Math.ceil(s1 / BLOCK);
    if (b1 <= b0) b1 = b0 + 1;
    b0 = Math.min(b0, blocks - 1);
    b1 = Math.min(b1, blocks);
    let acc = 0;
    let n = 0;
    for (let b = Math.max(0, b0); b < b1; b++) {
      acc += blockMs[b];
      n++;
    }
    const ms = n > 0 ? acc / n : 0;
    out[t] = ms > 0 ? Math.max(RMS_FLOOR_DB, 10 * Math.log10(ms)) : RMS_FLOOR_DB;
  }
  return out;
}

/** Per-frame speech probability: the highest step probability within the frame's interval. */
export function frameSpeech(stepProb: Float32Array, fps: number, frameCount: number): Float32Array {
  const out = new Float32Array(frameCount);
  const n = stepProb.length;
  if (n === 0) return out;
  for (let t = 0; t < frameCount; t++) {
    const c = (t / fps) * STEPS_PER_SECOND;
    const half = (0.5 / fps) * STEPS_PER_SECOND;
    let i0 = Math.ceil(c - half);
    let i1 = Math.floor(c + half);
    if (i1 < i0) i0 = i1 = Math.round(c);
    let m = 0;
    for (let i = Math.max(0, i0); i <= Math.min(n - 1, i1); i++) if (stepProb[i] > m) m = stepProb[i];
    out[t] = m;
  }
  return out;
}
