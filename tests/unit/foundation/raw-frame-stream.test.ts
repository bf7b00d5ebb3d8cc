import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MediaInfo } from '../../../src/engine/media/ffmpeg';
import { RawFrameStream } from '../../../src/engine/media/raw-frame-stream';
import { trackVideo } from '../../../src/engine/tracking/track-video';
import type { LaneResult, TrackerLanes } from '../../../src/engine/tracking/tracker-pool';
import { isCancelled } from '../../../src/engine/util/errors';
import { makeTestClip } from '../../helpers/test-clip';

/** The cancellation promise of issue 13: any stage ends within 2 s of an abort. */
const END_WITHIN_MS = 2000;
const W = 320, H = 240, FRAMES = 250;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a process still exists (a zombie not yet reaped counts). */
function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** ffmpeg processes (not zombies) whose command line names `file` (Linux /proc; empty elsewhere). */
function ffmpegReading(file: string): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\)\s+/, '')[0];
      if (cmd.includes('ffmpeg') && cmd.includes(file) && state !== 'Z') out.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** Aborts, then measures how long `ended` takes to settle; it must reject with CancelledError. */
async function abortAndTime(ctl: AbortController, ended: Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  ctl.abort();
  const err = await ended.then(() => undefined, (e: unknown) => e);
  expect(isCancelled(err), String(err)).toBe(true);
  return performance.now() - t0;
}

describe('RawFrameStream: ends within 2 s of an abort in any state, leaving no ffmpeg', () => {
  let tmp: string;
  let clip: string;
  let info: MediaInfo;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'raw-frames-'));
    ({ clip, info } = await makeTestClip(tmp, W, H, FRAMES));
  }, 60_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('decodes every frame in order when nobody aborts', async () => {
    const s = new RawFrameStream(clip, W, H);
    let n = 0;
    for (let f = await s.next(); f; f = await s.next()) {
      expect(f.length).toBe(W * H * 3);
      n++;
    }
    await s.close();
    expect(n).toBe(FRAMES);
    expect(s.exit?.code).toBe(0);
  });

  it('an already aborted signal starts no ffmpeg', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const s = new RawFrameStream(clip, W, H, { signal: ctl.signal });
    expect(s.pid).toBeUndefined();
    await expect(s.next()).rejects.toThrow(/Cancelled/);
    await s.close();
  });

  it('abort while the consumer waits for the first frame', async () => {
    const ctl = new AbortController();
    const s = new RawFrameStream(clip, W, H, { signal: ctl.signal });
    const pid = s.pid;
    const ms = await abortAndTime(ctl, s.next());
    await s.close();
    expect(ms).toBeLessThan(END_WITHIN_MS);
    expect(alive(pid)).toBe(false);
  });

  it('abort while the consumer is slow and ffmpeg is paused behind it', async () => {
    const ctl = new AbortController();
    const s = new RawFrameStream(clip, W, H, { signal: ctl.signal });
    const pid = s.pid;
    await s.next();
    await s.next();
    await delay(400); // the consumer dawdles: ffmpeg fills the buffer and is paused
    expect(alive(pid)).toBe(true);
    expect(ffmpegReading(clip)).toContain(pid);
    const t0 = performance.now();
    ctl.abort();
    await expect(s.next()).rejects.toThrow(/Cancelled/);
    await s.close();
    expect(performance.now() - t0).toBeLessThan(END_WITHIN_MS);
    expect(alive(pid)).toBe(false);
    expect(ffmpegReading(clip)).toEqual([]);
  });

  it('close() while ffmpeg is paused, without an abort, also ends it at once', async () => {
    const s = new RawFrameStream(clip, W, H);
    const pid = s.pid;
    await s.next();
    await delay(300);
    const t0 = performance.now();
    await s.close();
    expect(performance.now() - t0).toBeLessThan(END_WITHIN_MS);
    expect(alive(pid)).toBe(false);
    expect(await s.next()).toBeUndefined();
  });

  it('tracking a video: abort mid-clip while the trackers are slow and decoding is paused', async () => {
    // Lanes that take 50 ms a frame and find no face: decoding runs ahead and is paused.
    const tracked: number[] = [];
    const lanes: TrackerLanes = {
      count: 2, depth: 2, subPixel: false, triangles: [], uvs: [],
      track: async (_lane, index): Promise<LaneResult> => {
        await delay(50);
        tracked.push(index);
        return { faces: [] };
      },
    };
    for (const abortAfterFrames of [0, 3, 20]) {
      const ctl = new AbortController();
      const run = trackVideo(clip, info, { signal: ctl.signal, tracker: lanes });
      run.catch(() => undefined);
      tracked.length = 0;
      while (tracked.length < abortAfterFrames) await delay(5);
      if (abortAfterFrames > 0) await delay(100);
      const ms = await abortAndTime(ctl, run);
      expect(ms, `abort after ${abortAfterFrames} frames`).toBeLessThan(END_WITHIN_MS);
      expect(ffmpegReading(clip), `abort after ${abortAfterFrames} frames`).toEqual([]);
    }
  }, 30_000);
});
