import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasSharedData, skipNoSharedData } from '../helpers/repo';
import { aocPersonaDir, AOC_VIDEO } from '../helpers/aoc-persona';
import { command } from '../../src/cli/commands/quality';
import { parseArgs, type CliIO } from '../../src/cli/command';
import { RenderQualityReport } from '../../src/shared/render-quality';
import { REFERENCE_FILE } from '../../src/engine/quality';

/**
 * The instrument on real footage: the AOC clip itself, measured against its own
 * persona and its own tracked curves (params.npy), must read as real footage does:
 * sharpness, seams and flicker ~1.0x, the persona build's 10 blinks seen, mouth and
 * head pose following the curves. One tracking pass, through the CLI command.
 */
describe.skipIf(!hasSharedData)(`render quality report on real footage${skipNoSharedData ? ` (${skipNoSharedData})` : ''}`, () => {
  let root: string;
  let persona: string;
  let video: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'facial-quality-it-'));
    persona = path.join(root, 'aoc');
    // Private copies: the reference profile is cached in the persona folder, the report lands beside the video.
    await fs.cp(await aocPersonaDir(), persona, { recursive: true });
    await fs.rm(path.join(persona, REFERENCE_FILE), { force: true });
    video = path.join(root, 'aoc.mp4');
    await fs.copyFile(AOC_VIDEO, video);
    // The persona's source is the shared clip (unchanged); its copy here is the "render".
  });
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('facial-studio quality: the real clip against its own persona and curves reads as real footage', async () => {
    const out: string[] = [];
    const io: CliIO = {
      out: (l) => out.push(l), err: (l) => out.push(l),
      progress: () => ({ onProgress: () => undefined, done: () => undefined }),
      withProgress: (_l, work) => work(() => undefined),
      signal: new AbortController().signal, json: true,
    };
    const code = await command.run(parseArgs(['--video', video, '--persona', persona, '--curves', path.join(persona, 'params.npy'), '--json']), io);
    expect(code).toBe(0);
    const printed = JSON.parse(out.at(-1)!) as RenderQualityReport & { path: string };
    expect(printed.path).toBe(path.join(root, 'aoc.quality.json'));
    const r = RenderQualityReport.parse(JSON.parse(await fs.readFile(printed.path, 'utf8')));
    expect(r.persona.name).toBe('AOC');
    expect(r.curves).toEqual({ given: true, frames: 200 });
    expect(r.framing.origin).toBe('same-size');
    expect(r.faceFound).toMatchObject({ status: 'good', trackedFrames: 200 });
    // Pixels: the same frames as the reference, measured through re-tracked landmarks.
    expect(r.faceSharpness.ratio!).toBeGreaterThan(0.95);
    expect(r.faceSharpness.ratio!).toBeLessThan(1.05);
    expect(r.mouthSharpness.ratio!).toBeGreaterThan(0.9);
    expect(r.mouthSharpness.ratio!).toBeLessThan(1.1);
    expect(r.seam.ratio!).toBeLessThan(1.1);
    expect(r.seam.detailFactor!).toBeLessThan(1.1);
    expect(r.flicker.ratio!).toBeGreaterThan(0.95);
    expect(r.flicker.ratio!).toBeLessThan(1.05);
    // The persona build found 10 blinks on this clip.
    expect(r.blinks.curves).toBe(10);
    expect(r.blinks.seen!).toBeGreaterThanOrEqual(9);
    expect(r.blinks.extra!).toBeLessThanOrEqual(1);
    expect(r.mouth.r!).toBeGreaterThan(0.9);
    for (const a of ['pitch', 'yaw', 'roll'] as const) {
      expect(r.pose[a].r!).toBeGreaterThan(0.9);
      expect(r.pose[a].maeDeg!).toBeLessThan(1.5);
    }
    // A real person: lips in sync with their own voice, within the human range.
    expect(r.lipAudio.r!).toBeGreaterThan(0.2);
    expect(r.lipAudio.r!).toBeLessThan(0.6);
    expect(['good', 'fair']).toContain(r.overall.status);
    // The reference profile is cached in the persona folder for the next report.
    const cached = JSON.parse(await fs.readFile(path.join(persona, REFERENCE_FILE), 'utf8'));
    expect(cached.frames).toBe(200);
  });
});
