import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Removes leftovers of interrupted writes inside a project: staging folders and
 * temp files whose writing process no longer runs. Outputs are staged under
 * `.<name>.staging-<pid>-<rand>` / `.<name>.<pid>.<rand>.tmp` and only renamed into
 * place when complete, so anything matching these names is safe to discard.
 */
export async function cleanStaleStaging(projectDir: string, depth = 2): Promise<string[]> {
  const removed: string[] = [];
  async function walk(dir: string, level: number): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      const m = /^\..+\.(?:staging-(\d+)-[0-9a-f]+|old-[0-9a-f]+|(\d+)\.[0-9a-f]+\.tmp)$/.exec(e.name) ?? /\.importing$/.exec(e.name);
      if (m) {
        const pid = Number(m[1] ?? m[2]);
        if (!pid || !isAlive(pid)) {
          await fs.rm(p, { recursive: true, force: true });
          removed.push(p);
        }
        continue;
      }
      if (e.isDirectory() && level < depth) await walk(p, level + 1);
    }
  }
  await walk(projectDir, 0);
  return removed;
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
