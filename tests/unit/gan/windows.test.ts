import { describe, expect, it } from 'vitest';
import {
  inferencePlan, seamFrames, padFrames, writeWindow, chooseWindowLength, checkWindowLength, trainingStarts, runWindows, frameSteps,
} from '../../../src/engine/gan';
import { PARAM_COUNT as PARAM_COUNT_FOR_TESTS } from '../../../src/shared/facial-params';
import { UserError } from '../../../src/engine/util/errors';

describe('training windows', () => {
  it('samples every start frame of the training part', () => {
    expect(trainingStarts({ start: 0, end: 100 }, 64)).toHaveLength(37);
    expect(trainingStarts({ start: 0, end: 63 }, 64)).toHaveLength(0);
  });
  it('chooses a shorter window for short clips', () => {
    expect(chooseWindowLength(5000)).toBe(128);
    expect(chooseWindowLength(100)).toBe(64); // the 8 s AOC clip: 37 windows of 64
    expect(chooseWindowLength(40)).toBe(32);
    expect(chooseWindowLength(20)).toBeUndefined();
    expect(() => checkWindowLength(100)).toThrow(UserError);
    expect(() => checkWindowLength(96)).not.toThrow();
  });
});

describe('inference plan (windows of L, stride L-1, last aligned to the end)', () => {
  for (const [T, L] of [[128, 128], [255, 128], [300, 128], [731, 128], [609, 64], [1000, 32]] as const) {
    it(`covers ${T} frames with windows of ${L}`, () => {
      const plan = inferencePlan(T, L);
      expect(plan[0]).toEqual({ start: 0, stateFrame: -1 });
      const covered = new Uint8Array(T);
      for (const w of plan) {
        expect(w.start + L).toBeLessThanOrEqual(T);
        for (let t = w.start; t < w.start + L; t++) covered[t] = 1;
      }
      expect(covered.every((c) => c === 1)).toBe(true);
      for (let k = 1; k < plan.length; k++) {
        // Each window starts on a frame the previous one produced, and takes it as its state.
        expect(plan[k].stateFrame).toBe(plan[k].start);
        expect(plan[k].start).toBeGreaterThan(plan[k - 1].start);
        expect(plan[k].start).toBeLessThanOrEqual(plan[k - 1].start + L - 1);
        if (k < plan.length - 1) expect(plan[k].start - plan[k - 1].start).toBe(L - 1);
      }
      expect(plan[plan.length - 1].start + L).toBe(T);
    });
  }
  it('reference layout for the obama2 clip at 30 fps: starts 0,127,...,508 then 603', () => {
    expect(inferencePlan(731, 128).map((w) => w.start)).toEqual([0, 127, 254, 381, 508, 603]);
  });
  it('pads audio shorter than one window with its last frame', () => {
    const d = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const p = padFrames(d, 3, 2, 5);
    expect(p.T).toBe(5);
    expect(Array.from(p.data)).toEqual([1, 2, 3, 4, 5, 6, 5, 6, 5, 6]);
    expect(padFrames(d, 3, 2, 2).data).toBe(d);
  });
});

describe('seams', () => {
  it('writeWindow fades a window\'s mismatch with its initial state out', () => {
    const C = 2, L = 32;
    const track = new Float32Array(64 * C);
    const win = new Float32Array(L * C).fill(1);
    const state = Float32Array.from([0, 0]);
    writeWindow(track, C, 10, win, L, state);
    expect(track[10 * C]).toBeCloseTo(0, 6); // first frame equals the state
    expect(track[(10 + L - 1) * C]).toBe(1); // untouched after the fade
    for (let t = 11; t < 10 + L; t++) expect(track[t * C]).toBeGreaterThanOrEqual(track[(t - 1) * C] - 1e-6);
  });

  it('the frame-to-frame change at seams is no larger than elsewhere (a model with per-window offsets)', async () => {
    const C = PARAM_COUNT_FOR_TESTS;
    const fps = 25, T = 1500, L = 64;
    const features = new Float32Array(T * 16 * 29);
    for (let t = 0; t < T; t++) features[t * 16 * 29 + 8 * 29] = t; // the window knows absolute time through its audio
    let calls = 0;
    // A model that follows a smooth motion but lands each window 0.3 off its initial state.
    const predict = async (audio: Float32Array, _state: Float32Array) => {
      calls++;
      const out = new Float32Array(L * C);
      const offset = 0.3 * (calls % 2 === 0 ? 1 : -1);
      for (let k = 0; k < L; k++) {
        const t = audio[k * 16 * 29 + 8 * 29];
        for (let c = 0; c < C; c++) out[k * C + c] = Math.sin((2 * Math.PI * t) / (fps * (1.5 + c / 20))) + offset;
      }
      return out;
    };
    const track = await runWindows(features, T, L, predict, { initialState: new Float32Array(C) });
    const steps = frameSteps(track, C, Array.from({ length: C }, (_, c) => c));
    const seams = seamFrames(T, L);
    expect(seams.length).toBeGreaterThan(10);
    const atSeams = seams.map((f) => steps[f - 1]);
    const elsewhere = Array.from(steps).filter((_, i) => !seams.includes(i + 1));
    const sorted = [...elsewhere].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(0.99 * (sorted.length - 1))];
    const meanSeam = atSeams.reduce((a, b) => a + b, 0) / atSeams.length;
    const meanElse = elsewhere.reduce((a, b) => a + b, 0) / elsewhere.length;
    for (const s of atSeams) expect(s).toBeLessThanOrEqual(p99);
    expect(meanSeam).toBeLessThan(1.5 * meanElse);
    // Without the fade the offsets would jump by 0.6 at every seam: far above the smooth motion's steps.
    expect(0.6).toBeGreaterThan(5 * p99);
  });

  it('a track shorter than one window still generates (padded, then cut back)', async () => {
    const C = PARAM_COUNT_FOR_TESTS;
    const T = 10, L = 32;
    const seen: number[] = [];
    const track = await runWindows(new Float32Array(T * 16 * 29), T, L, async (audio) => {
      seen.push(audio.length);
      return new Float32Array(L * C).fill(0.5);
    }, { initialState: new Float32Array(C) });
    expect(seen).toEqual([L * 16 * 29]);
    expect(track.length).toBe(T * C);
  });
});
