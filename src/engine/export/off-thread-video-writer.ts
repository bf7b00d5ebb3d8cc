import { Worker } from 'node:worker_threads';
import { CancelledError } from '../util/errors';
import { fromWorkerError, type WorkerErrorPayload } from '../util/worker-error';
import { workerScript } from '../util/worker-script';
import type { VideoWriterOptions } from './video-writer';

/**
 * VideoWriter on a worker thread. On the main thread a frame (6 MB at 1080x1920) reaches
 * ffmpeg's stdin only while that thread is idle, so encoding waited for the painting and
 * the painting for the pipe; here the worker feeds ffmpeg while the next frame is painted.
 * Same interface (write, finish, abort); up to `inFlight` frames are queued ahead, and
 * the frame given to write() is moved to the worker (the caller must not reuse it).
 */

export type WriterRequest = { type: 'write'; frame: ArrayBuffer } | { type: 'finish' } | { type: 'abort' };
export type WriterReply =
  | { type: 'written' }
  | { type: 'finished'; path: string }
  | { type: 'aborted' }
  | { type: 'error'; error: WorkerErrorPayload };

export class OffThreadVideoWriter {
  private readonly worker: Worker;
  private pending = 0;
  private error?: Error;
  private waiters: Array<() => void> = [];
  private outcome?: { type: 'finished'; path: string } | { type: 'aborted' };
  private done = false;
  private readonly inFlight: number;
  private readonly signal?: AbortSignal;

  constructor(opts: VideoWriterOptions & { inFlight?: number }) {
    const { signal, inFlight = 2, ...data } = opts;
    this.signal = signal;
    this.inFlight = Math.max(1, inFlight);
    const script = workerScript(import.meta.url, 'video-writer-worker', { code: 'video-writer-missing', what: 'The video encoder' });
    this.worker = 'code' in script ? new Worker(script.code, { eval: true, workerData: data }) : new Worker(script.file, { workerData: data });
    this.worker.on('message', (msg: WriterReply) => {
      if (msg.type === 'written') this.pending--;
      else if (msg.type === 'error') this.error ??= fromWorkerError(msg.error);
      else this.outcome = msg;
      this.wakeAll();
    });
    this.worker.on('error', (err) => { this.error ??= err; this.wakeAll(); });
    this.worker.on('exit', () => { this.error ??= new Error('the video encoder\'s worker stopped'); this.wakeAll(); });
  }

  private wakeAll(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private until(ready: () => boolean): Promise<void> {
    return ready() || this.error ? Promise.resolve() : new Promise<void>((r) => this.waiters.push(r)).then(() => this.until(ready));
  }

  /** Queues one frame (moved to the worker); resolves when fewer than `inFlight` frames wait. */
  async write(rgb: Uint8Array): Promise<void> {
    if (this.signal?.aborted) throw new CancelledError();
    if (this.error) throw this.error;
    const own = rgb.byteOffset === 0 && rgb.byteLength === rgb.buffer.byteLength ? rgb : rgb.slice();
    this.pending++;
    this.worker.postMessage({ type: 'write', frame: own.buffer as ArrayBuffer } satisfies WriterRequest, [own.buffer as ArrayBuffer]);
    await this.until(() => this.pending < this.inFlight);
    if (this.error) throw this.error;
  }

  /** Waits for the queued frames and ffmpeg, and moves the finished file into place. */
  async finish(): Promise<string> {
    if (this.error) throw this.error;
    this.worker.postMessage({ type: 'finish' } satisfies WriterRequest);
    await this.until(() => this.outcome !== undefined);
    await this.stop();
    if (this.outcome?.type !== 'finished') throw this.error ?? new Error('the video encoder did not finish');
    return this.outcome.path;
  }

  /** Stops ffmpeg and deletes the temp file. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.done) return;
    if (!this.error) {
      this.worker.postMessage({ type: 'abort' } satisfies WriterRequest);
      await this.until(() => this.outcome !== undefined);
    }
    await this.stop();
  }

  private async stop(): Promise<void> {
    this.done = true;
    this.error ??= new Error('the video encoder was closed');
    await this.worker.terminate();
  }
}
