import path from 'node:path';
import { clip, confinedPath, isInside, realPathOf } from '../engine/util/confine';
import { UserError } from '../engine/util/errors';

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

/**
 * The entry itself (for a delete): its folder taken by real path and confined like
 * projectPath, its last component kept as it is, so a symlink is removed as a link and
 * what it points to is never touched.
 */
export async function projectEntryPath(projectDir: string, kind: ProjectPathKind, stored: string): Promise<string> {
  const dir = path.resolve(projectDir);
  const name = path.basename(stored);
  if (!name || name === '.' || name === '..' || path.isAbsolute(stored)) {
    // Let projectPath word the refusal (absolute, empty, or a path that ends in ..).
    await projectPath(projectDir, kind, stored);
    throw new UserError('path-outside', `The ${WHAT[kind]} path "${clip(stored)}" does not name a file.`, { file: path.join(dir, 'project.json') });
  }
  const folder = await realPathOf(path.resolve(dir, path.dirname(stored)));
  const root = await realPathOf(path.join(dir, PROJECT_FOLDERS[kind]));
  const entry = path.join(folder, name);
  if (!isInside(root, entry)) throw new UserError('path-outside', `The ${WHAT[kind]} path "${clip(stored)}" leads outside ${root}.`, { file: path.join(dir, 'project.json') });
  return entry;
}
