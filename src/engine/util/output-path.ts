import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { UserError } from './errors';
import { isInside, realPathOf } from './confine';

/**
 * Checks an output location before any work is done (issue 13: "inputs are never
 * written", "validate before working"):
 *  - it is not, and does not resolve to (symlink, hard link, `..`), one of the inputs,
 *    nor (for a folder output) a folder that holds an input;
 *  - a file output is not an existing directory, FIFO or device;
 *  - the folder it goes into exists (or can be created under an existing one) and is
 *    writable on a file system that is not read-only.
 * Returns the absolute path to write.
 */
export interface OutputInput {
  /** The flag or role that named it, for the message ("--audio", "the persona"). */
  label: string;
  path: string | undefined;
}

export interface OutputCheck {
  /** The flag or role of the output ("--out"). */
  label: string;
  kind: 'file' | 'dir';
  inputs: OutputInput[];
}

export async function checkOutput(out: string, check: OutputCheck): Promise<string> {
  const abs = path.resolve(out);
  const real = await realPathOf(abs);
  const st = await fs.stat(abs).catch(() => undefined);
  for (const input of check.inputs) {
    if (!input.path) continue;
    const inAbs = path.resolve(input.path);
    const inReal = await realPathOf(inAbs);
    const inSt = await fs.stat(inAbs).catch(() => undefined);
    const sameFile = inReal === real || (st && inSt && st.ino === inSt.ino && st.dev === inSt.dev && st.isFile());
    if (sameFile) {
      throw new UserError('output-is-input', `${check.label} ${abs} is the same file as ${input.label} ${inAbs}; an input is never overwritten.`, {
        file: abs,
        hint: `Choose another ${check.label} path.`,
      });
    }
    if (check.kind === 'dir' && isInside(real, inReal)) {
      throw new UserError('output-holds-input', `${check.label} ${abs} holds ${input.label} ${inAbs}; writing the folder could replace it.`, {
        file: abs,
        hint: `Choose a ${check.label} folder that does not contain the inputs.`,
      });
    }
  }
  if (st) {
    if (check.kind === 'file' && st.isDirectory()) {
      throw new UserError('output-is-directory', `${check.label} ${abs} is a folder, not a file name.`, { file: abs, hint: `Give a file name inside it, e.g. ${path.join(abs, 'out' + (path.extname(abs) || ''))}.` });
    }
    if (check.kind === 'file' && !st.isFile()) {
      throw new UserError('output-not-a-file', `${check.label} ${abs} exists and is not a regular file.`, { file: abs, hint: `Choose another ${check.label} path.` });
    }
    if (check.kind === 'dir' && !st.isDirectory()) {
      throw new UserError('output-not-a-folder', `${check.label} ${abs} exists and is not a folder.`, { file: abs, hint: `Choose another ${check.label} path.` });
    }
  }
  await checkWritableFolder(check.kind === 'dir' && st ? abs : path.dirname(abs), check.label);
  return abs;
}

/** The nearest existing folder on the way to `dir` must be a folder this user may write to. */
async function checkWritableFolder(dir: string, label: string): Promise<void> {
  let cur = dir;
  for (;;) {
    const st = await fs.stat(cur).catch(() => undefined);
    if (st) {
      if (!st.isDirectory()) throw new UserError('output-parent-not-folder', `${label}: ${cur} is a file, so nothing can be written below it.`, { file: cur, hint: `Choose another ${label} path.` });
      break;
    }
    const parent = path.dirname(cur);
    if (parent === cur) return;
    cur = parent;
  }
  try {
    await fs.access(cur, fsConstants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') throw new UserError('output-read-only', `${label}: ${cur} is on a read-only disk.`, { file: cur, hint: 'Choose a folder on a writable disk.' });
    throw new UserError('output-not-writable', `${label}: this user may not write to ${cur}.`, { file: cur, hint: 'Choose a folder you can write to, or change its permissions.' });
  }
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir loops for ever below /proc
 * (each level answers ENOENT); here every level is created or refused once.
 */
export async function createFolders(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  while (!(await fs.stat(cur).then(() => true, () => false))) {
    missing.push(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
