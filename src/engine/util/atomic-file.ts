import { promises as fs, openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { registerLeftover, releaseLeftover } from './leftovers';
import { createFolders } from './output-path';

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the
 * new one, never a mix: write a temp file beside the target, fsync it, rename it
 * over the target, fsync the directory.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(target);
  const tmp = tempPathFor(target);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    // A failed write (ENOSPC, EIO) names no file by itself: name the one the user asked for.
    if (err && typeof err === 'object' && !('path' in err)) Object.assign(err, { path: target });
    // The write's own error is the one to report; closing a failed handle may fail too.
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    releaseLeftover(tmp);
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  } finally {
    releaseLeftover(tmp);
  }
  await fsyncDir(dir);
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(target);
  const fd = openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    releaseLeftover(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } finally {
    releaseLeftover(tmp);
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/**
 * A temp path in the same directory (rename is only atomic within one file system),
 * recorded as this process's own (src/engine/util/leftovers.ts) so that an interrupted
 * write can be cleaned later, and nothing else. Release it once renamed or removed.
 */
export function tempPathFor(target: string): string {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  registerLeftover(tmp, 'tmp', target);
  return tmp;
}

async function fsyncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename durable; not supported on every platform.
  try {
    const h = await fs.open(dir, 'r');
    try { await h.sync(); } finally { await h.close(); }
  } catch { /* Windows and some file systems refuse; the rename is still atomic. */ }
}

/**
 * Publishes a directory atomically: build it under a temp name next to the target,
 * then call `commit()` to swap it in. A crash or cancel leaves only the temp
 * directory, which `discard()` (or the next attempt) removes.
 */
export async function stagingDir(target: string): Promise<{ dir: string; commit: () => Promise<void>; discard: () => Promise<void> }> {
  const parent = path.dirname(path.resolve(target));
  await createFolders(parent);
  const dir = path.join(parent, `.${path.basename(target)}.staging-${process.pid}-${randomBytes(3).toString('hex')}`);
  registerLeftover(dir, 'staging', target);
  await fs.mkdir(dir);
  return {
    dir,
    commit: async () => {
      const old = path.join(parent, `.${path.basename(target)}.old-${randomBytes(3).toString('hex')}`);
      // Recorded as 'old': if we die before the new folder is in place, cleanup moves it back.
      registerLeftover(old, 'old', target);
      let hadOld = false;
      try {
        await fs.rename(target, old);
        hadOld = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      await fs.rename(dir, target);
      releaseLeftover(dir);
      if (hadOld) await fs.rm(old, { recursive: true, force: true });
      releaseLeftover(old);
      await fsyncDir(parent);
    },
    discard: async () => {
      await fs.rm(dir, { recursive: true, force: true });
      releaseLeftover(dir);
    },
  };
}
