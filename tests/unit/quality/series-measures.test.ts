import { describe, it, expect } from 'vitest';
import { bestLagCorrelation, correlation, matchEvents, pauseClosure, silenceRuns } from '../../../src/engine/quality/series-measures';

const wave = (n: number, shift = 0) => Float64Array.from({ length: n }, (_, t) => Math.sin((t - shift) * 0.37) + 0.5 * Math.sin((t - shift) * 0.11));

describe('series comparisons', () => {
  it('correlation: 1 for a copy, null for a constant series or too few frames, NaN frames left out', () => {
    const a = wave(100);
    expect(correlation(a, a)).toBeCloseTo(1, 10);
    expect(correlation(a, new Float64Array(100).fill(3))).toBeNull();
    expect(correlation(a.subarray(0, 5), a.subarray(0, 5))).toBeNull();
    const holes = Float64Array.from(a, (v, t) => (t % 3 === 0 ? NaN : v));
    expect(correlation(a, holes)).toBeCloseTo(1, 10);
  });

  it('finds a known lag (b late by 3 frames), and r at lag 0 is lower', () => {
    const a = wave(200), b = wave(200, 3);
    const r = bestLagCorrelation(a, b, 5);
    expect(r.lag).toBe(3);
    expect(r.r!).toBeCloseTo(1, 6);
    expect(r.r0!).toBeLessThan(0.9);
    expect(bestLagCorrelation(a, wave(200, -2), 5).lag).toBe(-2);
  });

  it('matches events one to one within a tolerance: seen, missed, extra', () => {
    const ev = (start: number, end: number) => ({ start, end, peak: Math.round((start + end) / 2), peakValue: 1 });
    const curves = [ev(10, 14), ev(50, 54), ev(90, 94)];
    const video = [ev(11, 15), ev(57, 60), ev(130, 133)];
    // 57 is 3 frames after 54: matched with a tolerance of 2 (spans widened by 2 each), not of 1.
    expect(matchEvents(curves, video, 2)).toMatchObject({ seen: 2, missed: 1, extra: 1, pairs: [[0, 0], [1, 1]] });
    expect(matchEvents(curves, video, 1)).toMatchObject({ seen: 1, missed: 2, extra: 2 });
    // One video event cannot count for two curve events.
    expect(matchEvents([ev(10, 12), ev(14, 16)], [ev(12, 14)], 1)).toMatchObject({ seen: 1, missed: 1, extra: 0 });
    expect(matchEvents([], [], 2)).toMatchObject({ seen: 0, missed: 0, extra: 0 });
  });

  it('finds pauses and whether the mouth closes in them', () => {
    const speech = Float64Array.from({ length: 100 }, (_, t) => (t >= 20 && t < 35) || (t >= 60 && t < 63) || t >= 80 ? 0 : 1);
    expect(silenceRuns(speech, 8)).toEqual([[20, 34], [80, 99]]);
    // Mouth: 8 mm in speech, 1 mm in the first pause, 6 mm (parted) in the last.
    const mouth = Float64Array.from({ length: 100 }, (_, t) => (t >= 20 && t < 35 ? 1 : t >= 80 ? 6 : 8));
    const pc = pauseClosure(speech, mouth, 8, 2, 3);
    expect(pc).toMatchObject({ pauses: 2, closed: 1 });
    expect(pc.openingSpeech).toBe(8);
    // No tracked mouth in a pause: it is not counted.
    const untracked = Float64Array.from(mouth, (v, t) => (t >= 80 ? NaN : v));
    expect(pauseClosure(speech, untracked, 8, 2, 3)).toMatchObject({ pauses: 1, closed: 1 });
  });
});
