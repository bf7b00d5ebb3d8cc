import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { makeTinyPersona } from '../render/fixture';
import { ffmpegPath } from '../../../src/engine/media/ffmpeg';
import { repoRoot } from '../../helpers/repo';
import { encodeNpy } from '../../../src/engine/io/npy';

/**
 * Issue 13, item 10: SIGTERM and SIGHUP cancel like Ctrl+C: the command ends, its
 * ffmpeg child is gone, and no temp MP4 or staging folder is left behind.
 */
let root: string;
let fx: Awaited<ReturnType<typeof makeTinyPersona>>;
let longAudio: string;
let curves: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'signals-'));
  fx = await makeTinyPersona(path.join(root, 'fx'));
  curves = path.join(root, 'curves.npy');
  writeFileSync(curves, encodeNpy(fx.curves, [fx.curves.length / 71, 71]));
  longAudio = path.join(root, 'long.wav');
  execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=120', '-ar', '16000', '-ac', '1', longAudio]);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function processesMentioning(s: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(s) && !l.includes('ps -eo'));
}

describe('SIGTERM / SIGHUP during a render', () => {
  it.each(['SIGTERM', 'SIGHUP'] as const)('%s: ends within seconds, kills ffmpeg, leaves no temp MP4', async (sig) => {
    const outDir = path.join(root, `out-${sig}`);
    const out = path.join(outDir, 'talk.mp4');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/facial-studio.mjs'), 'render', '--persona', fx.personaDir, '--audio', longAudio, '--out', out, '--curves', curves, '--preview', '--no-quality'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FACIAL_STUDIO_HOME: path.join(root, 'home') },
    });
    let err = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`render did not start: ${err}`)), 60_000);
      child.on('exit', () => reject(new Error(`render ended before it was signalled: ${err}`)));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // Rendering frames: the writer's ffmpeg runs and the temp MP4 exists.
        if (/render/.test(err) && readdirSafe(outDir).some((n) => n.endsWith('.tmp'))) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(processesMentioning(outDir).length).toBeGreaterThan(0);
    const t0 = Date.now();
    child.kill(sig);
    const { code } = await exited;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(code).toBe(130);
    expect(err).toMatch(new RegExp(`${sig}: cancelling`));
    expect(err).not.toMatch(/^\s+at /m);
    expect(readdirSafe(outDir)).toEqual([]);
    // No ffmpeg (or anything) still writing there.
    await new Promise((r) => setTimeout(r, 300));
    expect(processesMentioning(outDir)).toEqual([]);
  }, 120_000);
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
