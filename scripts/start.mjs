#!/usr/bin/env node
// `npm start`: the desktop studio. `npm ci` skips install scripts (they download),
// so the Electron binary is fetched here on first launch; where that is impossible
// (offline), say so and point to browser mode, which needs nothing more.
import { existsSync, readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));

function electronBinary() {
  const dir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return { dir };
  const bin = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? { dir, bin } : { dir };
}

function explainAndExit(why) {
  console.error(`\nThe desktop window cannot start: ${why}`);
  console.error('\nUse browser mode instead (the same studio, served on 127.0.0.1):');
  console.error('    npm run serve');
  console.error('\nTo get the desktop app later, run `npm start` on a machine that can reach the Electron download,');
  console.error('or set ELECTRON_MIRROR to a mirror you can reach, or install the binary with `node node_modules/electron/install.js`.');
  process.exit(1);
}

let found = electronBinary();
if (!found.bin) {
  console.log('Fetching the Electron binary (first desktop launch)...');
  const r = spawnSync(process.execPath, [path.join(found.dir, 'install.js')], { stdio: 'inherit', timeout: 180_000 });
  found = electronBinary();
  if (r.status !== 0 || !found.bin) explainAndExit('the Electron binary could not be downloaded (no network access to its release server?).');
}

if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && process.platform === 'linux') {
  explainAndExit('no display is available (DISPLAY and WAYLAND_DISPLAY are unset).');
}

console.log('Building the desktop app...');
const build = spawnSync(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawn(found.bin, [root], { cwd: root, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
