import { PRIOR_VERSION } from '../../../src/engine/gan';
import { RESIDUAL_CONFIGS, residualIdentity } from '../../../src/engine/synthesis/residual-net';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiHost } from '../../../src/host/api-host';
import { updateProject } from '../../../src/host/project-store';

const range = (min: number, max: number) => ({ min, max, p5: min, p95: max });
const motion = { blinkPerMinute: 14, blinkCount: 3, blinkMeanMs: 180, rotationSpeedDegS: 4.2, rotationRangeDeg: 6, translationSpeedMmS: 3, translationRangeMm: 5, poseSpeed: [1, 2, 3, 4, 5, 6], poseRange: [1, 2, 3, 4, 5, 6] };
const column = (source: 'prior' | 'facial-gan', mouthCorr: number) => ({ ...motion, source, exprMse: 0.5, exprMseNorm: 0.1, mouthCorr, lipDistancePx: 2.5 });

/** Files as the engine writes them (extra fields included: the summary schemas ignore them). */
const files: Record<string, unknown> = {
  'report.json': {
    formatVersion: 1,
    tracking: { framesTotal: 200, framesTracked: 196, trackedPct: 98, bridgedFrames: 4, gaps: [] },
    fit: { reprojectionPx: { median: 1.25, p95: 3.5, mean: 1.6 }, stablePoints: 40 },
    blink: { count: 4, ratePerMin: 30, events: [] },
    pose: { pitchDeg: range(-3, 4), yawDeg: range(-10, 12), rollDeg: range(-2, 2), xMm: range(-5, 5), yMm: range(-4, 3), zMm: range(590, 620) },
    warnings: ['short clip: 8 s'],
  },
  'gan/training.json': { formatVersion: 1, points: [{ step: 100, g: 1, d: 1 }, { step: 200, g: 0.5, d: 1 }], bestVal: 0.2, bestStep: 150, evalsSinceBest: 1, seconds: 42, done: true, stopReason: 'early stop' },
  'gan/eval.json': { formatVersion: 1, createdAt: '2026-01-01T00:00:00Z', fps: 25, modelStep: 150, test: { start: 160, end: 200, frames: 40, seconds: 1.6 }, window: 16, truth: motion, fitLipDistancePx: 1.1, columns: { prior: column('prior', 0.2), model: column('facial-gan', 0.7) }, notes: [] },
  'renderer/renderer.json': { formatVersion: 1, steps: 3000, size: 256, trainSeconds: 600, updatedAt: '2026-01-02T00:00:00Z', losses: [] },
  'renderer/eval.json': { formatVersion: 1, createdAt: '2026-01-02T00:00:00Z', frames: 20, psnrDb: 27.5, ssim: 0.88, flicker: { generated: 2, real: 1.8, ratio: 1.11 }, baseline: { psnrDb: 20, ssim: 0.7 }, inferenceMsPerFrame: 9 },
};

describe('persona.info', () => {
  let tmp: string;
  let host: ApiHost;
  let dir: string;
  let personaDir: string;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'persona-info-'));
    process.env.FACIAL_STUDIO_HOME = path.join(tmp, 'home');
    host = new ApiHost({ mode: 'test', launcher: { entry: '/nonexistent' } });
    dir = (await host.call('project.create', { dir: path.join(tmp, 'p'), name: 'P' })).dir;
    personaDir = path.join(dir, 'personas', 'alice');
    mkdirSync(personaDir, { recursive: true });
    await updateProject(dir, (p) => ({ ...p, personas: [{ id: 'alice', name: 'Alice', path: 'personas/alice', sourceMediaId: 'm1', createdAt: '2026-01-01T00:00:00Z' }] }));
  });
  afterAll(async () => {
    await host.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('gives nulls for a persona not built or trained yet', async () => {
    const info = await host.call('persona.info', { projectDir: dir, personaId: 'alice' });
    expect(info).toEqual({ personaId: 'alice', name: 'Alice', report: null, gan: { training: null, eval: null, verdict: null, stale: null }, renderer: { training: null, eval: null }, synthesis: { fromFootage: false, why: 'the persona folder could not be read' }, residual: { trained: false, applied: false, code: 'not-trained', why: expect.stringMatching(/^Not trained: exports use your footage’s own mouths/) }, problems: [] });
  });

  it('summarises the report, the training state and both evaluations', async () => {
    for (const [rel, value] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(personaDir, rel)), { recursive: true });
      writeFileSync(path.join(personaDir, rel), JSON.stringify(value));
    }
    const info = await host.call('persona.info', { projectDir: dir, personaId: 'alice' });
    expect(info.problems).toEqual([]);
    expect(info.report).toEqual({
      tracking: { framesTotal: 200, framesTracked: 196, trackedPct: 98 },
      fit: { reprojectionPx: { median: 1.25, p95: 3.5 } },
      blink: { count: 4, ratePerMin: 30 },
      pose: expect.objectContaining({ yawDeg: { min: -10, max: 12 }, zMm: { min: 590, max: 620 } }),
      warnings: ['short clip: 8 s'],
    });
    expect(info.gan.training).toEqual({ done: true, stopReason: 'early stop', seconds: 42, bestStep: 150, step: 200 });
    expect(info.gan.eval?.columns.model?.mouthCorr).toBe(0.7);
    expect(info.gan.eval?.columns.prior.source).toBe('prior');
    expect(info.gan.eval?.truth.blinkPerMinute).toBe(14);
    expect(info.renderer.training).toEqual({ steps: 3000, size: 256, trainSeconds: 600, updatedAt: '2026-01-02T00:00:00Z' });
    expect(info.renderer.eval).toEqual({ createdAt: '2026-01-02T00:00:00Z', frames: 20, psnrDb: 27.5, ssim: 0.88, flicker: { generated: 2, real: 1.8, ratio: 1.11 }, baseline: { psnrDb: 20, ssim: 0.7 } });
  });

  it('says when the trained motion model corrects an earlier version of the built-in motion (and shows no verdict for it)', async () => {
    const verdict = { frames: { start: 150, end: 200, seconds: 2 }, pose: { learned: true, speedRatio: 1 }, blinks: { learned: false, modelPerMinute: 0, truthPerMinute: 12 } };
    const modelFile = path.join(personaDir, 'gan', 'model.json');
    mkdirSync(path.dirname(modelFile), { recursive: true });
    writeFileSync(modelFile, JSON.stringify({ kind: 'facial-gan', target: 'residual-expression', implicit: verdict }));
    const old = await host.call('persona.info', { projectDir: dir, personaId: 'alice' });
    expect(old.gan.stale).toMatch(/corrects version 1 of the built-in motion/);
    expect(old.gan.verdict).toBeNull();
    writeFileSync(modelFile, JSON.stringify({ kind: 'facial-gan', target: 'residual-expression', priorVersion: PRIOR_VERSION, implicit: verdict }));
    const current = await host.call('persona.info', { projectDir: dir, personaId: 'alice' });
    expect(current.gan.stale).toBeNull();
    expect(current.gan.verdict?.pose.learned).toBe(true);
    rmSync(modelFile);
  });

  it('says whether the mouth correction is trained, whether exports apply it, and why not, in plain words', async () => {
    const identity = residualIdentity(RESIDUAL_CONFIGS.draft);
    const info = { formatVersion: 1, identity, personaId: 'alice', config: RESIDUAL_CONFIGS.draft, steps: 1200, trainSeconds: 260, trainFrames: [0, 200], exclude: 8, loss: { first: 0.3, last: 0.2 }, provider: 'cpu', createdAt: '2026-01-03T00:00:00Z' };
    const real = { psnrDb: 18.5, ssim: 0.662, sharpness: 1.1 };
    const evalFile = path.join(personaDir, 'synthesis', 'eval.json');
    mkdirSync(path.join(personaDir, 'residual'), { recursive: true });
    mkdirSync(path.dirname(evalFile), { recursive: true });
    writeFileSync(path.join(personaDir, 'residual', 'residual.json'), JSON.stringify(info));
    const writeEval = (residual: object, residualWins: boolean) => writeFileSync(evalFile, JSON.stringify({ formatVersion: 2, retrieval: real, residual: { ...residual, steps: 1200, trainSeconds: 250, identity }, residualWins, frames: 80 }));
    // +1.1 dB but blurrier than 0.8x: not applied, and the panel says which bar it missed.
    writeEval({ psnrDb: 19.6, ssim: 0.67, sharpness: 0.77 }, false);
    let r = (await host.call('persona.info', { projectDir: dir, personaId: 'alice' })).residual!;
    expect(r).toMatchObject({ trained: true, steps: 1200, applied: false, code: 'loses' });
    expect(r.why).toMatch(/^Measured on held-out frames: \+1\.1 dB, SSIM \+0\.008 and 0\.70x the sharpness .* blurrier than 0\.8x the real mouths, so not applied/);
    expect(r.heldOut?.residual).toEqual({ psnrDb: 19.6, ssim: 0.67, sharpness: 0.77, steps: 1200 });
    // It wins, but the persona's own was trained for another network.
    writeEval({ psnrDb: 19.6, ssim: 0.67, sharpness: 1.05 }, true);
    writeFileSync(path.join(personaDir, 'residual', 'residual.json'), JSON.stringify({ ...info, identity: residualIdentity(RESIDUAL_CONFIGS.tiny), config: RESIDUAL_CONFIGS.tiny }));
    r = (await host.call('persona.info', { projectDir: dir, personaId: 'alice' })).residual!;
    expect(r).toMatchObject({ applied: false, code: 'other-configuration' });
    expect(r.why).toMatch(/trained for another configuration \(tiny\)/);
    // The same network: applied — but only where the export can use the footage at all (this folder has none).
    writeFileSync(path.join(personaDir, 'residual', 'residual.json'), JSON.stringify(info));
    r = (await host.call('persona.info', { projectDir: dir, personaId: 'alice' })).residual!;
    expect(r).toMatchObject({ trained: true, code: 'applied', applied: false });
    expect(r.why).toMatch(/^Not applied: exports cannot use the footage/);
    rmSync(path.join(personaDir, 'residual'), { recursive: true });
    rmSync(path.dirname(evalFile), { recursive: true });
  });

  it('reports damaged or unexpected files by name and still returns the rest', async () => {
    writeFileSync(path.join(personaDir, 'gan/eval.json'), '{"formatVersion":');
    writeFileSync(path.join(personaDir, 'renderer/eval.json'), JSON.stringify({ psnrDb: 'high' }));
    const info = await host.call('persona.info', { projectDir: dir, personaId: 'alice' });
    expect(info.gan.eval).toBeNull();
    expect(info.renderer.eval).toBeNull();
    expect(info.report?.tracking.trackedPct).toBe(98);
    expect(info.problems).toEqual([
      { file: path.join(personaDir, 'gan/eval.json'), message: 'is damaged: it is not valid JSON' },
      { file: path.join(personaDir, 'renderer/eval.json'), message: expect.stringMatching(/^does not have the expected content \(createdAt: /) },
    ]);
    await expect(host.call('persona.info', { projectDir: dir, personaId: 'bob' })).rejects.toMatchObject({ code: 'persona-not-found' });
  });
});
