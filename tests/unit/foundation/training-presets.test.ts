import { describe, it, expect } from 'vitest';
import { RESIDUAL_EVAL_SECONDS_PER_FRAME, RESIDUAL_PAIR_SECONDS_PER_FRAME, RUN_OVERHEAD_SECONDS, TRAINING_PRESETS, TRAINING_PRESET_NAMES, estimateResidualFlow, estimateTraining, expectedQuality, footageAdvice, formatDuration, presetReached } from '../../../src/engine/common/training-presets';
import { JobRequest } from '../../../src/shared/contract';

describe('training presets', () => {
  it('one table: more steps from draft to best, for both jobs, and the contract takes the names', () => {
    for (const job of ['renderer', 'gan', 'residual'] as const) {
      const steps = TRAINING_PRESET_NAMES.map((n) => TRAINING_PRESETS[job][n].steps);
      expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    }
    for (const preset of TRAINING_PRESET_NAMES) {
      expect(JobRequest.safeParse({ kind: 'renderer.train', projectDir: '/p', personaId: 'a', preset }).success).toBe(true);
      expect(JobRequest.safeParse({ kind: 'gan.train', projectDir: '/p', personaId: 'a', preset }).success).toBe(true);
    }
    expect(JobRequest.safeParse({ kind: 'gan.train', projectDir: '/p', personaId: 'a', preset: 'ultra' }).success).toBe(false);
  });

  it('estimates time from the speed measured here, or the typical figure, and counts the steps done', () => {
    const measured = estimateTraining('renderer', 'draft', { secondsPerStep: 2, cores: 2 });
    expect(measured).toMatchObject({ basis: 'measured', steps: 300, remainingSteps: 300, upTo: false });
    expect(measured.seconds).toBe(60 + 600);
    const typical = estimateTraining('renderer', 'standard', { cores: 2 });
    expect(typical.basis).toBe('typical');
    expect(typical.seconds).toBeGreaterThan(estimateTraining('renderer', 'draft', { cores: 2 }).seconds);
    // More cores: faster, but not below a third.
    expect(estimateTraining('renderer', 'draft', { cores: 16 }).seconds).toBeLessThan(typical.seconds);
    // Resumed: only what is left; done: nothing.
    expect(estimateTraining('renderer', 'draft', { secondsPerStep: 1, cores: 2 }, 200).remainingSteps).toBe(100);
    expect(estimateTraining('renderer', 'draft', { secondsPerStep: 1, cores: 2 }, 400).seconds).toBe(0);
    expect(estimateTraining('gan', 'best', { cores: 2 }).upTo).toBe(true);
    expect(formatDuration(30)).toBe('under a minute');
    expect(formatDuration(7 * 60 + 10)).toBe('about 7 min');
    expect(formatDuration(2 * 3600 + 25 * 60)).toBe('about 2 h 30 min');
    expect(formatDuration(3600 + 57 * 60)).toBe('about 2 h');
  });

  it('the mouth correction: draft is the 1200 steps / 9 min it always had, each preset longer and capped in time, and the studio job takes them', () => {
    const r = TRAINING_PRESETS.residual;
    expect(r.draft).toMatchObject({ steps: 1200, maxSeconds: 540 });
    expect(r.standard.steps).toBeGreaterThan(r.draft.steps);
    expect(r.best.maxSeconds!).toBeGreaterThan(r.standard.maxSeconds!);
    expect(r.standard.maxSeconds!).toBeGreaterThan(r.draft.maxSeconds!);
    for (const preset of TRAINING_PRESET_NAMES) {
      expect(JobRequest.safeParse({ kind: 'residual.train', projectDir: '/p', personaId: 'a', preset }).success).toBe(true);
    }
    expect(JobRequest.safeParse({ kind: 'residual.train', projectDir: '/p', personaId: 'a', config: 'gpu-full' }).success).toBe(true);
    expect(JobRequest.safeParse({ kind: 'residual.train', projectDir: '/p', personaId: 'a', config: 'huge' }).success).toBe(false);
    // One training: overhead + steps x seconds per step, capped by the preset's time.
    const one = estimateTraining('residual', 'draft', { secondsPerStep: 0.2, cores: 2 });
    expect(one.seconds).toBeCloseTo(RUN_OVERHEAD_SECONDS.residual + 240, 6);
    expect(one.upTo).toBe(false);
    const capped = estimateTraining('residual', 'draft', { secondsPerStep: 1, cores: 2 });
    expect(capped.seconds).toBe(RUN_OVERHEAD_SECONDS.residual + 540);
    expect(capped.upTo).toBe(true);
    // The studio's run: the check's training on 60 % of the frames, the check, then the persona's own on all of them.
    const flow = estimateResidualFlow('draft', { secondsPerStep: 0.2, cores: 2 }, 1000);
    expect(flow.seconds).toBeCloseTo(2 * one.seconds + RESIDUAL_PAIR_SECONDS_PER_FRAME * 1600 + RESIDUAL_EVAL_SECONDS_PER_FRAME * 1000, 6);
    expect(flow.upTo).toBe(true);
    const t = TRAINING_PRESET_NAMES.map((n) => estimateResidualFlow(n, { cores: 2 }, 200).seconds);
    expect([...t].sort((a, b) => a - b)).toEqual(t);
    // On the 2-core machine, draft on the 8 s AOC clip is minutes, not hours.
    expect(t[0]).toBeGreaterThan(120);
    expect(t[0]).toBeLessThan(20 * 60);
  });

  it('says when the footage is short, and what quality to expect', () => {
    expect(footageAdvice(8)).toMatchObject({ level: 'short' });
    expect(footageAdvice(8).message).toMatch(/Only 8 s of footage.*1–5 minutes/);
    expect(footageAdvice(150)).toEqual({ level: 'ok' });
    expect(presetReached('renderer', 300)).toBe('draft');
    expect(presetReached('renderer', 100)).toBeUndefined();
    const preview = expectedQuality({ footageS: 8 });
    expect(preview.headline).toBe('Preview quality');
    const draft = expectedQuality({ rendererSteps: 300, footageS: 8 });
    expect(draft.headline).toBe('Draft quality');
    expect(draft.detail).toMatch(/300 steps \(draft\) on 8 s of footage: expect a soft face and a blurry mouth/);
    expect(draft.advice).toMatch(/Standard or Best.*1–5 minutes; this persona has 8 s/);
    expect(expectedQuality({ rendererSteps: 6000, footageS: 180 }).advice).toBeUndefined();
    // Built from the footage: sharp without training; short footage still gets its advice.
    const footage = expectedQuality({ fromFootage: true, footageS: 8 });
    expect(footage).toMatchObject({ level: 'footage', headline: 'Your own footage, sharp' });
    expect(footage.detail).toMatch(/No training is needed/);
    expect(footage.advice).toMatch(/1–5 minutes; this persona has 8 s/);
    expect(expectedQuality({ fromFootage: true, rendererSteps: 300, footageS: 180 }).advice).toBeUndefined();
    // Before the persona is read, the dialog says it is checking rather than guessing "preview".
    expect(expectedQuality({ pending: true, footageS: 8 })).toMatchObject({ level: 'checking', headline: 'Checking the persona…' });
  });
});
