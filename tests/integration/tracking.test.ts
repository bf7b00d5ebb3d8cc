import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { RawFrameStream } from '../../src/engine/media/raw-frame-stream';
import { FaceTracker, REFINE_PASSES } from '../../src/engine/tracking/face-tracker';
import { sharedData, skipNoSharedData } from '../helpers/repo';

/**
 * The tracker on frames where its detector ran, on the vertical phone clip
 * (../shared/data/vertical_demo2_20s.mp4, 1080x1920, a bearded man, face ~260 px wide).
 * A mesh fitted in the detector's box read his closed mouth 10-20 px open on every
 * detection frame (every 10th frame: the persona's landmarks and the quality report
 * alike); re-running the mesh from its own box (REFINE_PASSES) puts it where following
 * the face from frame to frame puts it.
 */
const CLIP = path.join(sharedData, 'vertical_demo2_20s.mp4');
const W = 1080, H = 1920;
const FIRST = 60, FRAMES = 61, EVERY = 10;

/** Inner-lip gap (landmarks 13-14), frame pixels. */
const lipGap = (lm: Float32Array) => Math.hypot(lm[13 * 3] - lm[14 * 3], lm[13 * 3 + 1] - lm[14 * 3 + 1]);

/** Mean |gap - mean of its two neighbours| over the inner frames, split by whether the detector ran there. */
function spikes(gap: number[]): { detection: number; other: number } {
  const det: number[] = [], other: number[] = [];
  for (let i = 1; i + 1 < gap.length; i++) (i % EVERY === 0 ? det : other).push(Math.abs(gap[i] - (gap[i - 1] + gap[i + 1]) / 2));
  const m = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return { detection: m(det), other: m(other) };
}

describe.skipIf(Boolean(skipNoSharedData))(`face tracker on detection frames${skipNoSharedData ? ` (${skipNoSharedData})` : ''}`, () => {
  const gaps = { refined: [] as number[], unrefined: [] as number[] };

  /** The gaps of the frames, tracked in order by one tracker (human keeps its boxes per process: one tracker at a time). */
  async function trackGaps(tracker: FaceTracker): Promise<number[]> {
    const out: number[] = [];
    const stream = new RawFrameStream(CLIP, W, H, { fps: 25, startFrame: FIRST, frames: FRAMES });
    try {
      for (let f = await stream.next(); f; f = await stream.next()) {
        const faces = await tracker.track(f, W, H);
        expect(faces.length).toBe(1);
        out.push(lipGap(faces[0].landmarks));
      }
    } finally {
      await stream.close();
    }
    return out;
  }

  beforeAll(async () => {
    gaps.refined = await trackGaps(await FaceTracker.create({ detectEvery: EVERY }));
    gaps.unrefined = await trackGaps(await FaceTracker.create({ detectEvery: EVERY, refinePasses: 0 }));
  });

  it(`the inner-lip gap on detection frames agrees with the frames around them (${REFINE_PASSES} refine passes)`, () => {
    expect(gaps.refined).toHaveLength(FRAMES);
    const r = spikes(gaps.refined), u = spikes(gaps.unrefined);
    // Measured: refined 0.5 px on detection frames vs 1.2 px elsewhere; in the detector's own box 14.6 px.
    console.log(`inner-lip gap spikes (px): refined ${r.detection.toFixed(2)} on detection frames, ${r.other.toFixed(2)} elsewhere; unrefined ${u.detection.toFixed(2)}`);
    expect(r.detection).toBeLessThan(Math.max(2, 2 * r.other));
    expect(r.detection).toBeLessThan(u.detection);
  });
});
