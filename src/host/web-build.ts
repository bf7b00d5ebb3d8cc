import path from 'node:path';
import { appRoot } from './app-info';

/** Builds the browser-mode UI with Vite (used by `serve` when dist-web/ is missing). */
export async function ensureWebBuild(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(appRoot(), 'vite.web.config.ts'), logLevel: 'warn', build: { outDir } });
}
