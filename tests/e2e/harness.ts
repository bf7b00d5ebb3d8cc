import { copyFileSync, mkdtempSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ApiHost } from '../../src/host/api-host';
import { startWebServer, type RunningWebServer } from '../../src/host/web-server';
import { nodeJobLauncher } from '../../src/host/launcher';
import { ensureWebBuild } from '../../src/host/web-build';
import { repoRoot } from '../helpers/repo';

/**
 * End-to-end harness: the real ApiHost and browser-mode web server in this process
 * (job processes as in `facial-studio serve`), a temporary studio home, and Debian
 * Chromium driven by playwright-core.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const skipNoChromium = existsSync(CHROMIUM) ? '' : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH): browser tests skipped`;
export const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', '--autoplay-policy=no-user-gesture-required'];

export interface Studio {
  host: ApiHost;
  server: RunningWebServer;
  browser: Browser;
  /** Temporary FACIAL_STUDIO_HOME, with a projects/ folder inside. */
  home: string;
  projectsDir: string;
  /** Files the studio was asked to open or show in their folder (the system opener is replaced by this record). */
  revealed: { file: string; action: 'open' | 'folder' }[];
  newPage(opts?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startStudio(): Promise<Studio> {
  const staticDir = path.join(repoRoot, 'dist-web');
  if (!existsSync(path.join(staticDir, 'index.html'))) await ensureWebBuild(staticDir);
  const home = mkdtempSync(path.join(os.tmpdir(), 'facial-e2e-'));
  const projectsDir = path.join(home, 'projects');
  mkdirSync(projectsDir, { recursive: true });
  const prevHome = process.env.FACIAL_STUDIO_HOME;
  process.env.FACIAL_STUDIO_HOME = home;
  const revealed: Studio['revealed'] = [];
  const host = new ApiHost({ mode: 'browser', launcher: nodeJobLauncher(), projectsDir, revealer: async (file, action) => void revealed.push({ file, action }) });
  const server = await startWebServer({ host, staticDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  mkdirSync(ARTIFACTS, { recursive: true });
  const pages: Page[] = [];
  return {
    host,
    server,
    browser,
    home,
    projectsDir,
    revealed,
    async newPage(opts = {}) {
      const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 }, deviceScaleFactor: 1 });
      const page = await ctx.newPage();
      page.on('pageerror', (err) => console.error('[page error]', err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') console.error('[page console]', msg.text());
      });
      pages.push(page);
      return page;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.close();
      await host.close();
      if (prevHome === undefined) delete process.env.FACIAL_STUDIO_HOME;
      else process.env.FACIAL_STUDIO_HOME = prevHome;
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * The README's screenshots come from these tests, but a test run must not change tracked
 * files: they are copied into docs/images only when FACIAL_UPDATE_SCREENSHOTS=1.
 */
export function publishScreenshot(file: string, name: string): void {
  if (process.env.FACIAL_UPDATE_SCREENSHOTS !== '1') return;
  const docs = path.join(repoRoot, 'docs/images');
  mkdirSync(docs, { recursive: true });
  copyFileSync(file, path.join(docs, name));
}

/** Creates a project through the start screen and waits for the workspace. */
export async function createProjectViaUi(page: Page, studio: Studio, name: string): Promise<string> {
  await page.getByTestId('new-project-name').fill(name);
  await page.getByTestId('new-project-location').fill(studio.projectsDir);
  await page.getByTestId('create-project').click();
  await page.getByTestId('workspace').waitFor();
  return path.join(studio.projectsDir, name);
}
