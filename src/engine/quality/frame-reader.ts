import { ffmpegPath, runProcess } from '../media/ffmpeg';
import { CancelledError, UserError } from '../util/errors';

/**
 * Streams a video's frames as RGB24 through `onFrame`, in order. Each frame is handled
 * synchronously as ffmpeg's output arrives, so memory holds the frame being handled and
 * the one the caller kept (at most a few frames), whatever the video's length.
 * `onFrame` returns false to stop early.
 */
export async function forEachFrame(
  file: string, width: number, height: number,
  onFrame: (index: number, rgb: Uint8Array) => boolean | void,
  opts: { signal?: AbortSignal; maxFrames?: number } = {},
): Promise<number> {
  const frameBytes = width * height * 3;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  let stopped = false;
  let failure: unknown;
  let kill: (() => void) | undefined;
  const args = ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-an', '-sn'];
  if (opts.maxFrames !== undefined) args.push('-frames:v', String(Math.max(1, opts.maxFrames)));
  args.push('-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const res = await runProcess(ffmpegPath(), args, {
    signal: opts.signal,
    onSpawn: (child) => { kill = () => { if (child.exitCode === null) child.kill('SIGKILL'); }; },
    onStdout: (c) => {
      if (stopped) return;
      for (let off = 0; off < c.length && !stopped;) {
        const n = Math.min(frameBytes - filled, c.length - off);
        frame.set(c.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === frameBytes) {
          try {
            if (onFrame(index++, frame) === false) stopped = true;
          } catch (err) {
            failure = err;
            stopped = true;
          }
          // A new buffer per frame: the caller may keep the previous one.
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
      if (stopped) kill?.();
    },
  }).catch((err: unknown) => {
    if (opts.signal?.aborted) throw new CancelledError();
    throw err;
  });
  if (failure) throw failure;
  if (!stopped && res.code !== 0 && index === 0) {
    throw new UserError('video-unreadable', `${file} could not be decoded: ${res.stderr.trim().split('\n').pop() ?? 'unknown error'}.`, {
      file, hint: 'The file may be damaged or incomplete; re-export or re-download it.',
    });
  }
  return index;
}
