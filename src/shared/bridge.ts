import type { RequestEnvelope, ResponseEnvelope, EventEnvelope } from './contract';

/** Channel names and the shape of the API the preload script exposes as window.facialStudio. */
export const IPC_REQUEST = 'facial:request';
export const IPC_EVENT = 'facial:event';
export const FILE_PROTOCOL = 'studio-file';

export interface StudioBridge {
  /** Sends one request envelope; resolves with the response envelope. */
  request(envelope: RequestEnvelope): Promise<ResponseEnvelope>;
  /** Subscribes to host events; returns an unsubscribe function. */
  onEvent(listener: (envelope: EventEnvelope) => void): () => void;
  /** URL under which the renderer can load a file of an open project. */
  fileUrl(absolutePath: string): string;
}
