import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportVideo, previewPathFor } from '../../../src/engine/export/export-video';
import { ReferenceFrames } from '../../../src/engine/export/reference-frames';
import { FootagePathReader } from '../../../src/engine/export/footage-path-reader';
import { OffThreadVideoWriter } from '../../../src/engine/export/off-thread-video-writer';
import { RawFrameStream } from '../../../src/engine/media/raw-frame-stream';
import { frameCountForDuration, pingPongIndex, referenceFrameFor, resampleCurves, presetFilter, PRESETS } from '../../../src/engine/export/timing';
import { fillPolygon, softenMask, growMask, squareFeather } from '../../../src/engine/export/mask';
import { resizeRgb, blendPatch } from '../../../src/engine/export/compose';
import { probeMedia, ffprobePath, runProcess } from '../../../src/engine/media/ffmpeg';
import { isCancelled, UserError } from '../../../src/engine/util/errors';
import { makeTinyPersona } from './fixture';

describe('export timing', () => {
  it('plays the reference back and forth (ping-pong)', () => {
    expect(Array.from({ length: 12 }, (_, i) => pingPongIndex(i, 4))).toEqual([0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1]);
    expect(Array.from({ length: 4 }, (_, i) => pingPongIndex(i, 1))).toEqual([0, 0, 0, 0]);
    expect(Array.from({ length: 5 }, (_, i) => pingPongIndex(i, 2))).toEqual([0, 1, 0, 1, 0]);
    // Consecutive indices never jump by more than one frame.
    for (let i = 1; i < 500; i++) expect(Math.abs(pingPongIndex(i, 7) - pingPongIndex(i - 1, 7))).toBe(1);
  });

  it('maps output frames to reference frames on the reference clock', () => {
    // 30 fps output over a 25 fps reference: frame 30 is one second in, reference frame 25.
    expect(referenceFrameFor(30, 30, 25, 200)).toBe(25);
    expect(referenceFrameFor(0, 30, 25, 200)).toBe(0);
    // Past the end, it comes back: 1 s after the last frame of a 1 s clip (T=26 frames) is frame 0.
    expect(referenceFrameFor(50, 25, 25, 26)).toBe(0);
  });

  it('covers the audio within half a frame', () => {
    expect(frameCountForDuration(24.36, 25)).toBe(609);
    expect(frameCountForDuration(24.36, 30)).toBe(731);
    for (let k = 0; k < 200; k++) {
      const d = 0.05 + k * 0.173;
      for (const fps of [25, 30]) {
        const n = frameCountForDuration(d, fps);
        expect(Math.abs(n / fps - d)).toBeLessThanOrEqual(0.5 / fps + 1e-9);
      }
    }
    expect(() => frameCountForDuration(0, 25)).toThrow();
  });

  it('resamples curves in time', () => {
    const c = Float32Array.from([0, 10, 1, 20, 2, 30]); // 3 frames x 2 channels at 10 fps
    expect(Array.from(resampleCurves(c, 2, 10, 3, 10))).toEqual([0, 10, 1, 20, 2, 30]);
    expect(Array.from(resampleCurves(c, 2, 10, 5, 20))).toEqual([0, 10, 0.5, 15, 1, 20, 1.5, 25, 2, 30]);
    // Past the end the last frame is held.
    expect(Array.from(resampleCurves(c, 2, 10, 5, 10)).slice(6)).toEqual([2, 30, 2, 30]);
  });

  it('builds preset filters with even, in-frame geometry', () => {
    expect(presetFilter(PRESETS.square512, 1280, 720, { x: 1200, y: 300 })).toBe('crop=720:720:560:0,scale=512:512:flags=lanczos,setsar=1');
    expect(presetFilter(PRESETS['720p'], 512, 512, { x: 256, y: 256 })).toBe('scale=720:720:flags=lanczos,pad=1280:720:280:0:black,setsar=1');
    // Same aspect as the source: scaled, nothing cropped, no bars.
    expect(presetFilter(PRESETS['1080p'], 1280, 720, { x: 0, y: 0 })).toBe('scale=1920:1080:flags=lanczos,setsar=1');
    // fill: a 16:9 crop of the square source around the face, scaled up; no bars.
    expect(presetFilter(PRESETS['720p'], 512, 512, { x: 256, y: 200 }, 'fill')).toBe('crop=512:288:0:56,scale=1280:720:flags=lanczos,setsar=1');
    // A vertical phone video keeps its size and aspect with the source preset (nothing to filter).
    expect(presetFilter(PRESETS.source, 1080, 1920, { x: 540, y: 700 })).toBe('setsar=1');
  });
});

describe('soft masks and compositing', () => {
  it('fills a polygon at pixel centres', () => {
    const m = fillPolygon([2, 2, 12, 2, 12, 8, 2, 8], 16, 16);
    expect(m.reduce((s, v) => s + v, 0)).toBe(10 * 6);
    expect(m[5 * 16 + 5]).toBe(1);
    expect(m[0]).toBe(0);
  });

  it('feathers: interior stays 1, far outside 0, a monotone ramp across the edge', () => {
    const W = 64;
    const m = fillPolygon([16, 16, 48, 16, 48, 48, 16, 48], W, W);
    softenMask(m, W, W, 6);
    expect(m[32 * W + 32]).toBeCloseTo(1, 5);
    expect(m[2 * W + 2]).toBe(0);
    const row = Array.from({ length: 20 }, (_, k) => m[32 * W + 6 + k]);
    for (let k = 1; k < row.length; k++) expect(row[k]).toBeGreaterThanOrEqual(row[k - 1] - 1e-6);
    expect(row[0]).toBeLessThan(0.05);
    expect(row[row.length - 1]).toBeGreaterThan(0.95);
    expect(m[32 * W + 16]).toBeGreaterThan(0.3);
    expect(m[32 * W + 16]).toBeLessThan(0.7);
  });

  it('grows and shrinks masks', () => {
    const W = 64;
    const area = (m: Float32Array) => m.reduce((s, v) => s + v, 0);
    const base = area(fillPolygon([20, 20, 44, 20, 44, 44, 20, 44], W, W));
    const grown = area(growMask(fillPolygon([20, 20, 44, 20, 44, 44, 20, 44], W, W), W, W, 4));
    const shrunk = area(growMask(fillPolygon([20, 20, 44, 20, 44, 44, 20, 44], W, W), W, W, -4));
    expect(grown).toBeGreaterThan(base * 1.3);
    expect(shrunk).toBeLessThan(base * 0.8);
    expect(shrunk).toBeGreaterThan(0);
  });

  it('has a feathered square border', () => {
    const m = squareFeather(32, 8);
    expect(m[16 * 32 + 16]).toBe(1);
    expect(m[0]).toBeLessThan(0.01);
    expect(m[16 * 32 + 0]).toBeLessThan(0.02);
    expect(m[16 * 32 + 4]).toBeGreaterThan(0.2);
    expect(m[16 * 32 + 4]).toBeLessThan(0.8);
  });

  it('blends a patch through the mask and resizes bilinearly', () => {
    const frame = new Uint8Array(4 * 4 * 3).fill(100);
    const patch = new Uint8Array(2 * 2 * 3).fill(200);
    blendPatch(frame, 4, 4, patch, Float32Array.from([1, 0.5, 0, 0.25]), 2, 1, 1);
    expect(frame[(1 * 4 + 1) * 3]).toBe(200);
    expect(frame[(1 * 4 + 2) * 3]).toBe(150);
    expect(frame[(2 * 4 + 1) * 3]).toBe(100);
    expect(frame[(2 * 4 + 2) * 3]).toBe(125);
    expect(frame[0]).toBe(100);
    const up = resizeRgb(Uint8Array.from([0, 0, 0, 255, 255, 255]), 2, 1, 4, 1);
    expect(Array.from(up).filter((_, i) => i % 3 === 0)).toEqual([0, 64, 191, 255]);
  });
});

describe('MP4 export', () => {
  let root: string;
  let fx: Awaited<ReturnType<typeof makeTinyPersona>>;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'facial-export-'));
    fx = await makeTinyPersona(root, { frames: 10, audioS: 0.6 });
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const outDirFiles = async (dir: string) => (await fs.readdir(dir)).sort();

  it('reads reference frames by index, forwards and backwards, exactly like a straight decode', async () => {
    const seq = new RawFrameStream(fx.video, 64, 64);
    const all: Uint8Array[] = [];
    for (let f = await seq.next(); f; f = await seq.next()) all.push(f);
    await seq.close();
    expect(all.length).toBe(10);
    const ref = new ReferenceFrames(fx.video, 64, 64, 25, 10);
    try {
      for (let i = 0; i < 30; i++) {
        const j = pingPongIndex(i, 10);
        expect(Buffer.from(await ref.get(j)).equals(Buffer.from(all[j]))).toBe(true);
      }
      // A jump backwards and a jump forwards (seeks).
      expect(Buffer.from(await ref.get(7)).equals(Buffer.from(all[7]))).toBe(true);
      expect(Buffer.from(await ref.get(2)).equals(Buffer.from(all[2]))).toBe(true);
      expect(Buffer.from(await ref.get(9)).equals(Buffer.from(all[9]))).toBe(true);
    } finally {
      await ref.close();
    }
  });

  it('plays an export\'s source path on a worker thread: the same frames as read on this thread, cuts and steps back included', async () => {
    const pathFrames = Int32Array.from([0, 1, 2, 3, 2, 1, 7, 8, 9, 9, 4, 5, 0]);
    const ref = new ReferenceFrames(fx.video, 64, 64, 25, 10);
    const reader = new FootagePathReader({ file: fx.video, width: 64, height: 64, fps: 25, frameCount: 10, path: pathFrames }, { ahead: 2 });
    try {
      for (let i = 0; i < pathFrames.length; i++) {
        expect(Buffer.from(await reader.next()).equals(Buffer.from(await ref.get(pathFrames[i])))).toBe(true);
      }
      // Past the path's end: an error, not a hang.
      await expect(reader.next()).rejects.toThrow(/ended after 13 frames/);
    } finally {
      await Promise.all([reader.close(), ref.close()]);
    }
    // A file that cannot be read: the decoder's error reaches the caller.
    const bad = new FootagePathReader({ file: path.join(root, 'missing.mp4'), width: 64, height: 64, fps: 25, frameCount: 10, path: Int32Array.of(0) });
    await expect(bad.next()).rejects.toThrow(/missing\.mp4/);
    await bad.close();
    // Cancelled: next() says so at once.
    const ac = new AbortController();
    const cancelled = new FootagePathReader({ file: fx.video, width: 64, height: 64, fps: 25, frameCount: 10, path: pathFrames }, { signal: ac.signal });
    ac.abort();
    await expect(cancelled.next()).rejects.toSatisfy(isCancelled);
    await cancelled.close();
  });

  it('encodes on a worker thread: the MP4 appears only when finished, and nothing is left after an abort', async () => {
    const dir = path.join(root, 'offthread');
    await fs.mkdir(dir, { recursive: true });
    const frame = () => Uint8Array.from({ length: 64 * 64 * 3 }, (_, k) => (k * 7) % 251);
    const w = new OffThreadVideoWriter({ out: path.join(dir, 'a.mp4'), width: 64, height: 64, fps: 25 });
    for (let i = 0; i < 6; i++) await w.write(frame());
    expect(await w.finish()).toBe(path.join(dir, 'a.mp4'));
    expect((await probeMedia(path.join(dir, 'a.mp4'))).video?.frameCount).toBe(6);
    const aborted = new OffThreadVideoWriter({ out: path.join(dir, 'b.mp4'), width: 64, height: 64, fps: 25 });
    await aborted.write(frame());
    await aborted.abort();
    expect(await outDirFiles(dir)).toEqual(['a.mp4']);
    // A frame of the wrong size: the worker's error, then nothing written.
    const wrong = new OffThreadVideoWriter({ out: path.join(dir, 'c.mp4'), width: 64, height: 64, fps: 25 });
    const err = await (async () => { await wrong.write(new Uint8Array(10)); await wrong.write(frame()); await wrong.finish(); })().then(() => undefined, (e: unknown) => e);
    expect(String(err)).toMatch(/frame has 10 bytes/);
    await wrong.abort();
    expect(await outDirFiles(dir)).toEqual(['a.mp4']);
  });

  it('writes a preview MP4 (H.264 yuv420p + AAC, faststart) as long as the audio, labelled preview', async () => {
    const dir = path.join(root, 'ok');
    const progress: number[] = [];
    const r = await exportVideo({ persona: fx.personaDir, audio: fx.audio, out: path.join(dir, 'talk.mp4'), curves: fx.curves, preset: 'square512', fps: 25, onProgress: (p) => progress.push(p.fraction) });
    expect(r.kind).toBe('preview');
    // Written exactly at --out; the preview is said in the label and the file's metadata.
    expect(path.basename(r.path)).toBe('talk.mp4');
    expect(r.frames).toBe(15);
    expect(await outDirFiles(dir)).toEqual(['talk.mp4']);
    const info = await probeMedia(r.path);
    expect(info.video?.codec).toBe('h264');
    expect(info.video?.width).toBe(512);
    expect(info.audio?.codec).toBe('aac');
    expect(Math.abs(info.durationS - 0.6)).toBeLessThanOrEqual(1 / 25);
    const probe = await runProcess(ffprobePath(), ['-v', 'error', '-show_entries', 'stream=pix_fmt:format_tags=comment', '-of', 'json', r.path]);
    const j = JSON.parse(probe.stdout.toString()) as { streams: { pix_fmt?: string }[]; format: { tags?: { comment?: string } } };
    expect(j.streams.some((s) => s.pix_fmt === 'yuv420p')).toBe(true);
    expect(j.format.tags?.comment).toMatch(/PREVIEW/);
    // faststart: the moov atom comes before mdat.
    const head = (await fs.readFile(r.path)).subarray(0, 4096).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat') < 0 ? Infinity : head.indexOf('mdat'));
    for (let k = 1; k < progress.length; k++) expect(progress[k]).toBeGreaterThanOrEqual(progress[k - 1]);
    expect(progress[progress.length - 1]).toBe(1);
  });

  it('frames another aspect as asked: 720p fill is 1280x720 cropped around the face, the source preset keeps the source size', async () => {
    const dir = path.join(root, 'framing');
    const fill = await exportVideo({ persona: fx.personaDir, audio: fx.audio, out: path.join(dir, 'fill.mp4'), curves: fx.curves, preset: '720p', framing: 'fill' });
    expect(fill).toMatchObject({ framing: 'fill', width: 1280, height: 720 });
    expect((await probeMedia(fill.path)).video).toMatchObject({ width: 1280, height: 720 });
    const source = await exportVideo({ persona: fx.personaDir, audio: fx.audio, out: path.join(dir, 'source.mp4'), curves: fx.curves, preset: 'source' });
    const info = await probeMedia(source.path);
    expect(source.framing).toBe('source');
    expect([info.video?.width, info.video?.height]).toEqual([source.width, source.height]);
    await expect(exportVideo({ persona: fx.personaDir, audio: fx.audio, out: path.join(dir, 'x.mp4'), curves: fx.curves, framing: 'stretch' as never })).rejects.toThrow(/Unknown framing/);
  });

  it('cancelled mid-export: no output file and no temp file', async () => {
    const dir = path.join(root, 'cancel');
    const ac = new AbortController();
    const err = await exportVideo({
      persona: fx.personaDir, audio: fx.audio, out: path.join(dir, 'talk.mp4'), curves: fx.curves, signal: ac.signal,
      onProgress: (p) => { if (p.stage === 'render' && (p.data?.frame as number) >= 6) ac.abort(); },
    }).then(() => undefined, (e: unknown) => e);
    expect(isCancelled(err)).toBe(true);
    expect(await outDirFiles(dir)).toEqual([]);
  });

  it('a failing encoder: a clear error, no output file and no temp file', async () => {
    const dir = path.join(root, 'fail');
    await fs.mkdir(dir, { recursive: true });
    // A stand-in "ffmpeg" that writes a partial file to its output argument, reads a little, then fails.
    const fake = path.join(root, 'fake-ffmpeg.sh');
    await fs.writeFile(fake, '#!/bin/sh\nfor a in "$@"; do out="$a"; done\nprintf partial > "$out"\nhead -c 20000 > /dev/null\necho "disk full (simulated)" >&2\nexit 1\n', { mode: 0o755 });
    const err = await exportVideo({ persona: fx.personaDir, audio: fx.audio, out: path.join(dir, 'talk.mp4'), curves: fx.curves, ffmpegBinary: fake }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('export-encode-failed');
    expect((err as UserError).message).toMatch(/disk full/);
    expect(await outDirFiles(dir)).toEqual([]);
  });

  it('refuses a non-mp4 target and a photoreal export without a trained renderer', async () => {
    await expect(exportVideo({ persona: fx.personaDir, audio: fx.audio, out: path.join(root, 'x.mov') })).rejects.toThrow(/\.mp4/);
    await expect(exportVideo({ persona: fx.personaDir, audio: fx.audio, out: path.join(root, 'y.mp4'), mode: 'photoreal', curves: new Float32Array(71 * 3) })).rejects.toThrow(/no trained renderer/);
    expect(previewPathFor('/a/b/talk.mp4')).toBe('/a/b/talk.preview.mp4');
    expect(previewPathFor('/a/b/my-preview.mp4')).toBe('/a/b/my-preview.mp4');
  });
});
