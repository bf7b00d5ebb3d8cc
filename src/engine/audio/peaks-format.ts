/**
 * Waveform peaks for the timeline: a min/max pyramid over the 16 kHz mono signal.
 * Level 0 has one (min, max) pair per 256 samples (16 ms); each next level halves
 * the resolution (512, 1024, ... samples per bucket) until a level has at most 1024
 * buckets. Values are int16 (sample * 32767, rounded outward so peaks never shrink).
 *
 * Binary format (little-endian), file extension .fspk:
 *   0   4  magic "FSPK"
 *   4   2  version (1)
 *   6   2  level count L
 *   8   4  sample rate (16000)
 *   12  8  total samples (float64)
 *   20  4  key length K (bytes of UTF-8)
 *   24  K  key (the cache key the file was computed for), then zero padding to a multiple of 4
 *   then L times: u32 samplesPerBucket, u32 bucketCount, bucketCount * 2 int16 (min, max)
 *   (each level's pairs are padded to a multiple of 4 bytes)
 * Pure code (no Node APIs), so the UI can parse what the engine writes.
 */
export const PEAKS_MAGIC = 'FSPK';
export const PEAKS_VERSION = 1;
export const PEAKS_BASE_BUCKET = 256;
export const PEAKS_MAX_TOP_BUCKETS = 1024;

export interface PeaksLevel {
  samplesPerBucket: number;
  count: number;
  /** [count, 2] interleaved min, max in int16 units (divide by 32767 for -1..1). */
  data: Int16Array;
}

export interface WaveformPeaks {
  sampleRate: number;
  totalSamples: number;
  levels: PeaksLevel[];
  /** What the peaks were computed from (cache key), '' when unknown. */
  key: string;
}

export function encodePeaks(p: WaveformPeaks): Uint8Array {
  const key = new TextEncoder().encode(p.key);
  const pad4 = (n: number) => (n + 3) & ~3;
  let size = 24 + pad4(key.length);
  for (const l of p.levels) size += 8 + pad4(l.count * 4);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = PEAKS_MAGIC.charCodeAt(i);
  dv.setUint16(4, PEAKS_VERSION, true);
  dv.setUint16(6, p.levels.length, true);
  dv.setUint32(8, p.sampleRate, true);
  dv.setFloat64(12, p.totalSamples, true);
  dv.setUint32(20, key.length, true);
  out.set(key, 24);
  let o = 24 + pad4(key.length);
  for (const l of p.levels) {
    dv.setUint32(o, l.samplesPerBucket, true);
    dv.setUint32(o + 4, l.count, true);
    o += 8;
    for (let i = 0; i < l.count * 2; i++) dv.setInt16(o + i * 2, l.data[i], true);
    o += pad4(l.count * 4);
  }
  return out;
}

export class PeaksFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeaksFormatError';
  }
}

export function decodePeaks(bytes: Uint8Array): WaveformPeaks {
  const fail = (why: string): never => {
    throw new PeaksFormatError(`not a waveform peaks file: ${why}`);
  };
  if (bytes.length < 24) fail('too short');
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== PEAKS_MAGIC) fail('bad magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  if (version !== PEAKS_VERSION) fail(`unsupported version ${version}`);
  const L = dv.getUint16(6, true);
  const sampleRate = dv.getUint32(8, true);
  const totalSamples = dv.getFloat64(12, true);
  const keyLen = dv.getUint32(20, true);
  const pad4 = (n: number) => (n + 3) & ~3;
  if (24 + keyLen > bytes.length) fail('truncated key');
  const key = new TextDecoder().decode(bytes.subarray(24, 24 + keyLen));
  let o = 24 + pad4(keyLen);
  const levels: PeaksLevel[] = [];
  for (let l = 0; l < L; l++) {
    if (o + 8 > bytes.length) fail('truncated level header');
    const samplesPerBucket = dv.getUint32(o, true);
    const count = dv.getUint32(o + 4, true);
    o += 8;
    if (o + count * 4 > bytes.length) fail('truncated level data');
    const data = new Int16Array(count * 2);
    for (let i = 0; i < count * 2; i++) data[i] = dv.getInt16(o + i * 2, true);
    o += pad4(count * 4);
    levels.push({ samplesPerBucket, count, data });
  }
  if (!(totalSamples >= 0) || sampleRate <= 0) fail('bad header values');
  return { sampleRate, totalSamples, levels, key };
}

/** The coarsest level with at least `minBuckets` buckets over the track (for drawing at a given width). */
export function levelForWidth(p: WaveformPeaks, minBuckets: number): PeaksLevel | undefined {
  let best: PeaksLevel | undefined;
  for (const l of p.levels) if (l.count >= minBuckets && (!best || l.samplesPerBucket > best.samplesPerBucket)) best = l;
  return best ?? p.levels[0];
}

/** Streaming builder: push samples, then finish() (level 0 directly, higher levels by merging pairs). */
export class PeaksBuilder {
  private mins: number[] = [];
  private maxs: number[] = [];
  private curMin = Infinity;
  private curMax = -Infinity;
  private fill = 0;
  private total = 0;
  constructor(private readonly sampleRate = 16000, private readonly base = PEAKS_BASE_BUCKET) {}

  push(samples: Float32Array): void {
    let mn = this.curMin, mx = this.curMax, fill = this.fill;
    const base = this.base;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      if (++fill === base) {
        this.mins.push(mn);
        this.maxs.push(mx);
        mn = Infinity;
        mx = -Infinity;
        fill = 0;
      }
    }
    this.curMin = mn;
    this.curMax = mx;
    this.fill = fill;
    this.total += samples.length;
  }

  finish(key = ''): WaveformPeaks {
    if (this.fill > 0) {
      this.mins.push(this.curMin);
      this.maxs.push(this.curMax);
      this.fill = 0;
    }
    const q = (v: number, up: boolean) => {
      const s = Math.max(-1, Math.min(1, v)) * 32767;
      return up ? Math.ceil(s) : Math.floor(s);
    };
    const n0 = this.mins.length;
    let data = new Int16Array(n0 * 2);
    for (let i = 0; i < n0; i++) {
      data[2 * i] = q(this.mins[i], false);
      data[2 * i + 1] = q(this.maxs[i], true);
    }
    const levels: PeaksLevel[] = [{ samplesPerBucket: this.base, count: n0, data }];
    let spb = this.base;
    let count = n0;
    while (count > PEAKS_MAX_TOP_BUCKETS) {
      const next = Math.ceil(count / 2);
      const nd = new Int16Array(next * 2);
      for (let i = 0; i < next; i++) {
        const a = 2 * i, b = Math.min(count - 1, 2 * i + 1);
        nd[2 * i] = Math.min(data[2 * a], data[2 * b]);
        nd[2 * i + 1] = Math.max(data[2 * a + 1], data[2 * b + 1]);
      }
      spb *= 2;
      count = next;
      data = nd;
      levels.push({ samplesPerBucket: spb, count, data });
    }
    return { sampleRate: this.sampleRate, totalSamples: this.total, levels, key };
  }
}
