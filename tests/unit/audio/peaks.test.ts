import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, writeFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { PeaksBuilder, decodePeaks, encodePeaks, levelForWidth, loadOrComputePeaks, PeaksFormatError } from '../../../src/engine/audio/index';
import { rng, tmpDir, writeWavFloat } from '../../helpers/audio-fixtures';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tmpDir('audio-peaks-')));
afterAll(() => cleanup?.());

describe('waveform peaks pyramid', () => {
  it('level 0 holds min/max per 256 samples; each level halves; the top has <= 1024 buckets', () => {
    const r = rng(2);
    const x = new Float32Array(256 * 5000 + 77).map(() => r() * 0.8);
    const b = new PeaksBuilder();
    for (let o = 0; o < x.length; o += 10_000) b.push(x.subarray(o, o + 10_000));
    const p = b.finish('k');
    expect(p.totalSamples).toBe(x.length);
    expect(p.levels[0].samplesPerBucket).toBe(256);
    expect(p.levels[0].count).toBe(5001);
    for (let l = 1; l < p.levels.length; l++) {
      expect(p.levels[l].samplesPerBucket).toBe(p.levels[l - 1].samplesPerBucket * 2);
      expect(p.levels[l].count).toBe(Math.ceil(p.levels[l - 1].count / 2));
    }
    expect(p.levels.at(-1)!.count).toBeLessThanOrEqual(1024);
    expect(p.levels.at(-2)!.count).toBeGreaterThan(1024);
    // brute force check of every level against the samples
    for (const lvl of p.levels) {
      for (const i of [0, 1, Math.floor(lvl.count / 2), lvl.count - 1]) {
        const seg = x.subarray(i * lvl.samplesPerBucket, Math.min(x.length, (i + 1) * lvl.samplesPerBucket));
        let mn = Infinity, mx = -Infinity;
        for (const v of seg) { mn = Math.min(mn, v); mx = Math.max(mx, v); }
        expect(lvl.data[2 * i]).toBe(Math.floor(mn * 32767));
        expect(lvl.data[2 * i + 1]).toBe(Math.ceil(mx * 32767));
      }
    }
    expect(levelForWidth(p, 1500)!.count).toBeGreaterThanOrEqual(1500);
  });

  it('round-trips through the binary format and rejects damaged bytes', () => {
    const b = new PeaksBuilder();
    b.push(new Float32Array(3000).map((_, i) => Math.sin(i / 10)));
    const p = b.finish('some/key|12|34');
    const bytes = encodePeaks(p);
    expect(bytes.length).toBeLessThan(24 + 16 + 8 + 12 * 4 + 8); // compact: 4 bytes per bucket
    const q = decodePeaks(bytes);
    expect(q.key).toBe('some/key|12|34');
    expect(q.totalSamples).toBe(3000);
    expect(q.levels.map((l) => [l.samplesPerBucket, l.count])).toEqual(p.levels.map((l) => [l.samplesPerBucket, l.count]));
    expect(Array.from(q.levels[0].data)).toEqual(Array.from(p.levels[0].data));
    expect(() => decodePeaks(bytes.subarray(0, bytes.length - 4))).toThrow(PeaksFormatError);
    expect(() => decodePeaks(new TextEncoder().encode('hello world, not peaks!!'))).toThrow(/bad magic/);
  });

  it('loadOrComputePeaks computes once, then reads the cache; a changed file gets new peaks', async () => {
    const wav = path.join(dir, 'voice.wav');
    writeWavFloat(wav, new Float32Array(16000).map((_, i) => 0.5 * Math.sin(i / 5)));
    const cache = path.join(dir, 'cache');
    const a = await loadOrComputePeaks(wav, cache);
    expect(a.fromCache).toBe(false);
    expect(a.totalSamples).toBe(16000);
    expect(a.levels[0].data[1]).toBeGreaterThan(16000); // max ~ 0.5 * 32767
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^peaks-[0-9a-f]+\.fspk$/);
    const b = await loadOrComputePeaks(wav, cache);
    expect(b.fromCache).toBe(true);
    expect(Array.from(b.levels[0].data)).toEqual(Array.from(a.levels[0].data));
    // a replaced recording (new size and mtime) is recomputed
    writeWavFloat(wav, new Float32Array(8000).fill(0.25));
    utimesSync(wav, new Date(), new Date(Date.now() + 5000));
    const c = await loadOrComputePeaks(wav, cache);
    expect(c.fromCache).toBe(false);
    expect(c.totalSamples).toBe(8000);
    // a damaged cache file is recomputed, not trusted
    const cached = path.join(cache, readdirSync(cache).find((f) => f !== files[0])!);
    writeFileSync(cached, 'garbage');
    const d = await loadOrComputePeaks(wav, cache);
    expect(d.fromCache).toBe(false);
    expect(d.totalSamples).toBe(8000);
    expect(readdirSync(cache).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
