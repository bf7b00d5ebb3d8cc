import { promises as fs, constants as fsConstants } from 'node:fs';

/**
 * Reads a whole file that must be a regular file. Opened non-blocking and checked on
 * the open handle: a FIFO, socket or device put where a project.json, curves file or
 * persona file should be is an error (EINVAL-like, code 'ENOTREG'), never a read that
 * waits for ever (a FIFO) or never ends (/dev/zero).
 */
export async function readRegularFile(file: string): Promise<Buffer>;
export async function readRegularFile(file: string, encoding: 'utf8'): Promise<string>;
export async function readRegularFile(file: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw Object.assign(new Error(`${file} is not a regular file`), { code: st.isDirectory() ? 'EISDIR' : 'ENOTREG', path: file });
    }
    const data = await handle.readFile();
    return encoding ? data.toString(encoding) : data;
  } finally {
    await handle.close();
  }
}
