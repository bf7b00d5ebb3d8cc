import { writeFileSync } from 'node:fs';
import { createCurveDocument, toCurveDocumentFile, type CurveDocument } from '../../src/engine/common/curves';
import { PARAM_COUNT } from '../../src/shared/facial-params';

/**
 * Synthetic inputs for browser tests: a speech-like WAV (bursts of modulated tones
 * with pauses) and a curve document of plausible head motion with blinks.
 */
export function writeSpeechLikeWav(file: string, seconds: number, sampleRate = 16000): void {
  const n = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(44 + n * 2);
  data.write('RIFF', 0);
  data.writeUInt32LE(36 + n * 2, 4);
  data.write('WAVE', 8);
  data.write('fmt ', 12);
  data.writeUInt32LE(16, 16);
  data.writeUInt16LE(1, 20);
  data.writeUInt16LE(1, 22);
  data.writeUInt32LE(sampleRate, 24);
  data.writeUInt32LE(sampleRate * 2, 28);
  data.writeUInt16LE(2, 32);
  data.writeUInt16LE(16, 34);
  data.write('data', 36);
  data.writeUInt32LE(n * 2, 40);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 3.1 * t)) * (Math.sin(2 * Math.PI * 0.23 * t) > -0.6 ? 1 : 0);
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = seed / 0x7fffffff - 0.5;
    const v = syllable * (0.45 * Math.sin(2 * Math.PI * 140 * t) + 0.2 * Math.sin(2 * Math.PI * 420 * t) + 0.1 * noise);
    data.writeInt16LE(Math.max(-32767, Math.min(32767, Math.round(v * 32767))), 44 + i * 2);
  }
  writeFileSync(file, data);
}

/** [T, 71] curves: slow head motion, speech-driven jaw-like expression, blinks every ~3.5 s. */
export function syntheticCurves(frameCount: number, fps = 25, opts: { personaId?: string; mediaId?: string } = {}): CurveDocument {
  const base = new Float32Array(frameCount * PARAM_COUNT);
  for (let f = 0; f < frameCount; f++) {
    const t = f / fps;
    const o = f * PARAM_COUNT;
    base[o + 0] = 0.04 * Math.sin(t * 0.9) + 0.015 * Math.sin(t * 3.7);
    base[o + 1] = 0.09 * Math.sin(t * 0.55) + 0.02 * Math.sin(t * 2.3);
    base[o + 2] = 0.025 * Math.sin(t * 0.4 + 1);
    base[o + 3] = 3 * Math.sin(t * 0.3);
    base[o + 4] = 2 * Math.sin(t * 0.45 + 2);
    base[o + 5] = 620 + 8 * Math.sin(t * 0.2);
    const ph = (t + 1.3) % 3.5;
    base[o + 6] = 0.08 + (ph < 0.28 ? 0.85 * Math.sin((Math.PI * ph) / 0.28) : 0);
    for (let k = 0; k < 64; k++) base[o + 7 + k] = (k < 8 ? 2.5 : 0.6) * Math.max(0, Math.sin(2 * Math.PI * 3.1 * t + k)) * Math.sin(t / (2 + k) + k);
  }
  return createCurveDocument({ source: 'prior', personaId: opts.personaId ?? 'synthetic', fps, base, ...(opts.mediaId ? { mediaId: opts.mediaId } : {}), generator: { note: 'synthetic test curves' } });
}

export { toCurveDocumentFile };
