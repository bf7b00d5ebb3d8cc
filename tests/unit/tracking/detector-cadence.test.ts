import { describe, expect, it } from 'vitest';
import { detectorDue, type DetectorState } from '../../../src/engine/tracking/face-tracker';

/** Replays a tracker's cadence over frames: which frames run the detector. */
function detectionFrames(frames: number, detectEvery: number, opts: { redetectAt?: number[]; noFaceAt?: number[] } = {}): number[] {
  let s: DetectorState = { framesSeen: 0, sinceDetect: 0, lastFound: false };
  const out: number[] = [];
  for (let f = 0; f < frames; f++) {
    const detect = detectorDue(s, opts.redetectAt?.includes(f) ?? false, detectEvery);
    if (detect) out.push(f);
    s = { framesSeen: s.framesSeen + 1, sinceDetect: detect ? 1 : s.sinceDetect + 1, lastFound: !(opts.noFaceAt?.includes(f) ?? false) };
  }
  return out;
}

describe('face tracker: when the detector runs', () => {
  it('on the first frame and then every detectEvery frames', () => {
    expect(detectionFrames(25, 10)).toEqual([0, 10, 20]);
    expect(detectionFrames(4, 1)).toEqual([0, 1, 2, 3]);
  });

  it('when asked (a chunk start), restarting the cadence there', () => {
    expect(detectionFrames(30, 10, { redetectAt: [4] })).toEqual([0, 4, 14, 24]);
  });

  it('on the frame after one without a face, until a face is found again', () => {
    expect(detectionFrames(20, 10, { noFaceAt: [3, 4] })).toEqual([0, 4, 5, 15]);
  });
});
