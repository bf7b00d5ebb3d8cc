import { z } from 'zod';
import { Requests, Events, RequestEnvelope, ResponseEnvelope, EventEnvelope, type Method, type ErrorPayload, type EventName, type ResultOf } from './contract';

/**
 * Runtime validation of messages crossing the UI/host boundary, shared by both
 * transports. A malformed message yields an error that says which field is wrong.
 */
export class ContractError extends Error {
  readonly code = 'bad-message';
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

function explain(where: string, err: z.ZodError): string {
  const issues = err.issues.slice(0, 4).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  return `${where}: ${issues.join('; ')}`;
}

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(Requests, name);
}

/** Params of a method as its handler receives them (after validation and defaults). */
export type ValidParams<M extends Method> = z.output<(typeof Requests)[M]['params']>;

/** Parses the envelope of a raw request (string or object): id and a known method; params still raw. */
export function parseEnvelope(raw: unknown): { id: number; method: Method; params: unknown } {
  const value = typeof raw === 'string' ? safeJson(raw) : raw;
  const env = RequestEnvelope.safeParse(value);
  if (!env.success) throw new ContractError(explain('Malformed request', env.error));
  const { id, method } = env.data;
  if (!isMethod(method)) throw new ContractError(`Unknown method "${clipName(method)}"`);
  return { id, method, params: env.data.params ?? {} };
}

/**
 * Validates the params of method M. The schema parsed is Requests[M].params, so its
 * output is ValidParams<M>; TypeScript cannot follow a generic index into zod's
 * union, which is what the one assertion here states (the only one at the boundary).
 */
export function parseParams<M extends Method>(method: M, raw: unknown): ValidParams<M> {
  const params = Requests[method].params.safeParse(raw);
  if (!params.success) throw new ContractError(explain(`Invalid params for ${method}`, params.error));
  return params.data as ValidParams<M>;
}

/** Parses a raw request (string or object) into a validated method + params. */
export function parseRequest(raw: unknown): { id: number; method: Method; params: unknown } {
  const env = parseEnvelope(raw);
  return { ...env, params: parseParams(env.method, env.params) };
}

/** Validates the result of method M (as above: the schema's output is ResultOf<M>). */
export function parseResult<M extends Method>(method: M, result: unknown): ResultOf<M> {
  const r = Requests[method].result.safeParse(result);
  if (!r.success) throw new ContractError(explain(`Invalid result of ${method}`, r.error));
  return r.data as ResultOf<M>;
}

/** A name from the wire, shortened: errors never echo a big input. */
function clipName(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}… (${s.length} characters)` : s;
}

export function parseResponse(raw: unknown): ResponseEnvelope {
  const value = typeof raw === 'string' ? safeJson(raw) : raw;
  const r = ResponseEnvelope.safeParse(value);
  if (!r.success) throw new ContractError(explain('Malformed response', r.error));
  return r.data;
}

export function parseEvent(raw: unknown): { event: EventName; payload: unknown } {
  const value = typeof raw === 'string' ? safeJson(raw) : raw;
  const env = EventEnvelope.safeParse(value);
  if (!env.success) throw new ContractError(explain('Malformed event', env.error));
  const name = env.data.event;
  if (!Object.prototype.hasOwnProperty.call(Events, name)) throw new ContractError(`Unknown event "${name}"`);
  const p = Events[name as EventName].safeParse(env.data.payload);
  if (!p.success) throw new ContractError(explain(`Invalid payload of event ${name}`, p.error));
  return { event: name as EventName, payload: p.data };
}

/**
 * The error a caller sees. `describeSystem` turns errors of the environment (EACCES,
 * EROFS, ENOSPC, ...) into user errors (src/engine/util/system-errors.ts; passed in
 * because this module is shared with the UI). Messages are kept short: an error never
 * echoes a big input.
 */
export function toErrorPayload(err: unknown, describeSystem?: (err: unknown) => unknown): ErrorPayload {
  const mapped = describeSystem?.(err);
  const p = errorPayloadOf(mapped ?? err);
  return {
    ...p,
    message: p.message.length > 2000 ? `${p.message.slice(0, 2000)}… (${p.message.length} characters)` : p.message,
    ...(p.file !== undefined && p.file.length > 4096 ? { file: `${p.file.slice(0, 4096)}…` } : {}),
  };
}

function errorPayloadOf(err: unknown): ErrorPayload {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; file?: unknown; hint?: unknown; name?: unknown };
    const code = typeof e.code === 'string' ? e.code : e.name === 'CancelledError' ? 'cancelled' : 'internal';
    return {
      code,
      message: typeof e.message === 'string' ? e.message : String(err),
      ...(typeof e.file === 'string' ? { file: e.file } : {}),
      ...(typeof e.hint === 'string' ? { hint: e.hint } : {}),
    };
  }
  return { code: 'internal', message: String(err) };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new ContractError('Malformed message: not valid JSON');
  }
}
