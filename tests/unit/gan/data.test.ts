import { describe, expect, it } from 'vitest';
import { buildDataset, makeBatch, WindowSampler, NO_AUGMENTATION, DEFAULT_AUGMENTATION, detectBlinks, blinkStats, poseStats } from '../../../src/engine/gan';
import { Rng } from '../../../src/engine/common/numeric';
import { UserError } from '../../../src/engine/util/errors';
import { PARAM_COUNT } from '../../../src/shared/facial-params';

function clip(T: number) {
  const params = new Float32Array(T * PARAM_COUNT);
  const features = new Float32Array(T * 464);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < PARAM_COUNT; c++) params[t * PARAM_COUNT + c] = t + c / 100;
    features[t * 464] = t;
    features[t * 464 + 1] = -t;
  }
  return { params, features };
}

describe('training windows', () => {
  it('cuts the training part into windows at every start and batches them with their initial state', () => {
    const { params, features } = clip(200);
    const ds = buildDataset(params, features, 200, 64);
    expect(ds.split.train.end).toBe(100);
    expect(ds.starts).toEqual(Array.from({ length: 37 }, (_, i) => i));
    const rng = new Rng(1);
    const sampler = new WindowSampler(ds.starts, rng);
    const seen = new Set<number>();
    for (let i = 0; i < 37; i++) seen.add(sampler.next());
    expect(seen.size).toBe(37); // one epoch visits every window once
    const b = makeBatch(ds, 4, sampler, rng, NO_AUGMENTATION);
    for (let k = 0; k < 4; k++) {
      const s = b.starts[k];
      expect(b.audio[k * 64 * 464]).toBe(s); // frame s's features
      expect(b.audio[(k * 64 + 63) * 464]).toBe(s + 63);
      expect(b.target.slice(k * 64 * 71, k * 64 * 71 + 71)).toEqual(b.state.slice(k * 71, (k + 1) * 71)); // state = the window's first frame
      expect(b.target[(k * 64 + 10) * 71 + 7]).toBeCloseTo(ds.norm[(s + 10) * 71 + 7], 6);
    }
    // no window reaches into the validation part
    expect(Math.max(...ds.starts) + 64).toBeLessThanOrEqual(ds.split.train.end);
  });

  it('augments features and state only slightly', () => {
    const { params, features } = clip(200);
    const ds = buildDataset(params, features, 200, 32);
    const b0 = makeBatch(ds, 2, new WindowSampler(ds.starts, new Rng(3)), new Rng(3), NO_AUGMENTATION);
    const b1 = makeBatch(ds, 2, new WindowSampler(ds.starts, new Rng(3)), new Rng(3), { ...DEFAULT_AUGMENTATION, speed: 0, bandShift: 0 });
    expect(b1.starts).toEqual(b0.starts);
    expect(b1.target).toEqual(b0.target);
    let d = 0;
    for (let i = 0; i < b0.state.length; i++) d = Math.max(d, Math.abs(b0.state[i] - b1.state[i]));
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(0.5);
  });

  it('augments speaking rate and voice pitch: motion read at 0.9-1.1x within the training part, mel bands shifted', () => {
    const { params, features } = clip(200);
    const ds = buildDataset(params, features, 200, 32);
    const rng = new Rng(5);
    const sampler = new WindowSampler(ds.starts, new Rng(5));
    const aug = { featureNoise: 0, stateNoise: 0, speed: 0.1, bandShift: 1.3 };
    for (let rep = 0; rep < 10; rep++) {
      const b = makeBatch(ds, 4, sampler, rng, aug);
      for (let k = 0; k < 4; k++) {
        const s = b.starts[k];
        // the window's first frame is its own start frame, and the state equals it
        for (let c = 0; c < 71; c++) expect(b.target[k * 32 * 71 + c]).toBeCloseTo(ds.norm[s * 71 + c], 5);
        for (let c = 0; c < 71; c++) expect(b.state[k * 71 + c]).toBeCloseTo(ds.norm[s * 71 + c], 5);
        // the last frame lies between frames s + 31 * 0.9 and s + 31 * 1.1, never past the training part: its pose channel 0
        // (a ramp over the clip in this fixture) tells which frame was read
        const last = b.target[(k * 32 + 31) * 71];
        const at = (f: number) => ds.norm[Math.min(199, f) * 71];
        const lo = Math.min(at(Math.floor(s + 31 * 0.9)), at(Math.ceil(s + 31 * 1.1)));
        const hi = Math.max(at(Math.floor(s + 31 * 0.9)), at(Math.min(ds.split.train.end - 1, Math.ceil(s + 31 * 1.1))));
        expect(last).toBeGreaterThanOrEqual(lo - 1e-5);
        expect(last).toBeLessThanOrEqual(hi + 1e-5);
      }
    }
    // a band shift moves the features along the 29 bands
    const noShift = makeBatch(ds, 1, new WindowSampler(ds.starts, new Rng(9)), new Rng(9), NO_AUGMENTATION);
    const shifted = makeBatch(ds, 1, new WindowSampler(ds.starts, new Rng(9)), new Rng(9), { featureNoise: 0, stateNoise: 0, speed: 0, bandShift: 1.3 });
    expect(shifted.starts).toEqual(noShift.starts);
    expect(Array.from(shifted.audio)).not.toEqual(Array.from(noShift.audio));
  });

  it('refuses a clip whose training part holds no window, saying what to do', () => {
    const { params, features } = clip(100);
    try {
      buildDataset(params, features, 100, 64);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).code).toBe('gan-clip-too-short');
      expect((err as UserError).hint).toMatch(/--window 32/);
    }
  });
});

describe('motion statistics', () => {
  it('finds blinks and measures their width at half maximum', () => {
    const v = new Float32Array(100).fill(0.05);
    for (const [c, w] of [[20, 2], [60, 4]]) for (let t = 0; t < 100; t++) v[t] = Math.max(v[t], 0.05 + 0.9 * Math.exp(-0.5 * ((t - c) / w) ** 2));
    const ev = detectBlinks(v);
    expect(ev.map((e) => e.start < 20 && e.end > 20)).toEqual([true, false]);
    expect(ev).toHaveLength(2);
    // FWHM of a Gaussian = 2.355 sigma
    expect(ev[0].widthFrames).toBeGreaterThanOrEqual(4);
    expect(ev[0].widthFrames).toBeLessThanOrEqual(6);
    expect(ev[1].widthFrames).toBeGreaterThanOrEqual(9);
    expect(ev[1].widthFrames).toBeLessThanOrEqual(11);
    const s = blinkStats(v, 25);
    expect(s.perMinute).toBeCloseTo(2 / (100 / 25 / 60), 6);
  });

  it('measures pose speed and range in scale-free units', () => {
    const T = 2500, fps = 25;
    const a = new Float32Array(T * 71);
    for (let t = 0; t < T; t++) a[t * 71] = 3 * Math.sin((2 * Math.PI * t) / (fps * 2)); // 0.5 Hz
    const [s] = poseStats(a, fps);
    expect(s.std).toBeCloseTo(3 / Math.SQRT2, 2);
    expect(s.speed).toBeCloseTo(4 * 3 * 0.5, 1); // mean |d/dt| of A sin(2 pi f t) = 4 A f
    expect(s.normSpeed).toBeCloseTo((4 * 0.5) * Math.SQRT2, 1);
  });
});
