import type { ChildProcess } from 'node:child_process';
import { ffmpegPath, runProcess } from './ffmpeg';
import { CancelledError, UserError } from '../util/errors';

export interface RawFrameStreamOptions {
  /** Frame rate of the file (needed to seek to `startFrame`). */
  fps?: number;
  /** First frame (seeks to it; frame n is at n / fps). */
  startFrame?: number;
  /** At most this many frames. */
  frames?: number;
  /** An ffmpeg -vf filter (crop, scale, select) applied before output. */
  filter?: string;
  /** Aborting ends the stream at once: next() throws CancelledError and ffmpeg is killed. */
  signal?: AbortSignal;
  /** Frames decoded ahead of the consumer before ffmpeg's output is paused (default 3). */
  maxBufferedFrames?: number;
  /**
   * The error next() throws when ffmpeg fails, after the frames it did decode
   * (default: a 'video-decode-failed' UserError naming the file). Return undefined to
   * end the stream quietly and read `exit` instead.
   */
  failure?: (why: string, code: number) => Error | undefined;
}

/**
 * Raw RGB24 frames decoded by ffmpeg, pulled one at a time (`next()`), with
 * back-pressure: ffmpeg's output is paused while more than a few frames wait, so a
 * long video never sits in memory. The one raw-frame pipe of the code base (tracking,
 * the renderer's frame cache, the export's reference frames).
 *
 * Ending: the stream ends, and ffmpeg is killed, as soon as the signal aborts or
 * close() is called, whatever state it is in (waiting for a frame, or ffmpeg paused
 * behind a slow consumer): the pipe is destroyed rather than drained, because a
 * paused pipe holds back the child's 'close' event forever.
 */
export class RawFrameStream {
  /** How ffmpeg ended, once it has: exit code (-1 when killed) and what it wrote to stderr. */
  exit?: { code: number; stderr: string };
  private readonly frameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private finished = false;
  private error?: Error;
  private child?: ChildProcess;
  private waiter?: () => void;
  private readonly done: Promise<void>;
  private paused = false;
  private stopped = false;
  private readonly signal?: AbortSignal;
  private readonly onAbort = () => this.stop(new CancelledError());

  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    opts: RawFrameStreamOptions = {},
  ) {
    this.frameBytes = width * height * 3;
    const maxBuffered = Math.max(2, opts.maxBufferedFrames ?? 3) * this.frameBytes;
    const args = ['-v', 'error', '-nostdin'];
    if (opts.startFrame && opts.startFrame > 0) {
      if (!opts.fps) throw new Error('RawFrameStream: seeking needs fps');
      // Half a frame early: the first frame at or after the target is frame startFrame,
      // whatever the rounding of the container's timestamps.
      args.push('-ss', ((opts.startFrame - 0.5) / opts.fps).toFixed(6));
    }
    args.push('-i', file, '-map', '0:v:0', '-an', '-sn');
    if (opts.filter) args.push('-vf', opts.filter);
    if (opts.frames !== undefined) args.push('-frames:v', String(Math.max(1, opts.frames)));
    args.push('-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
    this.signal = opts.signal;
    if (opts.signal?.aborted) {
      this.error = new CancelledError();
      this.finished = true;
      this.done = Promise.resolve();
      return;
    }
    const failure = opts.failure ?? ((why: string) => new UserError('video-decode-failed', `Could not decode ${file}: ${why}`, {
      file,
      hint: 'Check that the reference video still exists and plays; rebuild the persona if it was replaced.',
    }));
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    // The stream handles the signal itself (runProcess's abort waits for a pipe that may be paused).
    this.done = runProcess(ffmpegPath(), args, {
      onSpawn: (child) => (this.child = child),
      onStdout: (c) => {
        if (this.error) return;
        this.chunks.push(c);
        this.buffered += c.length;
        if (this.buffered > maxBuffered && !this.paused) {
          this.paused = true;
          this.child?.stdout?.pause();
        }
        this.wake();
      },
    }).then(
      (res) => {
        this.exit = { code: res.code, stderr: res.stderr };
        if (res.code !== 0 && !this.error && !this.stopped) this.error = failure(res.stderr.trim().split('\n').pop() || `ffmpeg exit code ${res.code}`, res.code);
      },
      (err: Error) => {
        this.error ??= err;
      },
    ).finally(() => {
      this.finished = true;
      this.signal?.removeEventListener('abort', this.onAbort);
      this.wake();
    });
  }

  /** ffmpeg's process id while it runs (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Kills ffmpeg now and drops what it decoded; `reason` becomes what next() throws. */
  private stop(reason?: Error): void {
    if (reason) this.error ??= reason;
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
    const c = this.child;
    if (c && !this.finished) {
      c.stdout?.destroy();
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    this.wake();
  }

  /** The next frame (a fresh buffer), or undefined at the end of the stream. Throws CancelledError once the signal aborted. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.signal?.aborted) {
        this.stop(new CancelledError());
        throw this.error;
      }
      if (this.buffered >= this.frameBytes) {
        const out = new Uint8Array(this.frameBytes);
        let off = 0;
        while (off < this.frameBytes) {
          const c = this.chunks[0];
          const take = Math.min(c.length, this.frameBytes - off);
          out.set(c.subarray(0, take), off);
          off += take;
          if (take === c.length) this.chunks.shift();
          else this.chunks[0] = c.subarray(take);
        }
        this.buffered -= this.frameBytes;
        if (this.paused && this.buffered <= this.frameBytes) {
          this.paused = false;
          this.child?.stdout?.resume();
        }
        return out;
      }
      if (this.error) throw this.error;
      if (this.finished) return undefined;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** Stops ffmpeg (if still running) and waits for it to be gone. */
  async close(): Promise<void> {
    if (!this.finished) this.stop();
    await this.done;
  }
}
