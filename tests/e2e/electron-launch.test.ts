import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDoctor } from '../../src/host/doctor';
import { repoRoot } from '../helpers/repo';

/**
 * Launch smoke test of the desktop app. It needs the Electron binary (downloaded on
 * first `npm start`; `npm ci` here skips it) and a display (or xvfb-run): where either
 * is missing it skips and says why.
 */
const electron = (await runDoctor()).electron;
const display = process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
const skipReason = !electron.installed ? `Electron binary not installed: ${electron.reason}` : !display ? 'no display (DISPLAY unset): run under xvfb-run to include this test' : '';

describe('desktop app launch', () => {
  it.skipIf(Boolean(skipReason))(`opens the studio window${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    const build = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: repoRoot, stdio: 'inherit' });
    expect(build.status).toBe(0);
    const { _electron } = await import('playwright-core');
    const app = await _electron.launch({
      executablePath: electron.path!,
      args: [repoRoot, '--no-sandbox'],
      env: { ...process.env, FACIAL_STUDIO_HOME: mkdtempSync(path.join(os.tmpdir(), 'electron-home-')) },
    });
    try {
      const win = await app.firstWindow();
      await win.waitForSelector('[data-testid="app-root"]', { timeout: 60_000 });
      expect(await win.title()).toMatch(/FACIAL Studio/);
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0];
        // getLastWebPreferences exists at run time but is missing from Electron's typings.
        const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }).getLastWebPreferences();
        return { contextIsolation: p?.contextIsolation, sandbox: p?.sandbox, nodeIntegration: p?.nodeIntegration };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });
      expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await win.evaluate(() => Object.keys((globalThis as unknown as { facialStudio: object }).facialStudio).sort())).toEqual(['fileUrl', 'onEvent', 'request']);
    } finally {
      await app.close();
    }
  });
});
