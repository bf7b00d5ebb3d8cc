/**
 * Aligning a sequence of audio steps to video frames, as the reference FACIAL
 * implementation does (its audio_handler, inherited from VOCA), generalised to any
 * frame rate.
 *
 * FRAME-COUNT RULE (audio of N samples at 16 kHz, frame rate fps):
 *   - when 50 / fps is an integer k (25 fps: k = 2; 50 fps: k = 1), the reference
 *     windows the raw 50 steps/s DeepSpeech sequence with stride k, so
 *       T = ceil(S / k),  S = ceil(F / 2),  F = N <= 400 ? 1 : 1 + ceil((N - 400) / 160)
 *     (F: 25 ms / 10 ms MFCC frames, S: every second one, DeepSpeech's step count);
 *   - otherwise (30, 29.97, 60 fps...) it resamples the steps to the frame rate and
 *     windows with stride 1, with T = round(N / 16000 * fps) (Python's round: half to even).
 *   obama2.wav: N = 389724 samples -> 731 frames at 30 fps, 609 at 25 fps.
 *
 * WINDOWS: frame t gets 16 rows; row j (0..15) is the sequence at position
 * (centre of t) + (j - 8): row 8 is frame t itself, rows 0..7 precede it, 9..15 follow
 * it; positions outside the sequence are zeros (the reference pads with zeros).
 *   - stride path: the sequence is the raw steps; centre of t = k*t (time t/fps);
 *     step spacing 20 ms, so the window spans 320 ms.
 *   - resampled path: the sequence is the steps linearly interpolated at the frame
 *     times t/fps (held constant past the last step, like numpy.interp), length T;
 *     row spacing 1/fps (533 ms window at 30 fps).
 */
import { resampleLinear } from '../common/numeric';
export const WINDOW_STEPS = 16;
export const WINDOW_CENTRE = 8;
export const REF_STEPS_PER_SECOND = 50;
const SR = 16000;

/** Python 3's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** DeepSpeech's step count (50 steps/s) for N samples at 16 kHz, as the reference computes it. */
export function deepSpeechStepCount(totalSamples: number): number {
  if (totalSamples <= 0) return 0;
  const mfccFrames = totalSamples <= 400 ? 1 : 1 + Math.ceil((totalSamples - 400) / 160);
  return Math.ceil(mfccFrames / 2);
}

/** The stride k when `stepsPerSecond / fps` is a whole number, else null (resampled path). */
export function strideFor(fps: number, stepsPerSecond = REF_STEPS_PER_SECOND): number | null {
  const k = stepsPerSecond / fps;
  const r = Math.round(k);
  return r >= 1 && Math.abs(k - r) < 1e-9 ? r : null;
}

export function validateFps(fps: number): void {
  if (!Number.isFinite(fps) || fps <= 0 || fps > 240) throw new RangeError(`fps must be a number in (0, 240], got ${fps}`);
}

/** Number of video frames T for N samples at 16 kHz (see the rule above). */
export function frameCountFor(totalSamples: number, fps: number): number {
  validateFps(fps);
  if (totalSamples <= 0) return 0;
  const k = strideFor(fps);
  if (k !== null) return Math.ceil(deepSpeechStepCount(totalSamples) / k);
  return roundHalfEven((totalSamples / SR) * fps);
}

export interface StepSequence {
  /** [count, dim] row-major. */
  data: Float32Array;
  count: number;
  dim: number;
  stepsPerSecond: number;
  /** Time of step 0 in seconds (0 when step i sits at i / stepsPerSecond). */
  offsetS: number;
}

/**
 * Builds the [T, 16, dim] window tensor for `frameCount` frames at `fps`.
 * `strideLimit` caps the sequence length on the stride path (the reference's
 * DeepSpeech step count), so frames past it see zeros as the reference's do.
 */
export function windowsFromSteps(seq: StepSequence, fps: number, frameCount: number, strideLimit?: number): Float32Array {
  validateFps(fps);
  const { dim } = seq;
  const T = frameCount;
  const out = new Float32Array(T * WINDOW_STEPS * dim);
  if (T === 0 || seq.count === 0) return out;
  const k = seq.offsetS === 0 ? strideFor(fps, seq.stepsPerSecond) : null;
  if (k !== null) {
    const len = Math.min(seq.count, strideLimit ?? seq.count);
    for (let t = 0; t < T; t++) {
      const c = k * t;
      for (let j = 0; j < WINDOW_STEPS; j++) {
        const i = c + j - WINDOW_CENTRE;
        if (i < 0 || i >= len) continue;
        out.set(seq.data.subarray(i * dim, (i + 1) * dim), (t * WINDOW_STEPS + j) * dim);
      }
    }
    return out;
  }
  const perFrame = resampleToFrames(seq, fps, T);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < WINDOW_STEPS; j++) {
      const i = t + j - WINDOW_CENTRE;
      if (i < 0 || i >= T) continue;
      out.set(perFrame.subarray(i * dim, (i + 1) * dim), (t * WINDOW_STEPS + j) * dim);
    }
  }
  return out;
}

/** Linear interpolation of the steps at the frame times t / fps (edges held), [T, dim]. */
export function resampleToFrames(seq: StepSequence, fps: number, frameCount: number): Float32Array {
  return resampleLinear(seq.data, seq.dim, seq.count, frameCount, (t) => (t / fps - seq.offsetS) * seq.stepsPerSecond);
}

/**
 * Per-track normalisation, in place: each of the `dim` columns is shifted to zero
 * mean and scaled to unit standard deviation over the first `statsRows` rows
 * (std floored at `minStd`, so near-constant columns are not blown up).
 */
export function normalizeColumns(data: Float32Array, rows: number, dim: number, statsRows = rows, minStd = 0.5): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  const n = Math.max(1, Math.min(rows, statsRows));
  for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) mean[d] += data[r * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  for (let r = 0; r < n; r++)
    for (let d = 0; d < dim; d++) {
      const v = data[r * dim + d] - mean[d];
      std[d] += v * v;
    }
  for (let d = 0; d < dim; d++) std[d] = Math.max(minStd, Math.sqrt(std[d] / n));
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) data[r * dim + d] = (data[r * dim + d] - mean[d]) / std[d];
  return { mean, std };
}
