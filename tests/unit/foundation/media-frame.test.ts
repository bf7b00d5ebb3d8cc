import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, statSync, existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiHost } from '../../../src/host/api-host';
import { ffmpegPath, runProcess } from '../../../src/engine/media/ffmpeg';

/** Mean luma of an image file, decoded by ffmpeg (the test's independent reader). */
async function meanLuma(file: string): Promise<number> {
  const r = await runProcess(ffmpegPath(), ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
  expect(r.code).toBe(0);
  let sum = 0;
  for (const b of r.stdout) sum += b;
  return sum / r.stdout.length;
}

/** media.frame through the ApiHost: real ffmpeg on a generated H.264 clip whose frame N has luma 16 + 6N. */
describe('media.frame', () => {
  let tmp: string;
  let host: ApiHost;
  let dir: string;
  let mediaId: string;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'media-frame-'));
    process.env.FACIAL_STUDIO_HOME = path.join(tmp, 'home');
    host = new ApiHost({ mode: 'test', launcher: { entry: '/nonexistent' } });
    dir = (await host.call('project.create', { dir: path.join(tmp, 'p'), name: 'P' })).dir;
    const clip = path.join(tmp, 'ramp.mp4');
    const r = await runProcess(ffmpegPath(), [
      '-v', 'error', '-f', 'lavfi', '-i', "color=c=black:s=96x64:r=25:d=1.2,format=gray,geq=lum='16+6*N'",
      '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', clip,
    ]);
    expect(r.code, r.stderr).toBe(0);
    mediaId = (await host.call('media.import', { projectDir: dir, path: clip, role: 'reference' })).media.id;
  }, 60_000);
  afterAll(async () => {
    await host.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('extracts the exact frame into cache/frames and serves it from the cache afterwards', async () => {
    for (const frame of [0, 7, 12, 29]) {
      const r = await host.call('media.frame', { projectDir: dir, mediaId, frame });
      expect(r.frame).toBe(frame);
      expect(path.dirname(r.file)).toBe(path.join(dir, 'cache', 'frames'));
      expect(await host.servablePath(r.file)).toBe(realpathSync(r.file));
      expect(await meanLuma(r.file)).toBeCloseTo(16 + 6 * frame, -0.5); // within ±1.6 (JPEG)
    }
    const first = await host.call('media.frame', { projectDir: dir, mediaId, frame: 7 });
    const mtime = statSync(first.file).mtimeMs;
    const again = await host.call('media.frame', { projectDir: dir, mediaId, frame: 7 });
    expect(again.file).toBe(first.file);
    expect(statSync(again.file).mtimeMs).toBe(mtime);
  }, 60_000);

  it('scales to maxSize, keeping the aspect ratio, and shares one run between concurrent asks', async () => {
    const [a, b] = await Promise.all([
      host.call('media.frame', { projectDir: dir, mediaId, frame: 3, maxSize: 48 }),
      host.call('media.frame', { projectDir: dir, mediaId, frame: 3, maxSize: 48 }),
    ]);
    expect(a.file).toBe(b.file);
    const probe = await runProcess(ffmpegPath(), ['-v', 'error', '-i', a.file, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
    expect(probe.stdout.length).toBe(48 * 32);
  }, 60_000);

  it('refuses unknown media, frames past the end and media without video, with clear errors', async () => {
    await expect(host.call('media.frame', { projectDir: dir, mediaId: 'nope', frame: 0 })).rejects.toMatchObject({ code: 'media-not-found' });
    await expect(host.call('media.frame', { projectDir: dir, mediaId, frame: 30 })).rejects.toMatchObject({ code: 'frame-out-of-range' });
    await expect(host.call('media.frame', { projectDir: dir, mediaId, frame: -1 })).rejects.toThrow();
    const wav = path.join(tmp, 'tone.wav');
    await runProcess(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.5', wav]);
    const voice = (await host.call('media.import', { projectDir: dir, path: wav, role: 'voiceover' })).media.id;
    await expect(host.call('media.frame', { projectDir: dir, mediaId: voice, frame: 0 })).rejects.toMatchObject({ code: 'media-no-video' });
    expect(existsSync(path.join(dir, 'cache', 'frames', `${voice}-512-0.jpg`))).toBe(false);
  }, 60_000);
});
