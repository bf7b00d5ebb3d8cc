import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from './errors';

/**
 * The one place where a path that came from somewhere we do not control (a
 * project.json, a curves file, a persona folder, a network request) is turned
 * into a path we may read or delete. It is resolved with its real path (every
 * symlink followed, `..` removed) and must then lie inside the folder it belongs
 * to, itself taken by its real path. Checking `path.resolve` alone is not enough:
 * a symlink inside the project can point anywhere.
 */
export interface ConfineOptions {
  /** What the path names, for the message ("media file", "persona folder"). */
  what: string;
  /** The file the path was read from (project.json, a curves file), for the message. */
  source?: string;
  /** Accept an absolute path (still confined); by default a stored path must be relative. */
  allowAbsolute?: boolean;
  /** Folder a relative path is taken from (default: `root`), e.g. the project while `root` is its media/. */
  base?: string;
}

/**
 * The real path of `p`: for a path that does not exist (yet), the real path of its
 * deepest existing ancestor joined with the rest, so a later create lands where checked.
 */
export async function realPathOf(p: string): Promise<string> {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      const real = await fs.realpath(cur);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A dangling symlink or a missing part: look one level up.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** True when `p` is `root` itself or lies below it (both already absolute and real). */
export function isInside(root: string, p: string, allowRoot = false): boolean {
  const rel = path.relative(root, p);
  if (rel === '') return allowRoot;
  return !rel.startsWith('..') && !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '..';
}

/**
 * Resolves `stored` (relative to `root` unless absolute paths are allowed) to its real
 * path and refuses it unless it lies inside `root`. Returns the real path.
 */
export async function confinedPath(root: string, stored: string, opts: ConfineOptions): Promise<string> {
  const from = opts.source ? ` (in ${opts.source})` : '';
  const refuse = (why: string): never => {
    throw new UserError('path-outside', `The ${opts.what} path "${clip(stored)}"${from} ${why}; the studio only reads and deletes files inside ${root}.`, {
      ...(opts.source ? { file: opts.source } : {}),
      hint: 'The project may have been edited by hand or shared by someone else. Remove that entry or import the file again.',
    });
  };
  if (typeof stored !== 'string' || stored.length === 0) refuse('is empty');
  if (stored.includes('\0')) refuse('contains a NUL character');
  if (path.isAbsolute(stored) && !opts.allowAbsolute) refuse('is absolute');
  const rootReal = await realPathOf(root);
  const real = await realPathOf(path.resolve(opts.base ?? root, stored));
  if (!isInside(rootReal, real)) refuse('leads outside the folder it belongs to');
  return real;
}

/** A long input shortened for a message: errors never echo a big input in full. */
export function clip(s: string, max = 200): string {
  const str = String(s);
  return str.length <= max ? str : `${str.slice(0, max)}… (${str.length} characters)`;
}
