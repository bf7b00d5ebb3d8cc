import { describe, it, expect } from 'vitest';
import { RealFft } from '../../../src/engine/audio/fft';
import { melFilterbank, nearestMelBand, hzToMel, melToHz } from '../../../src/engine/audio/mel';
import { SpectralAnalyzer, builtinFilterbank, FEATURE_DIM, HOP } from '../../../src/engine/audio/spectral';
import { concat, rng, sine } from '../../helpers/audio-fixtures';

function naiveDft(x: Float64Array): { re: number[]; im: number[] } {
  const N = x.length;
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k <= N / 2; k++) {
    let r = 0, i = 0;
    for (let n = 0; n < N; n++) {
      r += x[n] * Math.cos((2 * Math.PI * k * n) / N);
      i -= x[n] * Math.sin((2 * Math.PI * k * n) / N);
    }
    re.push(r);
    im.push(i);
  }
  return { re, im };
}

describe('RealFft', () => {
  it('matches a naive DFT for sizes 8..512', () => {
    const r = rng(3);
    for (const N of [8, 64, 512]) {
      const x = new Float64Array(N).map(() => r());
      const fft = new RealFft(N);
      const got = fft.spectrum(x);
      const want = naiveDft(x);
      for (let k = 0; k <= N / 2; k++) {
        expect(got.re[k]).toBeCloseTo(want.re[k], 8);
        expect(got.im[k]).toBeCloseTo(want.im[k], 8);
      }
      const pow = new Float64Array(N / 2 + 1);
      fft.power(x, pow);
      for (let k = 0; k <= N / 2; k++) expect(pow[k]).toBeCloseTo(want.re[k] ** 2 + want.im[k] ** 2, 6);
    }
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFft(300)).toThrow(/power of two/);
  });
});

describe('mel filterbank', () => {
  it('has 29 increasing, non-empty bands between 80 and 7600 Hz', () => {
    const fb = builtinFilterbank();
    expect(fb.bands).toHaveLength(29);
    for (let b = 1; b < 29; b++) expect(fb.bands[b].centreHz).toBeGreaterThan(fb.bands[b - 1].centreHz);
    for (const b of fb.bands) expect(b.weights.length).toBeGreaterThan(0);
    expect(fb.bands[0].lowHz).toBeCloseTo(80, 6);
    expect(fb.bands[28].highHz).toBeCloseTo(7600, 6);
    expect(melToHz(hzToMel(1234))).toBeCloseTo(1234, 6);
  });

  it('a band narrower than an FFT bin still gets one bin', () => {
    const fb = melFilterbank({ bands: 40, sampleRate: 16000, fftSize: 64, fminHz: 0, fmaxHz: 8000 });
    for (const b of fb.bands) expect(b.weights.length).toBeGreaterThan(0);
  });
});

describe('SpectralAnalyzer (built-in front end)', () => {
  it('puts a pure tone in the mel band whose centre is nearest, for low, middle and high tones', () => {
    const fb = builtinFilterbank();
    for (const hz of [150, 440, 1000, 2500, 6000]) {
      const a = new SpectralAnalyzer();
      a.push(sine(hz, 0.5, 0.5));
      const r = a.finish();
      const mid = Math.floor(r.stepCount / 2);
      const row = r.logMel.subarray(mid * FEATURE_DIM, (mid + 1) * FEATURE_DIM);
      const argmax = row.indexOf(Math.max(...row));
      expect(argmax, `${hz} Hz`).toBe(nearestMelBand(fb, hz));
      // The energy is concentrated: the band holds much more than the bands far away.
      expect(row[argmax] - row[(argmax + 10) % 29]).toBeGreaterThan(5);
    }
  });

  it('gives the floor for digital silence and a speech-band level of a full-scale sine near -3 dB', () => {
    const a = new SpectralAnalyzer();
    a.push(new Float32Array(8000));
    const r = a.finish();
    for (const v of r.logMel) expect(v).toBeCloseTo(Math.log(1e-10), 4);
    for (const v of r.speechDb) expect(v).toBeCloseTo(-100, 4);
    for (const v of r.voicing) expect(v).toBe(0);
    const b = new SpectralAnalyzer();
    b.push(sine(1000, 0.5, 1));
    const s = b.finish();
    // mean square of a unit sine is 0.5: -3 dB
    expect(s.speechDb[12]).toBeGreaterThan(-4);
    expect(s.speechDb[12]).toBeLessThan(-2);
  });

  it('is independent of how the stream is chunked, and counts steps as ceil(N/320)+1', () => {
    const r = rng(11);
    const x = new Float32Array(16000 + 123).map(() => 0.3 * r());
    const whole = new SpectralAnalyzer();
    whole.push(x);
    const a = whole.finish();
    const chunked = new SpectralAnalyzer();
    let o = 0;
    const sizes = [1, 7, 319, 320, 321, 4096, 3];
    let i = 0;
    while (o < x.length) {
      const n = Math.min(sizes[i++ % sizes.length], x.length - o);
      chunked.push(x.subarray(o, o + n));
      o += n;
    }
    const b = chunked.finish();
    expect(a.stepCount).toBe(Math.ceil(x.length / HOP) + 1);
    expect(b.stepCount).toBe(a.stepCount);
    expect(Array.from(b.logMel)).toEqual(Array.from(a.logMel));
    expect(Array.from(b.blockMs)).toEqual(Array.from(a.blockMs));
    expect(a.blockMs.length).toBe(Math.ceil(x.length / 160));
  });

  it('centres step i on sample 320*i: a click shows up at the step nearest to it', () => {
    const x = new Float32Array(16000);
    x[320 * 20] = 1;
    const a = new SpectralAnalyzer();
    a.push(x);
    const r = a.finish();
    const energy = (i: number) => r.logMel.subarray(i * 29, (i + 1) * 29).reduce((s, v) => s + v, 0);
    const e = Array.from({ length: r.stepCount }, (_, i) => energy(i));
    expect(e.indexOf(Math.max(...e))).toBe(20);
  });

  it('voicing is high for a harmonic tone and low for noise', () => {
    const r = rng(5);
    const tone = new Float32Array(8000);
    for (let i = 0; i < tone.length; i++) for (let h = 1; h < 10; h++) tone[i] += (0.1 / h) * Math.sin((2 * Math.PI * 130 * h * i) / 16000);
    const noise = new Float32Array(8000).map(() => 0.3 * r());
    const a = new SpectralAnalyzer();
    a.push(concat(tone, noise));
    const res = a.finish();
    expect(res.voicing[12]).toBeGreaterThan(0.9);
    expect(res.voicing[37]).toBeLessThan(0.5);
  });
});
