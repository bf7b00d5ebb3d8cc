import { UserError } from './errors';
import { clip } from './confine';

/**
 * Errors of the environment (permissions, a read-only or full disk, a port in use)
 * as UserErrors: what happened, to which file, and what to do. The raw errno code
 * never reaches a user on its own (EROFS is not "ENOENT", nor a stack trace).
 */
const SYSTEM_ERRORS: Record<string, { code: string; what: string; hint: string }> = {
  EACCES: { code: 'permission-denied', what: 'permission denied', hint: 'Choose a file or folder you may use, or change its permissions.' },
  EPERM: { code: 'permission-denied', what: 'the operation is not permitted', hint: 'Choose a file or folder you may use, or change its permissions.' },
  EROFS: { code: 'read-only', what: 'the disk is read-only', hint: 'Choose a folder on a writable disk.' },
  ENOSPC: { code: 'disk-full', what: 'the disk is full', hint: 'Free some space (or choose another disk) and try again; nothing half-written was kept.' },
  EDQUOT: { code: 'disk-full', what: 'the disk quota is used up', hint: 'Free some space (or choose another disk) and try again.' },
  EISDIR: { code: 'is-a-folder', what: 'it is a folder, not a file', hint: 'Give a file name, not a folder.' },
  ENOTDIR: { code: 'not-a-folder', what: 'a part of the path is a file, not a folder', hint: 'Check the path.' },
  ENOENT: { code: 'not-found', what: 'there is no such file or folder', hint: 'Check the path.' },
  EEXIST: { code: 'exists', what: 'it already exists', hint: 'Choose another name.' },
  EMFILE: { code: 'too-many-files', what: 'too many files are open', hint: 'Close other programs, or raise the open-file limit (ulimit -n).' },
  EIO: { code: 'io-error', what: 'the disk reported an input/output error', hint: 'Check the disk (it may be failing or disconnected) and try again.' },
  EADDRINUSE: { code: 'port-in-use', what: 'the port is already in use by another program', hint: 'Choose another --port, or leave it out to take a free one.' },
  ENAMETOOLONG: { code: 'name-too-long', what: 'the file name is too long', hint: 'Choose a shorter name or a shallower folder.' },
  ELOOP: { code: 'symlink-loop', what: 'symbolic links loop', hint: 'Check the path.' },
  ENOTREG: { code: 'not-a-regular-file', what: 'it is not a regular file (a pipe, socket or device)', hint: 'Choose a regular file.' },
};

/** The UserError for an error of the environment, or undefined when `err` is not one. */
export function systemErrorToUser(err: unknown): UserError | undefined {
  if (!err || typeof err !== 'object' || err instanceof UserError) return undefined;
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  // Node refuses a path with a NUL byte before any system call.
  if (e.code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(String(e.message))) {
    return new UserError('bad-path', 'A file path contains a NUL character, which no file name may hold.', { hint: 'Check the path.', cause: err });
  }
  const known = typeof e.code === 'string' ? SYSTEM_ERRORS[e.code] : undefined;
  if (!known) return undefined;
  const target = e.path ? clip(e.path) : e.port !== undefined ? `port ${e.port}` : undefined;
  const verb = e.syscall ? ` (${e.syscall})` : '';
  return new UserError(known.code, `${target ? `${target}: ` : ''}${known.what}${verb}.`, { ...(e.path ? { file: e.path } : {}), hint: known.hint, cause: err });
}

/** Why a file operation failed, in words ("permission denied", "the disk is read-only"), for a message that names the file itself. */
export function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const known = typeof code === 'string' ? SYSTEM_ERRORS[code] : undefined;
  if (known) return known.what;
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
}
