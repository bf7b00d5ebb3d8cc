import { describe, expect, it } from 'vitest';
import { blinkStrength, calibrateBlink, detectBlinks, eyeAspectRatio, measureBlinks } from '../../../src/engine/persona/blink';
import { syntheticFace } from '../../helpers/persona-synthetic';

/** An eye-aspect-ratio series: open at 0.42 with small noise, blinks as 3-frame dips to `depth`. */
function series(T: number, blinks: number[], depth = 0.15, open = 0.42): number[] {
  const s = Array.from({ length: T }, (_, t) => open + 0.01 * Math.sin(t * 1.7));
  for (const b of blinks) {
    s[b - 1] = (open + depth) / 2;
    s[b] = depth;
    s[b + 1] = (open + depth) / 2 + 0.02;
  }
  return s;
}

describe('blink', () => {
  it('eye aspect ratio follows the lid gap (synthetic eyes)', () => {
    const open = eyeAspectRatio(syntheticFace(1, 10));
    const half = eyeAspectRatio(syntheticFace(1, 5));
    const shut = eyeAspectRatio(syntheticFace(1, 0.5));
    expect(open).toBeGreaterThan(0.3);
    expect(half / open).toBeCloseTo(0.5, 5);
    expect(shut / open).toBeCloseTo(0.05, 5);
  });

  it('calibrates open and closed from the clip and counts blinks', () => {
    const s = series(300, [20, 80, 150, 151 + 10, 260]);
    const cal = calibrateBlink(s);
    expect(cal.open).toBeGreaterThan(0.41);
    expect(cal.open).toBeLessThan(0.44);
    expect(cal.closed).toBeLessThan(0.2);
    const b = blinkStrength(s, cal);
    expect(Math.max(...b)).toBe(1);
    expect(Math.min(...b)).toBe(0);
    const ev = detectBlinks(b);
    expect(ev.map((e) => e.peak)).toEqual([20, 80, 150, 161, 260]);
  });

  it('splits two closures with a partial re-opening between them, merges a dip without one', () => {
    const b = [0, 0.1, 0.6, 0.9, 0.8, 0.5, 0.45, 0.5, 1, 0.9, 0.3, 0];
    expect(detectBlinks(b).map((e) => e.peak)).toEqual([3, 8]);
    const c = [0, 0.1, 0.6, 0.9, 0.8, 0.7, 0.75, 0.8, 1, 0.9, 0.3, 0];
    expect(detectBlinks(c).map((e) => e.peak)).toEqual([8]);
  });

  it('a clip without blinks shows none (closed is capped at 60% of open)', () => {
    const s = Array.from({ length: 200 }, (_, t) => 0.4 + 0.02 * Math.sin(t));
    const cal = calibrateBlink(s);
    expect(cal.closed).toBeLessThanOrEqual(0.6 * cal.open + 1e-12);
    expect(detectBlinks(blinkStrength(s, cal))).toHaveLength(0);
  });

  it('does not count a long closure (eyes shut for seconds) as a blink', () => {
    const s = series(200, []);
    for (let t = 50; t < 120; t++) s[t] = 0.1;
    const r = detectBlinks(blinkStrength(s, calibrateBlink(s)), 25);
    expect(r).toHaveLength(0);
  });

  it('measureBlinks works on pose-normalised landmark frames', () => {
    const T = 40;
    const frames = new Float64Array(T * 1434);
    for (let t = 0; t < T; t++) frames.set(syntheticFace(1, t === 20 ? 1 : t === 19 || t === 21 ? 5 : 10), t * 1434);
    const r = measureBlinks(frames, T, 1434, 25);
    expect(r.events.map((e) => e.peak)).toEqual([20]);
    expect(r.blink[0]).toBe(0);
    expect(r.blink[20]).toBe(1);
  });
});
