import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or packaged app) root: where package.json is. */
export function appRoot(): string {
  if (process.env.FACIAL_STUDIO_ROOT) return process.env.FACIAL_STUDIO_ROOT;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'facial-studio') return dir;
    } catch { /* keep walking up */ }
    dir = path.dirname(dir);
  }
  return process.cwd();
}

let cachedVersion: string | undefined;
export function appVersion(): string {
  if (!cachedVersion) {
    try {
      cachedVersion = (JSON.parse(readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}
