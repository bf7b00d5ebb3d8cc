import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../../src/engine/media/ffmpeg';
import { mergeReadings, SECOND_READING_FRAMES, SECOND_READING_PHASE, takeSecondReading } from '../../../src/engine/persona/second-reading';
import { loadPersonaTrack, loadSecondReading, TRACK_FILES, writeTrackRecord } from '../../../src/engine/persona/track-record';
import { writeNpy } from '../../../src/engine/io/npy';
import { LANDMARK_COUNT } from '../../../src/engine/tracking/face-tracker';
import type { LaneResult, TrackerLanes } from '../../../src/engine/tracking/tracker-pool';
import { FRAME_BRIDGED, FRAME_TRACKED, trackVideo, type VideoTrack } from '../../../src/engine/tracking/track-video';
import { makeTestClip } from '../../helpers/test-clip';

/**
 * The second reading of a clip (persona/second-reading.ts): the clip tracked again with
 * the detector's cadence shifted by half a chunk, kept beside the track. Tracked here with
 * stand-in trackers on a generated clip: which frames start a chunk (run the detector),
 * on which lane, and what the kept reading holds.
 */

const W = 64, H = 48, FRAMES = 30, N = LANDMARK_COUNT * 3;

/** A face whose landmarks span a box in the frame's middle; every z holds `mark`. */
function face(mark: number): Float32Array {
  const lm = new Float32Array(N);
  for (let i = 0; i < LANDMARK_COUNT; i++) lm.set([16 + (i % 22) * 1.5, 8 + Math.floor(i / 22) * 1.5, mark], i * 3);
  return lm;
}

/** Stand-in lanes: log every frame sent (lane, detector asked), answer with a face marked by `mark` (none where it says so). */
function lanes(count: number, mark: (index: number) => number | undefined, log: Array<{ lane: number; index: number; redetect: boolean }>): TrackerLanes {
  return {
    count, depth: 10, subPixel: true, triangles: [], uvs: [],
    track: async (lane, index, _rgb, _w, _h, req): Promise<LaneResult> => {
      log.push({ lane, index, redetect: req.redetect });
      const m = mark(index);
      return { faces: m === undefined ? [] : [{ landmarks: face(m), box: [16, 8, 32, 32], score: 0.9 }] };
    },
  };
}

describe('persona: the second reading', () => {
  let tmp: string;
  let clip: string;
  let info: MediaInfo;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'second-reading-'));
    ({ clip, info } = await makeTestClip(tmp, W, H, FRAMES));
  }, 60_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('shifts the chunks, and with them the detector, by the phase; the first frame always detects', async () => {
    const plain: Array<{ lane: number; index: number; redetect: boolean }> = [];
    await trackVideo(clip, info, { tracker: lanes(2, () => 1, plain) });
    expect(plain.filter((c) => c.redetect).map((c) => c.index)).toEqual([0, 10, 20]);
    expect(plain.sort((a, b) => a.index - b.index).map((c) => c.lane)).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(0)]);

    const shifted: typeof plain = [];
    await trackVideo(clip, info, { tracker: lanes(2, () => 1, shifted), detectPhase: SECOND_READING_PHASE });
    expect(SECOND_READING_PHASE).toBe(5);
    expect(shifted.filter((c) => c.redetect).map((c) => c.index)).toEqual([0, 5, 15, 25]);
    // Each chunk stays on one lane, from its detection to the next chunk's.
    expect(shifted.sort((a, b) => a.index - b.index).map((c) => c.lane)).toEqual([...Array(5).fill(0), ...Array(10).fill(1), ...Array(10).fill(0), ...Array(5).fill(1)]);

    // The second reading tracks the first five frames of each shifted chunk only: the first pass's frames 5-9.
    const halves: typeof plain = [];
    const track = await trackVideo(clip, info, { tracker: lanes(2, () => 1, halves), detectPhase: SECOND_READING_PHASE, trackedPerChunk: SECOND_READING_FRAMES });
    expect(halves.map((c) => c.index).sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 25, 26, 27, 28, 29]);
    expect(halves.filter((c) => c.redetect).map((c) => c.index)).toEqual([5, 15, 25]);
    expect(track.frameCount).toBe(FRAMES);
    expect(track.trackedFrames).toBe(15);
  });

  it('keeps the second track\'s landmarks where it found the face, the first\'s elsewhere', async () => {
    const log: Array<{ lane: number; index: number; redetect: boolean }> = [];
    const first = await trackVideo(clip, info, { tracker: lanes(1, () => 1, log) });
    // The second pass (marked 2) reads frames 5-9, 15-19, 25-29 and loses the face on frame 17.
    const withSecond = await takeSecondReading(clip, info, first, lanes(1, (i) => (i === 17 ? undefined : 2), log));
    expect(withSecond.landmarks).toBe(first.landmarks);
    const z = (t: number) => withSecond.secondReading![t * N + 2];
    expect([14, 15, 16, 17, 18, 19, 20].map(z)).toEqual([1, 2, 2, 1, 2, 2, 1]);
    // A track of another length (decoded differently) gives no second opinion.
    const other = { frameCount: FRAMES - 1, landmarks: new Float32Array((FRAMES - 1) * N).fill(7), status: new Uint8Array(FRAMES - 1) };
    expect(mergeReadings(first, other)).toEqual(first.landmarks);
    const bridged = { frameCount: FRAMES, landmarks: new Float32Array(FRAMES * N).fill(7), status: new Uint8Array(FRAMES).fill(FRAME_BRIDGED) };
    bridged.status[3] = FRAME_TRACKED;
    const merged = mergeReadings(first, bridged);
    expect(merged[3 * N]).toBe(7);
    expect(merged[4 * N]).toBe(first.landmarks[4 * N]);
  });

  it('is kept with the track and read back; a damaged or foreign file is ignored', async () => {
    const dir = mkdtempSync(path.join(tmp, 'persona-'));
    const first = await trackVideo(clip, info, { tracker: lanes(1, () => 1, []) });
    const track: VideoTrack = { ...first, secondReading: new Float32Array(FRAMES * N).fill(3) };
    await writeTrackRecord(dir, track);
    const back = await loadPersonaTrack(dir);
    expect(back?.secondReading).toEqual(track.secondReading);
    expect(await loadSecondReading(dir, FRAMES)).toEqual(track.secondReading);
    expect(await loadSecondReading(dir, FRAMES + 1)).toBeUndefined();
    const bad = new Float32Array(FRAMES * N).fill(3);
    bad[100] = Number.NaN;
    await writeNpy(path.join(dir, TRACK_FILES.secondReading), bad, [FRAMES, LANDMARK_COUNT, 3]);
    expect(await loadSecondReading(dir, FRAMES)).toBeUndefined();
    await writeNpy(path.join(dir, TRACK_FILES.secondReading), new Float32Array(FRAMES * 3), [FRAMES, 1, 3]);
    expect(await loadSecondReading(dir, FRAMES)).toBeUndefined();
    // The track itself is still read: the plan then trusts its one reading.
    const again = await loadPersonaTrack(dir);
    expect(again?.frameCount).toBe(FRAMES);
    expect(again?.secondReading).toBeUndefined();
  });
});
