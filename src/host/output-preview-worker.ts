import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { OutputPreview } from '../engine/export/output-preview';
import { resizeRgb } from '../engine/export/compose';
import { encodePng } from '../engine/io/png';
import { writeFileAtomic } from '../engine/util/atomic-file';
import { UserError } from '../engine/util/errors';
import { toWorkerError } from '../engine/util/worker-error';
import type { PreviewReply, PreviewRequest } from './output-preview';

/**
 * Worker-thread entry of the studio's output preview (output-preview.ts): it holds the
 * prepared takes and paints their frames, so preparing (the plans, the donors read from
 * the footage) and painting never hold the host's event loop (Electron's main process,
 * the browser-mode server). One message at a time per take; takes prepare concurrently
 * with frames of other takes being painted.
 */
const port = parentPort;
if (!port) throw new Error('output-preview-worker.ts runs only as a worker thread (see OutputPreviews).');

/** PNG deflate level: the image is read once from the local disk; speed matters more than size. */
const PNG_LEVEL = 1;
/** One row filter ("up") rather than the best of five per row: half the encode time of a frame. */
const PNG_FILTER = 2;

const takes = new Map<string, { controller: AbortController; ready: Promise<OutputPreview>; preview?: OutputPreview }>();

/** The newest prepared take of a persona: an edited take reuses its donor crops (reads only the frames it lacks). */
function reusable(personaDir: string): OutputPreview | undefined {
  let best: OutputPreview | undefined;
  for (const t of takes.values()) if (t.preview && t.preview.persona.dir === personaDir) best = t.preview;
  return best;
}
const send = (msg: PreviewReply) => port.postMessage(msg);


function prepare(msg: Extract<PreviewRequest, { type: 'prepare' }>): void {
  const controller = new AbortController();
  const ready = OutputPreview.prepare({
    ...msg.options, curves: new Float32Array(msg.options.curves), signal: controller.signal, reuse: reusable(msg.options.persona),
    onProgress: (p) => send({ type: 'progress', key: msg.key, stage: p.stage, fraction: p.fraction, message: p.message ?? p.stage }),
  });
  const take: { controller: AbortController; ready: Promise<OutputPreview>; preview?: OutputPreview } = { controller, ready };
  takes.set(msg.key, take);
  ready.then(
    (preview) => {
      if (controller.signal.aborted) return void preview.close();
      take.preview = preview;
      send({ type: 'ready', key: msg.key, info: { method: preview.method, fps: preview.fps, frameCount: preview.frameCount, width: preview.width, height: preview.height, notes: preview.notes, prepareSeconds: preview.prepareSeconds } });
    },
    (err: unknown) => {
      takes.delete(msg.key);
      send({ type: 'failed', key: msg.key, error: controller.signal.aborted ? { message: 'cancelled', cancelled: true } : toWorkerError(err) });
    },
  );
}

async function frame(msg: Extract<PreviewRequest, { type: 'frame' }>): Promise<void> {
  try {
    const take = takes.get(msg.key);
    if (!take) throw new UserError('preview-gone', 'The take was replaced by a newer version while its frame was asked for.', { hint: 'Ask for the frame again.' });
    const preview = await take.ready;
    const rgb = await preview.paint(msg.frame, take.controller.signal);
    const data = msg.width === preview.width && msg.height === preview.height ? rgb : resizeRgb(rgb, preview.width, preview.height, msg.width, msg.height);
    await fs.mkdir(path.dirname(msg.file), { recursive: true });
    await writeFileAtomic(msg.file, encodePng({ width: msg.width, height: msg.height, channels: 3, data }, PNG_LEVEL, PNG_FILTER));
    send({ type: 'frame-done', id: msg.id });
  } catch (err) {
    send({ type: 'frame-failed', id: msg.id, error: toWorkerError(err) });
  }
}

function drop(key: string): void {
  const take = takes.get(key);
  if (!take) return;
  takes.delete(key);
  take.controller.abort();
  void take.ready.then((p) => p.close(), () => undefined);
}

port.on('message', (msg: PreviewRequest) => {
  if (msg.type === 'prepare') prepare(msg);
  else if (msg.type === 'frame') void frame(msg);
  else if (msg.type === 'drop') drop(msg.key);
});
