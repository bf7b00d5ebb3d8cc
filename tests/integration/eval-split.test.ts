import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasSharedData, skipNoSharedData } from '../helpers/repo';
import { aocPersonaDir } from '../helpers/aoc-persona';
import { evaluateSynthesis, SYNTHESIS_EVAL_FILE, type SynthesisEval } from '../../src/engine/export';
import { EVALUATION_PERSONA_DIR, loadPersona, loadPersonaReport, loadSecondReading } from '../../src/engine/persona';
import { evaluateGan } from '../../src/engine/gan';
import { PARAM_COUNT } from '../../src/shared/facial-params';

/**
 * Issue 11, "no test frames in the persona", on the AOC clip: `eval --synthesis` builds
 * the evaluation persona (the same clip and tracking, everything fitted on frames 0-119
 * only) and measures the held-out frames 120-199 on it: real pixels, the training-free
 * baseline, and says which frames everything was fitted on.
 */
describe.skipIf(!hasSharedData)(`held-out evaluation on an evaluation persona, AOC clip${skipNoSharedData ? ` (${skipNoSharedData})` : ''}`, () => {
  let root: string;
  let persona: string;
  let first: SynthesisEval;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'facial-evalsplit-it-'));
    persona = path.join(root, 'aoc');
    // A private copy: the evaluation persona is written inside the persona folder.
    await fs.cp(await aocPersonaDir(), persona, { recursive: true });
    first = await evaluateSynthesis(persona, { maxFrames: 30 });
  });
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('fits the evaluation persona on the frames before the test part only, and expresses the test frames in it', async () => {
    const own = await loadPersona(persona);
    const evDir = path.join(persona, EVALUATION_PERSONA_DIR);
    const ev = await loadPersona(evDir);
    expect(ev.meta.fit).toMatchObject({ frames: [0, 120], evaluationOf: own.meta.id });
    expect(ev.frameCount).toBe(own.frameCount);
    // Refitted (not a copy): its calibration and model differ from the whole-clip fit's, slightly.
    expect(ev.meta.blink).not.toEqual(own.meta.blink);
    let maxDiff = 0;
    for (let i = 0; i < ev.model.neutral.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ev.model.neutral[i] - own.model.neutral[i]));
    expect(maxDiff).toBeGreaterThan(1e-4);
    expect(maxDiff).toBeLessThan(3);
    // The clip's track was reused, not tracked again: the same raw landmarks, no tracking time.
    const report = await loadPersonaReport(evDir);
    const ownReport = await loadPersonaReport(persona);
    expect(report.jitter.rawPx).toBe(ownReport.jitter.rawPx);
    expect(report.stageSeconds.trackerInit).toBeUndefined();
    expect(report.stageSeconds.track).toBeLessThan(1);
    // With its second reading (persona/second-reading.ts): the donors it plans with are checked as the export's are.
    expect(report.stageSeconds.secondReading).toBeUndefined();
    expect(await loadSecondReading(evDir, ev.frameCount)).toEqual(await loadSecondReading(persona, own.frameCount));
    expect(await loadSecondReading(evDir, ev.frameCount)).toBeDefined();
    // The texture came from fitted frames only.
    expect(report.texture.frames.length).toBeGreaterThan(0);
    for (const t of report.texture.frames) expect(t).toBeLessThan(120);
    // The held-out frames' head pose, tracked and expressed in the evaluation persona, agrees with the whole-clip fit's (within 1.5°).
    for (let t = 120; t < 200; t++) {
      for (let c = 0; c < 3; c++) expect(Math.abs(ev.params[t * PARAM_COUNT + c] - own.params[t * PARAM_COUNT + c]) * 180 / Math.PI).toBeLessThan(1.5);
    }
  });

  it('measures the held-out frames on it and says which frames everything was fitted on', async () => {
    expect(first.evaluationPersona).toMatchObject({ dir: EVALUATION_PERSONA_DIR, fittedFrames: [0, 120] });
    expect(first.testRange).toEqual([120, 150]);
    expect(first.donorRange).toEqual([0, 100]);
    for (const m of [first.retrieval, first.baseline]) {
      expect(m.psnrDb).toBeGreaterThan(12);
      expect(m.ssim).toBeGreaterThan(0.3);
      // The core, replaced entirely by both, is harder than the lip box, part of which each may leave real.
      expect(m.core!.psnrDb).toBeGreaterThan(10);
      expect(m.core!.psnrDb).toBeLessThan(m.psnrDb);
    }
    // Real pixels stay near the footage's sharpness (1.02x over all 80 test frames; less over these 30).
    expect(first.retrieval.sharpness).toBeGreaterThan(0.6);
    expect(first.notes.join(' ')).toMatch(/fitted on frames 0-119/);
    const written = JSON.parse(await fs.readFile(path.join(persona, SYNTHESIS_EVAL_FILE), 'utf8')) as SynthesisEval;
    expect(written).toMatchObject({ formatVersion: 2, retrieval: first.retrieval, baseline: first.baseline });
  });

  it('reuses the evaluation persona; measured on the persona itself, the figures are labelled optimistic and not written', async () => {
    const meta = (await loadPersona(path.join(persona, EVALUATION_PERSONA_DIR))).meta;
    const again = await evaluateSynthesis(persona, { maxFrames: 5 });
    expect((await loadPersona(path.join(persona, EVALUATION_PERSONA_DIR))).meta.id).toBe(meta.id);
    expect(again.testRange).toEqual([120, 125]);
    const own = await evaluateSynthesis(persona, { maxFrames: 5, onPersonaItself: true });
    expect(own.evaluationPersona.fittedFrames).toEqual([0, 200]);
    expect(own.notes.join(' ')).toMatch(/optimistic/);
    const written = JSON.parse(await fs.readFile(path.join(persona, SYNTHESIS_EVAL_FILE), 'utf8')) as SynthesisEval;
    expect(written.createdAt).toBe(again.createdAt);
  });

  it('FACIAL-GAN\'s eval says which frames the persona was fitted on, and warns when they include its test part', async () => {
    const own = await evaluateGan(persona, { write: false });
    expect(own.fittedFrames).toEqual([0, 200]);
    expect(own.notes.join(' ')).toMatch(/optimistic/);
    const clean = await evaluateGan(path.join(persona, EVALUATION_PERSONA_DIR), { write: false });
    expect(clean.fittedFrames).toEqual([0, 120]);
    expect(clean.test).toMatchObject({ start: 120, end: 200 });
    expect(clean.notes.join(' ')).not.toMatch(/optimistic/);
  });
});
