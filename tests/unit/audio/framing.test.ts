import { describe, it, expect } from 'vitest';
import {
  deepSpeechStepCount, frameCountFor, normalizeColumns, resampleToFrames, roundHalfEven, strideFor, windowsFromSteps,
} from '../../../src/engine/audio/framing';

/** A step sequence whose every value is its step index + 1 (0 means "padding"). */
function indexSteps(count: number, dim = 29) {
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) data.fill(i + 1, i * dim, (i + 1) * dim);
  return { data, count, dim, stepsPerSecond: 50, offsetS: 0 };
}

describe('frame-count rule', () => {
  it('gives the reference counts for obama2.wav (389724 samples): 731 at 30 fps, 609 at 25 fps', () => {
    expect(frameCountFor(389724, 30)).toBe(731);
    expect(frameCountFor(389724, 25)).toBe(609);
  });

  it('reproduces DeepSpeech step counting (25 ms / 10 ms MFCC frames, every second kept)', () => {
    expect(deepSpeechStepCount(0)).toBe(0);
    expect(deepSpeechStepCount(400)).toBe(1);
    expect(deepSpeechStepCount(401)).toBe(1); // 2 MFCC frames -> 1 step
    expect(deepSpeechStepCount(561)).toBe(2); // 3 frames
    expect(deepSpeechStepCount(16000)).toBe(50); // 1 + ceil(15600/160) = 99 MFCC frames -> ceil(99/2) = 50
  });

  it('uses the stride rule at 25 fps and round(N/16000*fps) otherwise', () => {
    // 25 fps: T = ceil(S / 2)
    for (const n of [16000, 16250, 16100, 32000 + 250, 48000 + 300]) expect(frameCountFor(n, 25)).toBe(Math.ceil(deepSpeechStepCount(n) / 2));
    // the stride rule differs from rounding: 1.0156 s gives 26 frames at 25 fps (not round(25.39) = 25)
    expect(frameCountFor(16250, 25)).toBe(26);
    expect(frameCountFor(16000 * 10, 30)).toBe(300);
    expect(frameCountFor(16000 * 10, 60)).toBe(600);
    expect(frameCountFor(16000 * 10, 30000 / 1001)).toBe(300); // 299.7 -> 300
    expect(frameCountFor(16000 * 10, 29.97)).toBe(300);
    expect(frameCountFor(16000 * 100, 29.97)).toBe(2997);
    expect(frameCountFor(0, 30)).toBe(0);
  });

  it('rounds halves to even, as Python does', () => {
    expect(roundHalfEven(0.5)).toBe(0);
    expect(roundHalfEven(1.5)).toBe(2);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(2.6)).toBe(3);
    expect(frameCountFor(8800, 30)).toBe(16); // 16.5 -> 16
  });

  it('finds the stride for fps that divide 50', () => {
    expect(strideFor(25)).toBe(2);
    expect(strideFor(50)).toBe(1);
    expect(strideFor(30)).toBeNull();
    expect(strideFor(29.97)).toBeNull();
    expect(strideFor(60)).toBeNull();
  });
});

describe('windows [T, 16, 29]', () => {
  it('at 25 fps: frame t holds steps 2t-8 .. 2t+7, row 8 is step 2t, zeros outside', () => {
    const seq = indexSteps(100);
    const T = 50;
    const w = windowsFromSteps(seq, 25, T);
    expect(w.length).toBe(T * 16 * 29);
    for (const t of [0, 1, 4, 10, 45, 49]) {
      for (let j = 0; j < 16; j++) {
        const step = 2 * t + j - 8;
        const want = step >= 0 && step < 100 ? step + 1 : 0;
        for (let d = 0; d < 29; d++) expect(w[(t * 16 + j) * 29 + d]).toBe(want);
      }
    }
  });

  it('at 25 fps the strideLimit (the reference step count) zero-pads the end', () => {
    const w = windowsFromSteps(indexSteps(100), 25, 50, 95);
    expect(w[(49 * 16 + 15) * 29]).toBe(0); // step 105
    expect(w[(47 * 16 + 14) * 29]).toBe(0); // step 100 >= 95
    expect(w[(47 * 16 + 8) * 29]).toBe(95); // step 94
  });

  it('at 30 fps: frames are the steps interpolated at t/30, windows slide by one frame, centred on row 8', () => {
    const seq = indexSteps(60); // 1.2 s
    const T = 36;
    const per = resampleToFrames(seq, 30, T);
    for (let t = 0; t < T; t++) expect(per[t * 29]).toBeCloseTo(Math.min(60, 1 + (t * 50) / 30), 5);
    const w = windowsFromSteps(seq, 30, T);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < 16; j++) {
        const f = t + j - 8;
        const want = f >= 0 && f < T ? per[f * 29] : 0;
        expect(w[(t * 16 + j) * 29 + 3]).toBeCloseTo(want, 6);
      }
      // centred: row 8 is the value at time t / 30
      expect(w[(t * 16 + 8) * 29]).toBeCloseTo(per[t * 29], 6);
    }
    // like the reference: each window is the previous shifted by one row
    for (let t = 0; t + 1 < T; t++) for (let j = 0; j < 15; j++) expect(w[(t * 16 + j + 1) * 29]).toBe(w[((t + 1) * 16 + j) * 29]);
  });

  it('at 60 and 29.97 fps row 8 sits at time t/fps', () => {
    const seq = indexSteps(200);
    for (const fps of [60, 29.97]) {
      const T = frameCountFor(200 * 320, fps);
      const w = windowsFromSteps(seq, fps, T);
      for (const t of [0, 7, Math.floor(T / 2)]) expect(w[(t * 16 + 8) * 29]).toBeCloseTo(1 + (t / fps) * 50, 4);
    }
  });

  it('honours a step offset (time of step 0) when interpolating', () => {
    const seq = { ...indexSteps(100), offsetS: 0.01 };
    const per = resampleToFrames(seq, 25, 40);
    // frame 10 at 0.4 s = step position (0.4 - 0.01) * 50 = 19.5
    expect(per[10 * 29]).toBeCloseTo(20.5, 5);
  });
});

describe('per-track normalisation', () => {
  it('gives zero mean and unit deviation per column, flooring the deviation', () => {
    const rows = 100;
    const d = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      d[r * 2] = 10 + 3 * Math.sin(r);
      d[r * 2 + 1] = 7; // constant column
    }
    normalizeColumns(d, rows, 2);
    let m = 0, s = 0;
    for (let r = 0; r < rows; r++) m += d[r * 2];
    m /= rows;
    for (let r = 0; r < rows; r++) s += (d[r * 2] - m) ** 2;
    expect(m).toBeCloseTo(0, 5);
    expect(Math.sqrt(s / rows)).toBeCloseTo(1, 5);
    for (let r = 0; r < rows; r++) expect(d[r * 2 + 1]).toBe(0);
  });
});
