import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { JobInfo, JobRequest } from '../shared/contract';
import { EtaEstimator } from '../engine/util/progress';
import { UserError } from '../engine/util/errors';
import { applyJobResult, jobTitle, type JobNames } from './job-kinds';
import type { JobChildMessage, JobParentMessage } from './job-messages';

/** How to start a job process: the script, and the runtime that runs it. */
export interface JobLauncher {
  /** Path of the job-process entry (a .ts under tsx, or the built .js in Electron). */
  entry: string;
  execPath?: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

interface RunningJob {
  info: JobInfo;
  request: JobRequest;
  child?: ChildProcess;
  eta: EtaEstimator;
  killTimer?: NodeJS.Timeout;
}

/**
 * Runs long operations in child processes, one at a time by default (the machine
 * has few cores and each job uses them all), with progress, ETA and cancellation.
 * Emits 'update' with a JobInfo whenever a job changes.
 */
/** How long a cancelled job may take to unwind before it is killed. */
export const CANCEL_GRACE_MS = 2_000;

export class JobManager extends EventEmitter {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly queue: string[] = [];
  private running = 0;

  constructor(private readonly launcher: JobLauncher, private readonly maxConcurrent = 1) {
    super();
    // wait() and every connected UI listen for updates: many listeners are expected.
    this.setMaxListeners(0);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => j.info).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.get(id)?.info;
  }

  /** Queues a job; `names` (of the media or persona it works on) make its title say what it is about. */
  start(request: JobRequest, names?: JobNames): JobInfo {
    const id = randomUUID().slice(0, 8);
    const info: JobInfo = {
      id,
      kind: request.kind,
      title: jobTitle(request.kind, request, names),
      state: 'queued',
      stage: 'queued',
      fraction: 0,
      startedAt: new Date().toISOString(),
      ...('projectDir' in request ? { projectDir: request.projectDir } : {}),
    };
    this.jobs.set(id, { info, request, eta: new EtaEstimator() });
    this.queue.push(id);
    this.emitUpdate(id);
    const snapshot = { ...info };
    this.pump();
    return snapshot;
  }

  cancel(id: string): JobInfo {
    const job = this.jobs.get(id);
    if (!job) throw new UserError('job-unknown', `No job with id ${id}.`, { hint: 'It may have finished already; see the jobs panel.' });
    if (job.info.state === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finish(job, { state: 'cancelled' });
    } else if (job.info.state === 'running' && job.child) {
      job.info.stage = 'cancelling';
      this.emitUpdate(id);
      this.send(job.child, { type: 'cancel' });
      // Cancel ends a job within 2 s: one still busy then (a stage that does not look at its
      // signal) is killed. Its outputs are staged and recorded as leftovers, so nothing
      // half-written stays in the project (the next open removes them).
      job.killTimer = setTimeout(() => job.child?.kill('SIGKILL'), CANCEL_GRACE_MS);
    }
    return { ...job.info };
  }

  /** Resolves when the job reaches a final state. */
  wait(id: string): Promise<JobInfo> {
    const job = this.jobs.get(id);
    if (!job) return Promise.reject(new Error(`No job ${id}`));
    if (isFinal(job.info.state)) return Promise.resolve(job.info);
    return new Promise((resolve) => {
      const onUpdate = (info: JobInfo) => {
        if (info.id === id && isFinal(info.state)) {
          this.off('update', onUpdate);
          resolve(info);
        }
      };
      this.on('update', onUpdate);
    });
  }

  /** Cancels everything (host shutting down). */
  async shutdown(): Promise<void> {
    const active = [...this.jobs.values()].filter((j) => !isFinal(j.info.state));
    for (const j of active) this.cancel(j.info.id);
    await Promise.all(active.map((j) => this.wait(j.info.id)));
  }

  private pump(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const job = this.jobs.get(id)!;
      this.running++;
      this.launch(job);
    }
  }

  private launch(job: RunningJob): void {
    const { entry, execPath, execArgv, env } = this.launcher;
    const child = fork(entry, [], {
      execPath,
      execArgv: execArgv ?? [],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    job.child = child;
    job.info.state = 'running';
    job.info.stage = 'starting';
    this.emitUpdate(job.info.id);
    let ended = false;
    child.on('message', (msg: JobChildMessage) => {
      switch (msg.type) {
        case 'ready':
          this.send(child, { type: 'start', request: job.request });
          break;
        case 'progress': {
          const p = msg.progress;
          job.info.stage = p.stage;
          job.info.fraction = p.fraction;
          job.info.message = p.message;
          job.info.etaS = job.eta.update(p.fraction);
          if (p.data) job.info.data = { ...(job.info.data ?? {}), ...p.data };
          this.emitUpdate(job.info.id);
          break;
        }
        case 'done':
          ended = true;
          void this.applyThenFinish(job, msg.result);
          break;
        case 'failed':
          ended = true;
          this.finish(job, { state: 'failed', error: msg.error.hint ? `${msg.error.message} What to do: ${msg.error.hint}` : msg.error.message });
          break;
        case 'cancelled':
          ended = true;
          this.finish(job, { state: 'cancelled' });
          break;
      }
    });
    child.on('exit', (code, signal) => {
      if (job.killTimer) clearTimeout(job.killTimer);
      if (!ended) {
        if (job.info.stage === 'cancelling') this.finish(job, { state: 'cancelled' });
        else this.finish(job, { state: 'failed', error: `The job process ended unexpectedly (${signal ?? `exit code ${code}`}).` });
      }
    });
    child.on('error', (err) => {
      if (!ended) {
        ended = true;
        this.finish(job, { state: 'failed', error: `Could not start the job process: ${err.message}` });
      }
    });
  }

  private async applyThenFinish(job: RunningJob, result: unknown): Promise<void> {
    try {
      await applyJobResult(job.request.kind, job.request, result);
      this.finish(job, { state: 'done', result });
    } catch (err) {
      this.finish(job, { state: 'failed', error: (err as Error).message });
    }
  }

  private finish(job: RunningJob, patch: Partial<JobInfo>): void {
    if (isFinal(job.info.state)) return;
    const wasRunning = job.info.state === 'running';
    Object.assign(job.info, patch, { endedAt: new Date().toISOString(), etaS: undefined });
    if (patch.state === 'done') {
      job.info.fraction = 1;
      job.info.stage = 'done';
    } else job.info.stage = patch.state ?? job.info.stage;
    if (wasRunning) this.running--;
    this.emitUpdate(job.info.id);
    this.pump();
  }

  private send(child: ChildProcess, msg: JobParentMessage): void {
    // A child that has just died closes the channel under us: its 'exit' handler reports the job.
    if (child.connected) child.send(msg, (err) => {
      if (err) console.warn(`[jobs] message to a job process was not delivered: ${err.message}`);
    });
  }

  private emitUpdate(id: string): void {
    const job = this.jobs.get(id);
    if (job) this.emit('update', { ...job.info });
  }
}

function isFinal(state: JobInfo['state']): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}
