import { describe, expect, it } from 'vitest';
import { judgeImplicit, chooseImplicit, substituteImplicit, blinkStats, type ImplicitVerdict } from '../../../src/engine/gan';
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
    expect(chooseImplicit('auto', verdict(true, true))).toEqual({ pose: 'model', blink: 'model' });
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
