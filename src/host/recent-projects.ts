import { promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { writeJsonAtomic } from '../engine/util/atomic-file';
import type { RecentProject } from '../shared/contract';

/** Where the studio keeps per-user settings (recent projects). FACIAL_STUDIO_HOME overrides. */
export function studioHome(): string {
  return process.env.FACIAL_STUDIO_HOME ?? path.join(os.homedir(), '.facial-studio');
}

const MAX_RECENT = 12;

export async function listRecent(home = studioHome()): Promise<RecentProject[]> {
  try {
    const raw = JSON.parse(await fs.readFile(path.join(home, 'recent.json'), 'utf8')) as RecentProject[];
    return Array.isArray(raw) ? raw.filter((r) => r && typeof r.dir === 'string') : [];
  } catch {
    return [];
  }
}

export async function addRecent(entry: Omit<RecentProject, 'openedAt'>, home = studioHome()): Promise<void> {
  const list = (await listRecent(home)).filter((r) => path.resolve(r.dir) !== path.resolve(entry.dir));
  list.unshift({ ...entry, openedAt: new Date().toISOString() });
  await fs.mkdir(home, { recursive: true });
  await writeJsonAtomic(path.join(home, 'recent.json'), list.slice(0, MAX_RECENT));
}
