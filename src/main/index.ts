import { app, BrowserWindow, dialog, ipcMain, protocol, net, session, shell } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiHost } from '../host/api-host';
import { secureWebPreferences, ELECTRON_CSP, isTrustedSenderUrl, isAllowedNavigation } from './security';
import { IPC_REQUEST, IPC_EVENT, IPC_SAVE_DIALOG, FILE_PROTOCOL } from '../shared/bridge';

/**
 * Electron main process: windows, the IPC end of the API contract, and the
 * engine host. Everything else lives in src/host and src/engine, shared with
 * the CLI and browser mode.
 */
protocol.registerSchemesAsPrivileged([{ scheme: FILE_PROTOCOL, privileges: { stream: true, supportFetchAPI: true, standard: true, secure: true } }]);

let host: ApiHost;
let rendererUrl = '';

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'FACIAL Studio',
    backgroundColor: '#15171c',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, '../preload/index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  const off = host.onAny((event, payload) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, { event, payload });
  });
  win.on('closed', off);
  if (process.env.ELECTRON_RENDERER_URL) {
    rendererUrl = process.env.ELECTRON_RENDERER_URL;
    void win.loadURL(rendererUrl);
  } else {
    const file = path.join(__dirname, '../renderer/index.html');
    rendererUrl = pathToFileURL(file).href;
    void win.loadFile(file);
  }
}

void app.whenReady().then(() => {
  host = new ApiHost({
    mode: 'electron',
    launcher: {
      entry: path.join(__dirname, 'job-process.js'),
      execPath: process.execPath,
      env: { ELECTRON_RUN_AS_NODE: '1' },
    },
    // "Open" and "show in folder" of an export: the desktop's own shell.
    revealer: async (file, action) => {
      if (action === 'folder') shell.showItemInFolder(file);
      else {
        const problem = await shell.openPath(file);
        if (problem) throw new Error(problem);
      }
    },
  });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [ELECTRON_CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  // Media of open projects, for <audio>, <video> and textures.
  protocol.handle(FILE_PROTOCOL, async (request) => {
    let file: string;
    try {
      file = decodeURIComponent(new URL(request.url).searchParams.get('path') ?? '');
    } catch {
      return new Response('Malformed URL', { status: 400 });
    }
    // Confined by real path: a symlink inside the project that leads out of it is refused.
    const real = await host.servablePath(file);
    if (!real) return new Response('Forbidden', { status: 403 });
    return net.fetch(pathToFileURL(real).href, { headers: request.headers });
  });

  ipcMain.handle(IPC_REQUEST, async (event, raw: unknown) => {
    const senderUrl = event.senderFrame?.url ?? '';
    if (!isTrustedSenderUrl(senderUrl, rendererUrl)) {
      return { id: -1, ok: false, error: { code: 'forbidden', message: `IPC from an untrusted frame (${senderUrl}) was refused.` } };
    }
    return host.handleRaw(raw);
  });

  // The save dialog of an export: the system's own, for the app's own page only.
  ipcMain.handle(IPC_SAVE_DIALOG, async (event, raw: unknown) => {
    if (!isTrustedSenderUrl(event.senderFrame?.url ?? '', rendererUrl)) return undefined;
    const opts = (raw ?? {}) as { title?: unknown; defaultPath?: unknown };
    const win = BrowserWindow.fromWebContents(event.sender);
    const options = {
      title: typeof opts.title === 'string' ? opts.title.slice(0, 200) : 'Save the video',
      defaultPath: typeof opts.defaultPath === 'string' ? opts.defaultPath : undefined,
      filters: [{ name: 'MP4 video', extensions: ['mp4'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'] as ('createDirectory' | 'showOverwriteConfirmation')[],
    };
    const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return r.canceled || !r.filePath ? undefined : r.filePath;
  });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser, never in the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  void host?.close().finally(() => {
    if (process.platform !== 'darwin') app.quit();
  });
});
