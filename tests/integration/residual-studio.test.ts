import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasSharedData, skipNoSharedData } from '../helpers/repo';
import { aocPersonaDir } from '../helpers/aoc-persona';
import { SYNTHESIS_EVAL_FILE, type SynthesisEval } from '../../src/engine/export';
import { chooseSynthesis } from '../../src/engine/export/export-video';
import { trainMouthCorrection, type MouthCorrectionResult } from '../../src/engine/export/residual-flow';
import { EVALUATION_PERSONA_DIR, loadPersona } from '../../src/engine/persona';
import { readResidualInfo, residualPath } from '../../src/engine/synthesis';
import type { Progress } from '../../src/engine/util/progress';

/**
 * The studio's "Train mouth correction" (job kind residual.train) on the AOC clip, with the
 * tiny network and a few steps: the evaluation persona, a residual trained on it, the
 * held-out check, and the persona's own residual only where the check says it wins; a
 * second run reuses the finished stages; a cancelled training leaves what was there.
 */
describe.skipIf(!hasSharedData)(`mouth correction as one studio run on the AOC clip${skipNoSharedData ? ` (${skipNoSharedData})` : ''}`, () => {
  let root: string;
  let persona: string;
  let first: MouthCorrectionResult;
  const stages: string[] = [];
  const fractions: number[] = [];
  const opts = { config: 'tiny' as const, steps: 10, maxEvalFrames: 20 };
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'facial-residual-studio-'));
    persona = path.join(root, 'aoc');
    await fs.cp(await aocPersonaDir(), persona, { recursive: true });
    first = await trainMouthCorrection(persona, {
      ...opts,
      onProgress: (p: Progress) => {
        if (stages[stages.length - 1] !== p.stage) stages.push(p.stage);
        fractions.push(p.fraction);
      },
    });
  }, 120_000);
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('runs as named stages with one monotone fraction, and trains the persona\'s own only if the held-out check says it wins', async () => {
    const expected = ['evaluationPersona', 'heldOutTraining', 'heldOutCheck', ...(first.evaluation.residualWins ? ['ownTraining'] : [])];
    expect(stages).toEqual(expected);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1] - 1e-9);
    expect(fractions[fractions.length - 1]).toBeCloseTo(1, 6);
    expect(first.heldOut).toMatchObject({ steps: 10, reused: false });
    expect(existsSync(residualPath(path.join(persona, EVALUATION_PERSONA_DIR), 'model'))).toBe(true);
    expect(first.evaluation.residual?.steps).toBe(10);
    const written = JSON.parse(await fs.readFile(path.join(persona, SYNTHESIS_EVAL_FILE), 'utf8')) as SynthesisEval;
    expect(written.residual?.identity).toBe((await readResidualInfo(path.join(persona, EVALUATION_PERSONA_DIR)))!.identity);
    if (first.evaluation.residualWins) {
      expect(first.own).toMatchObject({ steps: 10, reused: false });
      expect(first.applied).toBe(true);
    } else {
      // Stopped, and said why in plain words; nothing trained on the persona itself.
      expect(first.own).toBeUndefined();
      expect(first.applied).toBe(false);
      expect(first.message).toMatch(/^Stopped after the check on 20 frames it did not learn from: it does not beat your footage’s own mouths, so this persona’s own correction was not trained\. Measured on held-out frames: /);
      expect(first.verdict.code).toBe('loses');
      expect(existsSync(residualPath(persona, 'model'))).toBe(false);
    }
  });

  it('resumes: a second run reuses the finished stages; where the check says it wins, the persona\'s own is trained and the export applies it', async () => {
    // Whatever the tiny net measured, make the check a win to walk the rest of the run.
    const file = path.join(persona, SYNTHESIS_EVAL_FILE);
    const written = JSON.parse(await fs.readFile(file, 'utf8')) as SynthesisEval;
    await fs.writeFile(file, JSON.stringify({ ...written, residualWins: true }));
    const second = await trainMouthCorrection(persona, opts);
    expect(second.heldOut.reused).toBe(true);
    expect(second.evaluation.residualWins).toBe(true);
    expect(second.own?.steps).toBe(10);
    expect(second.own?.reused).toBe(first.evaluation.residualWins);
    expect(second).toMatchObject({ applied: true, verdict: { code: 'applied' } });
    expect(second.message).toMatch(/^Done: Applied to exports/);
    const notes: string[] = [];
    const choice = await chooseSynthesis(await loadPersona(persona), {}, notes);
    expect(choice.residual).toBeDefined();
    await choice.residual!.dispose();
  });

  it('a cancelled training is discarded cleanly: the models already there stay as they were', async () => {
    const evDir = path.join(persona, EVALUATION_PERSONA_DIR);
    const before = await fs.readFile(residualPath(evDir, 'info'), 'utf8');
    const ac = new AbortController();
    // Another budget: the held-out residual is trained again, and stopped at its first step.
    const run = trainMouthCorrection(persona, { ...opts, steps: 12, signal: ac.signal, onProgress: (p) => p.stage === 'heldOutTraining' && p.message?.startsWith('step ') && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    expect(await fs.readFile(residualPath(evDir, 'info'), 'utf8')).toBe(before);
    expect(existsSync(residualPath(persona, 'model'))).toBe(true);
  });

  it('says what is missing and what to do when the persona cannot use its footage', async () => {
    const meta = path.join(persona, 'persona.json');
    const m = JSON.parse(await fs.readFile(meta, 'utf8')) as { source: { file: string } };
    await fs.writeFile(meta, JSON.stringify({ ...m, source: { ...m.source, file: path.join(root, 'gone.mp4') } }));
    await expect(trainMouthCorrection(persona, opts)).rejects.toMatchObject({ code: 'residual-needs-footage', message: expect.stringMatching(/cannot be trained: its source video .*gone\.mp4 is gone/), hint: expect.stringMatching(/rebuild the persona/) });
  });
});
