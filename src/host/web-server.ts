import http from 'node:http';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiHost } from './api-host';
import { UserError } from '../engine/util/errors';

/**
 * Browser mode: the studio UI served on 127.0.0.1 with the API on a WebSocket.
 * Bound to loopback only; every API connection and file request must carry the
 * random session token; WebSocket connections from any other Origin, and
 * requests with another Host (DNS rebinding), are refused.
 */
export interface WebServerOptions {
  host: ApiHost;
  /** Built UI (vite build output). */
  staticDir: string;
  port?: number;
  token?: string;
}

export interface RunningWebServer {
  url: string;
  /** URL to open: carries the token in the fragment, which browsers never send to servers. */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.bin': 'application/octet-stream',
};

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWebServer(opts: WebServerOptions): Promise<RunningWebServer> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const server = http.createServer((req, res) => {
    // One bad request fails that request, never the server.
    void handleHttp(req, res).catch((err: unknown) => {
      console.error('[web] request failed', req.url?.slice(0, 200), err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('The request failed; see the studio log.');
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Wrong Host header');
      return;
    }
    const baseHeaders = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
    let url: URL;
    let pathname: string;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      pathname = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, baseHeaders).end('Malformed URL');
      return;
    }
    if (url.pathname === '/files') {
      if (!tokenMatches(url.searchParams.get('token'), token)) {
        res.writeHead(401, baseHeaders).end('Missing or wrong session token');
        return;
      }
      const file = url.searchParams.get('path') ?? '';
      // Confined by real path: a symlink inside the project that leads out of it is refused.
      const real = await opts.host.servablePath(file);
      if (!real) {
        res.writeHead(403, baseHeaders).end('Only files inside an open project are served');
        return;
      }
      await sendFile(req, res, real, baseHeaders);
      return;
    }
    // Static UI files; unknown paths fall back to index.html (single-page app).
    const rel = path.normalize(pathname).replace(/^([/\\])+/, '');
    let file = path.join(opts.staticDir, rel || 'index.html');
    if (!file.startsWith(path.resolve(opts.staticDir))) {
      res.writeHead(403, baseHeaders).end('Forbidden');
      return;
    }
    const st = await fs.stat(file).catch(() => undefined);
    if (!st || !st.isFile()) file = path.join(opts.staticDir, 'index.html');
    const headers = { ...baseHeaders, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };
    await sendFile(req, res, file, headers);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const origin = req.headers.origin;
    const refuse = (status: number, why: string) => {
      socket.write(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== '/api') return refuse(404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    if (!origin || !allowedHosts().has(origin.replace(/^http:\/\//, ''))) return refuse(403, 'Forbidden Origin');
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const off = opts.host.onAny((event, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
    });
    ws.on('message', (data) => {
      void opts.host.handleRaw(data.toString('utf8')).then((resp) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(resp));
      });
    });
    ws.on('close', off);
    ws.on('error', off);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, opts.port ?? 0)));
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  // After listening, a server error (never expected) is logged, not left unhandled.
  server.on('error', (err) => console.error('[web] server error', err));
  port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}#token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A failed listen as a UserError: the port is taken, or not one this user may bind. */
function listenError(err: NodeJS.ErrnoException, port: number): Error {
  if (err.code === 'EADDRINUSE') return new UserError('port-in-use', `Port ${port} on 127.0.0.1 is already in use by another program.`, { hint: 'Choose another --port, or leave it out to take a free one.' });
  if (err.code === 'EACCES') return new UserError('port-denied', `This user may not open port ${port}.`, { hint: 'Use a port above 1023, or leave --port out.' });
  return err;
}

/**
 * Sends one file. The file is opened once (non-blocking, so a FIFO cannot hang the
 * server) and only ever as many bytes as announced are sent (a size-0 /proc file
 * cannot break the response). An unreadable file fails this request with a
 * status that says why; an error while streaming ends this response only.
 */
async function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, headers: Record<string, string>): Promise<void> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st || !st.isFile()) {
    res.writeHead(404, headers).end('Not found');
    return;
  }
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const denied = code === 'EACCES' || code === 'EPERM';
    res.writeHead(denied ? 403 : code === 'ENOENT' ? 404 : 500, headers).end(denied ? 'The file cannot be read (permission denied)' : code === 'ENOENT' ? 'Not found' : `The file cannot be read (${code ?? 'error'})`);
    return;
  }
  const size = st.size;
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Range requests let <audio>/<video> seek without loading the whole file.
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  if (range && (range[1] || range[2])) {
    start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (!(start <= end)) {
      await handle.close();
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, { ...headers, 'content-type': type, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) });
  } else {
    res.writeHead(200, { ...headers, 'content-type': type, 'accept-ranges': 'bytes', 'content-length': String(size) });
  }
  if (req.method === 'HEAD' || size === 0) {
    await handle.close();
    res.end();
    return;
  }
  const stream = handle.createReadStream({ start, end, autoClose: true });
  pipeline(stream, res, (err) => {
    // EIO and the like while streaming: this response is cut short (the client sees it), nothing else.
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error(`[web] reading ${file} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
  });
}
