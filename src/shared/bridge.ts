import type { RequestEnvelope, ResponseEnvelope, EventEnvelope } from './contract';

/** Channel names and the shape of the API the preload script exposes as window.facialStudio. */
export const IPC_REQUEST = 'facial:request';
export const IPC_EVENT = 'facial:event';
export const IPC_SAVE_DIALOG = 'facial:save-dialog';
export const FILE_PROTOCOL = 'studio-file';

export interface StudioBridge {
  /** Sends one request envelope; resolves with the response envelope. */
  request(envelope: RequestEnvelope): Promise<ResponseEnvelope>;
  /** Subscribes to host events; returns an unsubscribe function. */
  onEvent(listener: (envelope: EventEnvelope) => void): () => void;
  /** URL under which the renderer can load a file of an open project. */
  fileUrl(absolutePath: string): string;
  /** The system's save dialog (an MP4 by default); resolves with the chosen path, or undefined when cancelled. */
  chooseSavePath(options: SaveDialogOptions): Promise<string | undefined>;
}

export interface SaveDialogOptions {
  title: string;
  /** Proposed folder and file name. */
  defaultPath: string;
}
