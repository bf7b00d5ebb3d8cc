import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import WebSocket from 'ws';
import type { RunningWebServer } from '../../../src/host/web-server';
import { httpGet, startTestServer } from '../../helpers/web-server-fixture';

let server: RunningWebServer;
let tmp: string;

beforeAll(async () => {
  ({ tmp, server } = await startTestServer('web-'));
});
afterAll(async () => {
  await server.close();
});

const get = (urlPath: string, headers: Record<string, string> = {}) => httpGet(server, urlPath, headers);

function connect(opts: { token?: string; origin?: string }): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${opts.token ?? ''}`, { headers: opts.origin ? { origin: opts.origin } : {} });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

function call(ws: WebSocket, msg: unknown): Promise<any> {
  return new Promise((resolve) => {
    const onMsg = (d: WebSocket.RawData) => {
      const m = JSON.parse(d.toString());
      if ('id' in m) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  });
}

describe('browser-mode server', () => {
  it('listens on loopback only and prints a URL carrying the token in the fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.openUrl).toBe(`${server.url}#token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it('serves the UI with a strict Content-Security-Policy', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('FACIAL Studio');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['content-security-policy']).not.toContain('unsafe-eval');
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    expect((await get('/', { host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses API connections without the token, with a wrong token, or from another Origin', async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    expect((await connect({ origin })).status).toBe(401);
    expect((await connect({ origin, token: 'x'.repeat(48) })).status).toBe(401);
    expect((await connect({ token: server.token, origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect({ token: server.token })).status).toBe(403);
  });

  it('answers requests over the WebSocket and reports malformed messages clearly', async () => {
    const { ws } = await connect({ token: server.token, origin: `http://localhost:${server.port}` });
    expect(ws).toBeDefined();
    const info = await call(ws!, { id: 1, method: 'app.info', params: {} });
    expect(info).toMatchObject({ id: 1, ok: true, result: { mode: 'test' } });
    const bad = await call(ws!, '{"id": 2, "method": "project.create", "params": {"dir": 5}}');
    expect(bad).toMatchObject({ id: 2, ok: false, error: { code: 'bad-message', message: expect.stringMatching(/dir/) } });
    const dir = path.join(tmp, 'proj');
    const created = await call(ws!, { id: 3, method: 'project.create', params: { dir, name: 'Web' } });
    expect(created).toMatchObject({ ok: true, result: { dir, project: { name: 'Web' } } });
    ws!.close();
  });

  it('serves files only inside open projects, only with the token', async () => {
    const inside = path.join(tmp, 'proj', 'project.json');
    expect((await get(`/files?path=${encodeURIComponent(inside)}`)).status).toBe(401);
    const ok = await get(`/files?path=${encodeURIComponent(inside)}&token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).name).toBe('Web');
    const ranged = await get(`/files?path=${encodeURIComponent(inside)}&token=${server.token}`, { range: 'bytes=0-9' });
    expect(ranged.status).toBe(206);
    expect(ranged.body).toHaveLength(10);
    expect((await get(`/files?path=${encodeURIComponent('/etc/passwd')}&token=${server.token}`)).status).toBe(403);
    expect((await get(`/files?path=${encodeURIComponent(path.join(tmp, 'proj', '..', 'static', 'index.html'))}&token=${server.token}`)).status).toBe(403);
  });
});
