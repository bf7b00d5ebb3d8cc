import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RawFrameStream } from '../media/raw-frame-stream';
import { loadPersonaLandmarks, type Persona } from '../persona';
import { mean, median, percentile } from '../common/numeric';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import { writeJsonAtomic } from '../util/atomic-file';
import { isCancelled, throwIfCancelled, UserError } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { curveSeries } from './face-geometry';
import { measureFrame, RingTotals, SEAM_RINGS } from './frame-measures';

/**
 * The persona's own footage measured with the same frame measures as a render: the
 * yardstick every figure of a quality report is relative to. Computed once per persona
 * by streaming its source video with the persona's tracked landmarks, and cached in the
 * persona folder (`quality-reference.json`, written atomically), keyed by the source
 * video (path, size, modification time), the persona and QUALITY_MEASURE_VERSION.
 */

/** Bump when a measure's definition changes: cached profiles are then recomputed. */
export const QUALITY_MEASURE_VERSION = 2;
export const REFERENCE_FILE = 'quality-reference.json';

export interface ReferenceKey {
  version: number;
  personaId: string;
  file: string;
  sizeBytes: number;
  mtimeMs: number;
  frameCount: number;
}

export interface ReferenceProfile {
  key: ReferenceKey;
  createdAt: string;
  /** Frames measured. */
  frames: number;
  /** Medians over frames. */
  faceSharpness: number;
  mouthSharpness: number;
  /** Mean over consecutive frame pairs. */
  flicker: number;
  /** Per ring, keyed `${region}@${grow}` (frame-measures.ts SEAM_RINGS): mean edge energy and mean detail balance. */
  rings: Record<string, { step: number; detail: number }>;
}

export function ringKey(region: string, grow: number): string {
  return `${region}@${grow}`;
}

/** The persona's lip gap (mm) through its model over its own clip: 5th, 50th and 95th percentiles. */
export function personaMouthRange(persona: Persona): { p5: number; p50: number; p95: number } {
  const m = curveSeries(persona.params, persona.model).mouthMm;
  return { p5: percentile(m, 0.05), p50: median(m), p95: percentile(m, 0.95) };
}

async function referenceKey(persona: Persona): Promise<ReferenceKey | undefined> {
  const file = persona.meta.source.file;
  try {
    const st = await fs.stat(file);
    return { version: QUALITY_MEASURE_VERSION, personaId: persona.meta.id, file, sizeBytes: st.size, mtimeMs: Math.round(st.mtimeMs), frameCount: persona.frameCount };
  } catch {
    return undefined;
  }
}

function sameKey(a: unknown, b: ReferenceKey): boolean {
  if (!a || typeof a !== 'object') return false;
  const k = a as Record<string, unknown>;
  return (Object.keys(b) as (keyof ReferenceKey)[]).every((f) => k[f] === b[f]);
}

/** Measures the persona's source video frame by frame (streamed). */
export async function measureReference(persona: Persona, key: ReferenceKey, opts: RunOptions = {}): Promise<ReferenceProfile> {
  const landmarks = await loadPersonaLandmarks(persona);
  const W = persona.meta.source.width, H = persona.meta.source.height;
  const T = persona.frameCount;
  const N = LANDMARK_COUNT * 3;
  const face: number[] = [], mouth: number[] = [], flicker: number[] = [];
  const ringTotals = new RingTotals();
  let previous: Uint8Array | undefined;
  const stream = new RawFrameStream(key.file, W, H, { frames: T, signal: opts.signal });
  try {
    for (let t = 0; t < T; t++) {
      const rgb = await stream.next();
      if (!rgb) break;
      if (t % 25 === 0) {
        throwIfCancelled(opts.signal);
        opts.onProgress?.({ stage: 'reference', fraction: t / T, message: `persona footage, frame ${t + 1}/${T}` });
      }
      const m = measureFrame(rgb, W, H, landmarks.subarray(t * N, (t + 1) * N), previous);
      face.push(m.faceSharpness);
      mouth.push(m.mouthSharpness);
      if (Number.isFinite(m.flicker)) flicker.push(m.flicker);
      ringTotals.add(m.rings);
      previous = rgb;
    }
  } finally {
    await stream.close();
  }
  const rings: ReferenceProfile['rings'] = {};
  SEAM_RINGS.forEach(([region, grow], k) => {
    const step = ringTotals.mean('step', k), detail = ringTotals.mean('detail', k);
    if (Number.isFinite(step) && Number.isFinite(detail)) rings[ringKey(region, grow)] = { step, detail };
  });
  return {
    key,
    createdAt: new Date().toISOString(),
    frames: face.length,
    faceSharpness: median(face),
    mouthSharpness: median(mouth),
    flicker: flicker.length ? mean(flicker) : NaN,
    rings,
  };
}

/**
 * The persona's reference profile: from the cache when it matches, else measured and
 * cached. Undefined (with a note saying why) when the source video is gone.
 */
export async function referenceProfile(persona: Persona, opts: RunOptions = {}): Promise<{ profile?: ReferenceProfile; note?: string; cached: boolean }> {
  const key = await referenceKey(persona);
  if (!key) {
    return { cached: false, note: `the persona's source video ${persona.meta.source.file} is not there any more, so nothing is compared with the real footage` };
  }
  const file = path.join(persona.dir, REFERENCE_FILE);
  try {
    const cached = JSON.parse(await fs.readFile(file, 'utf8')) as ReferenceProfile;
    if (sameKey(cached.key, key) && typeof cached.faceSharpness === 'number' && cached.rings && typeof cached.rings === 'object') return { profile: cached, cached: true };
  } catch { /* absent or damaged: measure again */ }
  let profile: ReferenceProfile;
  try {
    profile = await measureReference(persona, key, opts);
  } catch (err) {
    if (isCancelled(err) || opts.signal?.aborted) throw err;
    return { cached: false, note: `the persona's own footage could not be measured (${err instanceof UserError ? err.message : (err as Error).message}), so nothing is compared with it` };
  }
  try {
    await writeJsonAtomic(file, profile);
  } catch (err) {
    if (isCancelled(err)) throw err;
    return { profile, cached: false, note: `the reference measures could not be cached in ${persona.dir} (${(err as Error).message})` };
  }
  return { profile, cached: false };
}
