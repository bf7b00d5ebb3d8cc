import { describe, expect, it } from 'vitest';
import { residualVerdict } from '../../../src/engine/export/residual-status';
import type { SynthesisEval } from '../../../src/engine/export/evaluate-synthesis';
import { FOLLOWING_MOTION, FOLLOWING_TOLERANCE, residualKeepsFollowing, type HeldOutFollowing } from '../../../src/engine/export/heldout-following';
import type { ResidualInfo } from '../../../src/engine/synthesis';

/**
 * One decision, read by the export, the studio's mouth-correction job and the persona
 * panel: the residual G_r is applied only where the held-out evaluation says it wins and
 * the persona's own residual is of the evaluated network.
 */
const identity = 'facial-residual-gr/1 draft s160 f16-64 d3 r1 o3';
const info = { identity, steps: 1200, trainSeconds: 260, createdAt: '2026-01-03T00:00:00Z', config: { name: 'draft' } } as ResidualInfo;
const real = { psnrDb: 18.5, ssim: 0.66, sharpness: 1.1 };
const ev = (r: { psnrDb: number; ssim: number; sharpness: number }, wins: boolean) =>
  ({ retrieval: real, residual: { ...r, steps: 1200, trainSeconds: 250, identity }, residualWins: wins }) as unknown as SynthesisEval;

describe('residual verdict', () => {
  it('names each state in plain words and applies only the evaluated winner', () => {
    expect(residualVerdict(undefined, undefined)).toMatchObject({ code: 'not-trained', applied: false });
    expect(residualVerdict(info, undefined)).toMatchObject({ code: 'not-evaluated', applied: false, sentence: expect.stringMatching(/never measured on frames it did not learn from/) });
    const loses = residualVerdict(info, ev({ psnrDb: 18.3, ssim: 0.67, sharpness: 1.1 }, false));
    expect(loses).toMatchObject({ code: 'loses', applied: false });
    expect(loses.sentence).toMatch(/−0\.2 dB, SSIM \+0\.010 and 1\.00x the sharpness .* no closer to the real frames \(PSNR\), so not applied/);
    const win = ev({ psnrDb: 19, ssim: 0.67, sharpness: 1.0 }, true);
    expect(residualVerdict(undefined, win)).toMatchObject({ code: 'own-missing', applied: false });
    expect(residualVerdict({ ...info, identity: 'other' }, win)).toMatchObject({ code: 'other-configuration', applied: false });
    const applied = residualVerdict(info, win);
    expect(applied).toMatchObject({ code: 'applied', applied: true, own: { steps: 1200, config: 'draft' } });
    expect(applied.sentence).toMatch(/^Applied to exports: .*\+0\.5 dB, SSIM \+0\.010 and 0\.91x the sharpness/);
    // A difference that rounds to nothing has no sign.
    expect(residualVerdict(info, ev({ psnrDb: 18.49, ssim: 0.66, sharpness: 1.1 }, false)).sentence).toMatch(/: ±0\.0 dB, SSIM ±0\.000 and 1\.00x/);
  });

  it('refuses a residual that scores higher in the lip box but makes the mouth follow the curves less in export-like frames', () => {
    const following = (retrievalR: number, residualR: number): HeldOutFollowing => ({
      frames: 80, sourceCuts: 30, retrieval: { r: retrievalR, slope: 0.9, tracked: 80 }, residual: { r: residualR, slope: 0.85, tracked: 80 },
    });
    expect(residualKeepsFollowing(undefined)).toBe(true);
    expect(residualKeepsFollowing({ frames: 80, sourceCuts: 30, retrieval: { r: 0.9, slope: 1, tracked: 80 } })).toBe(true);
    expect(residualKeepsFollowing(following(0.9, 0.95))).toBe(true);
    expect(residualKeepsFollowing(following(0.9, 0.9 - FOLLOWING_TOLERANCE))).toBe(true);
    expect(residualKeepsFollowing(following(0.9, 0.8))).toBe(false);
    // The same r with the motion damped below FOLLOWING_MOTION of real pixels' (slope 0.9): not kept.
    const damp = (slope: number): HeldOutFollowing => ({ ...following(0.5, 0.52), residual: { r: 0.52, slope, tracked: 80 } });
    expect(residualKeepsFollowing(damp(0.9 * FOLLOWING_MOTION))).toBe(true);
    expect(residualKeepsFollowing(damp(0.46))).toBe(false);
    // Each set of curves counts: the own motion kept, generated curves damped.
    expect(residualKeepsFollowing({ ...following(0.82, 0.91), generated: { sourceCuts: 10, retrieval: { r: 0.52, slope: 0.79, tracked: 80 }, residual: { r: 0.54, slope: 0.46, tracked: 80 } } })).toBe(false);
    // Higher PSNR and SSIM, as sharp, but following less: the evaluation says it loses, and the sentence says why.
    const damped = { ...ev({ psnrDb: 19, ssim: 0.67, sharpness: 1.0 }, false), following: following(0.82, 0.7) } as SynthesisEval;
    const v = residualVerdict(info, damped);
    expect(v).toMatchObject({ code: 'loses', applied: false });
    expect(v.sentence).toMatch(/its mouth follows the curves less in export-like frames \(r 0\.70 vs 0\.82, motion 0\.85 vs 0\.90\), so not applied/);
    expect(v.sentence).not.toMatch(/PSNR|SSIM\)|blurrier/);
    // Applied: the sentence gives both figures.
    const kept = residualVerdict(info, { ...ev({ psnrDb: 19, ssim: 0.67, sharpness: 1.0 }, true), following: following(0.82, 0.91) } as SynthesisEval);
    expect(kept).toMatchObject({ code: 'applied', applied: true });
    expect(kept.sentence).toMatch(/its mouth follows the curves at r 0\.91 \(your footage’s own mouths: 0\.82\); trained 1200 steps\.$/);
  });
});
