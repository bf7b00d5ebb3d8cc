import { parentPort, workerData } from 'node:worker_threads';
import { toWorkerError } from '../util/worker-error';
import { FaceTracker, type FaceTrackerOptions } from './face-tracker';
import type { TrackerReply, TrackerRequest } from './tracker-pool';

/**
 * Worker-thread entry of TrackerPool (tracker-pool.ts): one FaceTracker, with its own
 * tfjs wasm instance and human's caches, tracking the frames the pool sends it one at a
 * time, in the order received (human's box cache follows the frames it is given).
 */

const port = parentPort;
if (!port) throw new Error('tracker-worker.ts runs only as a worker thread (see TrackerPool).');


const send = (msg: TrackerReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const ready = FaceTracker.create(workerData as FaceTrackerOptions);
ready.then(
  (t) => send({ type: 'ready', subPixel: t.subPixel, triangles: t.triangles, uvs: t.uvs }),
  (err: unknown) => send({ type: 'error', error: toWorkerError(err) }),
);

let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: TrackerRequest) => {
  queue = queue.then(async () => {
    const tracker = await ready;
    const faces = await tracker.track(new Uint8Array(msg.frame), msg.width, msg.height, { redetect: msg.redetect });
    const transfer = faces.map((f) => f.landmarks.buffer as ArrayBuffer);
    if (msg.returnFrame) transfer.push(msg.frame);
    send({ type: 'faces', index: msg.index, faces, frame: msg.returnFrame ? msg.frame : undefined }, transfer);
  }).catch((err: unknown) => send({ type: 'error', index: msg.index, error: toWorkerError(err) }));
});
