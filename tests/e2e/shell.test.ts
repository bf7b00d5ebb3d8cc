import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { startStudio, screenshot, publishScreenshot, createProjectViaUi, skipNoChromium, type Studio } from './harness';
import { repoRoot } from '../helpers/repo';

/** Issue 2: the studio shell in browser mode; projects survive a reload; the API refuses strangers. */
describe.skipIf(Boolean(skipNoChromium))(`studio shell in Chromium${skipNoChromium ? ` (${skipNoChromium})` : ''}`, () => {
  let studio: Studio;
  beforeAll(async () => {
    studio = await startStudio();
  });
  afterAll(async () => {
    await studio?.close();
  });

  it('renders the shell, creates a project, and the project is still there after a reload', async () => {
    const page = await studio.newPage();
    await page.goto(studio.server.openUrl);
    await page.getByTestId('start-screen').waitFor();
    // The session key leaves the address bar (it stays in sessionStorage for reloads).
    expect(page.url()).not.toContain('token=');
    await screenshot(page, 'start-screen');

    const dir = await createProjectViaUi(page, studio, 'Launch video');
    await expect(page.getByTestId('project-name').textContent()).resolves.toBe('Launch video');
    // The shell: empty timeline, media and jobs panels, the preview.
    for (const id of ['timeline', 'media-bin', 'jobs', 'viewport-3d', 'persona-panel', 'inspector', 'undo', 'redo', 'export-open']) {
      expect(await page.getByTestId(id).isVisible(), id).toBe(true);
    }
    await expect(page.getByTestId('timeline').textContent()).resolves.toContain('Empty timeline');
    expect(JSON.parse(readFileSync(path.join(dir, 'project.json'), 'utf8')).name).toBe('Launch video');
    const shot = await screenshot(page, 'studio-shell');
    publishScreenshot(shot, 'studio-shell.png');

    // Where networks run: CPU by default; GPUs this machine cannot drive say so (app.doctor); the choice is remembered.
    const device = page.getByTestId('device-select');
    expect(await device.inputValue()).toBe('cpu');
    await expect.poll(async () => (await device.locator('option').allTextContents()).find((l) => l.startsWith('Auto (')), { timeout: 20_000 }).toMatch(/^Auto \((CPU|GPU)/);
    await device.selectOption('auto');

    await page.reload();
    await page.getByTestId('workspace').waitFor();
    await expect(page.getByTestId('project-name').textContent()).resolves.toBe('Launch video');
    expect(await page.getByTestId('device-select').inputValue()).toBe('auto');
    await screenshot(page, 'studio-shell-after-reload');

    // Back to the start screen: the project is listed under Recent.
    await page.getByTestId('close-project').click();
    await page.getByTestId('recent-projects').waitFor();
    await expect(page.getByTestId('recent-projects').textContent()).resolves.toContain('Launch video');
  });

  it('answers a malformed WebSocket message with a clear error', async () => {
    const page = await studio.newPage();
    await page.goto(studio.server.openUrl);
    await page.getByTestId('start-screen').waitFor();
    // A second socket from the page itself (same Origin, same key), speaking nonsense.
    const replies = (await page.evaluate(`(async () => {
      const token = sessionStorage.getItem('facial-studio.token');
      const ws = new WebSocket(location.origin.replace('http', 'ws') + '/api?token=' + token);
      await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
      const replies = [];
      const got = new Promise((r) => { ws.onmessage = (e) => { const m = JSON.parse(e.data); if (!('event' in m)) replies.push(m); if (replies.length === 3) r(); }; });
      ws.send('{this is not json');
      ws.send(JSON.stringify({ id: 7, method: 'project.create', params: { dir: 42 } }));
      ws.send(JSON.stringify({ id: 8, method: 'project.explode', params: {} }));
      await got;
      ws.close();
      return replies;
    })()`)) as { id: number; ok: boolean; error?: { code: string; message: string } }[];
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(byId.get(-1)).toMatchObject({ ok: false, error: { code: 'bad-message' } });
    expect(byId.get(-1)!.error!.message).toMatch(/not valid JSON/);
    expect(byId.get(7)).toMatchObject({ ok: false, error: { code: 'bad-message' } });
    expect(byId.get(7)!.error!.message).toMatch(/Invalid params for project\.create: dir/);
    expect(byId.get(8)!.error!.message).toMatch(/Unknown method "project\.explode"/);
  });

  it('refuses a connection with a wrong token or from another Origin', async () => {
    const { port, token, url } = studio.server;
    const attempt = (query: string, origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api?${query}`, { origin });
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
    const origin = url.replace(/\/$/, '');
    expect(await attempt(`token=${token}`, origin)).toBe(101);
    expect(await attempt(`token=${'0'.repeat(token.length)}`, origin)).toBe(401);
    expect(await attempt('', origin)).toBe(401);
    expect(await attempt(`token=${token}`, 'http://evil.example')).toBe(403);
    expect(await attempt(`token=${token}`, `http://127.0.0.1:${port + 1}`)).toBe(403);

    // The page opened with a stale key says so instead of hanging.
    const page = await studio.newPage();
    await page.goto(`${url}#token=${'f'.repeat(token.length)}`);
    const banner = page.getByTestId('connection');
    await banner.getByText('refused the connection').waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain('facial-studio serve');
    await screenshot(page, 'wrong-token');
  });

  it('a page without the session key explains how to get one', async () => {
    const page = await studio.newPage();
    await page.goto(studio.server.url);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('without its session key');
    expect(existsSync(path.join(repoRoot, 'dist-web/index.html'))).toBe(true);
  });
});
