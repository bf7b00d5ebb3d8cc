import type { Segment } from '../common/numeric';
import { UserError } from '../util/errors';
import { detectBlinks, type BlinkEvent } from './blink';
import type { FrameAlignment, SmoothedTrack, SmoothingOptions } from './fit-pose';
import { smoothTrack } from './fit-pose';

/**
 * Which frames a persona is fitted on (issue 11: no test frames in the persona).
 *
 * A persona is normally fitted on its whole clip. An *evaluation persona* is fitted on a
 * range of frames only (the training part of the split): its rigid reference, neutral
 * shape, expression basis, blink calibration and blink field, texture and crop see only
 * those frames. The other frames are tracked as usual (tracking fits nothing to the clip)
 * and then only *expressed* in that persona's space: aligned to its reference, smoothed
 * on their own side of the boundary, given coefficients in its basis, a blink strength by
 * its calibration and a pose fit of its model. So held-out figures measured on them are
 * clean: altering a held-out frame changes nothing that was fitted.
 */

/** Frame weights for fitting: the tracking weights inside `range`, 0 outside. */
export function fitWeights(weights: Float32Array, range: Segment): Float32Array {
  return Float32Array.from(weights, (w, t) => (t >= range.start && t < range.end ? w : 0));
}

/** The clip [0, T) cut at the range's ends: the segments that are smoothed on their own (empty ones left out). */
export function fitSegments(T: number, range: Segment): Segment[] {
  return [{ start: 0, end: range.start }, { start: range.start, end: range.end }, { start: range.end, end: T }].filter((s) => s.end > s.start);
}

/** Whether `range` is the whole clip of T frames. */
export function isWholeClip(range: Segment, T: number): boolean {
  return range.start <= 0 && range.end >= T;
}

/**
 * `smoothTrack` on each segment on its own, concatenated: the zero-phase smoothing never
 * mixes frames across a segment boundary, so no fitted frame is smoothed with a held-out one.
 */
export function smoothTrackInSegments(align: FrameAlignment, T: number, segments: Segment[], opts: SmoothingOptions): SmoothedTrack {
  if (segments.length === 1) return smoothTrack(align, T, opts);
  const N = align.normalized.length / Math.max(1, T);
  const normalized = new Float64Array(T * N);
  const image = new Float32Array(T * N);
  const sims: SmoothedTrack['sims'] = [];
  let sigmas: SmoothedTrack['sigmas'] | undefined;
  for (const s of segments) {
    const part: FrameAlignment = { ...align, sims: align.sims.slice(s.start, s.end), normalized: align.normalized.slice(s.start * N, s.end * N) };
    const sm = smoothTrack(part, s.end - s.start, opts);
    normalized.set(sm.normalized, s.start * N);
    image.set(sm.image, s.start * N);
    sims.push(...sm.sims);
    sigmas = sm.sigmas;
  }
  return { sims, normalized, image, sigmas: sigmas! };
}

/** Blink events detected within `range` only (what the blink field may learn from), in clip frames. */
export function blinkEventsInRange(blink: Float32Array, range: Segment, maxFrames: number): BlinkEvent[] {
  return detectBlinks(blink.subarray(range.start, range.end), maxFrames).map((e) => ({
    ...e, start: e.start + range.start, end: e.end + range.start, peak: e.peak + range.start,
  }));
}

/** Fewest frames a persona may be fitted on. */
export const MIN_FIT_FRAMES = 25;

/**
 * Checks a fit range against a clip of T frames (a UserError naming the clip otherwise);
 * undefined means the whole clip.
 */
export function checkFitRange(range: Segment | undefined, T: number, file: string): Segment {
  if (!range) return { start: 0, end: T };
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > T || end - start < Math.min(MIN_FIT_FRAMES, T)) {
    throw new UserError('persona-fit-frames', `Cannot fit the persona on frames ${start}:${end} of ${file}: the clip has ${T} frames, and at least ${Math.min(MIN_FIT_FRAMES, T)} must be fitted.`, {
      file, hint: `Give --fit-frames START:END with 0 <= START < END <= ${T}.`,
    });
  }
  return { start, end };
}

/** Parses "START:END" (END exclusive) as the CLI gives it. */
export function parseFitFrames(text: string): Segment {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UserError('persona-fit-frames', `--fit-frames "${text}" is not START:END (frame numbers, END exclusive, e.g. 0:120).`, { hint: 'Give --fit-frames START:END, e.g. --fit-frames 0:120.' });
  return { start: Number(m[1]), end: Number(m[2]) };
}
