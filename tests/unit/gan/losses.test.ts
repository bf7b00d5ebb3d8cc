import { describe, expect, it } from 'vitest';
import { Graph, Trainer, ParameterStore, compileForward, F } from '../../../src/engine/nn';
import { generatorLoss, discriminatorLoss, regressionLossArrays, DEFAULT_LOSS_WEIGHTS } from '../../../src/engine/gan';
import { Rng } from '../../../src/engine/common/numeric';

const L = 4;
async function runLosses(pred: Float32Array, target: Float32Array, state: Float32Array, dFake: Float32Array, dReal: Float32Array) {
  const g = new Graph('losses', { training: false });
  const p = g.input('pred', [1, L, 71]);
  const t = g.input('target', [1, L, 71]);
  const s = g.input('state', [1, 71]);
  const df = g.input('dfake', [1, 1, 2, 3]);
  const dr = g.input('dreal', [1, 1, 2, 3]);
  const terms = generatorLoss(p, t, s, DEFAULT_LOSS_WEIGHTS, df);
  for (const k of ['total', 'initial', 'expr', 'exprMotion', 'blink', 'blinkMotion', 'pose', 'poseMotion', 'regression', 'gan'] as const) g.output(k, F.identity(terms[k]!));
  g.output('d', F.identity(discriminatorLoss(dr, df)));
  const trainer = await Trainer.create({ graphs: { f: compileForward(g) }, params: new ParameterStore(1) });
  const out = await trainer.run('f', { pred, target, state, dfake: dFake, dreal: dReal });
  await trainer.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, (v.data as Float32Array)[0]]));
}

describe('FACIAL-GAN losses (reference weights)', () => {
  it('has the reference fine-tuning weights as defaults', () => {
    expect(DEFAULT_LOSS_WEIGHTS).toEqual({ initial: 10, expr: 20, exprMotion: 200, blink: 0.5, blinkMotion: 1, pose: 1, poseMotion: 10, gan: 0.1 });
  });

  it('computes each term on a hand-made example', async () => {
    const pred = new Float32Array(L * 71);
    const target = new Float32Array(L * 71);
    // pose channel 0 off by 1 on frame 2 only; blink off by 2 on every frame; expression 7 ramps in the prediction.
    pred[2 * 71 + 0] = 1;
    for (let t = 0; t < L; t++) pred[t * 71 + 6] = 2;
    for (let t = 0; t < L; t++) pred[t * 71 + 7] = t;
    const state = new Float32Array(71);
    state[0] = 0.5;
    const dFake = Float32Array.from([1, 1, 1, 0, 0, 0]);
    const dReal = Float32Array.from([1, 1, 1, 1, 1, 1]);
    const r = await runLosses(pred, target, state, dFake, dReal);
    expect(r.pose).toBeCloseTo(1 / (L * 6), 6);
    expect(r.poseMotion).toBeCloseTo(2 / (3 * 6), 6); // +1 then -1 on channel 0
    expect(r.blink).toBeCloseTo(4, 6);
    expect(r.blinkMotion).toBeCloseTo(0, 6);
    expect(r.expr).toBeCloseTo((0 + 1 + 4 + 9) / (L * 64), 6);
    expect(r.exprMotion).toBeCloseTo(3 / (3 * 64), 6);
    expect(r.initial).toBeCloseTo(0.5 / 6 + 2 + 0, 6); // first frame vs state: pose L1, blink L1, expression L1
    expect(r.gan).toBeCloseTo(3 / 6, 6); // LSGAN: mean((D(fake) - 1)^2)
    expect(r.d).toBeCloseTo(0 + 3 / 6, 6); // real→1 is perfect, fake→0: mean(D(fake)^2)
    const w = DEFAULT_LOSS_WEIGHTS;
    const reg = w.initial * r.initial + w.expr * r.expr + w.exprMotion * r.exprMotion + w.blink * r.blink + w.blinkMotion * r.blinkMotion + w.pose * r.pose + w.poseMotion * r.poseMotion;
    expect(r.regression).toBeCloseTo(reg, 4);
    expect(r.total).toBeCloseTo(reg + w.gan * r.gan, 4);
  });

  it('the array version (validation) agrees with the graph version', async () => {
    const rng = new Rng(4);
    const pred = new Float32Array(L * 71).map(() => rng.normal());
    const target = new Float32Array(L * 71).map(() => rng.normal());
    const state = new Float32Array(71).map(() => rng.normal());
    const g = await runLosses(pred, target, state, new Float32Array(6), new Float32Array(6));
    const a = regressionLossArrays(pred, target, state);
    expect(a.total).toBeCloseTo(g.regression, 3);
    for (const k of ['initial', 'expr', 'exprMotion', 'blink', 'blinkMotion', 'pose', 'poseMotion']) expect(a[k]).toBeCloseTo(g[k], 5);
  });
});
