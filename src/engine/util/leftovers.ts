import { promises as fs, mkdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isInside, realPathOf } from './confine';

/**
 * A registry of what this studio itself is writing: temp files, staging folders, the
 * previous version of a folder being replaced, media being imported. Each process
 * keeps its entries in <studio home>/leftovers/<pid>.json, with its process id and the
 * time each entry was made, and removes an entry once the write is complete.
 *
 * Opening a project cleans only what this registry names, and only when the process
 * that wrote it is gone: a user's own file that happens to be called `x.importing` or
 * `.x.old-1a2b3c` is never touched (issue 13, item 5).
 */
export type LeftoverKind = 'tmp' | 'staging' | 'old' | 'importing';

interface Entry {
  path: string;
  kind: LeftoverKind;
  /** What the entry becomes when complete (for 'old': the folder it was moved away from). */
  target: string;
  createdAt: string;
}

interface RegistryFile {
  pid: number;
  host: string;
  startedAt: string;
  entries: Entry[];
}

export function leftoversDir(): string {
  const home = process.env.FACIAL_STUDIO_HOME ?? path.join(os.homedir(), '.facial-studio');
  return path.join(home, 'leftovers');
}

const mine = new Map<string, Entry>();
const startedAt = new Date().toISOString();
let warned = false;

function save(): void {
  const dir = leftoversDir();
  const file = path.join(dir, `${process.pid}.json`);
  try {
    if (mine.size === 0) {
      rmSync(file, { force: true });
      return;
    }
    mkdirSync(dir, { recursive: true });
    const body: RegistryFile = { pid: process.pid, host: os.hostname(), startedAt, entries: [...mine.values()] };
    const tmp = `${file}.${Math.random().toString(16).slice(2)}.w`;
    writeFileSync(tmp, JSON.stringify(body));
    renameSync(tmp, file);
  } catch (err) {
    // The registry only makes cleanup possible later: a write must not fail for it. Said once.
    if (!warned) console.warn(`[studio] cannot record temporary files in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); leftovers of an interrupted write will not be cleaned automatically.`);
    warned = true;
  }
}

/** Records that this process is about to create `p` (before creating it). */
export function registerLeftover(p: string, kind: LeftoverKind, target: string): void {
  mine.set(path.resolve(p), { path: path.resolve(p), kind, target: path.resolve(target), createdAt: new Date().toISOString() });
  save();
}

/** The write of `p` is complete (renamed into place, or removed). */
export function releaseLeftover(p: string): void {
  if (mine.delete(path.resolve(p))) save();
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface CleanedLeftover {
  path: string;
  kind: LeftoverKind;
  action: 'removed' | 'restored';
  ageS: number;
}

/**
 * Cleans, inside `root` (by real path), the registered leftovers of processes that no
 * longer run on this machine. A folder moved aside as 'old' whose replacement never
 * arrived is moved back (it is the only copy); otherwise leftovers are removed.
 */
export async function cleanLeftovers(root: string): Promise<CleanedLeftover[]> {
  const dir = leftoversDir();
  const rootReal = await realPathOf(root);
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /^\d+\.json$/.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const done: CleanedLeftover[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let reg: RegistryFile;
    try {
      reg = JSON.parse(await fs.readFile(file, 'utf8')) as RegistryFile;
    } catch (err) {
      // Being replaced by its owner this instant, or damaged: not ours to judge now.
      console.warn(`[studio] skipped the leftovers record ${file}: ${(err as Error).message}`);
      continue;
    }
    if (!Array.isArray(reg.entries) || typeof reg.pid !== 'number' || reg.host !== os.hostname() || isAlive(reg.pid)) continue;
    const keep: Entry[] = [];
    for (const e of reg.entries) {
      if (typeof e?.path !== 'string' || typeof e.target !== 'string') continue;
      // Gone already (renamed into place, removed): nothing left to clean, wherever it was.
      if (!(await fs.lstat(e.path).then(() => true, () => false))) continue;
      const real = await realPathOf(e.path);
      if (!isInside(rootReal, real)) {
        keep.push(e);
        continue;
      }
      const ageS = Math.round((Date.now() - Date.parse(e.createdAt)) / 1000);
      if (e.kind === 'old' && !(await fs.lstat(e.target).then(() => true, () => false))) {
        await fs.rename(real, e.target);
        done.push({ path: real, kind: e.kind, action: 'restored', ageS });
        continue;
      }
      await fs.rm(real, { recursive: true, force: true });
      done.push({ path: real, kind: e.kind, action: 'removed', ageS });
    }
    if (keep.length === 0) await fs.rm(file, { force: true });
    else await fs.writeFile(file, JSON.stringify({ ...reg, entries: keep }));
  }
  return done;
}
