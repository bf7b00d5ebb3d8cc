import { contextBridge, ipcRenderer } from 'electron';
import { IPC_REQUEST, IPC_EVENT, IPC_SAVE_DIALOG, FILE_PROTOCOL, type StudioBridge, type SaveDialogOptions } from '../shared/bridge';
import type { RequestEnvelope, ResponseEnvelope, EventEnvelope } from '../shared/contract';

/**
 * The typed bridge, and nothing else: the renderer gets `window.facialStudio`
 * with four functions; no Node, no ipcRenderer, no Electron objects.
 */
const bridge: StudioBridge = {
  request: (envelope: RequestEnvelope) => ipcRenderer.invoke(IPC_REQUEST, envelope) as Promise<ResponseEnvelope>,
  onEvent(listener) {
    const wrapped = (_e: unknown, env: EventEnvelope) => listener(env);
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, wrapped);
    };
  },
  fileUrl: (absolutePath: string) => `${FILE_PROTOCOL}://local/file?path=${encodeURIComponent(absolutePath)}`,
  chooseSavePath: (options: SaveDialogOptions) =>
    ipcRenderer.invoke(IPC_SAVE_DIALOG, { title: String(options.title), defaultPath: String(options.defaultPath) }) as Promise<string | undefined>,
};

contextBridge.exposeInMainWorld('facialStudio', bridge);
