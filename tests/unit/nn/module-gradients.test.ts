import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, F, InstanceNorm, LeakyReLU, Linear, ReLU, Residual, Sequential, Sigmoid, Tanh, Upsample,
  ParameterStore, Trainer, bceWithLogits, compileForward, featureMatchingLoss, l1Loss, lsganLoss, msSsim, mseLoss, ssim, Graph, type Tensor,
} from '../../../src/engine/nn';
import { gradCheck, type GradCheckCase } from './gradcheck';

/** Module parameters are differentiated by gradCheck along with the input. */
function withParams(build: (g: Graph, x: Tensor) => Tensor, inputShape: number[], dtype: 'float32' | 'float64' = 'float32'): GradCheckCase {
  return { dtype, build: (g, inp) => build(g, inp('x', inputShape)) };
}

describe('module and loss gradients (finite differences)', () => {
  // Smooth activations here: a kink (ReLU) crossed by the finite-difference step breaks the numeric side.
  it('conv block with BatchNorm2d (training mode) and Tanh', async () => {
    const block = new Sequential('block', [new Conv2d(2, 4, { kernel: 3, stride: 2, padding: 1 }), new BatchNorm2d(4), new Tanh()]);
    const c = withParams((g, x) => block.forward(g, x), [3, 2, 6, 6]);
    const r = await gradCheck(c);
    expect(r.checks).toBeGreaterThan(0);
  });

  it('BatchNorm1d over [N,C,L] and [N,C], Linear, Tanh, Sigmoid (float64 where ORT allows)', async () => {
    const net = new Sequential('net', [new Linear(5, 6), new BatchNorm1d(6), new Tanh(), new Linear(6, 3), new Sigmoid()]);
    expect((await gradCheck(withParams((g, x) => net.forward(g, x), [4, 5], 'float64'))).checks).toBeGreaterThan(0);
    const bn = new BatchNorm1d(3, { name: 'bn' });
    expect((await gradCheck(withParams((g, x) => bn.forward(g, x), [2, 3, 5], 'float64'))).checks).toBeGreaterThan(0);
  });

  it('a small U-Net-ish net: stride-2 conv, InstanceNorm, residual block, upsample + conv, skip concat', async () => {
    const down = new Sequential('down', [new Conv2d(2, 4, { kernel: 3, stride: 2, padding: 1 }), new InstanceNorm(4, { affine: true }), new ReLU()]);
    const res = new Residual('res', new Sequential('body', [new Conv2d(4, 4, { kernel: 3, padding: 1 }), new InstanceNorm(4), new ReLU()]));
    const up = new Sequential('up', [new Upsample({ scale: 2, mode: 'nearest' }), new Conv2d(4, 2, { kernel: 3, padding: 1 })]);
    const upT = new ConvTranspose2d(4, 2, { kernel: 4, stride: 2, padding: 1, name: 'upT' });
    const head = new Conv2d(6, 1, { kernel: 1, name: 'head' });
    const c = withParams((g, x) => {
      const h = res.forward(g, down.forward(g, x));
      const u = F.concat([x, up.forward(g, h), upT.forward(g, h)], 1);
      return F.tanh(head.forward(g, u));
    }, [2, 2, 8, 8]);
    expect((await gradCheck(c)).checks).toBeGreaterThan(0);
  });

  it('multi-scale discriminator: avg-pool downsampling and feature matching between scales', async () => {
    const disc = (name: string) => new Sequential(name, [new Conv2d(2, 3, { kernel: 3, stride: 2, padding: 1 }), new LeakyReLU(0.2), new Conv2d(3, 1, { kernel: 3, padding: 1 })]);
    const d0 = disc('d0'), d1 = disc('d1');
    const c = withParams((g, x) => {
      const real = g.constant(Array.from({ length: 2 * 2 * 8 * 8 }, (_, k) => Math.cos(k)), [2, 2, 8, 8]);
      const f0 = [d0.forward(g, x), d0.forward(g, real)];
      const xs = F.avgPool(x, 3, 2, 1);
      const f1 = [d1.forward(g, xs), d1.forward(g, F.avgPool(real, 3, 2, 1))];
      return F.add(featureMatchingLoss([f0[1], f1[1]], [f0[0], f1[0]]), F.add(lsganLoss(f0[0], true), lsganLoss(f1[0], true)));
    }, [2, 2, 8, 8]);
    expect((await gradCheck(c)).checks).toBeGreaterThan(0);
  });

  it('Conv1d temporal stack with bilinear resize to a new length', async () => {
    const net = new Sequential('temporal', [new Conv1d(3, 4, { kernel: 3, padding: 1 }), new LeakyReLU(0.2), new Upsample({ size: [13], mode: 'linear' }), new Conv1d(4, 2, { kernel: 3, dilation: 2, padding: 2 })]);
    expect((await gradCheck(withParams((g, x) => net.forward(g, x), [2, 3, 7]))).checks).toBeGreaterThan(0);
  });

  const losses: Record<string, { dtype: 'float32' | 'float64'; shape: number[]; f: (g: Graph, x: Tensor) => Tensor }> = {
    L1: { dtype: 'float64', shape: [3, 4], f: (g, x) => l1Loss(x, g.constant(Array.from({ length: 12 }, (_, k) => (k % 2 ? 2 : -2)), [3, 4])) },
    MSE: { dtype: 'float64', shape: [3, 4], f: (g, x) => mseLoss(x, g.constant(Array.from({ length: 12 }, (_, k) => k / 12), [3, 4])) },
    'LSGAN real': { dtype: 'float64', shape: [2, 1, 3, 3], f: (_g, x) => lsganLoss(x, true) },
    'LSGAN fake': { dtype: 'float64', shape: [2, 1, 3, 3], f: (_g, x) => lsganLoss(x, false) },
    'BCE with logits': { dtype: 'float64', shape: [2, 5], f: (g, x) => bceWithLogits(F.mul(x, 4), g.constant(Array.from({ length: 10 }, (_, k) => (k % 3 ? 1 : 0)), [2, 5])) },
    'feature matching': { dtype: 'float64', shape: [2, 6], f: (g, x) => featureMatchingLoss([g.constant(new Array(12).fill(3), [2, 6]), g.constant(new Array(6).fill(-3), [2, 3])], [x, F.narrow(x, 1, 0, 3)]) },
    SSIM: { dtype: 'float32', shape: [2, 2, 14, 13], f: (g, x) => ssim(F.sigmoid(x), g.constant(Array.from({ length: 2 * 2 * 14 * 13 }, (_, k) => 0.5 + 0.4 * Math.sin(k * 0.37)), [2, 2, 14, 13]), { window: 7 }) },
    'MS-SSIM (3 scales)': { dtype: 'float32', shape: [1, 1, 24, 24], f: (g, x) => msSsim(F.sigmoid(x), g.constant(Array.from({ length: 576 }, (_, k) => 0.5 + 0.4 * Math.sin(k * 0.21)), [1, 1, 24, 24]), { window: 5, weights: [0.3, 0.3, 0.4] }) },
  };
  for (const [name, l] of Object.entries(losses)) {
    it(`loss: ${name} (${l.dtype})`, async () => {
      const r = await gradCheck({ dtype: l.dtype, build: (g, inp) => l.f(g, inp('x', l.shape, { scale: 1.5 })) });
      expect(r.checks).toBeGreaterThan(0);
    });
  }
});


describe('normalisation layers compute the textbook formulas', () => {
  it('BatchNorm (training: batch statistics) and InstanceNorm (statistics per sample and channel)', async () => {
    const [N, C, L] = [3, 2, 5];
    const x = Float32Array.from({ length: N * C * L }, (_, i) => Math.sin(i * 1.3) * 2 + (i % 3));
    const g = new Graph('norms', { training: true });
    const inp = g.input('x', [N, C, L]);
    const bn = new BatchNorm1d(C, { name: 'bn' });
    const inorm = new InstanceNorm(C, { name: 'in', affine: true });
    g.output('bn', bn.forward(g, inp));
    g.output('in', inorm.forward(g, inp));
    const params = new ParameterStore(1);
    const t = await Trainer.create({ graphs: { f: compileForward(g) }, params });
    params.set('bn.weight', Float32Array.of(1.5, -0.5), [C]);
    params.set('bn.bias', Float32Array.of(0.2, 0.1), [C]);
    params.set('in.weight', Float32Array.of(0.7, 2), [C]);
    params.set('in.bias', Float32Array.of(-1, 0.3), [C]);
    const out = await t.run('f', { x });
    const at = (n: number, c: number, l: number) => x[(n * C + c) * L + l];
    const norm = (vals: number[], v: number) => {
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      const s2 = vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length;
      return (v - m) / Math.sqrt(s2 + 1e-5);
    };
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let l = 0; l < L; l++) {
      const i = (n * C + c) * L + l;
      const batchVals = Array.from({ length: N * L }, (_, k) => at(Math.floor(k / L), c, k % L));
      const instVals = Array.from({ length: L }, (_, k) => at(n, c, k));
      expect((out.bn.data as Float32Array)[i]).toBeCloseTo([1.5, -0.5][c] * norm(batchVals, x[i]) + [0.2, 0.1][c], 4);
      expect((out.in.data as Float32Array)[i]).toBeCloseTo([0.7, 2][c] * norm(instVals, x[i]) + [-1, 0.3][c], 4);
    }
    await t.dispose();
  });
});
