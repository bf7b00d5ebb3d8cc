import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, F, Graph, InferenceRunner, LeakyReLU, Linear, ParameterStore, ReLU,
  Sequential, Tanh, Trainer, adam, adamw, compileForward, exportInference, lsganLoss, mseLoss, type StateMode,
} from '../../../src/engine/nn';
import { Rng } from '../../../src/engine/common/numeric';

const tmp = mkdtempSync(path.join(tmpdir(), 'nn-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function mlp(): Sequential {
  return new Sequential('mlp', [new Linear(4, 32), new Tanh(), new Linear(32, 32), new Tanh(), new Linear(32, 1)]);
}

/** y = sin(x0) + x1 * x2 - 0.5 x3^2, x ~ U(-1, 1). */
function regressionBatch(rng: Rng, n: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * 4), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = 2 * rng.next() - 1;
    const [a, b, c, d] = x.subarray(i * 4, i * 4 + 4);
    y[i] = Math.sin(a) + b * c - 0.5 * d * d;
  }
  return { x, y };
}

describe('training', () => {
  it('an MLP regression converges below 0.005 MSE (target variance ~0.35)', async () => {
    const g = new Graph('mlp-step');
    const x = g.input('x', [64, 4]);
    const y = g.input('y', [64, 1]);
    const loss = mseLoss(mlp().forward(g, x), y);
    const params = new ParameterStore(1);
    const trainer = await Trainer.create({ graphs: { train: { graph: g, loss, trainable: ['mlp'], optimizer: adam({ lr: 1e-2 }) } }, params });
    const rng = new Rng(2);
    let last = Infinity;
    for (let s = 0; s < 600; s++) {
      const b = regressionBatch(rng, 64);
      last = (await trainer.step('train', { x: b.x, y: b.y }, { lr: s < 400 ? 1e-2 : 3e-3 })).loss;
    }
    const test = regressionBatch(new Rng(99), 64);
    const ev = new Graph('mlp-eval', { training: false });
    ev.output('pred', mlp().forward(ev, ev.input('x', [64, 4])));
    const evalTrainer = await Trainer.create({ graphs: { ev: compileForward(ev) }, params });
    const pred = (await evalTrainer.run('ev', { x: test.x })).pred.data as Float32Array;
    const testMse = pred.reduce((s, p, i) => s + (p - test.y[i]) ** 2, 0) / 64;
    expect(last).toBeLessThan(0.005);
    expect(testMse).toBeLessThan(0.005);
    await trainer.dispose();
    await evalTrainer.dispose();
  });

  it('a small conv net (Conv2d + BatchNorm + stride 2) learns to count bright squares: MSE < 0.01 (target variance 0.125)', async () => {
    // Images 1x12x12 with k bright 2x2 squares (k = 0..4); predict k / 4.
    const make = (rng: Rng, n: number) => {
      const img = new Float32Array(n * 144), t = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const k = Math.floor(rng.next() * 5);
        t[i] = k / 4;
        for (let q = 0; q < 144; q++) img[i * 144 + q] = 0.1 * rng.next();
        const cells = new Set<number>();
        while (cells.size < k) cells.add(Math.floor(rng.next() * 36));
        for (const cell of cells) {
          const r0 = 2 * Math.floor(cell / 6), c0 = 2 * (cell % 6);
          for (let dr = 0; dr < 2; dr++) for (let dc = 0; dc < 2; dc++) img[i * 144 + (r0 + dr) * 12 + c0 + dc] = 1;
        }
      }
      return { img, t };
    };
    const net = new Sequential('cnn', [
      new Conv2d(1, 8, { kernel: 3, padding: 1 }), new BatchNorm2d(8), new ReLU(),
      new Conv2d(8, 16, { kernel: 4, stride: 2, padding: 1 }), new BatchNorm2d(16), new ReLU(),
    ]);
    const head = new Linear(16, 1, { name: 'head' });
    const g = new Graph('cnn-step');
    const x = g.input('img', [32, 1, 12, 12]);
    const t = g.input('t', [32]);
    const pooled = F.reduceMean(net.forward(g, x), [2, 3]); // global average pool: [32, 16]
    const loss = mseLoss(F.reshape(head.forward(g, pooled), [32]), t);
    const trainer = await Trainer.create({ graphs: { s: { graph: g, loss, trainable: ['cnn', 'head'], optimizer: adam({ lr: 3e-3 }) } }, params: new ParameterStore(3) });
    const rng = new Rng(4);
    const losses: number[] = [];
    for (let s = 0; s < 300; s++) {
      const b = make(rng, 32);
      losses.push((await trainer.step('s', { img: b.img, t: b.t }, { lr: s < 200 ? 3e-3 : 1e-3 })).loss);
    }
    const tail = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
    expect(tail).toBeLessThan(0.01);
    await trainer.dispose();
  });
});

/** A tiny GAN-shaped pair over sequences: G maps noise to [N,4,16], D is a 1-D conv net. */
function ganModules() {
  const G = new Sequential('generator', [new Conv1d(2, 16, { kernel: 3, padding: 1 }), new BatchNorm1d(16), new LeakyReLU(0.2), new Conv1d(16, 4, { kernel: 3, padding: 1 })]);
  const D = new Sequential('discriminator', [new Conv1d(4, 16, { kernel: 4, stride: 2, padding: 1 }), new BatchNorm1d(16), new LeakyReLU(0.2), new Conv1d(16, 1, { kernel: 3, padding: 1 })]);
  return { G, D };
}

function ganGraphs(N = 8) {
  const { G, D } = ganModules();
  const dg = new Graph('d-step');
  const dz = dg.input('z', [N, 2, 16]);
  const dReal = dg.input('real', [N, 4, 16]);
  const dFake = G.forward(dg, dz);
  const dLoss = F.mul(F.add(lsganLoss(D.forward(dg, dReal), true), lsganLoss(D.forward(dg, dFake), false)), 0.5);
  const dSpec = { graph: dg, loss: dLoss, trainable: ['discriminator'], optimizer: adam({ lr: 2e-3, betas: [0.5, 0.999] }) };

  const gg = new Graph('g-step');
  const gz = gg.input('z', [N, 2, 16]);
  const gReal = gg.input('real', [N, 4, 16]);
  const fake = G.forward(gg, gz);
  const adv = lsganLoss(D.forward(gg, fake), true);
  const rec = mseLoss(fake, gReal);
  const gSpec = {
    graph: gg,
    loss: F.add(F.mul(adv, 0.1), rec),
    report: { adv, rec },
    trainable: ['generator'],
    optimizer: adamw({ lr: 2e-3, betas: [0.5, 0.999], weightDecay: 1e-4, clipGradNorm: 5 }),
  };
  return { dSpec, gSpec };
}

function ganBatch(rng: Rng, N = 8) {
  const z = new Float32Array(N * 32).map(() => 2 * rng.next() - 1);
  const real = new Float32Array(N * 64);
  for (let i = 0; i < N; i++) for (let c = 0; c < 4; c++) for (let t = 0; t < 16; t++) real[(i * 4 + c) * 16 + t] = Math.sin(0.4 * t + c + z[i * 32]) * 0.8;
  return { z, real };
}

async function ganTrainer(seed: number, stateMode: StateMode = 'host') {
  const { dSpec, gSpec } = ganGraphs();
  // 'device' runs the IO-binding path with CPU outputs standing in for GPU buffers (no GPU here).
  return Trainer.create({ graphs: { d: dSpec, g: gSpec }, params: new ParameterStore(seed), stateMode, deviceOutputLocation: 'cpu' });
}

describe('optimisers', () => {
  it('Adam and AdamW steps equal PyTorch\'s update rule (float64 reference)', async () => {
    for (const [name, cfg] of [['adam', adam({ lr: 0.1, betas: [0.8, 0.95], weightDecay: 0.05 })], ['adamw', adamw({ lr: 0.05, weightDecay: 0.1 })]] as const) {
      const g = new Graph(name);
      const p = g.param('p', [4], { kind: 'constant', value: 0.5 });
      const c = g.input('c', [4]);
      const loss = F.reduceSum(F.mul(F.mul(p, p), c)); // dL/dp = 2 p c
      const params = new ParameterStore(1);
      const trainer = await Trainer.create({ graphs: { s: { graph: g, loss, trainable: ['p'], optimizer: cfg } }, params });
      const cv = Float32Array.of(1, -2, 0.5, 3);
      const ref = [0.5, 0.5, 0.5, 0.5], m = [0, 0, 0, 0], v = [0, 0, 0, 0];
      const [b1, b2] = cfg.betas;
      for (let t = 1; t <= 4; t++) {
        await trainer.step('s', { c: cv });
        for (let k = 0; k < 4; k++) {
          let grad = 2 * ref[k] * cv[k];
          if (cfg.kind === 'adamw') ref[k] *= 1 - cfg.lr * cfg.weightDecay;
          else grad += cfg.weightDecay * ref[k];
          m[k] = b1 * m[k] + (1 - b1) * grad;
          v[k] = b2 * v[k] + (1 - b2) * grad * grad;
          const denom = Math.sqrt(v[k]) / Math.sqrt(1 - b2 ** t) + cfg.eps;
          ref[k] -= (cfg.lr / (1 - b1 ** t)) * (m[k] / denom);
        }
      }
      const got = Array.from(params.get('p'));
      got.forEach((x, k) => expect(x, `${name} p[${k}]`).toBeCloseTo(ref[k], 5));
      await trainer.dispose();
    }
  });
});

describe('GAN training and checkpoints', () => {
  it('alternating D and G steps update only their own parameters', async () => {
    const trainer = await ganTrainer(5);
    const p = trainer.params;
    const gKey = 'generator.0.weight', dKey = 'discriminator.0.weight';
    const g0 = p.get(gKey).slice(), d0 = p.get(dKey).slice();
    const rng = new Rng(6);
    await trainer.step('d', ganBatch(rng));
    expect(p.get(gKey)).toEqual(g0);
    expect(p.get(dKey)).not.toEqual(d0);
    const d1 = p.get(dKey).slice();
    const rep = await trainer.step('g', ganBatch(rng));
    expect(Object.keys(rep).sort()).toEqual(['adv', 'grad_norm', 'loss', 'rec']);
    expect(p.get(dKey)).toEqual(d1);
    expect(p.get(gKey)).not.toEqual(g0);
    // Running statistics of the generator's BatchNorm move in both steps (it runs in training mode in both).
    expect(p.get('generator.1.running_mean').some((v) => v !== 0)).toBe(true);
    expect(trainer.steps).toEqual({ d: 1, g: 1 });
    await trainer.dispose();
  });

  it('state kept as fresh outputs, in preallocated buffers or on the device gives the same result', async () => {
    const modes: StateMode[] = ['host', 'host-preallocated', 'device'];
    const trainers = await Promise.all(modes.map((m) => ganTrainer(31, m)));
    const rngs = modes.map(() => new Rng(32));
    for (let s = 0; s < 3; s++) {
      for (const [k, t] of trainers.entries()) {
        const batch = ganBatch(rngs[k]);
        await t.step('d', batch);
        await t.step('g', batch);
      }
    }
    const dev = trainers[2].params;
    expect(dev.onDevice).toBe(true);
    expect(() => dev.get('generator.0.weight')).toThrow(/on the GPU: await store.sync\(\)/);
    await dev.sync();
    expect(dev.onDevice).toBe(false);
    for (const t of trainers.slice(1)) for (const k of trainers[0].params.keys()) expect(Array.from(t.params.get(k)), k).toEqual(Array.from(trainers[0].params.get(k)));
    // After a sync the next step uploads the state again and trains on.
    const batch = ganBatch(rngs[0]);
    for (const t of [trainers[0], trainers[2]]) await t.step('g', batch);
    await dev.sync();
    expect(Array.from(dev.get('generator.0.weight'))).toEqual(Array.from(trainers[0].params.get('generator.0.weight')));
    for (const t of trainers) await t.dispose();
  });

  it('a checkpoint round trip resumes bit-identically', async () => {
    const N1 = 4, N2 = 4;
    const run = async (trainer: Trainer, rng: Rng, n: number, out: number[]) => {
      for (let s = 0; s < n; s++) {
        const b = ganBatch(rng);
        out.push((await trainer.step('d', b)).loss, (await trainer.step('g', b)).loss);
      }
    };
    // Uninterrupted.
    const a = await ganTrainer(11);
    const rngA = new Rng(12);
    const lossesA: number[] = [];
    await run(a, rngA, N1 + N2, lossesA);
    // Interrupted: N1 steps, save, fresh trainer (other seed: everything must come from the file), load, N2 steps.
    const b = await ganTrainer(11);
    const rngB = new Rng(12);
    const lossesB: number[] = [];
    await run(b, rngB, N1, lossesB);
    const file = path.join(tmp, 'gan.safetensors');
    await b.saveCheckpoint(file, { identity: 'test-gan/1', config: { n: 8 }, extra: { note: 'hi' } });
    await b.dispose();
    const c = await ganTrainer(999);
    const meta = await c.loadCheckpoint(file, { identity: 'test-gan/1' });
    expect(meta.config).toEqual({ n: 8 });
    expect(meta.extra.note).toBe('hi');
    expect(c.steps).toEqual({ d: N1, g: N1 });
    await run(c, rngB, N2, lossesB);
    expect(lossesB).toEqual(lossesA);
    for (const k of a.params.keys()) {
      expect(Buffer.from(c.params.get(k).buffer, c.params.get(k).byteOffset, c.params.get(k).byteLength).equals(Buffer.from(a.params.get(k).buffer, a.params.get(k).byteOffset, a.params.get(k).byteLength)), k).toBe(true);
    }
    await expect(c.loadCheckpoint(file, { identity: 'other' })).rejects.toThrow(/test-gan\/1/);
    await a.dispose();
    await c.dispose();
  });

  it('the exported inference graph reproduces the eval forward of the training store', async () => {
    const trainer = await ganTrainer(21);
    const rng = new Rng(22);
    for (let s = 0; s < 3; s++) {
      const b = ganBatch(rng);
      await trainer.step('d', b);
      await trainer.step('g', b);
    }
    const { G } = ganModules();
    const ev = new Graph('gen-eval', { training: false });
    ev.output('fake', G.forward(ev, ev.input('z', [8, 2, 16])));
    const evTrainer = await Trainer.create({ graphs: { ev: compileForward(ev) }, params: trainer.params });
    const z = ganBatch(rng).z;
    const ref = (await evTrainer.run('ev', { z })).fake.data as Float32Array;

    const ex = new Graph('gen-export', { training: false });
    ex.output('fake', G.forward(ex, ex.input('z', [8, 2, 16])));
    const file = path.join(tmp, 'gen.onnx');
    await exportInference(ex, trainer.params, { path: file });
    const runner = await InferenceRunner.create(file);
    expect(runner.inputNames).toEqual(['z']);
    const out = (await runner.run({ z: { data: z, shape: [8, 2, 16] } })).fake.data as Float32Array;
    // ONNX Runtime folds the baked-in BatchNorm scale into the conv weights, so rounding differs in the last bits.
    const maxDiff = out.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
    expect(maxDiff).toBeLessThan(1e-5);
    expect(out.some((v) => !Number.isFinite(v))).toBe(false);
    await runner.dispose();
    await evTrainer.dispose();
    await trainer.dispose();
  });
});
