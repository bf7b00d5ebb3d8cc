/**
 * Entry point of a job's child process. The parent (JobManager) sends
 * {type:'start', request}; this process runs the job, streams progress, and
 * answers {type:'done', result} or {type:'failed', error}. {type:'cancel'} or a
 * lost parent aborts the job; engine code then cleans up its partial output.
 */
import { runJobKind } from './job-kinds';
import { toErrorPayload } from '../shared/rpc';
import { isCancelled } from '../engine/util/errors';
import { systemErrorToUser } from '../engine/util/system-errors';
import type { JobRequest } from '../shared/contract';
import type { JobChildMessage, JobParentMessage } from './job-messages';

const controller = new AbortController();

function send(msg: JobChildMessage): void {
  if (process.send) process.send(msg);
}

process.on('disconnect', () => {
  controller.abort();
  // Give cleanup a moment, then leave: a job must not outlive its host.
  setTimeout(() => process.exit(1), 3000).unref();
});

process.on('message', (raw: JobParentMessage) => {
  if (raw.type === 'cancel') controller.abort();
  if (raw.type === 'start') void runJob(raw.request);
});

let lastSent = 0;
async function runJob(request: JobRequest): Promise<void> {
  try {
    const result = await runJobKind(request.kind, request, {
      signal: controller.signal,
      onProgress: (p) => {
        const now = Date.now();
        // Throttle: the UI needs ~10 updates a second at most.
        if (now - lastSent < 100 && p.fraction < 1 && !p.data) return;
        lastSent = now;
        send({ type: 'progress', progress: p });
      },
    });
    send({ type: 'done', result: result ?? null });
  } catch (err) {
    if (isCancelled(err) || controller.signal.aborted) send({ type: 'cancelled' });
    else send({ type: 'failed', error: toErrorPayload(err, systemErrorToUser) });
  } finally {
    // Let the last message flush before exiting.
    setTimeout(() => process.exit(0), 50);
  }
}

send({ type: 'ready' });
