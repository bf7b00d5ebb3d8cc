import { Worker } from 'node:worker_threads';
import { CancelledError } from '../util/errors';
import { fromWorkerError, type WorkerErrorPayload } from '../util/worker-error';
import { workerScript } from '../util/worker-script';

/**
 * The footage frames of an export's source path, in order, decoded ahead on a worker
 * thread. Read on the main thread, ffmpeg's pipe is drained only while that thread is
 * idle, so decoding and painting took turns (a frame of 1080x1920 is 6 MB; the pipe holds
 * 64 KB). The worker plays the path through ReferenceFrames (its seeks at cuts, its
 * backward chunks) and keeps up to `ahead` frames ready; the path is known in advance,
 * so nothing decoded ahead is thrown away at a cut.
 */

export interface FootagePathData {
  file: string;
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  readThrough?: number;
  path: Int32Array;
}
export type FootagePathRequest = { type: 'credit'; frames: number } | { type: 'close' };
export type FootagePathReply =
  | { type: 'frame'; index: number; frame: ArrayBuffer }
  | { type: 'end' }
  | { type: 'error'; error: WorkerErrorPayload };

export class FootagePathReader {
  private readonly worker: Worker;
  private readonly ready: Uint8Array[] = [];
  private served = 0;
  private ended = false;
  private error?: Error;
  private waiter?: () => void;
  private closed = false;
  private readonly exited: Promise<void>;
  private readonly onAbort = () => this.fail(new CancelledError());

  constructor(data: FootagePathData, private readonly opts: { ahead?: number; signal?: AbortSignal } = {}) {
    const script = workerScript(import.meta.url, 'footage-reader-worker', { code: 'footage-reader-missing', what: 'The footage reader' });
    this.worker = 'code' in script ? new Worker(script.code, { eval: true, workerData: data }) : new Worker(script.file, { workerData: data });
    this.worker.on('message', (msg: FootagePathReply) => {
      if (msg.type === 'frame') this.ready.push(new Uint8Array(msg.frame));
      else if (msg.type === 'end') this.ended = true;
      else this.fail(fromWorkerError(msg.error));
      this.wake();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => { this.ended = true; this.wake(); resolve(); }));
    this.worker.postMessage({ type: 'credit', frames: Math.max(1, opts.ahead ?? 3) } satisfies FootagePathRequest);
    if (opts.signal?.aborted) this.fail(new CancelledError());
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private fail(err: Error): void {
    this.error ??= err;
    this.wake();
  }

  /** The next frame of the path (RGB24, the caller's to modify). */
  async next(): Promise<Uint8Array> {
    for (;;) {
      if (this.error) throw this.error;
      const f = this.ready.shift();
      if (f) {
        this.served++;
        this.worker.postMessage({ type: 'credit', frames: 1 } satisfies FootagePathRequest);
        return f;
      }
      if (this.ended || this.closed) throw new Error(`FootagePathReader: the path ended after ${this.served} frames`);
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** Stops the worker (it closes its decoder first; terminated if it has not exited within a second). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.ready.length = 0;
    this.worker.postMessage({ type: 'close' } satisfies FootagePathRequest);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
