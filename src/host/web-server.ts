import http from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiHost } from './api-host';

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
    void handleHttp(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Internal error: ${(err as Error).message}`);
    });
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Wrong Host header');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const baseHeaders = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
    if (url.pathname === '/files') {
      if (!tokenMatches(url.searchParams.get('token'), token)) {
        res.writeHead(401, baseHeaders).end('Missing or wrong session token');
        return;
      }
      const file = url.searchParams.get('path') ?? '';
      if (!opts.host.canServe(file)) {
        res.writeHead(403, baseHeaders).end('Only files inside an open project are served');
        return;
      }
      await sendFile(req, res, path.resolve(file), baseHeaders);
      return;
    }
    // Static UI files; unknown paths fall back to index.html (single-page app).
    const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
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
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
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

async function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, headers: Record<string, string>): Promise<void> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st || !st.isFile()) {
    res.writeHead(404, headers).end('Not found');
    return;
  }
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Range requests let <audio>/<video> seek without loading the whole file.
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    let start = range[1] ? Number(range[1]) : Math.max(0, st.size - Number(range[2]));
    let end = range[1] && range[2] ? Number(range[2]) : st.size - 1;
    end = Math.min(end, st.size - 1);
    if (start > end) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${st.size}` }).end();
      return;
    }
    start = Math.max(0, start);
    res.writeHead(206, { ...headers, 'content-type': type, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${st.size}`, 'content-length': String(end - start + 1) });
    createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': type, 'accept-ranges': 'bytes', 'content-length': String(st.size) });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}
