import { describe, it, expect, beforeEach } from 'vitest';
import { promises as fs, mkdtempSync, writeFileSync, symlinkSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProject, importMedia, updateProject } from '../../../src/host/project-store';
import { exportTarget } from '../../../src/host/export-target';
import { revealRender } from '../../../src/host/reveal';
import { readMachineProfile, recordTrainingSpeed, trainingEstimate } from '../../../src/host/machine-profile';
import { JOB_KINDS } from '../../../src/host/job-kinds';
import { RESIDUAL_EVAL_SECONDS_PER_FRAME, RESIDUAL_PAIR_SECONDS_PER_FRAME, RUN_OVERHEAD_SECONDS } from '../../../src/engine/common/training-presets';
import { writeSpeechLikeWav } from '../../e2e/fixtures';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'export-files-'));
});

async function project() {
  const dir = path.join(tmp, 'Launch');
  const p = await createProject(dir, 'Launch video');
  const wav = path.join(tmp, 'talk.wav');
  writeSpeechLikeWav(wav, 0.5);
  const { project: withMedia, media } = await importMedia(dir, wav, 'voiceover');
  const personaDir = path.join(dir, 'personas', 'x');
  await fs.mkdir(personaDir, { recursive: true });
  return { dir, p, project: withMedia, media, personaDir, wav };
}

describe('where an export is saved', () => {
  it('by default: a readable name in the project (a preview says so), never replacing an earlier export', async () => {
    const { dir, project: pr, personaDir } = await project();
    const req = { kind: 'render.export' as const, projectDir: dir, personaId: 'x', mediaId: 'm' };
    // No renderer trained: the default name is the preview's.
    const first = await exportTarget(req, pr, personaDir, 'talk.wav');
    expect(first).toBe(path.join(dir, 'renders', 'Launch video - talk.preview.mp4'));
    writeFileSync(first, 'x');
    expect(await exportTarget(req, pr, personaDir, 'talk.wav')).toBe(path.join(dir, 'renders', 'Launch video - talk.preview (2).mp4'));
  });

  it('a chosen path: exactly that path (a preview is not renamed), an existing folder, replacing a file only when allowed, never the user’s media', async () => {
    const { dir, project: pr, personaDir, wav } = await project();
    const base = { kind: 'render.export' as const, projectDir: dir, personaId: 'x', mediaId: 'm' };
    const out = path.join(tmp, 'Videos', 'mine.mp4');
    await expect(exportTarget({ ...base, out }, pr, personaDir, 'talk.wav')).rejects.toMatchObject({ code: 'export-folder-missing' });
    await fs.mkdir(path.dirname(out));
    expect(await exportTarget({ ...base, out }, pr, personaDir, 'talk.wav')).toBe(out);
    writeFileSync(out, 'earlier');
    await expect(exportTarget({ ...base, out }, pr, personaDir, 'talk.wav')).rejects.toMatchObject({ code: 'export-exists' });
    expect(await exportTarget({ ...base, out, overwrite: true }, pr, personaDir, 'talk.wav')).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe('earlier');
    await expect(exportTarget({ ...base, out: 'relative.mp4' }, pr, personaDir, 'talk.wav')).rejects.toMatchObject({ code: 'export-path-relative' });
    // The user's original media is refused even with overwrite, preview or not.
    const mediaLike = { ...pr, media: [{ ...pr.media[0], originalPath: path.join(tmp, 'Videos', 'me.mp4') }] };
    await expect(exportTarget({ ...base, out: path.join(tmp, 'Videos', 'me.mp4'), overwrite: true }, mediaLike, personaDir, 'talk.wav')).rejects.toMatchObject({ code: 'export-would-replace-media' });
    await fs.mkdir(path.join(personaDir, 'renderer'));
    writeFileSync(path.join(personaDir, 'renderer', 'renderer.json'), '{}');
    writeFileSync(path.join(personaDir, 'renderer', 'generator.onnx'), '');
    await expect(exportTarget({ ...base, out: path.join(tmp, 'Videos', 'me.mp4'), overwrite: true }, mediaLike, personaDir, 'talk.wav')).rejects.toMatchObject({ code: 'export-would-replace-media' });
    expect(wav).toBeTruthy();
  });
});

describe('open and show in folder', () => {
  it('only a render the project records, still a regular .mp4 file', async () => {
    const { dir } = await project();
    const file = path.join(tmp, 'out.mp4');
    writeFileSync(file, 'mp4');
    symlinkSync(file, path.join(tmp, 'link.mp4'));
    await updateProject(dir, (p) => {
      p.renders.push({ id: 'r-1', path: file, preset: '720p', kind: 'preview', createdAt: new Date().toISOString() });
      p.renders.push({ id: 'r-2', path: path.join(tmp, 'link.mp4'), preset: '720p', kind: 'preview', createdAt: new Date().toISOString() });
      p.renders.push({ id: 'r-3', path: '../../etc/passwd', preset: '720p', kind: 'preview', createdAt: new Date().toISOString() });
      return p;
    });
    const calls: [string, string][] = [];
    const rec = async (f: string, a: 'open' | 'folder') => void calls.push([f, a]);
    expect(await revealRender(dir, 'r-1', 'folder', rec)).toEqual({ file });
    expect(calls).toEqual([[file, 'folder']]);
    await expect(revealRender(dir, 'r-2', 'open', rec)).rejects.toMatchObject({ code: 'render-not-a-file' });
    await expect(revealRender(dir, 'r-3', 'open', rec)).rejects.toMatchObject({ code: 'path-outside' });
    await expect(revealRender(dir, 'nope', 'open', rec)).rejects.toMatchObject({ code: 'render-unknown' });
    await fs.rm(file);
    await expect(revealRender(dir, 'r-1', 'open', rec)).rejects.toMatchObject({ code: 'render-missing' });
    expect(calls).toHaveLength(1);
  });
});

describe('training time on this machine', () => {
  it('remembers the last speed of each job and estimates from it, counting steps done', async () => {
    const home = path.join(tmp, 'home');
    const persona = path.join(tmp, 'persona');
    await fs.mkdir(path.join(persona, 'renderer'), { recursive: true });
    let est = await trainingEstimate(persona, 8, home);
    expect(est.renderer.presets.every((p) => p.basis === 'typical')).toBe(true);
    await recordTrainingSpeed('renderer', 0.5, 2, home); // too few steps to say
    expect(await readMachineProfile(home)).toEqual({});
    await recordTrainingSpeed('renderer', 0.5, 100, home);
    writeFileSync(path.join(persona, 'renderer', 'renderer.json'), JSON.stringify({ steps: 300 }));
    est = await trainingEstimate(persona, 8, home);
    expect(est.renderer.doneSteps).toBe(300);
    expect(est.renderer.presets.find((p) => p.preset === 'draft')).toMatchObject({ basis: 'measured', remainingSteps: 0, seconds: 0 });
    expect(est.renderer.presets.find((p) => p.preset === 'standard')).toMatchObject({ basis: 'measured', remainingSteps: 1200, seconds: 60 + 600 });
    expect(est.gan.presets[0].basis).toBe('typical');
    expect(est.footageS).toBe(8);
  });

  it('the mouth correction: the whole checked run per preset, from its own measured speed and the footage\'s frames', async () => {
    const home = path.join(tmp, 'home');
    const persona = path.join(tmp, 'persona');
    await fs.mkdir(persona, { recursive: true });
    writeFileSync(path.join(persona, 'persona.json'), JSON.stringify({ frameCount: 200 }));
    let est = await trainingEstimate(persona, 8, home);
    expect(est.residual!.presets.map((p) => p.preset)).toEqual(['draft', 'standard', 'best']);
    expect(est.residual!.presets.every((p) => p.basis === 'typical' && p.upTo)).toBe(true);
    await recordTrainingSpeed('residual', 0.1, 2000, home);
    est = await trainingEstimate(persona, 8, home);
    const draft = est.residual!.presets[0];
    // Two trainings of 1200 steps at 0.1 s, the pairs of 120 + 200 frames, the check of 200 frames.
    expect(draft).toMatchObject({ basis: 'measured', steps: 1200, remainingSteps: 1200 });
    expect(draft.seconds).toBeCloseTo(2 * (RUN_OVERHEAD_SECONDS.residual + 120) + RESIDUAL_PAIR_SECONDS_PER_FRAME * 320 + RESIDUAL_EVAL_SECONDS_PER_FRAME * 200, 6);
    expect(est.residual!.secondsPerStep).toBe(0.1);
  });
});

describe('job titles say what they work on', () => {
  it('names the file or persona', () => {
    expect(JOB_KINDS['media.peaks'].title({ kind: 'media.peaks', projectDir: '/p', mediaId: 'm' }, { media: 'talk.wav' })).toBe('Waveform of “talk.wav”');
    expect(JOB_KINDS['media.peaks'].title({ kind: 'media.peaks', projectDir: '/p', mediaId: 'm' })).toBe('Waveform');
    expect(JOB_KINDS['renderer.train'].title({ kind: 'renderer.train', projectDir: '/p', personaId: 'a', preset: 'standard' }, { persona: 'AOC' })).toBe('Train the renderer of “AOC” (standard)');
    expect(JOB_KINDS['persona.build'].title({ kind: 'persona.build', projectDir: '/p', mediaId: 'm' }, { media: 'me.mp4' })).toBe('Build the persona from “me.mp4”');
    expect(JOB_KINDS['residual.train'].title({ kind: 'residual.train', projectDir: '/p', personaId: 'a' }, { persona: 'AOC' })).toBe('Train the mouth correction of “AOC” (draft)');
    expect(JOB_KINDS['residual.train'].title({ kind: 'residual.train', projectDir: '/p', personaId: 'a', config: 'gpu-full' })).toBe('Train the mouth correction (gpu-full)');
    expect(JOB_KINDS['render.export'].title({ kind: 'render.export', projectDir: '/p', personaId: 'a', mediaId: 'm', out: '/home/me/Launch - talk.mp4' })).toBe('Export “Launch - talk.mp4”');
  });
});
