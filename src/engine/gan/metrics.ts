/**
 * Statistics of motion, used to fit the prior, to evaluate a model on the held-out
 * part and to compare with the reference's output: blink events, head-pose speed
 * and range, mouth opening. Pure functions on per-frame arrays.
 */
import { PARAM_COUNT, POSE_COUNT } from '../../shared/facial-params';
import { column, mean, meanAbsDiff, median, percentile, std } from '../common/numeric';

/** MediaPipe face-mesh indices of the inner lip's midpoints (upper, lower). */
export const LIP_INNER_UPPER = 13;
export const LIP_INNER_LOWER = 14;
/** The 40 lip landmarks of the MediaPipe face mesh (outer and inner contours). */
export const LIP_LANDMARKS = [
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
];
/** Outer eye corners (for a face-size scale). */
export const EYE_OUTER = [33, 263];

export interface BlinkEvent {
  /** First frame above the threshold. */
  start: number;
  /** Last frame above the threshold (inclusive). */
  end: number;
  peak: number;
  /** Full width at half maximum (above the baseline), frames. */
  widthFrames: number;
}

export interface BlinkOptions {
  /** Detection threshold in the channel's units (persona blink: 0.5; OpenFace AU45: 1). */
  threshold?: number;
  /** Events closer than this (frames) are merged. */
  mergeGapFrames?: number;
}

/**
 * Blink events of a blink channel: runs above the threshold (close runs merged),
 * each with its peak and its full width at half maximum above the channel's
 * baseline (median), which makes the duration independent of the channel's scale.
 */
export function detectBlinks(values: ArrayLike<number>, opts: BlinkOptions = {}): BlinkEvent[] {
  const th = opts.threshold ?? 0.5;
  const gap = opts.mergeGapFrames ?? 1;
  const base = median(values);
  const runs: { start: number; end: number }[] = [];
  let s = -1;
  for (let i = 0; i <= values.length; i++) {
    const on = i < values.length && values[i] >= th;
    if (on && s < 0) s = i;
    if (!on && s >= 0) {
      const prev = runs[runs.length - 1];
      if (prev && s - prev.end - 1 <= gap) prev.end = i - 1;
      else runs.push({ start: s, end: i - 1 });
      s = -1;
    }
  }
  return runs.map(({ start, end }) => {
    let peak = -Infinity;
    let at = start;
    for (let i = start; i <= end; i++) if (values[i] > peak) { peak = values[i]; at = i; }
    const half = base + (peak - base) / 2;
    let a = at, b = at;
    while (a > 0 && values[a - 1] >= half) a--;
    while (b < values.length - 1 && values[b + 1] >= half) b++;
    return { start, end, peak, widthFrames: b - a + 1 };
  });
}

export interface BlinkStats {
  count: number;
  perMinute: number;
  /** Mean full width at half maximum, milliseconds (NaN without blinks). */
  meanDurationMs: number;
  durationsMs: number[];
  meanPeak: number;
}

export function blinkStats(values: ArrayLike<number>, fps: number, opts: BlinkOptions = {}): BlinkStats {
  const ev = detectBlinks(values, opts);
  const minutes = values.length / fps / 60;
  const durationsMs = ev.map((e) => (e.widthFrames / fps) * 1000);
  return {
    count: ev.length,
    perMinute: minutes > 0 ? ev.length / minutes : 0,
    meanDurationMs: durationsMs.length ? mean(durationsMs) : NaN,
    durationsMs,
    meanPeak: ev.length ? mean(ev.map((e) => e.peak)) : NaN,
  };
}

export interface PoseChannelStats {
  mean: number;
  std: number;
  /** 5th to 95th percentile, channel units. */
  range: number;
  /** Mean |frame-to-frame change| per second, channel units/s. */
  speed: number;
  /** speed / std: how many standard deviations per second (scale-free). */
  normSpeed: number;
  /** range / std (scale-free). */
  normRange: number;
}

/** Per-channel statistics of a [T, C] array's first `channels` columns (default: the 6 pose values of a [T, 71]). */
export function poseStats(params: Float32Array, fps: number, C = PARAM_COUNT, channels = POSE_COUNT): PoseChannelStats[] {
  const T = params.length / C;
  const out: PoseChannelStats[] = [];
  for (let c = 0; c < channels; c++) {
    const x = column(params, T, C, c);
    const sd = std(x);
    const range = T > 0 ? percentile(x, 0.95) - percentile(x, 0.05) : 0;
    const speed = meanAbsDiff(x) * fps;
    out.push({ mean: mean(x), std: sd, range, speed, normSpeed: sd > 1e-12 ? speed / sd : 0, normRange: sd > 1e-12 ? range / sd : 0 });
  }
  return out;
}

/** Mouth opening per frame from landmarks [T, N, D] (D = 2 or 3): distance between the inner lip midpoints. */
export function mouthOpeningFromLandmarks(landmarks: Float32Array, T: number, N: number, D: number): Float32Array {
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    const u = (t * N + LIP_INNER_UPPER) * D;
    const l = (t * N + LIP_INNER_LOWER) * D;
    let s = 0;
    for (let d = 0; d < Math.min(D, 3); d++) s += (landmarks[u + d] - landmarks[l + d]) ** 2;
    out[t] = Math.sqrt(s);
  }
  return out;
}

export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] - b[i]) ** 2;
  return s / n;
}

/** Mean absolute frame-to-frame change over a [T, C] array's channels, per frame boundary (length T-1). */
export function frameSteps(data: Float32Array, C: number, channels: number[]): Float32Array {
  const T = data.length / C;
  const out = new Float32Array(Math.max(0, T - 1));
  for (let t = 1; t < T; t++) {
    let s = 0;
    for (const c of channels) s += Math.abs(data[t * C + c] - data[(t - 1) * C + c]);
    out[t - 1] = s / channels.length;
  }
  return out;
}

