import { parseEvent, parseResponse, parseResult, ContractError } from '../../shared/rpc';
import { isMethod } from '../../shared/rpc';
import type { EventName, ErrorPayload, Method } from '../../shared/contract';

/**
 * Classifies one raw message from the host (either transport): a response to a
 * request, a pushed event, or something malformed. Pure, so it is unit-tested
 * without a socket.
 */
export type Incoming =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: ErrorPayload }
  | { type: 'event'; event: EventName; payload: unknown }
  | { type: 'malformed'; message: string };

export function decodeIncoming(raw: unknown): Incoming {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { type: 'malformed', message: 'The studio server sent a message that is not valid JSON.' };
    }
  }
  try {
    if (value && typeof value === 'object' && 'event' in value) {
      const ev = parseEvent(value);
      return { type: 'event', event: ev.event, payload: ev.payload };
    }
    const resp = parseResponse(value);
    return resp.ok ? { type: 'response', id: resp.id, ok: true, result: resp.result } : { type: 'response', id: resp.id, ok: false, error: resp.error };
  } catch (err) {
    return { type: 'malformed', message: err instanceof ContractError ? err.message : String(err) };
  }
}

/** Validates a result against the contract; throws ApiError('bad-message') when it does not match. */
export function checkResult(method: Method, result: unknown): unknown {
  try {
    return parseResult(method, result);
  } catch (err) {
    throw new ApiError({ code: 'bad-message', message: (err as Error).message, hint: 'The studio server and this page may be different versions: reload the page.' });
  }
}

/** An error as the UI shows it: what went wrong, which file, what to do. */
export class ApiError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly hint?: string;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = 'ApiError';
    this.code = payload.code;
    this.file = payload.file;
    this.hint = payload.hint;
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError({ code: 'internal', message: err instanceof Error ? err.message : String(err) });
}

export { isMethod };
