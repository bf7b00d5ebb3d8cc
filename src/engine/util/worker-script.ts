import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from './errors';

/**
 * Where a worker thread's script is: run from the TypeScript sources (CLI, tests, browser
 * mode), a small ESM snippet that registers tsx and imports `<name>.ts` beside the caller;
 * built (the desktop bundle), `<name>.js` beside the caller's bundle or one folder up.
 */
export function workerScript(callerUrl: string, name: string, missing: { code: string; what: string }): { code: string } | { file: string } {
  const here = fileURLToPath(callerUrl);
  if (here.endsWith('.ts')) {
    const entry = pathToFileURL(path.join(path.dirname(here), `${name}.ts`)).href;
    const tsx = tsxRegisterUrl(callerUrl);
    return { code: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });` };
  }
  for (const dir of [path.dirname(here), path.dirname(path.dirname(here))]) {
    const file = path.join(dir, `${name}.js`);
    if (existsSync(file)) return { file };
  }
  throw new UserError(missing.code, `${missing.what}'s worker script (${name}.js) was not found beside ${here}.`, {
    hint: `Rebuild the application (\`npm run build\`); electron.vite.config.ts must list ${name} as an entry.`,
  });
}

/** file:// URL of tsx's ESM register API (its package exports map: "./esm/api" → import). */
function tsxRegisterUrl(callerUrl: string): string {
  const require = createRequire(callerUrl);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
}
