import type { SaveDialogOptions, StudioBridge } from '../../shared/bridge';
import type { RequestEnvelope } from '../../shared/contract';
import type { ConnectionStatus, Transport } from './transport';

/** Electron: the preload bridge (window.facialStudio) carries envelopes over IPC. */
export class ElectronTransport implements Transport {
  readonly kind = 'electron' as const;
  readonly status: ConnectionStatus = { state: 'open' };
  private readonly listeners = new Set<(raw: unknown) => void>();
  private readonly offEvents: () => void;

  constructor(private readonly bridge: StudioBridge) {
    this.offEvents = bridge.onEvent((env) => this.emit(env));
  }

  send(envelope: RequestEnvelope): void {
    this.bridge.request(envelope).then(
      (resp) => this.emit(resp),
      (err: unknown) => this.emit({ id: envelope.id, ok: false, error: { code: 'ipc', message: `The desktop app did not answer ${envelope.method}: ${err instanceof Error ? err.message : String(err)}` } }),
    );
  }

  private emit(raw: unknown): void {
    for (const fn of this.listeners) fn(raw);
  }

  onMessage(fn: (raw: unknown) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onStatus(fn: (status: ConnectionStatus) => void): () => void {
    fn(this.status);
    return () => undefined;
  }

  fileUrl(absolutePath: string): string {
    return this.bridge.fileUrl(absolutePath);
  }

  chooseSavePath(options: SaveDialogOptions): Promise<string | undefined> {
    return this.bridge.chooseSavePath(options);
  }

  close(): void {
    this.offEvents();
    this.listeners.clear();
  }
}
