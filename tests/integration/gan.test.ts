import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, unlinkSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  trainGan, generateCurves, writeCurves, evaluateGan, formatEvalTable, readGanModelInfo, loadGanPersona, seamFrames, frameSteps, blinkStats, poseStats,
  ganPath, modelOpening, pretrainGanBase, type TrainGanResult, type LossPoint,
} from '../../src/engine/gan';
import { ffmpegPath } from '../../src/engine/media/ffmpeg';
import { pearson } from '../../src/engine/common/numeric';
import { parseCurveDocument, evaluateAll } from '../../src/engine/common/curves';
import { readNpyFloat32, writeNpy } from '../../src/engine/io/npy';
import { frameCountFor, BUILTIN_ENCODER_IDENTITY } from '../../src/engine/audio';
import { UserError } from '../../src/engine/util/errors';
import { PARAM_COUNT } from '../../src/shared/facial-params';
import { hasSharedData, sharedData, skipNoSharedData } from '../helpers/repo';
import { aocPersonaDir, OBAMA_WAV } from '../helpers/aoc-persona';
import { writeWavFloat, sine } from '../helpers/audio-fixtures';
import { createProject, importMedia, readProject, updateProject } from '../../src/host/project-store';
import { JOB_KINDS } from '../../src/host/job-kinds';
import { motionOrigin } from '../../src/shared/motion-origin';
import { JobRequest } from '../../src/shared/contract';

if (!hasSharedData) console.log(`FACIAL-GAN integration: ${skipNoSharedData}`);

const REFERENCE = path.join(sharedData, 'obama2_facial_output_731x71.npy');
const STEPS = 24;

/** Blink and head-motion statistics of a [T, 71] array in scale-free units (the reference's units differ from ours). */
function motionStats(a: Float32Array, fps: number, blinkThreshold: number) {
  const T = a.length / PARAM_COUNT;
  const blink = Array.from({ length: T }, (_, t) => a[t * PARAM_COUNT + 6]);
  const b = blinkStats(blink, fps, { threshold: blinkThreshold });
  const p = poseStats(a, fps);
  return { blinkPerMin: b.perMinute, blinkMs: b.meanDurationMs, blinks: b.count, normSpeed: p.map((s) => s.normSpeed), normRange: p.map((s) => s.normRange) };
}

describe.skipIf(!hasSharedData)('FACIAL-GAN on the AOC persona', () => {
  let root: string;
  let dir: string;
  let trained: TrainGanResult;
  const progressPoints: LossPoint[] = [];

  beforeAll(async () => {
    const cached = await aocPersonaDir();
    root = mkdtempSync(path.join(os.tmpdir(), 'gan-it-'));
    dir = path.join(root, 'aoc');
    // A copy: training writes gan/ into the persona, and the cached persona is shared with other test files.
    cpSync(cached, dir, { recursive: true, filter: (src) => !path.relative(cached, src).startsWith('gan') });
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('without a trained model, generates the zero-training prior for obama2.wav: 24.4 s, blinks, natural head motion', async () => {
    const fps = (await loadGanPersona(dir)).fps;
    const c = await generateCurves(dir, OBAMA_WAV, { seed: 1 });
    expect(c.source).toBe('prior');
    expect(c.frameCount).toBe(frameCountFor(389724, fps)); // 609 frames at 25 fps
    expect(Math.abs(c.frameCount / fps - 24.36)).toBeLessThan(1 / fps + 1e-9);
    const out = path.join(root, 'prior.json');
    await writeCurves(out, c);
    const doc = parseCurveDocument(readFileSync(out, 'utf8'), out);
    expect(doc.source).toBe('prior');
    expect(doc.frameCount).toBe(c.frameCount);
    expect(doc.edits.blinks.length).toBeGreaterThanOrEqual(2); // blinks became editable events

    const curves = evaluateAll(doc);
    const ours = motionStats(curves, fps, 0.5);
    const ref = await readNpyFloat32(REFERENCE);
    // The reference's blink is OpenFace AU45 (0..5): present at >= 1.
    const theirs = motionStats(ref.data, 30, 1);
    expect(theirs.blinks).toBe(2);
    // Blinks: a human rate (the reference: 4.9 per minute; people: 10-25), durations of the same order as the reference's.
    expectNaturalMotion(ours, theirs);
    for (let ch = 0; ch < 6; ch++) {
      expect(ours.normRange[ch]).toBeGreaterThan(2);
      expect(ours.normRange[ch]).toBeLessThan(5);
    }
    console.log(`prior on obama2: ${ours.blinks} blinks (${ours.blinkPerMin.toFixed(1)}/min, ${ours.blinkMs.toFixed(0)} ms) vs reference ${theirs.blinks} (${theirs.blinkPerMin.toFixed(1)}/min, ${theirs.blinkMs.toFixed(0)} ms); ` +
      `pose speed ${ours.normSpeed.map((v) => v.toFixed(2)).join(' ')} std/s vs reference ${theirs.normSpeed.map((v) => v.toFixed(2)).join(' ')}`);
  });

  it('refuses to train without audio, and on a clip too short for its window, saying what to do', async () => {
    const silent = path.join(root, 'silent');
    cpSync(dir, silent, { recursive: true });
    const meta = JSON.parse(readFileSync(path.join(silent, 'persona.json'), 'utf8'));
    writeFileSync(path.join(silent, 'persona.json'), JSON.stringify({ ...meta, hasAudio: false, canTrainGan: false, audio: undefined }));
    unlinkSync(path.join(silent, 'features.npy'));
    unlinkSync(path.join(silent, 'activity.npy'));
    await expect(trainGan(silent, { steps: 1 })).rejects.toMatchObject({ code: 'gan-no-audio' });
    const err = await trainGan(silent, { steps: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).hint).toMatch(/prior/);
    await expect(evaluateGan(silent)).rejects.toMatchObject({ code: 'gan-no-audio' });
    // 200 frames: the training part (100) holds no window of 128.
    await expect(trainGan(dir, { steps: 1, windowLength: 128 })).rejects.toMatchObject({ code: 'gan-clip-too-short' });
    await expect(trainGan(dir, { steps: 1, windowLength: 50 })).rejects.toMatchObject({ code: 'gan-window' });
    expect(existsSync(ganPath(dir, 'info'))).toBe(false);
  });

  it(`trains ${STEPS} steps on CPU (window 64): the loss falls, the best model and a checkpoint are saved`, async () => {
    trained = await trainGan(dir, {
      steps: STEPS,
      batchSize: 8,
      evalEvery: 6,
      device: 'cpu',
      onProgress: (p) => {
        const l = p.data?.losses as LossPoint | undefined;
        if (l) progressPoints.push(l);
      },
    });
    console.log(`trained ${trained.steps} steps, window ${trained.window}, ${trained.secondsPerStep.toFixed(2)} s/step; G ${trained.points[0].g.toFixed(3)} -> ${trained.points[trained.points.length - 1].g.toFixed(3)}, best val ${trained.bestVal.toFixed(4)} at ${trained.bestStep}`);
    expect(trained.window).toBe(64);
    expect(trained.steps).toBe(STEPS);
    expect(progressPoints.map((p) => p.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(progressPoints.filter((p) => p.val !== undefined).map((p) => p.step)).toEqual([6, 12, 18, 24]);
    const g = trained.points.map((p) => p.g);
    const head = g.slice(0, 4).reduce((a, b) => a + b, 0) / 4;
    const tail = g.slice(-4).reduce((a, b) => a + b, 0) / 4;
    expect(tail).toBeLessThan(0.9 * head);
    for (const f of Object.values(trained.files)) expect(existsSync(f)).toBe(true);
    const info = await readGanModelInfo(dir, await loadGanPersona(dir));
    expect(info?.arch.window).toBe(64);
    expect(info?.training.step).toBe(trained.bestStep);
  });

  it('resumes from its checkpoint', async () => {
    const r = await trainGan(dir, { steps: STEPS + 2, batchSize: 8, evalEvery: 6 });
    expect(r.resumedFrom).toBe(STEPS);
    expect(r.stepsThisRun).toBe(2);
    expect(r.points).toHaveLength(STEPS + 2);
  });

  it('a cancelled run keeps a checkpoint at the step it reached (a later run resumes from it)', async () => {
    const ac = new AbortController();
    const err = await trainGan(dir, {
      steps: STEPS + 10, batchSize: 8, evalEvery: 6, signal: ac.signal,
      onProgress: (p) => {
        if ((p.data?.losses as LossPoint | undefined)?.step === STEPS + 3) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('CancelledError');
    const log = JSON.parse(readFileSync(ganPath(dir, 'training'), 'utf8'));
    expect(log.points).toHaveLength(STEPS + 3);
    expect(log.done).toBe(false);
  });

  it('eval compares the trained model and the prior on the held-out test part', async () => {
    const r = await evaluateGan(dir);
    console.log(formatEvalTable(r));
    expect(r.test).toMatchObject({ start: 120, end: 200, frames: 80 });
    expect(r.columns.model).not.toBeNull();
    for (const col of [r.columns.model!, r.columns.prior]) {
      for (const k of ['exprMse', 'mouthCorr', 'lipDistancePx', 'blinkPerMinute', 'rotationSpeedDegS', 'rotationRangeDeg', 'translationSpeedMmS', 'translationRangeMm'] as const) {
        expect(Number.isFinite(col[k])).toBe(true);
      }
      expect(col.lipDistancePx).toBeGreaterThan(r.fitLipDistancePx);
    }
    expect(r.truth.blinkCount).toBeGreaterThan(0);
    const saved = JSON.parse(readFileSync(ganPath(dir, 'eval'), 'utf8'));
    expect(saved.columns.prior.source).toBe('prior');
    expect(saved.columns.model.source).toBe('facial-gan');
    expect(r.columns.generated).not.toBeNull();
    expect(r.implicit).not.toBeNull();
    const w = r.implicit!.expression!.weight;
    expect(r.columns.generated!.implicit).toEqual({ pose: r.implicit!.pose.learned ? 'model' : 'prior', blink: r.implicit!.blinks.learned ? 'model' : 'prior', expression: w });
    // the default expression is the prior refined by the model's correction at the verdict's weight
    if (w === 0) expect(r.columns.generated!.exprMse).toBe(r.columns.prior.exprMse);
    if (w === 1) expect(r.columns.generated!.exprMse).toBe(r.columns.model!.exprMse);
    // issue 12: the default output's held-out mouth-opening r is at least the prior's (the verdict keeps the prior unless the model beats it)
    console.log(`held-out mouth-opening r: raw model ${r.columns.model!.mouthCorr.toFixed(3)}, default ${r.columns.generated!.mouthCorr.toFixed(3)} (expression weight ${w}), prior ${r.columns.prior.mouthCorr.toFixed(3)}`);
    expect(r.columns.generated!.mouthCorr).toBeGreaterThanOrEqual(r.columns.prior.mouthCorr - 0.02);
    expect(formatEvalTable(r)).toMatch(/expression \(mouth\): the (model|prior)/);
    expect(saved.columns.generated.implicit).toEqual(r.columns.generated!.implicit);
  });

  it('generates obama2.wav with the trained model: 24.4 s of curves, no jump at window seams', async () => {
    const persona = await loadGanPersona(dir);
    const info = (await readGanModelInfo(dir, persona))!;
    // the model's own channels: the seams are the model's
    const c = await generateCurves(dir, OBAMA_WAV, { implicit: 'model' });
    expect(c.source).toBe('facial-gan');
    expect(c.implicit).toMatchObject({ pose: 'model', blink: 'model' });
    expect(c.window).toBe(64);
    expect(c.frameCount).toBe(609);
    expect(c.base.every(Number.isFinite)).toBe(true);
    // Seams in network units (pose z-scores, scaled expression): steps at seams no larger than elsewhere.
    const T = c.frameCount;
    const norm = new Float32Array(c.base.length);
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < 6; k++) norm[t * 71 + k] = (c.base[t * 71 + k] - info.norm.poseMean[k]) / info.norm.poseStd[k];
      norm[t * 71 + 6] = c.base[t * 71 + 6];
      for (let k = 0; k < 64; k++) norm[t * 71 + 7 + k] = (c.base[t * 71 + 7 + k] - info.norm.exprMean[k]) / info.norm.exprScale;
    }
    const steps = frameSteps(norm, 71, Array.from({ length: 71 }, (_, i) => i));
    const seams = seamFrames(T, 64);
    expect(seams.length).toBe(9);
    // the step into each seam frame and the step out of it
    const atSeams = seams.flatMap((f) => [steps[f - 1], steps[f]]);
    const near = new Set(seams.flatMap((f) => [f - 1, f]));
    const elsewhere = Array.from(steps).filter((_, i) => !near.has(i)).sort((a, b) => a - b);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const p99 = elsewhere[Math.floor(0.99 * (elsewhere.length - 1))];
    console.log(`seams: mean step ${mean(atSeams).toExponential(2)} vs ${mean(elsewhere).toExponential(2)} elsewhere (p99 ${p99.toExponential(2)})`);
    // A model trained for a few steps barely moves (steps of ~1e-4): VISIBLE is a step far below
    // what an eye notices (0.2 % of a pose standard deviation per frame), so only real jumps count.
    const VISIBLE = 2e-3;
    expect(mean(atSeams)).toBeLessThanOrEqual(1.5 * mean(elsewhere) + VISIBLE);
    for (const s of atSeams) expect(s).toBeLessThanOrEqual(p99 + VISIBLE);
  });

  it('in auto mode, takes from the prior the blinks and head pose the model did not learn: obama2 curves with human blinks and head speed', async () => {
    const persona = await loadGanPersona(dir);
    const info = (await readGanModelInfo(dir, persona))!;
    const v = info.implicit!;
    expect(v).toBeDefined();
    expect(v.frames).toMatchObject({ start: 150, end: 200 }); // the last quarter: 2 s held out
    expect(v.expression).toBeDefined();
    console.log(`implicit verdict on AOC held-out frames: expression weight ${v.expression!.weight} (${v.expression!.reason}); blinks ${v.blinks.learned ? 'learnt' : 'not learnt'} (${v.blinks.modelCount} vs ${v.blinks.truthCount}: ${v.blinks.reason}); pose ${v.pose.learned ? 'learnt' : 'not learnt'} (ratio ${v.pose.speedRatio.toFixed(2)}, channels ${v.pose.channelRatios.map((r) => r.toFixed(2)).join(' ')})`);
    const c = await generateCurves(dir, OBAMA_WAV, { seed: 1 });
    expect(c.source).toBe('facial-gan');
    expect(c.implicit).toMatchObject({ pose: v.pose.learned ? 'model' : 'prior', blink: v.blinks.learned ? 'model' : 'prior', expression: v.expression!.weight });
    const raw = await generateCurves(dir, OBAMA_WAV, { implicit: 'model' });
    const prior = await generateCurves(dir, OBAMA_WAV, { seed: 1, prior: true });
    const w = v.expression!.weight;
    for (let t = 0; t < c.frameCount; t++) {
      // expression: the prior refined by the model's correction
      for (let k = 7; k < 71; k++) expect(c.base[t * 71 + k]).toBeCloseTo(prior.base[t * 71 + k] + w * (raw.base[t * 71 + k] - prior.base[t * 71 + k]), 3);
      for (let k = 0; k < 6; k++) expect(c.base[t * 71 + k]).toBe((c.implicit!.pose === 'prior' ? prior : raw).base[t * 71 + k]);
      expect(c.base[t * 71 + 6]).toBe((c.implicit!.blink === 'prior' ? prior : raw).base[t * 71 + 6]);
    }
    const out = path.join(root, 'auto.json');
    await writeCurves(out, c);
    const doc = parseCurveDocument(readFileSync(out, 'utf8'), out);
    expect(doc.source).toBe('facial-gan');
    expect(doc.generator?.implicit).toMatchObject({ expression: w === 0 ? 'prior' : w === 1 ? 'model' : 'refined', expressionWeight: w });
    if (c.implicit!.pose === 'prior' || c.implicit!.blink === 'prior' || w < 1) {
      expect(String(doc.generator?.note)).toMatch(/the model did not learn them (fully )?from this persona's clip \(held-out frames: /);
      expect(c.note).toBe(doc.generator?.note);
    }
    const ours = motionStats(evaluateAll(doc), persona.fps, 0.5);
    const theirs = motionStats((await readNpyFloat32(REFERENCE)).data, 30, 1);
    const rawStats = motionStats(raw.base, persona.fps, 0.5);
    // the same ranges as asserted for the prior
    expect(ours.blinks).toBeGreaterThanOrEqual(2);
    expect(doc.edits.blinks.length).toBeGreaterThanOrEqual(2);
    expectNaturalMotion(ours, theirs);
    const speedOf = (a: Float32Array, fps: number) => poseStats(a, fps).map((s) => s.speed);
    console.log(`obama2, generated (auto: pose ${c.implicit!.pose}, blinks ${c.implicit!.blink}): ${ours.blinks} blinks (${ours.blinkPerMin.toFixed(1)}/min, ${ours.blinkMs.toFixed(0)} ms), pose speed ${ours.normSpeed.map((x) => x.toFixed(2)).join(' ')} std/s, abs ${speedOf(c.base, persona.fps).map((x) => x.toFixed(4)).join(' ')}; ` +
      `raw model: ${rawStats.blinks} blinks (${rawStats.blinkPerMin.toFixed(1)}/min), pose speed ${rawStats.normSpeed.map((x) => x.toFixed(2)).join(' ')} std/s, abs ${speedOf(raw.base, persona.fps).map((x) => x.toFixed(4)).join(' ')}; ` +
      `reference: ${theirs.blinks} blinks (${theirs.blinkPerMin.toFixed(1)}/min, ${theirs.blinkMs.toFixed(0)} ms), pose speed ${theirs.normSpeed.map((x) => x.toFixed(2)).join(' ')} std/s; note: ${c.note ?? '-'}`);
    // forced modes
    const forced = await generateCurves(dir, OBAMA_WAV, { seed: 1, implicit: 'prior' });
    expect(forced.implicit).toMatchObject({ pose: 'prior', blink: 'prior' });
    for (let t = 0; t < c.frameCount; t++) for (let k = 0; k < 7; k++) expect(forced.base[t * 71 + k]).toBe(prior.base[t * 71 + k]);
  });

  it('the same sentence in another voice (+3 semitones, 10 % slower) gives the same mouth: r >= 0.8 after aligning time', async () => {
    // The voice-over in another voice: pitch raised 3 semitones (asetrate), then slowed so the copy lasts 10 % longer (atempo).
    const other = path.join(root, 'obama2-other-voice.wav');
    const f = 2 ** (3 / 12);
    execFileSync(ffmpegPath(), ['-y', '-v', 'error', '-i', OBAMA_WAV, '-af', `asetrate=16000*${f},aresample=16000,atempo=${1 / (1.1 * f)}`, other]);
    const persona = await loadGanPersona(dir);
    const rs: Record<string, number> = {};
    for (const [name, opts] of [['prior', { prior: true }], ['default', {}], ['raw model', { implicit: 'model' as const }]] as const) {
      const a = modelOpening(persona, (await generateCurves(dir, OBAMA_WAV, { seed: 1, ...opts })).base);
      const b = modelOpening(persona, (await generateCurves(dir, other, { seed: 1, ...opts })).base);
      expect(b.length / a.length).toBeCloseTo(1.1, 1);
      // frame t of the original is frame t * (Tb / Ta) of the slower copy
      const aligned = Float32Array.from(a, (_, t) => {
        const x = Math.min(b.length - 1, (t * b.length) / a.length);
        const i = Math.floor(x);
        return b[i] + (b[Math.min(b.length - 1, i + 1)] - b[i]) * (x - i);
      });
      rs[name] = pearson(a, aligned);
    }
    console.log(`mouth opening, obama2 vs +3 semitones / 10 % slower: r ${Object.entries(rs).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
    expect(rs.prior).toBeGreaterThanOrEqual(0.8);
    expect(rs.default).toBeGreaterThanOrEqual(0.8);
  });

  it('pretrains a base model on several personas and fine-tunes a persona from it (lr 1e-5); refuses a base of another window', async () => {
    const a = path.join(root, 'base-a');
    const b = path.join(root, 'base-b');
    for (const d of [a, b]) cpSync(dir, d, { recursive: true, filter: (src) => !path.relative(dir, src).startsWith('gan') });
    const base = path.join(root, 'base-model');
    const r = await pretrainGanBase([a, b], base, { steps: 4, evalEvery: 2, batchSize: 4 });
    expect(r).toMatchObject({ window: 64, steps: 4 });
    const info = JSON.parse(readFileSync(path.join(base, 'model.json'), 'utf8'));
    expect(info).toMatchObject({ kind: 'facial-gan-base', target: 'residual-expression', encoder: BUILTIN_ENCODER_IDENTITY, arch: { window: 64, width: 1 } });
    expect(info.personas).toHaveLength(2);
    expect(existsSync(path.join(a, 'gan'))).toBe(false); // pretraining writes nothing into the personas
    const lines: string[] = [];
    const t = await trainGan(a, { steps: 2, evalEvery: 2, batchSize: 4, init: base, log: (l) => lines.push(l) });
    expect(t.steps).toBe(2);
    expect(lines.some((l) => /^fine-tuning from the base model in .* learning rate 0\.00001$/.test(l))).toBe(true);
    const saved = JSON.parse(readFileSync(ganPath(a, 'info'), 'utf8'));
    expect(saved.training).toMatchObject({ lr: 1e-5, init: path.resolve(base) });
    await expect(trainGan(b, { steps: 1, windowLength: 32, init: base })).rejects.toMatchObject({ code: 'gan-init-mismatch' });
    await expect(pretrainGanBase([a], base)).rejects.toMatchObject({ code: 'gan-pretrain-personas' });
  });

  it('audio shorter than one window still generates (both sources)', async () => {
    const wav = path.join(root, 'short.wav');
    writeWavFloat(wav, sine(220, 0.5, 0.3));
    for (const prior of [false, true]) {
      const c = await generateCurves(dir, wav, { prior });
      expect(c.source).toBe(prior ? 'prior' : 'facial-gan');
      expect(c.frameCount).toBe(frameCountFor(8000, 25)); // 0.5 s at 25 fps: 12 or 13 frames, fewer than one window
      expect(c.frameCount).toBeLessThan(32);
      expect(c.base.length).toBe(c.frameCount * 71);
      expect(c.base.every(Number.isFinite)).toBe(true);
    }
  });

  it('refuses a model trained on another persona, or of another format version', async () => {
    const other = path.join(root, 'other');
    cpSync(dir, other, { recursive: true });
    const metaFile = path.join(other, 'persona.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    writeFileSync(metaFile, JSON.stringify({ ...meta, id: 'someone-else' }));
    await expect(generateCurves(other, OBAMA_WAV)).rejects.toMatchObject({ code: 'gan-other-persona' });
    await expect(evaluateGan(other)).rejects.toMatchObject({ code: 'gan-other-persona' });
    await expect(trainGan(other, { steps: STEPS + 3 })).rejects.toMatchObject({ code: 'gan-other-persona' });
    // the prior still works for it
    expect((await generateCurves(other, OBAMA_WAV, { prior: true })).source).toBe('prior');

    writeFileSync(metaFile, JSON.stringify(meta));
    const infoFile = ganPath(other, 'info');
    const info = JSON.parse(readFileSync(infoFile, 'utf8'));
    writeFileSync(infoFile, JSON.stringify({ ...info, formatVersion: 99 }));
    const err = await generateCurves(other, OBAMA_WAV).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('gan-version');
    expect((err as UserError).file).toBe(infoFile);

    // A correction learnt for an earlier version of the prior is not added to this one: the prior alone, saying why.
    const { priorVersion: _v, ...v1 } = info;
    writeFileSync(infoFile, JSON.stringify(v1));
    const stale = await generateCurves(other, OBAMA_WAV);
    expect(stale.source).toBe('prior');
    expect(stale.note).toMatch(/corrects version 1 of the built-in motion.*train it again/);
    await expect(generateCurves(other, OBAMA_WAV, { requireModel: true })).rejects.toMatchObject({ code: 'gan-prior-changed' });
  });

  it('reads a model saved under the old file names (encoder.onnx, decoder.onnx); refuses features of another audio encoder', async () => {
    const old = path.join(root, 'old-names');
    cpSync(dir, old, { recursive: true });
    renameSync(ganPath(old, 'audioPath'), path.join(old, 'gan', 'encoder.onnx'));
    renameSync(ganPath(old, 'statePath'), path.join(old, 'gan', 'decoder.onnx'));
    const a = await generateCurves(old, OBAMA_WAV, { seed: 1 });
    const b = await generateCurves(dir, OBAMA_WAV, { seed: 1 });
    expect(a.source).toBe('facial-gan');
    expect(Array.from(a.base)).toEqual(Array.from(b.base));
    // persona.json and model.json record the encoder of their features
    expect(JSON.parse(readFileSync(path.join(dir, 'persona.json'), 'utf8')).audio.encoder).toBe(BUILTIN_ENCODER_IDENTITY);
    expect(JSON.parse(readFileSync(ganPath(dir, 'info'), 'utf8')).encoder).toBe(BUILTIN_ENCODER_IDENTITY);
    const npy = path.join(root, 'other-encoder.npy');
    await writeNpy(npy, new Float32Array(609 * 16 * 29).fill(0.1), [609, 16, 29]);
    const err = await generateCurves(dir, OBAMA_WAV, { encoder: { kind: 'npy', path: npy } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('gan-encoder-mismatch');
    expect((err as UserError).message).toMatch(/learnt from the built-in log-mel features \(v1\), but the voice-over's features come from precomputed \.npy features/);
  });
  it('studio jobs: curves.generate writes curves/<id>.json and records it in project.json; gan.train is a valid request', async () => {
    const proj = path.join(root, 'project');
    await createProject(proj, 'GAN test');
    const { media } = await importMedia(proj, OBAMA_WAV, 'voiceover');
    const personaId = (await loadGanPersona(dir)).id;
    cpSync(dir, path.join(proj, 'personas', 'aoc'), { recursive: true });
    await updateProject(proj, (p) => {
      p.personas.push({ id: personaId, name: 'AOC', path: 'personas/aoc', sourceMediaId: 'none', createdAt: new Date().toISOString() });
      return p;
    });
    const req = JobRequest.parse({ kind: 'curves.generate', projectDir: proj, personaId, mediaId: media.id });
    if (req.kind !== 'curves.generate') throw new Error('unreachable');
    const kind = JOB_KINDS['curves.generate'];
    const result = await kind.run(req, {});
    expect(result.source).toBe('facial-gan');
    expect(result.frameCount).toBe(609);
    await kind.apply!(req, result);
    const project = await readProject(proj);
    expect(project.curves).toHaveLength(1);
    expect(project.curves[0]).toMatchObject({ id: result.id, personaId, mediaId: media.id, path: result.path, source: 'facial-gan' });
    expect(project.activeCurvesId).toBe(result.id);
    const doc = parseCurveDocument(readFileSync(path.join(proj, result.path), 'utf8'));
    expect(doc.mediaId).toBe(media.id);
    expect(doc.frameCount).toBe(609);
    // The take's label follows the verdict recorded in the document (learned, built in or mixed).
    expect(project.curves[0].origin).toBe(motionOrigin(doc.source, doc.generator));
    const prior = JobRequest.parse({ kind: 'curves.generate', projectDir: proj, personaId, mediaId: media.id, prior: true });
    if (prior.kind !== 'curves.generate') throw new Error('unreachable');
    expect((await kind.run(prior, {})).source).toBe('prior');
    // A range take (the editor's "re-generate range"): recorded, not made active; another seed, another prior take.
    const ranged = JobRequest.parse({ kind: 'curves.generate', projectDir: proj, personaId, mediaId: media.id, prior: true, seed: 7, range: { from: 100, to: 200 } });
    if (ranged.kind !== 'curves.generate') throw new Error('unreachable');
    const take = await kind.run(ranged, {});
    expect(take.range).toEqual({ from: 100, to: 200 });
    await kind.apply!(ranged, take);
    const withTake = await readProject(proj);
    expect(withTake.activeCurvesId).toBe(result.id);
    expect(withTake.curves.map((c) => c.id)).toEqual([result.id, take.id]);
    expect(parseCurveDocument(readFileSync(path.join(proj, take.path), 'utf8')).generator).toMatchObject({ seed: 7 });
    await expect(kind.run({ ...ranged, range: { from: 600, to: 700 } }, {})).rejects.toMatchObject({ code: 'range-outside' });
    expect(() => JobRequest.parse({ ...ranged, range: { from: 5, to: 4 } })).toThrow(/from must not be after to/);
    expect(JobRequest.parse({ kind: 'gan.train', projectDir: proj, personaId, steps: 10 }).kind).toBe('gan.train');
    expect(() => JobRequest.parse({ kind: 'gan.train', projectDir: proj, personaId, steps: -1 })).toThrow();
    expect(JOB_KINDS['gan.train'].title({ kind: 'gan.train', projectDir: proj, personaId })).toMatch(/^Train the motion model .*\(standard\)$/);
  });
});

/**
 * Blinks at a human rate with durations of the reference's order, and head speed (standard
 * deviations per second) within the range of the reference's six pose columns (x0.5 .. x2).
 */
function expectNaturalMotion(ours: ReturnType<typeof motionStats>, theirs: ReturnType<typeof motionStats>): void {
  expect(ours.blinkPerMin).toBeGreaterThanOrEqual(theirs.blinkPerMin * 0.6);
  expect(ours.blinkPerMin).toBeLessThanOrEqual(40);
  expect(ours.blinkMs).toBeGreaterThan(theirs.blinkMs * 0.4);
  expect(ours.blinkMs).toBeLessThan(theirs.blinkMs * 2.5);
  const lo = Math.min(...theirs.normSpeed) * 0.5;
  const hi = Math.max(...theirs.normSpeed) * 2;
  for (let ch = 0; ch < 6; ch++) {
    expect(ours.normSpeed[ch]).toBeGreaterThanOrEqual(lo);
    expect(ours.normSpeed[ch]).toBeLessThanOrEqual(hi);
  }
}
