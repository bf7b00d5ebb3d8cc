import type { BlinkEvent } from '../../../shared/curve-document';

/** Share of a blink spent closing; the eyes open more slowly than they close. */
export const BLINK_CLOSING = 0.38;

function smoothstep(u: number): number {
  const t = u < 0 ? 0 : u > 1 ? 1 : u;
  return t * t * (3 - 2 * t);
}

/** Closure 0..1 of a unit blink at phase u in [0, 1] (0 outside). */
export function blinkShape(u: number): number {
  if (u <= 0 || u >= 1) return 0;
  return u < BLINK_CLOSING ? smoothstep(u / BLINK_CLOSING) : 1 - smoothstep((u - BLINK_CLOSING) / (1 - BLINK_CLOSING));
}

/** Adds every blink event into a blink curve covering frames [from, from + out.length). */
export function addBlinks(out: Float32Array, blinks: readonly BlinkEvent[], from = 0): void {
  const to = from + out.length;
  for (const b of blinks) {
    const f0 = Math.max(from, Math.floor(b.start));
    const f1 = Math.min(to - 1, Math.ceil(b.start + b.duration));
    for (let f = f0; f <= f1; f++) out[f - from] += b.strength * blinkShape((f - b.start) / b.duration);
  }
}

export interface ExtractedBlinks {
  events: Omit<BlinkEvent, 'id'>[];
  /** The curve with the blinks taken out: the eye-openness baseline. */
  residual: Float32Array;
}

/**
 * Finds the blinks in a generated blink curve (0 open .. 1 closed) and turns them
 * into events that can be moved, stretched and removed; what remains is the
 * baseline. A blink is a run above `threshold`, widened to the surrounding valleys.
 */
export function extractBlinks(curve: Float32Array, opts: { threshold?: number; maxWiden?: number; offset?: number } = {}): ExtractedBlinks {
  const threshold = opts.threshold ?? 0.5;
  const maxWiden = opts.maxWiden ?? 8;
  const offset = opts.offset ?? 0;
  const residual = Float32Array.from(curve);
  const events: Omit<BlinkEvent, 'id'>[] = [];
  const n = curve.length;
  let i = 0;
  while (i < n) {
    if (!(curve[i] > threshold)) {
      i++;
      continue;
    }
    let s = i;
    let e = i;
    while (e + 1 < n && curve[e + 1] > threshold) e++;
    let peak = 0;
    for (let f = s; f <= e; f++) peak = Math.max(peak, curve[f]);
    // Widen to the valleys on either side (where the lids start and finish moving).
    for (let k = 0; k < maxWiden && s > 0 && curve[s - 1] < curve[s]; k++) s--;
    for (let k = 0; k < maxWiden && e + 1 < n && curve[e + 1] < curve[e]; k++) e++;
    const left = curve[s];
    const right = curve[e];
    const duration = Math.max(2, e - s);
    const strength = Math.min(1, Math.max(0, peak - Math.max(left, right)));
    if (strength > 0.05 && duration <= 250) {
      events.push({ start: s + offset, duration, strength });
      for (let f = s; f <= e; f++) residual[f] = left + ((right - left) * (f - s)) / Math.max(1, e - s);
    }
    i = e + 1;
  }
  return { events, residual };
}
