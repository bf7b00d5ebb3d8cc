import { ffmpegPath, runProcess } from './ffmpeg';
import { UserError } from '../util/errors';

/**
 * One still frame of a video as JPEG bytes, decoded by the bundled ffmpeg. The editor
 * shows these beside the 3D preview instead of a <video> element, which may not decode
 * H.264 (Debian's Chromium) or seek to an exact frame.
 */
export interface ExtractFrameOptions {
  /** Longest side of the image in pixels; smaller sources are not enlarged. */
  maxSize?: number;
  signal?: AbortSignal;
}

export async function extractFrameJpeg(file: string, frame: number, fps: number, opts: ExtractFrameOptions = {}): Promise<Uint8Array> {
  if (!Number.isInteger(frame) || frame < 0) throw new Error(`extractFrameJpeg: frame ${frame} must be a non-negative integer`);
  if (!(fps > 0)) throw new Error(`extractFrameJpeg: fps ${fps} must be positive`);
  const max = Math.round(opts.maxSize ?? 4096);
  // Seek to a quarter frame before the frame's time: ffmpeg's exact (decoding) seek drops
  // every frame stamped before the seek point, so this lands on `frame` even when time
  // stamps are rounded by the container's time base.
  const t = Math.max(0, (frame - 0.25) / fps);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-ss', t.toFixed(6), '-i', file,
    '-frames:v', '1', '-an',
    '-vf', `scale=w='min(iw,${max})':h='min(ih,${max})':force_original_aspect_ratio=decrease`,
    '-q:v', '3', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1',
  ];
  const r = await runProcess(ffmpegPath(), args, { signal: opts.signal, timeoutMs: 30_000 });
  if (r.code !== 0) {
    throw new UserError('frame-extract-failed', `ffmpeg could not read frame ${frame} of ${file}: ${r.stderr.trim().split('\n').pop() ?? 'exit code ' + r.code}.`, { file, hint: 'The video may be damaged; import it again.' });
  }
  if (r.stdout.length === 0) {
    throw new UserError('frame-out-of-range', `The video ${file} has no frame ${frame}.`, { file, hint: 'Frames beyond the end of the clip do not exist.' });
  }
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
}
