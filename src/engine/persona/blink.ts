import { percentile, ridge } from '../common/numeric';
import { closingField, EYE_LIDS, eyeWidth, FALLOFF_EYE_WIDTHS, lidVertices, spreadAroundLids } from '../common/eyelids';
import type { FaceModel } from '../common/face-model';
import { eyeOpening } from './expression-basis';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from './landmark-sets';

/**
 * Blink strength from eyelid geometry (our stand-in for OpenFace's AU45).
 *
 * Per frame and eye, the eye aspect ratio: the mean of three lid gaps (upper ↔ lower
 * lid points facing each other) over the corner-to-corner width, measured on the
 * pose-normalised 3-D landmarks (so head turns do not fake blinks); both eyes
 * averaged. Calibrated to the person: "open" is the 80th percentile of the clip's
 * ratio, "closed" its 1st percentile, but at most 60 % of "open" (a clip with no
 * blink then shows no full blink). Blink = (open − ratio) / (open − closed), clamped
 * to 0..1.
 */

export interface BlinkCalibration {
  /** Eye aspect ratio taken as fully open / fully closed. */
  open: number;
  closed: number;
}

export interface BlinkEvent {
  start: number;
  end: number;
  /** Frame of the deepest closure. */
  peak: number;
  peakValue: number;
}

export interface BlinkResult extends BlinkCalibration {
  /** [T] eye aspect ratio, both eyes averaged. */
  ratio: Float32Array;
  /** [T] blink strength 0..1. */
  blink: Float32Array;
  events: BlinkEvent[];
}

function dist(s: ArrayLike<number>, o: number, a: number, b: number): number {
  return Math.hypot(s[o + a * 3] - s[o + b * 3], s[o + a * 3 + 1] - s[o + b * 3 + 1], s[o + a * 3 + 2] - s[o + b * 3 + 2]);
}

/** Eye aspect ratio of one frame (both eyes averaged). `offset` is the frame's start in `shape`. */
export function eyeAspectRatio(shape: ArrayLike<number>, offset = 0): number {
  let sum = 0;
  for (const eye of [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT]) {
    const width = dist(shape, offset, eye.outer, eye.inner);
    let gap = 0;
    for (const [u, l] of eye.lidPairs) gap += dist(shape, offset, u, l);
    sum += gap / eye.lidPairs.length / Math.max(width, 1e-9);
  }
  return sum / 2;
}

export function calibrateBlink(ratio: ArrayLike<number>, usable?: ArrayLike<number>): BlinkCalibration {
  const vals = Array.from(ratio).filter((_, t) => !usable || usable[t] > 0);
  const open = percentile(vals, 0.8);
  const closed = Math.min(percentile(vals, 0.01), 0.6 * open);
  return { open, closed };
}

export function blinkStrength(ratio: ArrayLike<number>, cal: BlinkCalibration): Float32Array {
  const span = Math.max(cal.open - cal.closed, 1e-9);
  return Float32Array.from(ratio, (r) => Math.max(0, Math.min(1, (cal.open - r) / span)));
}

/**
 * Blink events: peaks of the strength ≥ 0.5 that stand out from their neighbours
 * (the strength falls by at least 0.3 between two peaks, i.e. the eyes re-open
 * part-way, otherwise the lower peak joins the higher one). An event spans the frames
 * around its peak while the strength stays ≥ 0.25 (not past the dip to the next
 * event). Closures longer than `maxFrames` (eyes shut, or looking down for a while)
 * are not counted as blinks.
 */
export function detectBlinks(blink: ArrayLike<number>, maxFrames = Infinity, minPeak = 0.5, minDip = 0.3, edge = 0.25): BlinkEvent[] {
  const T = blink.length;
  let peaks: number[] = [];
  for (let t = 0; t < T; t++) {
    const b = blink[t];
    if (b < minPeak) continue;
    const left = t > 0 ? blink[t - 1] : -Infinity;
    // Plateaus: take the first frame of the plateau.
    let r = t + 1;
    while (r < T && blink[r] === b) r++;
    const right = r < T ? blink[r] : -Infinity;
    if (b > left && b > right) peaks.push(t);
  }
  // Merge peaks without a deep enough dip between them.
  let merged = true;
  while (merged && peaks.length > 1) {
    merged = false;
    for (let k = 0; k + 1 < peaks.length; k++) {
      const a = peaks[k], c = peaks[k + 1];
      let low = Infinity;
      for (let t = a; t <= c; t++) low = Math.min(low, blink[t]);
      if (Math.min(blink[a], blink[c]) - low < minDip) {
        peaks = [...peaks.slice(0, k), blink[a] >= blink[c] ? a : c, ...peaks.slice(k + 2)];
        merged = true;
        break;
      }
    }
  }
  const events: BlinkEvent[] = [];
  for (let k = 0; k < peaks.length; k++) {
    const p = peaks[k];
    const lo = k > 0 ? argMin(blink, peaks[k - 1], p) + 1 : 0;
    const hi = k + 1 < peaks.length ? argMin(blink, p, peaks[k + 1]) - 1 : T - 1;
    let s = p, e = p;
    while (s > lo && blink[s - 1] >= edge) s--;
    while (e < hi && blink[e + 1] >= edge) e++;
    events.push({ start: s, end: e, peak: p, peakValue: blink[p] });
  }
  return events.filter((ev) => ev.end - ev.start + 1 <= maxFrames);
}

function argMin(a: ArrayLike<number>, from: number, to: number): number {
  let best = from;
  for (let t = from; t <= to; t++) if (a[t] < a[best]) best = t;
  return best;
}

/** Ratio, calibration, strength and events for normalised landmarks [T*V*3]. */
export function measureBlinks(normalized: ArrayLike<number>, T: number, N: number, fps: number, usable?: ArrayLike<number>): BlinkResult {
  const ratio = new Float32Array(T);
  for (let t = 0; t < T; t++) ratio[t] = eyeAspectRatio(normalized, t * N);
  const cal = calibrateBlink(ratio, usable);
  const blink = blinkStrength(ratio, cal);
  const events = detectBlinks(blink, Math.round(fps * 1.0));
  return { ...cal, ratio, blink, events };
}

/** How the persona's blink field was made. */
export type BlinkFieldSource = 'clip' | 'geometric';

export interface BlinkDeformation {
  /** [V*3] the field stored in the persona: b · field closes the lids at b = 1 (mm). */
  field: Float32Array;
  /**
   * [V*3] the clip's own lid motion per unit of blink strength (least squares of the
   * normalised landmarks on the blink strength, kept near the eyes), or undefined without
   * blinks in the clip: removed from the landmarks before the expression basis is fitted.
   */
  motion?: Float32Array;
  source: BlinkFieldSource;
  /** Mean lid gap (the lid pairs of both eyes) of the neutral shape, and with the field at blink 1, mm. */
  openGapMm: number;
  closedGapMm: number;
}

/** The least share of the lid gap the clip's own lid motion must close at blink 1 to be trusted (else the geometric rule). */
export const MIN_LEARNT_CLOSURE = 0.25;

/** Enough blinking in a clip to learn the lids' own motion from: a detected event, or 3 frames at ≥ 0.5. */
export function clipShowsBlinks(blinks: Pick<BlinkResult, 'blink' | 'events'>, weights?: ArrayLike<number>): boolean {
  let strong = 0;
  blinks.blink.forEach((b, t) => { if (b >= 0.5 && (!weights || weights[t] > 0)) strong++; });
  return blinks.events.length > 0 || strong >= 3;
}

/**
 * The clip's blink motion: per coordinate, the slope of the least-squares line of the
 * normalised landmarks [T*N] on the blink strength (frames weighted by `weights`).
 */
export function blinkMotion(normalized: ArrayLike<number>, T: number, N: number, blink: ArrayLike<number>, weights: ArrayLike<number>): Float64Array {
  const rows = Array.from({ length: T }, (_, t) => t).filter((t) => weights[t] > 0);
  const X = new Float64Array(rows.length * 2);
  const Y = new Float64Array(rows.length * N);
  rows.forEach((t, r) => {
    const s = Math.sqrt(weights[t]);
    X[r * 2] = s;
    X[r * 2 + 1] = s * blink[t];
    for (let i = 0; i < N; i++) Y[r * N + i] = s * normalized[t * N + i];
  });
  const w = ridge(X, rows.length, 2, Y, N, 1e-9);
  return w.slice(N, 2 * N);
}

/**
 * The persona's blink field. With blinks in the clip: the clip's own lid motion
 * (`blinkMotion`) kept near the eyes (full weight on the lid edges, fading like the
 * geometric rule around them), then completed by the geometric rule so that the lids
 * meet at blink 1 whatever the tracker saw of the closure. Without blinks in the clip, or
 * when the lids hardly move with the measured blink strength (less than
 * MIN_LEARNT_CLOSURE of the gap): the geometric rule on the neutral shape (common/eyelids.ts).
 */
export function blinkDeformation(
  model: Pick<FaceModel, 'vertexCount' | 'landmarkToVertex'>, neutral: ArrayLike<number>,
  normalized: ArrayLike<number>, T: number, blinks: Pick<BlinkResult, 'blink' | 'events'>, weights: ArrayLike<number>,
): BlinkDeformation {
  const N = model.vertexCount * 3;
  const gapOf = (field: ArrayLike<number>) => eyeOpening(Float64Array.from(neutral, (x, i) => x + field[i]));
  if (!clipShowsBlinks(blinks, weights)) {
    const field = closingField(model, neutral);
    return { field, source: 'geometric', openGapMm: gapOf(new Float32Array(N)), closedGapMm: gapOf(field) };
  }
  const motion = blinkMotion(normalized, T, N, blinks.blink, weights);
  const local = localiseToLids(model, neutral, motion);
  const openGapMm = gapOf(new Float32Array(N));
  if (!(gapOf(local) < (1 - MIN_LEARNT_CLOSURE) * openGapMm)) {
    // The lids hardly move with the measured blink strength (noise taken for blinks): the rule alone.
    const field = closingField(model, neutral);
    return { field, source: 'geometric', openGapMm, closedGapMm: gapOf(field) };
  }
  const moved = Float64Array.from(neutral, (x, i) => x + local[i]);
  const completion = closingField(model, moved);
  const field = Float32Array.from(local, (x, i) => x + completion[i]);
  return { field, motion: local, source: 'clip', openGapMm, closedGapMm: gapOf(field) };
}

/**
 * `motion` weighted by nearness to the eyes: 1 on the lid edges, corners and irises (the
 * tracker's irises dip in a blink: that belongs to the blink, not to gaze or expression),
 * the geometric rule's fade around them, 0 beyond.
 */
export function localiseToLids(model: Pick<FaceModel, 'vertexCount' | 'landmarkToVertex'>, neutral: ArrayLike<number>, motion: ArrayLike<number>): Float32Array {
  const V = model.vertexCount;
  const weight = new Float32Array(V * 3);
  for (const lm of EYE_LIDS) {
    const eye = lidVertices(model, lm);
    if (!eye) continue;
    const lid = new Map<number, ArrayLike<number>>();
    for (const v of [eye.outer, eye.inner, ...eye.upper, ...eye.lower, ...eye.iris]) {
      lid.set(v, [1, 1, 1]);
      weight.fill(1, v * 3, v * 3 + 3);
    }
    spreadAroundLids(V, neutral, lid, new Set(), FALLOFF_EYE_WIDTHS * eyeWidth(neutral, eye), weight);
  }
  return Float32Array.from(motion, (m, i) => m * Math.min(1, weight[i]));
}
