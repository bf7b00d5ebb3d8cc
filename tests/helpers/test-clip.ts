import path from 'node:path';
import { expect } from 'vitest';
import { ffmpegPath, runProcess, type MediaInfo } from '../../src/engine/media/ffmpeg';

/**
 * A generated clip (ffmpeg's test pattern, H.264, 25 fps) in `dir`, with the MediaInfo a
 * probe would give: for tests that decode or track a video without needing a face.
 */
export async function makeTestClip(dir: string, width: number, height: number, frames: number): Promise<{ clip: string; info: MediaInfo }> {
  const clip = path.join(dir, 'clip.mp4');
  const r = await runProcess(ffmpegPath(), [
    '-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=25:duration=${frames / 25}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip,
  ]);
  expect(r.code, r.stderr).toBe(0);
  const info: MediaInfo = {
    file: clip, formatName: 'mov,mp4', durationS: frames / 25, streams: [],
    video: { index: 0, type: 'video', codec: 'h264', width, height, fps: 25, frameCount: frames },
  };
  return { clip, info };
}
