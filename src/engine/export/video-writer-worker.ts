import { parentPort, workerData } from 'node:worker_threads';
import { toWorkerError } from '../util/worker-error';
import { VideoWriter, type VideoWriterOptions } from './video-writer';
import type { WriterReply, WriterRequest } from './off-thread-video-writer';

/**
 * Worker-thread entry of OffThreadVideoWriter: a VideoWriter fed on this thread's own
 * event loop, so frames flow into ffmpeg while the main thread paints the next ones.
 */

if (!parentPort) throw new Error('video-writer-worker.ts runs only as a worker thread (see OffThreadVideoWriter).');
const port = parentPort;
const send = (msg: WriterReply) => port.postMessage(msg);

let writer: VideoWriter | undefined;
try {
  writer = new VideoWriter(workerData as VideoWriterOptions);
} catch (err) {
  send({ type: 'error', error: toWorkerError(err) });
}
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: WriterRequest) => {
  queue = queue.then(async () => {
    if (!writer) return;
    if (msg.type === 'write') {
      await writer.write(new Uint8Array(msg.frame));
      send({ type: 'written' });
    } else if (msg.type === 'finish') {
      send({ type: 'finished', path: await writer.finish() });
    } else {
      await writer.abort();
      send({ type: 'aborted' });
    }
  }).catch(async (err: unknown) => {
    await writer?.abort().catch(() => undefined);
    writer = undefined;
    send({ type: 'error', error: toWorkerError(err) });
  });
});
