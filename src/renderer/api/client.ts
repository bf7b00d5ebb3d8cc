import { Requests, type EventName, type EventOf, type Method, type ParamsOf, type ResultOf } from '../../shared/contract';
import type { SaveDialogOptions, StudioBridge } from '../../shared/bridge';
import { ApiError, checkResult, decodeIncoming } from './decode';
import type { ConnectionStatus, Transport } from './transport';
import { ElectronTransport } from './electron-transport';
import { WebSocketTransport } from './ws-transport';
import { TOKEN_KEY, hashWithoutToken, resolveToken } from './session-token';

interface Pending {
  method: Method;
  resolve: (v: unknown) => void;
  reject: (e: ApiError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** How long a request may wait for its answer (large documents included). */
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * The UI's one door to the engine: `api.call('project.create', {...})` is typed by
 * the contract, checked before it leaves, and its answer validated on arrival.
 * Events (job progress, project changes) arrive through `api.on`.
 */
export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Map<EventName, Set<(p: unknown) => void>>();
  private readonly problemListeners = new Set<(message: string) => void>();

  constructor(readonly transport: Transport) {
    transport.onMessage((raw) => this.receive(raw));
    transport.onStatus((s) => {
      if (s.state === 'failed') {
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new ApiError({ code: 'disconnected', message: `${p.method} could not be sent: ${s.reason}`, hint: s.hint }));
          this.pending.delete(id);
        }
      }
    });
  }

  call<M extends Method>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const checked = Requests[method].params.safeParse(params);
    if (!checked.success) {
      const why = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return Promise.reject(new ApiError({ code: 'bad-params', message: `Invalid parameters for ${method}: ${why}` }));
    }
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError({ code: 'timeout', message: `The studio did not answer ${method} within ${REQUEST_TIMEOUT_MS / 1000} s.`, hint: 'Check that the studio server is still running.' }));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.transport.send({ id, method, params });
    });
  }

  on<E extends EventName>(event: E, fn: (payload: EventOf<E>) => void): () => void {
    let set = this.eventListeners.get(event);
    if (!set) this.eventListeners.set(event, (set = new Set()));
    const f = fn as (p: unknown) => void;
    set.add(f);
    return () => set.delete(f);
  }

  /** Messages from the host that break the contract (shown to the user, never ignored). */
  onProblem(fn: (message: string) => void): () => void {
    this.problemListeners.add(fn);
    return () => this.problemListeners.delete(fn);
  }

  onStatus(fn: (s: ConnectionStatus) => void): () => void {
    return this.transport.onStatus(fn);
  }

  fileUrl(absolutePath: string): string {
    return this.transport.fileUrl(absolutePath);
  }

  /** The system's save dialog when the app has one (Electron); undefined in browser mode, which uses its own. */
  get nativeSaveDialog(): ((options: SaveDialogOptions) => Promise<string | undefined>) | undefined {
    const t = this.transport;
    return t.chooseSavePath ? (o) => t.chooseSavePath!(o) : undefined;
  }

  private problem(message: string): void {
    for (const fn of this.problemListeners) fn(message);
  }

  private receive(raw: unknown): void {
    const msg = decodeIncoming(raw);
    if (msg.type === 'malformed') {
      this.problem(msg.message);
      return;
    }
    if (msg.type === 'event') {
      for (const fn of this.eventListeners.get(msg.event) ?? []) fn(msg.payload);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) {
      // An error the host could not tie to a request (e.g. our message was unreadable).
      if (!msg.ok) this.problem(`${msg.error.message}${msg.error.hint ? ` ${msg.error.hint}` : ''}`);
      return;
    }
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (!msg.ok) {
      p.reject(new ApiError(msg.error));
      return;
    }
    try {
      p.resolve(checkResult(p.method, msg.result));
    } catch (err) {
      p.reject(err as ApiError);
    }
  }
}

declare global {
  interface Window {
    facialStudio?: StudioBridge;
  }
}

/** Picks the transport: the Electron bridge when present, otherwise browser mode's WebSocket. */
export function createApiClient(): { client?: ApiClient; error?: { message: string; hint: string } } {
  if (window.facialStudio) return { client: new ApiClient(new ElectronTransport(window.facialStudio)) };
  const { token, fromHash } = resolveToken(location.hash, sessionStorage.getItem(TOKEN_KEY));
  if (fromHash && token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', `${location.pathname}${location.search}${hashWithoutToken(location.hash)}`);
  }
  if (!token) {
    return {
      error: {
        message: 'This page was opened without its session key.',
        hint: 'Run `npm run serve` (or `facial-studio serve`) and open the link it prints: the part after # is the key.',
      },
    };
  }
  return { client: new ApiClient(new WebSocketTransport(location.origin, token)) };
}
