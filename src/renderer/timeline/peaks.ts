import type { PeaksPayload } from '../../shared/contract';
import { base64ToBytes } from '../../engine/common/curves/base64';

/** Waveform peaks as the timeline draws them: levels of (min, max) int16 pairs. */
export interface Peaks {
  sampleRate: number;
  totalSamples: number;
  levels: { samplesPerBucket: number; count: number; data: Int16Array }[];
}

export function decodePeaksPayload(p: Extract<PeaksPayload, { state: 'ready' }>): Peaks {
  return {
    sampleRate: p.sampleRate,
    totalSamples: p.totalSamples,
    levels: p.levels.map((l) => {
      const bytes = base64ToBytes(l.data);
      if (bytes.length < l.count * 4) throw new Error(`waveform level has ${bytes.length} bytes for ${l.count} buckets`);
      const data = new Int16Array(l.count * 2);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < l.count * 2; i++) data[i] = dv.getInt16(i * 2, true);
      return { samplesPerBucket: l.samplesPerBucket, count: l.count, data };
    }),
  };
}

/** The finest level whose buckets are not much smaller than a pixel. */
export function pickLevel(p: Peaks, samplesPerPx: number): Peaks['levels'][number] | undefined {
  let best = p.levels[0];
  for (const l of p.levels) if (l.samplesPerBucket <= Math.max(1, samplesPerPx)) best = l;
  return best;
}
