import { existsSync, statSync, mkdirSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { sharedData, repoRoot } from './repo';

/** Hash of the code that produces a persona, so a cached build never outlives a code change. */
export function builderCodeHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) h.update(name).update(readFileSync(p));
    }
  };
  for (const d of ['persona', 'tracking', 'audio', 'io', 'media', 'common']) walk(path.join(repoRoot, 'src/engine', d));
  return h.digest('hex').slice(0, 12);
}

/**
 * The AOC persona (from ../shared/data/aoc_hdtf_8s.mp4), built once and reused by
 * every integration test file in a run: building it is the slow part. Cached under
 * the OS temp folder, keyed by the clip's size and mtime and the persona format.
 */
export const AOC_VIDEO = path.join(sharedData, 'aoc_hdtf_8s.mp4');
export const OBAMA_WAV = path.join(sharedData, 'obama2.wav');

export async function aocPersonaDir(): Promise<string> {
  const { buildPersona } = await import('../../src/engine/persona');
  const st = statSync(AOC_VIDEO);
  const key = `${st.size}-${Math.round(st.mtimeMs)}-${builderCodeHash()}`;
  const cacheRoot = path.join(process.env.FACIAL_TEST_CACHE ?? path.join(os.tmpdir(), 'facial-studio-test-cache'), `aoc-persona-${key}`);
  const dir = path.join(cacheRoot, 'persona');
  if (existsSync(path.join(dir, 'persona.json'))) return dir;
  mkdirSync(cacheRoot, { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  await buildPersona(AOC_VIDEO, dir, { name: 'AOC' });
  return dir;
}
