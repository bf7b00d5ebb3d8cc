import { median, pearson, std } from '../common/numeric';
import type { BlinkEvent } from '../persona/blink';

/**
 * Comparisons of per-frame series: correlation with a lag search, blink events
 * matched with a tolerance, runs of silence. Frames where a series is not finite
 * (no face tracked there) are left out of every comparison.
 */

/** Fewer finite pairs than this give no correlation. */
export const MIN_PAIRS = 8;
/** A series whose standard deviation is at most this (in its own units) counts as constant. */
export const CONSTANT_STD = 1e-6;

function pairs(a: ArrayLike<number>, b: ArrayLike<number>, lag: number): [number[], number[]] {
  const xa: number[] = [], xb: number[] = [];
  for (let t = 0; t < a.length; t++) {
    const u = t + lag;
    if (u < 0 || u >= b.length) continue;
    if (!Number.isFinite(a[t]) || !Number.isFinite(b[u])) continue;
    xa.push(a[t]);
    xb.push(b[u]);
  }
  return [xa, xb];
}

/**
 * Pearson r of a[t] with b[t + lag] over the frames where both are finite; null when
 * fewer than MIN_PAIRS frames remain or either side is constant (no correlation to speak of).
 */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>, lag = 0, constantStd = CONSTANT_STD): number | null {
  const [xa, xb] = pairs(a, b, lag);
  if (xa.length < MIN_PAIRS || std(xa) <= constantStd || std(xb) <= constantStd) return null;
  return pearson(xa, xb);
}

/**
 * The lag in -maxLag..maxLag with the highest r of a[t] with b[t + lag] (a positive lag:
 * b follows a late), and r at lag 0. Ties go to the smaller |lag|.
 */
export function bestLagCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, maxLag: number, constantStd = CONSTANT_STD): { r0: number | null; lag: number | null; r: number | null } {
  const r0 = correlation(a, b, 0, constantStd);
  let best: { lag: number; r: number } | undefined;
  for (let d = 0; d <= maxLag; d++) {
    for (const lag of d === 0 ? [0] : [-d, d]) {
      const r = correlation(a, b, lag, constantStd);
      if (r !== null && (!best || r > best.r + 1e-9)) best = { lag, r };
    }
  }
  return { r0, lag: best?.lag ?? null, r: best?.r ?? null };
}

export interface EventMatch {
  /** Reference events found in the other series. */
  seen: number;
  /** Reference events not found. */
  missed: number;
  /** Events of the other series with no reference event. */
  extra: number;
  /** Index pairs (reference, other). */
  pairs: [number, number][];
}

/**
 * One-to-one matching of events: two events match when their spans, each widened by
 * `tolerance` frames, overlap; among candidates the nearest peaks pair first.
 */
export function matchEvents(reference: readonly BlinkEvent[], other: readonly BlinkEvent[], tolerance: number): EventMatch {
  const cand: { i: number; j: number; d: number }[] = [];
  reference.forEach((a, i) => other.forEach((b, j) => {
    if (a.start - tolerance <= b.end + tolerance && b.start - tolerance <= a.end + tolerance) cand.push({ i, j, d: Math.abs(a.peak - b.peak) });
  }));
  cand.sort((x, y) => x.d - y.d || x.i - y.i);
  const usedA = new Set<number>(), usedB = new Set<number>();
  const out: [number, number][] = [];
  for (const c of cand) {
    if (usedA.has(c.i) || usedB.has(c.j)) continue;
    usedA.add(c.i);
    usedB.add(c.j);
    out.push([c.i, c.j]);
  }
  out.sort((x, y) => x[0] - y[0]);
  return { seen: out.length, missed: reference.length - out.length, extra: other.length - out.length, pairs: out };
}

/** Runs of at least `minFrames` frames with speech probability below 0.5: [start, end] inclusive. */
export function silenceRuns(speech: ArrayLike<number>, minFrames: number): [number, number][] {
  const runs: [number, number][] = [];
  let t = 0;
  while (t < speech.length) {
    if (speech[t] >= 0.5) { t++; continue; }
    const s = t;
    while (t < speech.length && speech[t] < 0.5) t++;
    if (t - s >= minFrames) runs.push([s, t - 1]);
  }
  return runs;
}

/** Values of a series at finite entries only. */
export function finite(x: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) out.push(x[i]);
  return out;
}

export interface PauseClosure {
  /** Pauses with a tracked mouth. */
  pauses: number;
  /** Pauses in which the mouth's median opening is at most `closedBelow`. */
  closed: number;
  /** Median opening over the pauses' frames and over the speech frames (NaN when none). */
  openingPause: number;
  openingSpeech: number;
}

/**
 * Whether the mouth closes in the pauses of the voice: pauses are runs of at least
 * `minFrames` frames without speech, less `trim` frames at each end (the lips are still
 * moving there); a pause counts as closed when the median mouth opening over its frames
 * is at most `closedBelow`. Frames where `mouth` is not finite are left out.
 */
export function pauseClosure(speech: ArrayLike<number>, mouth: ArrayLike<number>, minFrames: number, trim: number, closedBelow: number): PauseClosure {
  const n = Math.min(speech.length, mouth.length);
  const inPause = new Uint8Array(n);
  let pauses = 0, closed = 0;
  for (const [s, e] of silenceRuns(speech, minFrames)) {
    const vals: number[] = [];
    for (let t = s + trim; t <= Math.min(e, n - 1) - trim; t++) {
      inPause[t] = 1;
      if (Number.isFinite(mouth[t])) vals.push(mouth[t]);
    }
    if (vals.length === 0) continue;
    pauses++;
    if (median(vals) <= closedBelow) closed++;
  }
  const p: number[] = [], sp: number[] = [];
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(mouth[t])) continue;
    if (inPause[t]) p.push(mouth[t]);
    else if (speech[t] >= 0.5) sp.push(mouth[t]);
  }
  return { pauses, closed, openingPause: p.length ? median(p) : NaN, openingSpeech: sp.length ? median(sp) : NaN };
}
