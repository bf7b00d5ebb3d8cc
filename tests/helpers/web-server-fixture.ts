import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ApiHost } from '../../src/host/api-host';
import { nodeJobLauncher } from '../../src/host/launcher';
import { startWebServer, type RunningWebServer } from '../../src/host/web-server';

/** A real browser-mode server on loopback over a real ApiHost, in a fresh temp folder (its studio home and a one-page static folder inside). */
export async function startTestServer(prefix: string): Promise<{ tmp: string; host: ApiHost; server: RunningWebServer }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.env.FACIAL_STUDIO_HOME = path.join(tmp, 'home');
  const staticDir = path.join(tmp, 'static');
  mkdirSync(staticDir);
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>FACIAL Studio</title>');
  const host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher() });
  const server = await startWebServer({ host, staticDir });
  return { tmp, host, server };
}

/** GET on the server with its own Host header (or `headers`' one): status, body, headers; a response that breaks off reads as status -1. */
export function httpGet(server: RunningWebServer, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: urlPath, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', () => resolve({ status: -1, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}
