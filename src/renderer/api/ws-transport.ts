import type { RequestEnvelope } from '../../shared/contract';
import type { ConnectionStatus, Transport } from './transport';
import { backoffMs } from './session-token';

/** Failed attempts in a row before the page gives up: fewer when the server never accepted us (wrong key). */
const MAX_ATTEMPTS_AFTER_LOSS = 8;
const MAX_ATTEMPTS_NEVER_OPENED = 3;

/**
 * Browser mode: one WebSocket to ws://<host>/api?token=..., reconnecting with backoff.
 * Requests sent while the socket is down wait in a queue (the client times them out).
 */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket' as const;
  private ws?: WebSocket;
  private readonly listeners = new Set<(raw: unknown) => void>();
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();
  private queue: string[] = [];
  private attempt = 0;
  private everOpened = false;
  private closed = false;
  private timer?: ReturnType<typeof setTimeout>;
  status: ConnectionStatus = { state: 'connecting' };

  constructor(private readonly origin: string, private readonly token: string) {
    this.connect();
  }

  private setStatus(s: ConnectionStatus): void {
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }

  private connect(): void {
    if (this.closed) return;
    const url = `${this.origin.replace(/^http/, 'ws')}/api?token=${encodeURIComponent(this.token)}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      this.setStatus({ state: 'failed', reason: `Cannot open a connection to ${url.replace(/token=[^&]+/, 'token=…')}: ${(err as Error).message}`, hint: 'Open the link printed by `facial-studio serve`.' });
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.everOpened = true;
      this.setStatus({ state: 'open' });
      const pending = this.queue;
      this.queue = [];
      for (const m of pending) ws.send(m);
    };
    ws.onmessage = (ev) => {
      const data: unknown = ev.data;
      for (const fn of this.listeners) fn(typeof data === 'string' ? data : String(data));
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.closed) return;
      this.attempt += 1;
      if (this.attempt > (this.everOpened ? MAX_ATTEMPTS_AFTER_LOSS : MAX_ATTEMPTS_NEVER_OPENED)) {
        this.setStatus(
          this.everOpened
            ? { state: 'failed', reason: 'The connection to the studio server was lost and could not be restored.', hint: 'Is `facial-studio serve` still running? If it was restarted, open the new link it printed.' }
            : { state: 'failed', reason: 'The studio server refused the connection or cannot be reached.', hint: 'Open the exact link printed by `facial-studio serve` (it carries the session key); a link from an earlier run no longer works.' },
        );
        return;
      }
      const wait = backoffMs(this.attempt, Math.random());
      this.setStatus({ state: 'reconnecting', attempt: this.attempt, retryInMs: wait, reason: ev.code === 1006 ? 'connection closed' : `closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})` });
      this.timer = setTimeout(() => this.connect(), wait);
    };
  }

  /** Retry now (the "Reconnect" button after a failure). */
  retry(): void {
    if (this.ws || this.closed) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.setStatus({ state: 'connecting' });
    this.connect();
  }

  send(envelope: RequestEnvelope): void {
    const text = JSON.stringify(envelope);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.queue.push(text);
  }

  /** Sends raw text as is (used to check the server's handling of malformed messages). */
  sendRaw(text: string): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  onMessage(fn: (raw: unknown) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onStatus(fn: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(fn);
    fn(this.status);
    return () => this.statusListeners.delete(fn);
  }

  fileUrl(absolutePath: string): string {
    return `${this.origin}/files?path=${encodeURIComponent(absolutePath)}&token=${encodeURIComponent(this.token)}`;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close();
    this.listeners.clear();
    this.statusListeners.clear();
  }
}
