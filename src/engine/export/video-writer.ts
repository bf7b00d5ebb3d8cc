import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ffmpegPath, runProcess, type ProcessResult } from '../media/ffmpeg';
import { CancelledError, UserError, isCancelled } from '../util/errors';
import { tempPathFor } from '../util/atomic-file';

export interface VideoWriterOptions {
  /** Final file (.mp4). Written to a temp file beside it and renamed at the end. */
  out: string;
  /** Size of the RGB24 frames given to `write`. */
  width: number;
  height: number;
  fps: number;
  /** Audio to mux (any file ffmpeg reads); absent: a silent video. */
  audio?: string;
  /** ffmpeg -vf applied to the frames (scaling to the preset). */
  filter?: string;
  /** x264 constant rate factor (0..51, default 18). */
  crf?: number;
  /** x264 preset (default 'veryfast'). */
  x264Preset?: string;
  /** Container metadata (e.g. comment, title). */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
  /** The ffmpeg binary (tests substitute a failing one). */
  ffmpegBinary?: string;
}

/**
 * Streams RGB24 frames into ffmpeg (libx264, yuv420p, CRF) with the audio (AAC) into
 * an MP4 with `+faststart`. Frames go through ffmpeg's stdin one at a time with
 * back-pressure. The output appears at `out` only when ffmpeg finished successfully:
 * on failure or cancel the temp file is deleted and `out` is untouched.
 */
export class VideoWriter {
  readonly tempPath: string;
  private child?: ChildProcess;
  private readonly result: Promise<ProcessResult>;
  private exited = false;
  private framesWritten = 0;
  private closed = false;

  constructor(private readonly opts: VideoWriterOptions) {
    const { width, height, fps } = opts;
    if (width % 1 || height % 1 || width < 2 || height < 2) throw new Error(`VideoWriter: bad frame size ${width}x${height}`);
    this.tempPath = tempPathFor(opts.out);
    const crf = opts.crf ?? 18;
    if (!(crf >= 0 && crf <= 51)) throw new UserError('bad-crf', `CRF ${crf} is outside 0..51.`, { hint: 'Use 18 (visually lossless) to 28 (smaller files).' });
    const args = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0'];
    if (opts.audio) args.push('-i', opts.audio);
    args.push('-map', '0:v:0');
    if (opts.audio) args.push('-map', '1:a:0');
    if (opts.filter) args.push('-vf', opts.filter);
    args.push('-c:v', 'libx264', '-preset', opts.x264Preset ?? 'veryfast', '-crf', String(crf), '-pix_fmt', 'yuv420p', '-r', String(fps));
    if (opts.audio) args.push('-c:a', 'aac', '-b:a', '160k', '-ar', '48000');
    args.push('-movflags', '+faststart');
    for (const [k, v] of Object.entries(opts.metadata ?? {})) args.push('-metadata', `${k}=${v}`);
    args.push('-f', 'mp4', this.tempPath);
    this.result = runProcess(opts.ffmpegBinary ?? ffmpegPath(), args, {
      signal: opts.signal,
      keepStdinOpen: true,
      onSpawn: (c) => (this.child = c),
    });
    this.result.then(
      () => (this.exited = true),
      () => (this.exited = true),
    );
  }

  get frames(): number {
    return this.framesWritten;
  }

  /** Writes one frame; resolves when ffmpeg can take more. */
  async write(rgb: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('VideoWriter: write after finish/abort');
    if (rgb.length !== this.opts.width * this.opts.height * 3) throw new Error(`VideoWriter: frame has ${rgb.length} bytes, expected ${this.opts.width * this.opts.height * 3}`);
    if (this.opts.signal?.aborted) throw new CancelledError();
    if (this.exited || !this.child?.stdin || this.child.stdin.destroyed) await this.failEarly();
    const stdin = this.child!.stdin!;
    const ok = stdin.write(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength));
    this.framesWritten++;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stdin.off('drain', done);
          this.child?.off('close', done);
          resolve();
        };
        stdin.on('drain', done);
        this.child!.on('close', done);
      });
      if (this.exited) await this.failEarly();
    }
  }

  /** ffmpeg stopped while frames were still coming: report why. */
  private async failEarly(): Promise<never> {
    try {
      const res = await this.result;
      throw this.ffmpegError(res, 'stopped before all frames were written');
    } finally {
      await this.cleanup();
    }
  }

  private ffmpegError(res: ProcessResult, what: string): UserError {
    const why = res.stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${res.code}`;
    return new UserError('export-encode-failed', `The video encoder ${what} (${why}).`, {
      file: this.opts.out,
      hint: 'Check that there is free disk space and that the audio file plays; nothing was written.',
    });
  }

  /** Closes the stream, waits for ffmpeg, and moves the finished file into place. */
  async finish(): Promise<string> {
    this.closed = true;
    this.child?.stdin?.end();
    let res: ProcessResult;
    try {
      res = await this.result;
    } catch (err) {
      await this.cleanup();
      throw err;
    }
    if (res.code !== 0) {
      await this.cleanup();
      throw this.ffmpegError(res, 'failed');
    }
    try {
      await fs.rename(this.tempPath, this.opts.out);
    } catch (err) {
      await this.cleanup();
      throw new UserError('export-write-failed', `Could not write ${this.opts.out}: ${(err as Error).message}`, { file: this.opts.out, hint: 'Choose a folder you can write to.' });
    }
    return this.opts.out;
  }

  /** Stops ffmpeg and deletes the temp file. Safe to call more than once. */
  async abort(): Promise<void> {
    this.closed = true;
    if (this.child && this.child.exitCode === null && !this.exited) {
      this.child.stdin?.destroy();
      this.child.kill('SIGKILL');
    }
    await this.result.catch((err) => (isCancelled(err) ? undefined : undefined));
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    await fs.rm(this.tempPath, { force: true });
    // ffmpeg's faststart pass may leave its own scratch file beside the output.
    const dir = path.dirname(this.tempPath);
    const base = path.basename(this.tempPath);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      if (name.startsWith(base) && name !== base) await fs.rm(path.join(dir, name), { force: true });
    }
  }
}
