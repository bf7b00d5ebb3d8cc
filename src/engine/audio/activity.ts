import { BLOCK, SAMPLE_RATE, STEPS_PER_SECOND } from './spectral';

/**
 * Per-frame loudness and speech activity.
 *
 * Loudness: RMS of the samples in frame t's interval [(t - 0.5)/fps, (t + 0.5)/fps),
 * from 10 ms blocks, in dB full scale (a full-scale square wave is 0 dB; floor -120 dB).
 *
 * Speech activity: an energy detector that adapts to the track's noise floor. The
 * speech-band (250-4000 Hz) level of each 20 ms step is compared with a threshold
 * set from the track itself: the noise floor (10th percentile of the step levels)
 * plus 9 dB, at least 35 dB below the loud level (95th percentile), and never below
 * -60 dBFS. A logistic of the distance to the threshold (3 dB scale) gives a
 * probability; a 3-step median removes clicks and a +-60 ms hangover keeps stops and
 * short gaps inside words as speech. Stationary noise, hum or a constant tone, whatever
 * its level, sits at the floor and reads as silence; digital silence always does.
 */
export const RMS_FLOOR_DB = -120;
export const VAD_ABSOLUTE_MIN_DB = -60;

export interface ActivityParams {
  floorDb: number;
  loudDb: number;
  thresholdDb: number;
}

function percentile(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return RMS_FLOOR_DB;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))));
  return sorted[i];
}

export function activityThreshold(stepDb: Float32Array, count = stepDb.length): ActivityParams {
  const sorted = stepDb.slice(0, count).sort();
  const floorDb = percentile(sorted, 0.1);
  const loudDb = percentile(sorted, 0.95);
  const thresholdDb = Math.max(floorDb + 9, loudDb - 35, VAD_ABSOLUTE_MIN_DB);
  return { floorDb, loudDb, thresholdDb };
}

/** Speech probability per step (0..1), smoothed. */
export function stepSpeechProbability(stepDb: Float32Array, count = stepDb.length): { prob: Float32Array; params: ActivityParams } {
  const params = activityThreshold(stepDb, count);
  const raw = new Float32Array(count);
  for (let i = 0; i < count; i++) raw[i] = 1 / (1 + Math.exp(-(stepDb[i] - params.thresholdDb) / 3));
  // 3-step median
  const med = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const a = raw[Math.max(0, i - 1)], b = raw[i], c = raw[Math.min(count - 1, i + 1)];
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
