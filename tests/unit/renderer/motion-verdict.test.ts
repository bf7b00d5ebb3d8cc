import { describe, expect, it } from 'vitest';
import { motionProvenance, takeLabel } from '../../../src/renderer/state/motion-label';
import { motionOrigin } from '../../../src/shared/motion-origin';
import { motionVerdictSentence, personaSummary } from '../../../src/renderer/state/persona-summary';
import { PersonaInfoPayload, type GanVerdictSummary } from '../../../src/shared/persona-info';

const verdict = (weight: number, pose: boolean, blinks: boolean): GanVerdictSummary => ({
  frames: { start: 150, end: 200, seconds: 2 },
  expression: { weight, mouthR: { model: 0.2, refined: 0.5, prior: 0.45 } },
  pose: { learned: pose, speedRatio: 1 },
  blinks: { learned: blinks, modelPerMinute: 10, truthPerMinute: 12 },
});

describe('the motion model\'s verdict in words (toolbar, persona panel)', () => {
  it('the toolbar names the origin of each attribute, with the refined expression', () => {
    const m = motionProvenance({ source: 'facial-gan', generator: { implicit: { expression: 'refined', expressionWeight: 0.5, pose: 'prior', blink: 'model' } } });
    expect(m.short).toBe('expression: built-in + learned · head pose: built-in · blinks: learned');
    // a trained model whose verdict kept the prior everywhere: built-in, and why
    expect(motionProvenance({ source: 'facial-gan', generator: { implicit: { expression: 'prior', pose: 'prior', blink: 'prior' } } }).short).toBe('Built-in motion (training did not improve on it)');
    expect(motionProvenance({ source: 'prior' }).short).toBe('Built-in motion (not trained on this person yet)');
    // curve documents written before the expression verdict: the expression was the model's
    expect(motionProvenance({ source: 'facial-gan', generator: { implicit: { pose: 'model', blink: 'model' } } }).short).toBe('Motion learned from this person');
  });

  it('the persona panel explains the verdict in one sentence', () => {
    expect(motionVerdictSentence(verdict(0, false, false))).toBe('On 2 s of speech held out from training, what it learned did not beat the built-in motion, so the built-in mouth, head motion and blinks are used (longer footage helps).');
    expect(motionVerdictSentence(verdict(0.5, false, true))).toBe('Judged on 2 s of speech held out from training: the blinks are learned; the built-in mouth is refined by 50 % of what it learned; the built-in head motion is kept where learning did not beat it.');
    expect(motionVerdictSentence(verdict(1, true, true))).toBe('Judged on 2 s of speech held out from training: the mouth, head motion and blinks are learned.');
    const info = PersonaInfoPayload.parse({
      personaId: 'p', name: 'P', report: null, problems: [],
      gan: { training: { done: true, seconds: 420, bestStep: 10, step: 90 }, eval: null, verdict: verdict(0, false, false) },
      renderer: { training: null, eval: null },
    });
    expect(personaSummary(info).motion).toMatch(/^Trained: 90 steps in 7 min\. On 2 s of speech held out from training, what it learned did not beat the built-in motion/);
    // A model that corrects an earlier version of the built-in motion is not used, and the panel says so.
    const stale = PersonaInfoPayload.parse({ ...info, gan: { ...info.gan, verdict: null, stale: 'corrects version 1 of the built-in motion, and this FACIAL Studio\'s is version 2' } });
    expect(personaSummary(stale).motion).toMatch(/^Trained for an earlier version of the built-in motion, so the built-in motion is used until it is trained again/);
  });

  it('a re-voiced take is named for what it is, in project.json and in the take list', () => {
    const origin = motionOrigin('prior', { revoice: { persona: 'p', frames: 200 } });
    expect(origin).toBe('revoiced');
    expect(takeLabel([{ id: 'c1', personaId: 'p', mediaId: 'm', path: 'curves/c1.json', source: 'prior', origin, createdAt: 'x' }], 'c1')).toBe('Take 1 · re-voiced clip');
    expect(motionOrigin('prior', {})).toBe('built-in');
  });
});
