import type { ChildProcess } from 'node:child_process';
import { ffmpegPath, runProcess } from '../media/ffmpeg';
import { UserError } from '../util/errors';

/**
 * Raw RGB24 frames decoded by ffmpeg, pulled one at a time (`next()`), with
 * back-pressure: ffmpeg's output is paused while more than a few frames wait, so a
 * long video never sits in memory.
 */
export class RawFrameStream {
  private readonly frameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private error?: Error;
  private child?: ChildProcess;
  private waiter?: () => void;
  private readonly done: Promise<void>;
  private paused = false;

  /**
   * @param file video file
   * @param width, height size of the frames ffmpeg outputs (after `filter`)
   * @param opts.startFrame first frame (seeks to it; frame n is at n / fps)
   * @param opts.frames at most this many frames
   * @param opts.filter an ffmpeg -vf filter (crop, scale) applied before output
   */
  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    opts: { fps?: number; startFrame?: number; frames?: number; filter?: string; signal?: AbortSignal; maxBufferedFrames?: number } = {},
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
    this.done = runProcess(ffmpegPath(), args, {
      signal: opts.signal,
      onSpawn: (child) => (this.child = child),
      onStdout: (c) => {
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
        if (res.code !== 0) {
          this.error = new UserError('video-decode-failed', `Could not decode ${file}: ${res.stderr.trim().split('\n').pop() ?? `ffmpeg exit code ${res.code}`}`, {
            file,
            hint: 'Check that the reference video still exists and plays; rebuild the persona if it was replaced.',
          });
        }
        this.ended = true;
        this.wake();
      },
      (err: Error) => {
        this.error = err;
        this.ended = true;
        this.wake();
      },
    );
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next frame (a fresh buffer), or undefined at the end of the stream. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
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
      if (this.ended) return undefined;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** Stops ffmpeg (if still running) and waits for it. */
  async close(): Promise<void> {
    if (!this.ended && this.child && this.child.exitCode === null) {
      this.child.stdout?.resume();
      this.child.kill('SIGKILL');
    }
    await this.done.catch(() => undefined);
  }
}

/**
 * Frames of a reference video by index, for a piecewise-monotone sequence of requests
 * (the ping-pong playback of an export): forwards, one streaming decoder; backwards,
 * chunks decoded forwards from a seek point and served in reverse. Frames past the
 * end of what the file yields repeat the last decoded frame.
 */
export class ReferenceFrames {
  private stream?: RawFrameStream;
  private streamPos = 0; // index of the frame the stream yields next
  private last?: { index: number; data: Uint8Array };
  private chunk?: { start: number; frames: Uint8Array[] };
  private readonly chunkFrames: number;

  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    readonly fps: number,
    readonly frameCount: number,
    private readonly signal?: AbortSignal,
  ) {
    // Backward chunks: up to ~192 MiB of frames, between 4 and 48 frames.
    this.chunkFrames = Math.max(4, Math.min(48, Math.floor((192 * 2 ** 20) / (width * height * 3))));
  }

  async get(index: number): Promise<Uint8Array> {
    const j = Math.max(0, Math.min(this.frameCount - 1, Math.round(index)));
    if (this.last && this.last.index === j) return this.last.data;
    if (this.chunk && j >= this.chunk.start && j < this.chunk.start + this.chunk.frames.length) {
      return this.remember(j, this.chunk.frames[j - this.chunk.start]);
    }
    const forward = !this.last || j > this.last.index;
    if (forward) {
      if (!this.stream || j < this.streamPos || j - this.streamPos > 2 * this.chunkFrames) await this.openStream(j);
      let frame: Uint8Array | undefined;
      while (this.streamPos <= j) {
        frame = await this.stream!.next();
        if (!frame) break;
        this.streamPos++;
      }
      if (!frame) {
        // The file ended early (fewer decodable frames than the persona counted): hold the last one.
        if (this.last) return this.remember(j, this.last.data);
        throw new UserError('video-decode-failed', `${this.file} has no frame ${j}.`, { file: this.file, hint: 'Rebuild the persona from this video.' });
      }
      return this.remember(j, frame);
    }
    // Backwards: decode the chunk that ends at j.
    await this.closeStream();
    const start = Math.max(0, j - this.chunkFrames + 1);
    const s = new RawFrameStream(this.file, this.width, this.height, { fps: this.fps, startFrame: start, frames: j - start + 1, signal: this.signal });
    const frames: Uint8Array[] = [];
    try {
      for (let f = await s.next(); f; f = await s.next()) frames.push(f);
    } finally {
      await s.close();
    }
    if (frames.length === 0) throw new UserError('video-decode-failed', `${this.file} could not be read from frame ${start}.`, { file: this.file, hint: 'Rebuild the persona from this video.' });
    while (frames.length < j - start + 1) frames.push(frames[frames.length - 1]);
    this.chunk = { start, frames };
    return this.remember(j, frames[j - start]);
  }

  private remember(index: number, data: Uint8Array): Uint8Array {
    this.last = { index, data };
    return data;
  }

  private async openStream(from: number): Promise<void> {
    await this.closeStream();
    this.stream = new RawFrameStream(this.file, this.width, this.height, { fps: this.fps, startFrame: from, signal: this.signal });
    this.streamPos = from;
  }

  private async closeStream(): Promise<void> {
    if (this.stream) await this.stream.close();
    this.stream = undefined;
  }

  async close(): Promise<void> {
    await this.closeStream();
    this.chunk = undefined;
  }
}
