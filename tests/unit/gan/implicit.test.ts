import { describe, expect, it } from 'vitest';
import { judgeImplicit, judgeExpression, chooseImplicit, substituteImplicit, heldOutFrames, blinkStats, type ImplicitVerdict } from '../../../src/engine/gan';
import { PARAM_COUNT } from '../../../src/shared/facial-params';

const fps = 25;

/** [T*71]: pose channels as sines of the given speed factor, blinks (3 frames closed) at the given frames, expression a ramp. */
function clip(T: number, blinkAt: number[], speed = 1, phase = 0): Float32Array {
  const a = new Float32Array(T * PARAM_COUNT);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < 6; c++) a[t * PARAM_COUNT + c] = Math.sin((2 * Math.PI * 0.4 * speed * t) / fps + c + phase);
    for (let k = 7; k < PARAM_COUNT; k++) a[t * PARAM_COUNT + k] = 0.01 * k + 0.001 * t;
  }
  for (const b of blinkAt) for (let d = 0; d < 3; d++) if (b + d < T) a[(b + d) * PARAM_COUNT + 6] = 1;
  return a;
}

describe('implicit-attribute verdict', () => {
  const truth = clip(500, [40, 140, 260, 400]); // 20 s, 4 blinks: 12/min

  it('judges blinks and pose learnt when rate and speed are close to the truth', () => {
    const v = judgeImplicit(clip(500, [60, 200, 330], 1.3, 0.5), truth, fps);
    expect(v.blinks).toMatchObject({ learned: true, modelCount: 3, truthCount: 4 });
    expect(v.pose.learned).toBe(true);
    expect(v.pose.speedRatio).toBeCloseTo(1.3, 1);
  });

  it('judges blinks not learnt without any, or at a rate 3x off; pose not learnt at 3x the speed or half of half', () => {
    const none = judgeImplicit(clip(500, [], 3.1), truth, fps);
    expect(none.blinks).toMatchObject({ learned: false, modelCount: 0, truthCount: 4, modelPerMinute: 0 });
    expect(none.blinks.truthPerMinute).toBeCloseTo(12, 5);
    expect(none.pose.learned).toBe(false);
    expect(none.pose.speedRatio).toBeCloseTo(3.1, 1);
    const many = judgeImplicit(clip(500, Array.from({ length: 14 }, (_, i) => 10 + i * 35), 0.2), truth, fps);
    expect(many.blinks.learned).toBe(false); // 42/min vs 12/min
    expect(many.pose.learned).toBe(false);
    expect(many.pose.speedRatio).toBeLessThan(0.5);
  });

  it('a validation part without blinks proves nothing unless it is long; a long one without blinks agrees with a model without', () => {
    expect(judgeImplicit(clip(100, []), clip(100, []), fps).blinks.learned).toBe(false);
    expect(judgeImplicit(clip(40 * fps, []), clip(40 * fps, []), fps).blinks.learned).toBe(true);
    expect(judgeImplicit(clip(40 * fps, [100, 400]), clip(40 * fps, []), fps).blinks.learned).toBe(false);
  });
});

describe('implicit channels in generation', () => {
  const verdict = (blinks: boolean, pose: boolean): ImplicitVerdict => ({
    version: 1,
    frames: { start: 100, end: 120, seconds: 0.8 },
    blinks: { learned: blinks, modelCount: 0, truthCount: 1, modelPerMinute: 0, truthPerMinute: 75, reason: 'validation: 0.0 vs 75 blinks/min' },
    pose: { learned: pose, speedRatio: 3.1, channelRatios: [3.1, 3.1, 3.1, 3.1, 3.1, 3.1], reason: 'validation: pose speed 3.10x the tracked' },
  });

  it('auto takes from the prior what was not learnt, and says so with the figures', () => {
    const both = chooseImplicit('auto', verdict(false, false));
    expect(both).toMatchObject({ pose: 'prior', blink: 'prior' });
    expect(both.note).toBe('blinks and head pose from the zero-training prior: the model did not learn them from this persona\'s clip (validation: 0.0 vs 75 blinks/min; pose speed 3.1x)');
    expect(chooseImplicit('auto', verdict(true, false))).toMatchObject({ pose: 'prior', blink: 'model' });
    expect(chooseImplicit('auto', verdict(true, false)).note).toMatch(/^head pose from the zero-training prior/);
    expect(chooseImplicit('auto', verdict(false, true))).toMatchObject({ pose: 'model', blink: 'prior' });
    expect(chooseImplicit('auto', verdict(true, true))).toEqual({ pose: 'model', blink: 'model', expression: 1 }); // a version-1 verdict: no expression verdict, the model's expression
    // a model saved before the check: its own channels, as before, and the note says they were not checked
    const old = chooseImplicit('auto', undefined);
    expect(old).toMatchObject({ pose: 'model', blink: 'model' });
    expect(old.note).toMatch(/not checked/);
  });

  it('forced modes override the verdict', () => {
    expect(chooseImplicit('model', verdict(false, false))).toMatchObject({ pose: 'model', blink: 'model' });
    expect(chooseImplicit('prior', verdict(true, true))).toMatchObject({ pose: 'prior', blink: 'prior' });
    expect(chooseImplicit('prior', undefined)).toMatchObject({ pose: 'prior', blink: 'prior' });
  });

  it('a model output without blinks gets the prior\'s blinks (and pose); expression untouched', () => {
    const model = clip(300, [], 3);
    const prior = clip(300, [50, 150, 250], 1, 2);
    for (let t = 0; t < 300; t++) for (let k = 7; k < PARAM_COUNT; k++) prior[t * PARAM_COUNT + k] = -5; // the prior's expression must not leak in
    const col = (a: Float32Array, c: number) => Array.from({ length: 300 }, (_, t) => a[t * PARAM_COUNT + c]);
    const blinkOnly = substituteImplicit(model, prior, { pose: 'model', blink: 'prior' });
    expect(blinkStats(col(blinkOnly, 6), fps).count).toBe(3);
    for (let c = 0; c < 6; c++) expect(col(blinkOnly, c)).toEqual(col(model, c));
    const both = substituteImplicit(model, prior, { pose: 'prior', blink: 'prior' });
    for (let c = 0; c < 7; c++) expect(col(both, c)).toEqual(col(prior, c));
    for (const out of [blinkOnly, both]) for (let k = 7; k < PARAM_COUNT; k++) expect(col(out, k)).toEqual(col(model, k));
    const none = substituteImplicit(model, prior, { pose: 'model', blink: 'model' });
    expect(Array.from(none)).toEqual(Array.from(model));
    expect(none).not.toBe(model);
  });
});

describe('the model refines the prior: expression verdict on held-out frames', () => {
  const T = 100; // 4 s
  /** [T*71] with expression = a * opening pattern + b * noise; the opening is read from coefficient 7. */
  const curves = (a: number, noise: number, seed: number) => {
    const c = new Float32Array(T * PARAM_COUNT);
    let s = seed;
    for (let t = 0; t < T; t++) {
      const open = Math.max(0, Math.sin((2 * Math.PI * t) / 12));
      for (let k = 7; k < PARAM_COUNT; k++) {
        s = (s * 1664525 + 1013904223) >>> 0;
        c[t * PARAM_COUNT + k] = a * open * (k === 7 ? 1 : 0.1) + noise * (s / 2 ** 32 - 0.5);
      }
    }
    return c;
  };
  const opening = (c: Float32Array) => Float32Array.from({ length: c.length / PARAM_COUNT }, (_, t) => c[t * PARAM_COUNT + 7]);
  const truth = curves(1, 0.05, 1);
  const tracked = opening(truth);

  it('keeps the prior (weight 0) when the model is worse, and says why', () => {
    const prior = curves(0.6, 0.05, 2);
    const model = curves(-0.5, 0.3, 3); // anti-correlated, noisy
    const v = judgeExpression(model, prior, truth, opening, tracked, fps);
    expect(v.weight).toBe(0);
    expect(v.learned).toBe(false);
    expect(v.mouthR.model).toBeLessThan(0);
    expect(v.mouthR.refined).toBe(v.mouthR.prior);
    expect(v.mse.refined).toBe(v.mse.prior);
    expect(v.reason).toMatch(/does not improve on the prior/);
  });

  it('takes the model\'s correction where it beats the prior in error and mouth correlation', () => {
    const prior = curves(0.3, 0.05, 2);
    const model = curves(0.95, 0.02, 3);
    const v = judgeExpression(model, prior, truth, opening, tracked, fps);
    expect(v.weight).toBeGreaterThan(0.5);
    expect(v.mse.refined).toBeLessThan(0.98 * v.mse.prior);
    expect(v.mouthR.refined).toBeGreaterThanOrEqual(v.mouthR.prior);
  });

  it('with too few held-out frames, stays at the prior', () => {
    const n = 25; // 1 s
    const cut = (a: Float32Array) => a.slice(0, n * PARAM_COUNT);
    const v = judgeExpression(cut(curves(0.95, 0.02, 3)), cut(curves(0.3, 0.05, 2)), cut(truth), opening, tracked.slice(0, n), fps);
    expect(v.weight).toBe(0);
    expect(v.reason).toMatch(/too little to judge/);
  });

  it('held-out frames: the last quarter, at least 2 s, never before the frames training saw', () => {
    expect(heldOutFrames(200, 25, 120)).toEqual({ start: 150, end: 200 });
    expect(heldOutFrames(1000, 25, 600)).toEqual({ start: 750, end: 1000 });
    expect(heldOutFrames(120, 25, 72)).toEqual({ start: 72, end: 120 }); // 2 s would reach into the validation part
  });

  it('auto applies the expression weight: prior + w (model - prior), and the note says so in words', () => {
    const v: ImplicitVerdict = {
      version: 2,
      frames: { start: 150, end: 200, seconds: 2 },
      blinks: { learned: true, modelCount: 1, truthCount: 1, modelPerMinute: 30, truthPerMinute: 30, reason: 'held out: 30 vs 30 blinks/min' },
      pose: { learned: true, speedRatio: 1, channelRatios: [1, 1, 1, 1, 1, 1], reason: 'held out: pose speed 1.0x the tracked' },
      expression: { weight: 0.5, learned: true, mouthR: { model: 0.4, refined: 0.5, prior: 0.45 }, mse: { model: 2, refined: 0.8, prior: 1 }, reason: '' },
    };
    const ch = chooseImplicit('auto', v);
    expect(ch).toMatchObject({ pose: 'model', blink: 'model', expression: 0.5 });
    expect(ch.note).toMatch(/^expression: the prior refined by the model \(50 % of its correction\)/);
    const model = clip(10, [], 1);
    const prior = clip(10, [], 1, 1);
    for (let i = 7; i < model.length; i += PARAM_COUNT) { model[i] = 2; prior[i] = 1; }
    const out = substituteImplicit(model, prior, ch);
    for (let t = 0; t < 10; t++) expect(out[t * PARAM_COUNT + 7]).toBeCloseTo(1.5, 6);
    expect(out[3]).toBe(model[3]); // pose: the model's
    expect(chooseImplicit('prior', v).expression).toBe(0);
    expect(chooseImplicit('model', v).expression).toBe(1);
    expect(chooseImplicit('auto', { ...v, expression: { ...v.expression!, weight: 0, learned: false } }).note).toMatch(/^expression from the zero-training prior: the model did not learn them from this persona's clip \(held-out frames: mouth r 0\.40 model, 0\.45 prior; expression error 2\.00x the prior's\)/);
  });
});
