import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { JobLauncher } from './job-manager';
import { appRoot } from './app-info';

/**
 * Job processes outside Electron: Node runs the TypeScript job entry through tsx's
 * loader (given as an absolute URL so it works from any working directory).
 */
export function tsxLoaderUrl(): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(require.resolve('tsx')).href;
}

export function nodeJobLauncher(): JobLauncher {
  return {
    entry: path.join(appRoot(), 'src/host/job-process.ts'),
    execPath: process.execPath,
    execArgv: ['--import', tsxLoaderUrl()],
  };
}
