import path from 'node:path';
import { confinedPath } from '../engine/util/confine';

/**
 * Paths stored in project.json, resolved through the one confinement helper
 * (src/engine/util/confine.ts): each kind of entry must lie, by its real path, in
 * its own folder of the project. A hostile project.json (`../../victim.txt`, an
 * absolute path, a symlink out of the project) is refused before any read or delete.
 */
export const PROJECT_FOLDERS = { media: 'media', persona: 'personas', curves: 'curves', render: 'renders', cache: 'cache' } as const;
export type ProjectPathKind = keyof typeof PROJECT_FOLDERS;

const WHAT: Record<ProjectPathKind, string> = { media: 'media file', persona: 'persona folder', curves: 'curves file', render: 'export', cache: 'cache file' };

export async function projectPath(projectDir: string, kind: ProjectPathKind, stored: string): Promise<string> {
  const dir = path.resolve(projectDir);
  return confinedPath(path.join(dir, PROJECT_FOLDERS[kind]), stored, { what: WHAT[kind], base: dir, source: path.join(dir, 'project.json') });
}
