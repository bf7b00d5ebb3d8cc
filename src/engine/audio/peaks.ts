import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file';
import { UserError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { decodeAudioStream, DECODE_SAMPLE_RATE } from './decode';
import { PeaksBuilder, decodePeaks, encodePeaks, type WaveformPeaks } from './peaks-format';

/**
 * Waveform peaks computed once per audio file and cached in a folder (the project's
 * cache): the file name is a hash of the audio's absolute path, size and mtime, so
 * an edited or replaced file gets new peaks. Written atomically.
 */
export async function peaksCacheKey(audioFile: string): Promise<string> {
  const abs = path.resolve(audioFile);
  let st;
  try {
    st = await fs.stat(abs);
  } catch {
    throw new UserError('media-not-found', `Cannot open ${audioFile}: no such file.`, { file: audioFile, hint: 'Check the path and that the file still exists.' });
  }
  return `${abs}|${st.size}|${Math.round(st.mtimeMs)}`;
}

export function peaksCacheFile(cacheDir: string, key: string): string {
  const h = createHash('sha256').update(key).digest('hex').slice(0, 24);
  return path.join(cacheDir, `peaks-${h}.fspk`);
}

export async function computePeaks(audioFile: string, opts: { signal?: AbortSignal; onProgress?: ProgressFn; key?: string } = {}): Promise<WaveformPeaks> {
  const b = new PeaksBuilder(DECODE_SAMPLE_RATE);
  await decodeAudioStream(audioFile, { signal: opts.signal, onProgress: opts.onProgress, onChunk: (s) => b.push(s) });
  return b.finish(opts.key ?? '');
}

/** Reads the cached peaks of `audioFile` from `cacheDir`, or computes and caches them. */
export async function loadOrComputePeaks(
  audioFile: string,
  cacheDir: string,
  opts: { signal?: AbortSignal; onProgress?: ProgressFn } = {},
): Promise<WaveformPeaks & { fromCache: boolean }> {
  const key = await peaksCacheKey(audioFile);
  const file = peaksCacheFile(cacheDir, key);
  try {
    const bytes = await fs.readFile(file);
    const p = decodePeaks(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (p.key === key) return { ...p, fromCache: true };
  } catch {
    /* missing or damaged: recompute */
  }
  const p = await computePeaks(audioFile, { ...opts, key });
  await fs.mkdir(cacheDir, { recursive: true });
  await writeFileAtomic(file, encodePeaks(p));
  return { ...p, fromCache: false };
}
