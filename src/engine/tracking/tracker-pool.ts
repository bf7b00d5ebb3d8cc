import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../util/errors';
import { workerScript } from '../util/worker-script';
import type { WorkerErrorPayload } from '../util/worker-error';
import type { FaceTracker, FaceTrackerOptions, TrackedFace } from './face-tracker';

/**
 * Face tracking on several cores. tfjs's wasm backend runs one frame at a time on one
 * thread (its multi-threaded build needs emscripten's pthread worker script, which
 * tfjs creates from a Blob URL that Node cannot load), so the pool runs one FaceTracker
 * per worker thread and gives each worker its own frames (track-video.ts sends it
 * whole chunks of consecutive frames).
 *
 * "Lanes" are the independent trackers frames can be sent to: the pool's workers, or a
 * single in-process FaceTracker (localLanes) where threads would not help.
 */

export interface LaneResult {
  faces: TrackedFace[];
  /** The frame, handed back when asked for (a frame sent to a worker is moved there). */
  rgb?: Uint8Array;
}

export interface TrackFrameRequest {
  /** Force the detector on this frame (the start of a chunk, see FaceTracker.track). */
  redetect: boolean;
  /** Hand the frame back with the result. */
  returnFrame: boolean;
}

export interface TrackerLanes {
  /** Number of lanes: frames on different lanes are tracked at the same time. */
  readonly count: number;
  /** Frames one lane may hold at once (queued + being tracked) before it is full. */
  readonly depth: number;
  readonly subPixel: boolean;
  readonly triangles: number[];
  readonly uvs: [number, number][];
  /**
   * Tracks one frame on a lane. Each lane tracks its frames in the order given. `rgb`
   * must own its whole ArrayBuffer: it is moved to the worker, not copied.
   */
  track(lane: number, index: number, rgb: Uint8Array, width: number, height: number, req: TrackFrameRequest): Promise<LaneResult>;
}

/** One in-process tracker as a single lane (no worker threads). */
export function localLanes(tracker: FaceTracker): TrackerLanes {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    count: 1,
    depth: 1,
    subPixel: tracker.subPixel,
    triangles: tracker.triangles,
    uvs: tracker.uvs,
    track(_lane, _index, rgb, width, height, req) {
      // human is not re-entrant: chain the frames even if a caller does not wait.
      const run = queue.then(async () => ({ faces: await tracker.track(rgb, width, height, { redetect: req.redetect }), rgb }));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

// Messages between the pool and tracker-worker.ts.
export interface TrackerRequest {
  index: number;
  frame: ArrayBuffer;
  width: number;
  height: number;
  redetect: boolean;
  returnFrame: boolean;
}
export type { WorkerErrorPayload };
export type TrackerReply =
  | { type: 'ready'; subPixel: boolean; triangles: number[]; uvs: [number, number][] }
  | { type: 'faces'; index: number; faces: TrackedFace[]; frame?: ArrayBuffer }
  | { type: 'error'; index?: number; error: WorkerErrorPayload };

function fromPayload(p: WorkerErrorPayload): Error {
  if (p.code) return new UserError(p.code, p.message, { file: p.file, hint: p.hint });
  return new UserError('tracker-failed', `The face tracker failed: ${p.message}`, {
    hint: 'Check that the project dependencies are installed completely (`npm ci`).',
  });
}

/** Worker threads worth starting on this machine: one per core, at most 4 (each holds its own models, ~100 MB). */
export function defaultTrackerThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/**
 * How to start tracker-worker in this layout:
 * - sources (tsx CLI, vitest, dev): the .ts entry beside this file. Node 20 does not
 *   carry tsx's loader hooks into workers (tsx registers them on the main thread
 *   only), so a small bootstrap registers them in the worker, then imports the entry.
 * - electron-vite bundle: tracker-worker.js, emitted as its own entry beside
 *   out/main/index.js; this module may sit one folder below, in out/main/chunks/.
 */
interface Pending { resolve: (r: LaneResult) => void; reject: (e: Error) => void }

class TrackerWorker {
  readonly pending = new Map<number, Pending>();
  failure: Error | undefined;
  exited = false;

  constructor(readonly worker: Worker) {}

  fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

export class TrackerPool implements TrackerLanes {
  readonly depth: number;

  private constructor(
    private readonly workers: TrackerWorker[],
    readonly subPixel: boolean,
    readonly triangles: number[],
    readonly uvs: [number, number][],
    chunk: number,
  ) {
    // Two chunks per worker: it can work on one while the next is decoded and queued.
    this.depth = 2 * chunk;
  }

  get count(): number {
    return this.workers.length;
  }

  /** Starts `threads` workers and waits until each has loaded its models. */
  static async create(threads = defaultTrackerThreads(), opts: FaceTrackerOptions & { chunk?: number } = {}): Promise<TrackerPool> {
    const script = workerScript(import.meta.url, 'tracker-worker', { code: 'tracker-missing', what: 'The face tracker' });
    const { chunk = 10, ...trackerOpts } = opts;
    const workers: TrackerWorker[] = [];
    const readies: Promise<Extract<TrackerReply, { type: 'ready' }>>[] = [];
    for (let i = 0; i < Math.max(1, threads); i++) {
      const worker = 'code' in script
        ? new Worker(script.code, { eval: true, workerData: trackerOpts })
        : new Worker(script.file, { workerData: trackerOpts });
      const tw = new TrackerWorker(worker);
      workers.push(tw);
      readies.push(new Promise((resolve, reject) => {
        worker.on('message', (msg: TrackerReply) => {
          if (msg.type === 'ready') resolve(msg);
          else if (msg.type === 'faces') {
            const p = tw.pending.get(msg.index);
            tw.pending.delete(msg.index);
            p?.resolve({ faces: msg.faces, rgb: msg.frame ? new Uint8Array(msg.frame) : undefined });
          } else {
            const err = fromPayload(msg.error);
            if (msg.index === undefined) { reject(err); tw.fail(err); return; }
            const p = tw.pending.get(msg.index);
            tw.pending.delete(msg.index);
            p?.reject(err);
          }
        });
        worker.on('error', (e) => {
          const err = fromPayload({ message: e.message });
          reject(err);
          tw.fail(err);
        });
        worker.on('exit', (code) => {
          tw.exited = true;
          const err = fromPayload({ message: `the tracking thread stopped (exit code ${code})` });
          reject(err);
          tw.fail(err);
        });
      }));
    }
    try {
      const [first] = await Promise.all(readies);
      return new TrackerPool(workers, first.subPixel, first.triangles, first.uvs, chunk);
    } catch (err) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw err;
    }
  }

  track(lane: number, index: number, rgb: Uint8Array, width: number, height: number, req: TrackFrameRequest): Promise<LaneResult> {
    const tw = this.workers[lane];
    if (tw.failure) return Promise.reject(tw.failure);
    if (rgb.byteOffset !== 0 || rgb.byteLength !== rgb.buffer.byteLength) rgb = rgb.slice();
    return new Promise<LaneResult>((resolve, reject) => {
      tw.pending.set(index, { resolve, reject });
      const msg: TrackerRequest = { index, frame: rgb.buffer as ArrayBuffer, width, height, redetect: req.redetect, returnFrame: req.returnFrame };
      tw.worker.postMessage(msg, [msg.frame]);
    });
  }

  /** Stops the workers (frames still queued are dropped: their promises reject). */
  async dispose(): Promise<void> {
    await Promise.all(this.workers.map(async (w) => {
      w.fail(new UserError('tracker-stopped', 'The face tracker was stopped.'));
      if (!w.exited) await w.worker.terminate();
    }));
  }
}
