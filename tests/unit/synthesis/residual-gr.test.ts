import { describe, expect, it } from 'vitest';
import { Graph, ParameterStore, Trainer, adam, exportInference, InferenceRunner } from '../../../src/engine/nn';
import {
  RESIDUAL_CONFIGS, RESIDUAL_INPUT_CHANNELS, buildResidualInferenceGraph, buildResidualNet, buildResidualTrainGraph, checkResidualConfig, flowDisplacement, localDetail, residualComposite, warpBilinear,
} from '../../../src/engine/synthesis/residual-net';
import { addCorrection, maskWeight, mouthCrop, RESIDUAL_MASK, type MouthCrop } from '../../../src/engine/synthesis/residual-crop';
import { pickTrainingDonors, pickTrainingSources } from '../../../src/engine/synthesis/residual-train';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import { Rng } from '../../../src/engine/common/numeric';

/**
 * The residual G_r (issue 11, "masked, reference-guided G_r"): a correction added to the
 * retrieval output inside the mouth mask only; untrained, it is exactly the retrieval output.
 */

const cfg = RESIDUAL_CONFIGS.tiny;
const S = cfg.size;

function randomInput(seed: number): Float32Array {
  const r = new Rng(seed);
  const x = new Float32Array(RESIDUAL_INPUT_CHANNELS * S * S);
  for (let k = 0; k < x.length; k++) x[k] = r.next() * 2 - 1;
  for (let k = 7 * S * S; k < x.length; k++) x[k] = r.next();
  return x;
}

/** 2-D points of a mouth 100 px wide centred at (cx, cy): only the lip contour and corners matter. */
function mouthPoints(cx: number, cy: number, w: number): Float32Array {
  const p = new Float32Array(478 * 2);
  for (let v = 0; v < 478; v++) p.set([cx, cy], v * 2);
  p.set([cx - w / 2, cy], 61 * 2);
  p.set([cx + w / 2, cy], 291 * 2);
  return p;
}

/** Fresh parameters as a trainer would create them (each from its module's init). */
function initialise(g: Graph, params: ParameterStore): void {
  for (const p of g.params.values()) params.ensure(p.name, p.shape, p.init);
}

describe('residual G_r', () => {
  it('untrained (last layer zero-initialised), gives a zero correction: the composite is the retrieval crop exactly', async () => {
    const params = new ParameterStore(3);
    const g = new Graph('composite', { training: false });
    const input = g.input('input', [1, RESIDUAL_INPUT_CHANNELS, S, S]);
    const delta = buildResidualNet(g, input, cfg);
    g.output('delta', delta);
    g.output('out', residualComposite(input, delta, cfg));
    initialise(g, params);
    const runner = await InferenceRunner.create(await exportInference(g, params));
    try {
      const x = randomInput(5);
      const res = await runner.run({ input: { data: x, shape: [1, RESIDUAL_INPUT_CHANNELS, S, S] } });
      const d = res.delta.data as Float32Array, out = res.out.data as Float32Array;
      expect(d.every((v) => v === 0)).toBe(true);
      for (let k = 0; k < 3 * S * S; k++) expect(out[k]).toBe(x[k]);
      // The hidden layers are not zero: training moves the last layer from here.
      expect(params.get('residual.in_conv.weight').some((v) => v !== 0)).toBe(true);
      expect(params.get('residual.out_conv.weight').every((v) => v === 0)).toBe(true);
      expect(params.has('residual.out_conv.bias')).toBe(false);
    } finally {
      await runner.dispose();
    }
    // The exported inference graph has the same zero output, and a zero correction leaves every pixel of a frame as it was.
    const ig = buildResidualInferenceGraph(cfg), ip = new ParameterStore(9);
    initialise(ig, ip);
    const inf = await InferenceRunner.create(await exportInference(ig, ip));
    try {
      const d = (await inf.run({ input: { data: randomInput(6), shape: [1, RESIDUAL_INPUT_CHANNELS, S, S] } })).delta.data as Float32Array;
      const W = 200, H = 160;
      const frame = Uint8Array.from({ length: W * H * 3 }, (_, k) => (k * 37) % 256);
      const before = frame.slice();
      expect(addCorrection(frame, W, H, mouthCrop(mouthPoints(100, 80, 100)), d, S)).toBe(0);
      expect(frame).toEqual(before);
    } finally {
      await inf.dispose();
    }
  });

  it('changes only pixels inside the mouth mask, at full weight near its centre', () => {
    const W = 240, H = 200;
    const crop: MouthCrop = mouthCrop(mouthPoints(120, 100, 100));
    expect(crop.side).toBeCloseTo(160, 5);
    const frame = new Uint8Array(W * H * 3).fill(100);
    const delta = new Float32Array(3 * S * S).fill(0.4);
    const changed = addCorrection(frame, W, H, crop, delta, S);
    expect(changed).toBeGreaterThan(0);
    let inside = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const m = maskWeight(crop, x, y);
      const v = frame[(y * W + x) * 3];
      if (m === 0) expect(v).toBe(100);
      else { inside++; expect(Math.abs(v - (100 + 0.4 * 127.5 * m))).toBeLessThanOrEqual(0.51); }
    }
    // The ellipse 0.72 x 0.55 mouth widths: about π·72·55 pixels.
    expect(inside).toBeGreaterThan(0.9 * Math.PI * RESIDUAL_MASK.halfWidth * 100 * RESIDUAL_MASK.halfHeight * 100);
    expect(inside).toBeLessThan(1.1 * Math.PI * RESIDUAL_MASK.halfWidth * 100 * RESIDUAL_MASK.halfHeight * 100);
    expect(frame[(100 * W + 120) * 3]).toBe(Math.round(100 + 0.4 * 127.5));
    // The crop's corners and everything beyond 0.72 mouth widths sideways stay real.
    expect(frame[(100 * W + 120 + 73) * 3]).toBe(100);
    expect(frame[(100 * W + 120 - 73) * 3]).toBe(100);
    expect(frame[((100 - 56) * W + 120) * 3]).toBe(100);
  });

  it('makes training pairs whose mouth donor lies outside the frame\'s own neighbourhood', () => {
    // Lip shapes that change slowly over time: a frame's nearest lip shape is always its neighbour.
    const T = 60, dims = 6;
    const footage = new Float32Array(T * PARAM_COUNT);
    const lips = new Float32Array(T * dims);
    for (let t = 0; t < T; t++) for (let d = 0; d < dims; d++) lips[t * dims + d] = Math.sin(t * 0.05 + d) * 10;
    const frames = { start: 0, end: 50 };
    const pick = (exclude: number) => pickTrainingDonors({ footage, curveLips: lips, footageLips: lips, lipDims: dims }, frames, exclude);
    // Without exclusion (-1) each frame is its own donor (that is what the network must not learn to copy).
    expect(Array.from(pick(-1))).toEqual(Array.from({ length: 50 }, (_, t) => t));
    for (const exclude of [0, 3, 8]) {
      const donors = pick(exclude);
      donors.forEach((k, i) => {
        expect(Math.abs(k - i)).toBeGreaterThan(exclude);
        expect(k).toBeGreaterThanOrEqual(frames.start);
        expect(k).toBeLessThan(frames.end);
      });
      // Still the nearest allowed shape: just past the neighbourhood for a frame in the middle.
      expect(Math.abs(donors[25] - 25)).toBe(exclude + 1);
    }
    expect(() => pickTrainingDonors({ footage, curveLips: lips, footageLips: lips, lipDims: dims }, { start: 0, end: 5 }, 8)).toThrow(/Too few frames/);
  });

  it('makes each training pair on the frame of the nearest head pose outside its neighbourhood, never its own', () => {
    // Yaw swings back and forth (period 20 frames); pitch drifts slowly. The nearest pose
    // beyond the neighbourhood is the same yaw half a swing away, not the frame itself.
    const T = 100;
    const footage = new Float32Array(T * PARAM_COUNT);
    for (let t = 0; t < T; t++) {
      footage[t * PARAM_COUNT] = 0.002 * t;
      footage[t * PARAM_COUNT + 1] = Math.sin((2 * Math.PI * t) / 20);
    }
    const frames = { start: 10, end: 90 };
    for (const exclude of [3, 8]) {
      const src = pickTrainingSources(footage, frames, exclude);
      expect(src.length).toBe(80);
      src.forEach((j, i) => {
        const t = frames.start + i;
        expect(Math.abs(j - t)).toBeGreaterThan(exclude);
        expect(j).toBeGreaterThanOrEqual(frames.start);
        expect(j).toBeLessThan(frames.end);
      });
    }
    // Frame 50 (yaw 0): yaw 0 recurs every 10 frames; 40 and 60 are the nearest in pitch.
    expect([40, 60]).toContain(pickTrainingSources(footage, frames, 8)[40]);
    expect([40, 60]).toContain(pickTrainingSources(footage, frames, 3)[40]);
    expect(() => pickTrainingSources(footage, { start: 0, end: 5 }, 8)).toThrow(/Too few frames/);
  });

  it('measures local detail: none in a flat image, more in a sharp pattern than in its blur', async () => {
    const g = new Graph('detail', { training: false });
    g.output('detail', localDetail(g.input('x', [3, 3, 16, 16])));
    const runner = await InferenceRunner.create(await exportInference(g, new ParameterStore(1)));
    try {
      const x = new Float32Array(3 * 3 * 256);
      for (let c = 0; c < 3; c++) for (let v = 0; v < 16; v++) for (let u = 0; u < 16; u++) {
        const k = c * 256 + v * 16 + u, check = (u + v) % 2 ? 0.8 : -0.8;
        x[k] = 0.3;                     // flat
        x[768 + k] = check;             // sharp checkerboard
        x[1536 + k] = check * 0.25;     // the same, low contrast (a blur of it)
      }
      const d = (await runner.run({ x: { data: x, shape: [3, 3, 16, 16] } })).detail.data as Float32Array;
      expect(d.length).toBe(3 * 4);
      for (let k = 0; k < 4; k++) {
        expect(d[k]).toBeLessThan(0.01);
        expect(d[4 + k]).toBeGreaterThan(3 * d[8 + k]);
        expect(d[8 + k]).toBeGreaterThan(0.1);
      }
    } finally {
      await runner.dispose();
    }
  });

  it('warps by bilinear sampling at p + displacement (the flow head), as a direct sampler does', async () => {
    const H = 12, W = 14, R = 2;
    const g = new Graph('warp', { training: false });
    const x = g.input('x', [1, 2, H, W]), fx = g.input('fx', [1, 1, H, W]), fy = g.input('fy', [1, 1, H, W]);
    g.output('y', warpBilinear(x, fx, fy, R));
    const runner = await InferenceRunner.create(await exportInference(g, new ParameterStore(1)));
    try {
      const r = new Rng(4);
      const img = Float32Array.from({ length: 2 * H * W }, () => r.next());
      const dx = Float32Array.from({ length: H * W }, () => (r.next() * 2 - 1) * 1.9);
      const dy = Float32Array.from({ length: H * W }, () => (r.next() * 2 - 1) * 1.9);
      const y = (await runner.run({ x: { data: img, shape: [1, 2, H, W] }, fx: { data: dx, shape: [1, 1, H, W] }, fy: { data: dy, shape: [1, 1, H, W] } })).y.data as Float32Array;
      // Reflect at the border, as the padding does.
      const refl = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
      const at = (c: number, v: number, u: number) => img[c * H * W + refl(v, H) * W + refl(u, W)];
      let checked = 0;
      for (let c = 0; c < 2; c++) for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) {
        const sx = u + dx[v * W + u], sy = v + dy[v * W + u];
        const x0 = Math.floor(sx), y0 = Math.floor(sy), ax = sx - x0, ay = sy - y0;
        const want = (1 - ay) * ((1 - ax) * at(c, y0, x0) + ax * at(c, y0, x0 + 1)) + ay * ((1 - ax) * at(c, y0 + 1, x0) + ax * at(c, y0 + 1, x0 + 1));
        expect(y[c * H * W + v * W + u]).toBeCloseTo(want, 5);
        checked++;
      }
      expect(checked).toBe(2 * H * W);
    } finally {
      await runner.dispose();
    }
  });

  it('with a flow head: untrained it is the retrieval crop; a displacement moves the real pixels inside the mask only', async () => {
    // The displacement made at the correction's level, or at a finer one.
    for (const flowLevel of [undefined, 0]) {
      const fcfg = { ...cfg, name: 'tiny-flow', flow: 3, flowLevel: flowLevel ?? cfg.outputLevel };
      const params = new ParameterStore(3);
      const g = new Graph('composite-flow', { training: false });
      const input = g.input('input', [1, RESIDUAL_INPUT_CHANNELS, S, S]);
      const out = buildResidualNet(g, input, fcfg);
      expect(out.shape).toEqual([1, 5, S, S]);
      g.output('out', residualComposite(input, out, fcfg));
      initialise(g, params);
      expect(params.has('residual.flow_conv.weight')).toBe(flowLevel === 0);
      const runner = await InferenceRunner.create(await exportInference(g, params));
      try {
        const x = randomInput(8);
        const res = (await runner.run({ input: { data: x, shape: [1, RESIDUAL_INPUT_CHANNELS, S, S] } })).out.data as Float32Array;
        for (let k = 0; k < 3 * S * S; k++) expect(res[k]).toBeCloseTo(x[k], 6);
      } finally {
        await runner.dispose();
      }
    }
    // At the source resolution: vertical stripes, a uniform displacement of +2 crop px in x
    // (raw value atanh(2/3) for flow 3) shows each pixel its right-hand neighbour's value,
    // scaled from crop to source pixels, inside the mask; outside it nothing changes.
    const W = 240, H = 200;
    const crop = mouthCrop(mouthPoints(120, 100, 100));
    const frame = Uint8Array.from({ length: W * H * 3 }, (_, k) => 10 + (Math.floor(k / 3) % W));
    const before = frame.slice();
    const delta = new Float32Array(5 * S * S);
    delta.fill(Math.atanh(2 / 3), 3 * S * S, 4 * S * S);
    expect(flowDisplacement(Math.atanh(2 / 3), 3)).toBeCloseTo(2, 6);
    addCorrection(frame, W, H, crop, delta, S, 3);
    const shift = 2 * crop.side / S;
    for (let y = 0; y < H; y += 3) for (let x = 0; x < W; x += 3) {
      const m = maskWeight(crop, x, y), o = (y * W + x) * 3;
      if (m === 0) expect(frame[o]).toBe(before[o]);
      else expect(Math.abs(frame[o] - (before[o] + shift * m))).toBeLessThanOrEqual(0.51);
    }
  });

  it('checks the configuration a residual.json records (untrusted: it sets array sizes)', () => {
    expect(checkResidualConfig(RESIDUAL_CONFIGS.draft)).toEqual(RESIDUAL_CONFIGS.draft);
    // A model from before the flow head: no flow.
    const { flow: _flow, flowLevel: _level, ...old } = RESIDUAL_CONFIGS.draft;
    expect(checkResidualConfig(old)).toEqual({ ...old, flow: 0 });
    expect(checkResidualConfig({ ...RESIDUAL_CONFIGS.draft, size: 1e9 })).toMatch(/size must be an integer within 8\.\.512/);
    expect(checkResidualConfig({ ...RESIDUAL_CONFIGS.draft, size: 100 })).toMatch(/divisible/);
    expect(checkResidualConfig({ ...RESIDUAL_CONFIGS.draft, outputLevel: 4 })).toMatch(/outputLevel/);
    expect(checkResidualConfig({ ...RESIDUAL_CONFIGS.draft, flow: -1 })).toMatch(/flow/);
    expect(checkResidualConfig({ ...RESIDUAL_CONFIGS.draft, lr: 'x' })).toMatch(/lr/);
    expect(checkResidualConfig(null)).toBe('no configuration');
  });

  it('trains the flow head from its zero start (the warp has a gradient at a zero displacement)', async () => {
    const fcfg = { ...cfg, name: 'tiny-flow', flow: 2, lr: 1e-2 };
    const params = new ParameterStore(2);
    const trainer = await Trainer.create({ graphs: { g: { ...buildResidualTrainGraph(fcfg), trainable: ['residual'], optimizer: adam({ lr: fcfg.lr }) } }, params, provider: 'cpu' });
    try {
      // Smooth stripes; the real crop is the retrieval crop moved by one pixel, everything inside the mask.
      const P = S * S, B = fcfg.batch;
      const input = new Float32Array(B * RESIDUAL_INPUT_CHANNELS * P), real = new Float32Array(B * 3 * P);
      for (let b = 0; b < B; b++) for (let c = 0; c < 3; c++) for (let v = 0; v < S; v++) for (let u = 0; u < S; u++) {
        input[(b * RESIDUAL_INPUT_CHANNELS + c) * P + v * S + u] = Math.sin((u + c) * 0.4);
        real[(b * 3 + c) * P + v * S + u] = Math.sin((u + 1 + c) * 0.4);
      }
      for (let b = 0; b < B; b++) input.fill(1, (b * RESIDUAL_INPUT_CHANNELS + 7) * P, (b * RESIDUAL_INPUT_CHANNELS + 8) * P);
      const first = (await trainer.step('g', { input, real })).loss;
      let last = first;
      for (let k = 0; k < 4; k++) last = (await trainer.step('g', { input, real })).loss;
      const w = params.get('residual.out_conv.weight');
      const perOut = w.length / 5;
      const flowWeights = Array.from(w.subarray(3 * perOut));
      expect(flowWeights.some((v) => Math.abs(v) > 1e-4)).toBe(true);
      expect(last).toBeLessThan(first);
    } finally {
      await trainer.dispose();
    }
  });
});
