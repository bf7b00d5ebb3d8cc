import { parentPort, workerData } from 'node:worker_threads';
import { toWorkerError } from '../util/worker-error';
import { ReferenceFrames } from './reference-frames';
import type { FootagePathData, FootagePathReply, FootagePathRequest } from './footage-path-reader';

/**
 * Worker-thread entry of FootagePathReader: plays the export's source path through
 * ReferenceFrames on this thread, so ffmpeg's pipe is drained and the next frames decoded
 * while the main thread paints; each frame is posted as soon as the main thread has room.
 */

if (!parentPort) throw new Error('footage-reader-worker.ts runs only as a worker thread (see FootagePathReader).');
const port = parentPort;
const data = workerData as FootagePathData;
const ref = new ReferenceFrames(data.file, data.width, data.height, data.fps, data.frameCount, undefined, data.readThrough);
const send = (msg: FootagePathReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
let credit = 0;
let closing = false;
let wake: (() => void) | undefined;

port.on('message', (msg: FootagePathRequest) => {
  if (msg.type === 'credit') credit += msg.frames;
  else closing = true;
  wake?.();
});

async function play(): Promise<void> {
  try {
    for (let i = 0; i < data.path.length; i++) {
      while (credit <= 0 && !closing) await new Promise<void>((r) => (wake = r));
      if (closing) break;
      // A copy: ReferenceFrames keeps the frames it served (a path that steps back reuses them).
      const frame = (await ref.get(data.path[i])).slice();
      credit--;
      send({ type: 'frame', index: i, frame: frame.buffer }, [frame.buffer]);
    }
    send({ type: 'end' });
  } catch (err) {
    send({ type: 'error', error: toWorkerError(err) });
  } finally {
    await ref.close().catch(() => undefined);
    port.close();
  }
}
void play();
