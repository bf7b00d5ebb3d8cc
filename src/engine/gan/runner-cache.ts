/**
 * The trained model's two ONNX sessions kept open between generations: opening them
 * (9.7 M parameters, graph optimisation) costs several times more than generating a
 * minute of curves, and the studio generates again and again with the same model.
 * One model is kept, keyed by its files (path, size, modification time), the provider
 * and the thread count; a model replaced on disk (training again) opens anew. Sessions
 * close after IDLE_MS without use (the timer does not keep the process alive).
 */
import { promises as fs } from 'node:fs';
import type { ProviderChoice } from '../nn';
import type { GanArchitecture } from './model';
import { exportedWindowModel, type ExportedGenerator } from './network';

type Runner = Awaited<ReturnType<typeof exportedWindowModel>>;

interface Entry {
  key: string;
  runner: Promise<Runner>;
  users: number;
  stale: boolean;
  timer?: NodeJS.Timeout;
}

export const RUNNER_IDLE_MS = 60_000;
let current: Entry | undefined;

async function keyOf(files: ExportedGenerator, arch: GanArchitecture, provider: ProviderChoice, threads: number | undefined): Promise<string> {
  const stats = await Promise.all([files.audioPath, files.statePath].map(async (f) => {
    const s = await fs.stat(f);
    return `${f}:${s.size}:${s.mtimeMs}`;
  }));
  return JSON.stringify([stats, arch, provider, threads ?? null]);
}

function close(e: Entry): void {
  if (current === e) current = undefined;
  if (e.timer) clearTimeout(e.timer);
  void e.runner.then((r) => r.dispose()).catch(() => undefined);
}

/** The sessions of the model in `files` (opened, or reused); call `release` when done with them. */
export async function acquireWindowModel(files: ExportedGenerator, arch: GanArchitecture, provider: ProviderChoice = 'cpu', threads?: number): Promise<{ runner: Runner; release: () => void }> {
  const key = await keyOf(files, arch, provider, threads);
  let e = current;
  if (!e || e.key !== key) {
    if (e) {
      e.stale = true;
      if (e.users === 0) close(e);
    }
    e = { key, runner: exportedWindowModel(files, arch, provider, threads), users: 0, stale: false };
    current = e;
    const opened = e;
    opened.runner.catch(() => {
      if (current === opened) current = undefined;
    });
  }
  const entry = e;
  entry.users++;
  if (entry.timer) clearTimeout(entry.timer);
  entry.timer = undefined;
  let runner: Runner;
  try {
    runner = await entry.runner;
  } catch (err) {
    entry.users--;
    throw err;
  }
  let released = false;
  return {
    runner,
    release: () => {
      if (released) return;
      released = true;
      entry.users--;
      if (entry.users > 0) return;
      if (entry.stale || current !== entry) close(entry);
      else {
        entry.timer = setTimeout(() => close(entry), RUNNER_IDLE_MS);
        entry.timer.unref();
      }
    },
  };
}

/** Closes the kept sessions now (tests, shutting down). */
export function closeWindowModels(): void {
  if (current && current.users === 0) close(current);
}
