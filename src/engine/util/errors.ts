/**
 * An error meant for the person using the studio: what went wrong, which file,
 * and what to do about it. Everything the CLI, the studio UI and the API show
 * to a user should be one of these; anything else is a bug and is reported as such.
 */
export class UserError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly hint?: string;

  constructor(code: string, message: string, opts: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'UserError';
    this.code = code;
    this.file = opts.file;
    this.hint = opts.hint;
  }

  /** One line for a terminal or a toast: message, file, and what to do. */
  describe(): string {
    const parts = [this.message];
    if (this.file && !this.message.includes(this.file)) parts.push(`(file: ${this.file})`);
    if (this.hint) parts.push(`What to do: ${this.hint}`);
    return parts.join(' ');
  }
}

/** Thrown when a long operation is cancelled by its caller. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function isCancelled(err: unknown): err is CancelledError {
  return err instanceof CancelledError || (err instanceof Error && err.name === 'CancelledError');
}

/** Throws CancelledError when the signal has fired. Call it between units of work. */
export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
