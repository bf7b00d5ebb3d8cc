import { CancelledError, UserError, isCancelled } from './errors';

/**
 * An error as it crosses from a worker thread to its owner (structured clone keeps no
 * class): a UserError keeps its code, file and hint, a cancellation stays one.
 */
export interface WorkerErrorPayload { message: string; code?: string; file?: string; hint?: string; cancelled?: boolean }

export function toWorkerError(err: unknown): WorkerErrorPayload {
  if (isCancelled(err)) return { message: 'cancelled', cancelled: true };
  if (err instanceof UserError) return { message: err.message, code: err.code, file: err.file, hint: err.hint };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function fromWorkerError(p: WorkerErrorPayload): Error {
  if (p.cancelled) return new CancelledError();
  return p.code ? new UserError(p.code, p.message, { file: p.file, hint: p.hint }) : new Error(p.message);
}
