import { describe, expect, it } from 'vitest';
import { chooseFace, fillGaps, FRAME_BRIDGED, FRAME_FILLED, FRAME_TRACKED } from '../../../src/engine/tracking/track-video';
import type { TrackedFace } from '../../../src/engine/tracking/face-tracker';

const P = 478 * 3;

function faceAt(cx: number, cy: number, size: number, score = 1): TrackedFace {
  const lm = new Float32Array(P);
  for (let i = 0; i < 478; i++) {
    lm[i * 3] = cx + size * (((i * 37) % 100) / 100 - 0.5);
    lm[i * 3 + 1] = cy + size * (((i * 61) % 100) / 100 - 0.5);
  }
  return { landmarks: lm, box: [cx - size / 2, cy - size / 2, size, size], score };
}

describe('identity following', () => {
  it('starts with the largest, most central face, then follows the one nearest the previous box', () => {
    const faces = [faceAt(80, 80, 60), faceAt(320, 240, 120), faceAt(600, 100, 130)];
    expect(chooseFace(faces, undefined, 640, 480)).toBe(1);
    const prev = { x: 550, y: 40, w: 120, h: 120 };
    expect(chooseFace(faces, prev, 640, 480)).toBe(2);
    // The followed person left: a face elsewhere is not them.
    expect(chooseFace([faceAt(80, 80, 100)], prev, 640, 480)).toBe(-1);
  });
});

describe('gap bridging', () => {
  it('interpolates short inner gaps (bridged), fills long ones and the ends (filled), and reports them', () => {
    const T = 20;
    const lm = new Float32Array(T * P);
    const boxes = new Float32Array(T * 4);
    const found = Array.from({ length: T }, (_, t) => !(t < 2 || (t >= 5 && t <= 6) || (t >= 10 && t <= 16)));
    for (let t = 0; t < T; t++) if (found[t]) { lm.fill(t, t * P, (t + 1) * P); boxes.fill(t, t * 4, t * 4 + 4); }
    const status = new Uint8Array(T);
    const gaps = fillGaps(lm, boxes, found, status, 3);
    expect(gaps).toEqual([
      { start: 0, end: 1, frames: 2, kind: 'long' },
      { start: 5, end: 6, frames: 2, kind: 'bridged' },
      { start: 10, end: 16, frames: 7, kind: 'long' },
    ]);
    expect(Array.from(status.subarray(0, 8))).toEqual([FRAME_FILLED, FRAME_FILLED, FRAME_TRACKED, FRAME_TRACKED, FRAME_TRACKED, FRAME_BRIDGED, FRAME_BRIDGED, FRAME_TRACKED]);
    expect(lm[0]).toBe(2); // held from the first tracked frame
    expect(lm[5 * P + 10]).toBeCloseTo(5, 6); // linear between frame 4 (4) and 7 (7)
    expect(lm[6 * P]).toBeCloseTo(6, 6);
    expect(lm[13 * P]).toBeCloseTo(13, 6);
    expect(boxes[13 * 4]).toBeCloseTo(13, 6);
  });

  it('reports the whole clip as one long gap when no face was ever found', () => {
    const status = new Uint8Array(5);
    expect(fillGaps(new Float32Array(5 * P), new Float32Array(20), [false, false, false, false, false], status, 3)).toEqual([{ start: 0, end: 4, frames: 5, kind: 'long' }]);
  });
});
