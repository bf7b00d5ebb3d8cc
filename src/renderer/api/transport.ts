import type { RequestEnvelope } from '../../shared/contract';
import type { SaveDialogOptions } from '../../shared/bridge';

export type ConnectionStatus =
  | { state: 'connecting' }
  | { state: 'open' }
  | { state: 'reconnecting'; attempt: number; retryInMs: number; reason: string }
  | { state: 'failed'; reason: string; hint: string };

/** One way of carrying contract envelopes to the host: Electron IPC or a WebSocket. */
export interface Transport {
  readonly kind: 'electron' | 'websocket';
  /** Sends a request envelope; the raw response arrives through onMessage. */
  send(envelope: RequestEnvelope): void;
  onMessage(fn: (raw: unknown) => void): () => void;
  onStatus(fn: (status: ConnectionStatus) => void): () => void;
  readonly status: ConnectionStatus;
  /** URL under which the page can load a file of an open project. */
  fileUrl(absolutePath: string): string;
  /** The system's save dialog, where there is one (Electron); browser mode uses the studio's own file dialog. */
  chooseSavePath?(options: SaveDialogOptions): Promise<string | undefined>;
  close(): void;
}
