import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasSharedData, sharedData, skipNoSharedData } from '../helpers/repo';
import { builderCodeHash } from '../helpers/aoc-persona';
import { expectSharpWithEveryBlink } from '../helpers/quality-expectations';
import { command as render } from '../../src/cli/commands/render';
import { parseArgs, type CliIO } from '../../src/cli/command';
import type { RenderQualityReport } from '../../src/shared/render-quality';
import { ffmpegPath, ffprobePath, runProcess } from '../../src/engine/media/ffmpeg';

/**
 * Output framing on a real vertical phone video (../shared/data/vertical_demo2_20s.mp4,
 * 1080x1920): `--preset source` keeps it vertical at its own size; a 16:9 preset fits it
 * with bars or fills the frame with a crop around the face, as asked. Through the CLI.
 */
const VERTICAL = path.join(sharedData, 'vertical_demo2_20s.mp4');

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    progress: () => ({ onProgress: () => undefined, done: () => undefined }),
    withProgress: (_label, work) => work(() => undefined),
    signal: new AbortController().signal,
    json: false,
  };
  return { io, out, err };
}

async function ffmpeg(args: string[]): Promise<string> {
  const r = await runProcess(ffmpegPath(), ['-nostdin', '-y', ...args], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
  return r.stderr.toString();
}

async function size(file: string): Promise<[number, number]> {
  const r = await runProcess(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
  const [w, h] = r.stdout.toString().trim().split(',').map(Number);
  return [w, h];
}

/** The area cropdetect finds in use over the whole video (black bars excluded). */
async function usedArea(file: string): Promise<[number, number]> {
  const log = await ffmpeg(['-v', 'info', '-i', file, '-vf', 'cropdetect=limit=24:round=2:reset=0', '-f', 'null', '-']);
  const m = [...log.matchAll(/crop=(\d+):(\d+):(\d+):(\d+)/g)];
  if (!m.length) throw new Error('cropdetect reported nothing');
  const last = m[m.length - 1];
  return [Number(last[1]), Number(last[2])];
}

describe.skipIf(!hasSharedData)(`output framing of a vertical phone video${skipNoSharedData ? ` (${skipNoSharedData})` : ''}`, () => {
  let root: string;
  let persona: string;
  let voice: string;
  let speech8s: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'facial-framing-it-'));
    voice = path.join(root, 'voice.wav');
    await ffmpeg(['-v', 'error', '-i', path.join(sharedData, 'obama2.wav'), '-t', '2', voice]);
    speech8s = path.join(root, 'speech8s.wav');
    await ffmpeg(['-v', 'error', '-i', path.join(sharedData, 'obama2.wav'), '-ss', '4', '-t', '8', speech8s]);
    // The persona of the clip's first 6 s, built once per clip and builder version (cached like the AOC persona).
    const st = statSync(VERTICAL);
    const cache = path.join(process.env.FACIAL_TEST_CACHE ?? path.join(os.tmpdir(), 'facial-studio-test-cache'), `vertical6s-persona-${st.size}-${Math.round(st.mtimeMs)}-${builderCodeHash()}`);
    persona = path.join(cache, 'persona');
    if (!existsSync(path.join(persona, 'persona.json'))) {
      mkdirSync(cache, { recursive: true });
      const clip = path.join(cache, 'vertical6s.mp4');
      await ffmpeg(['-v', 'error', '-i', VERTICAL, '-t', '6', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-c:a', 'aac', clip]);
      const { buildPersona } = await import('../../src/engine/persona');
      await buildPersona(clip, persona, { name: 'vertical', overwrite: true });
    }
  });
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('by default (--preset source) a vertical MP4 at the source size (1080x1920), sharp, every blink seen, the mouth following the curves', async () => {
    const { io, out } = fakeIo();
    // No --preset: the footage's own framing is the default; the quality report comes with it.
    const code = await render.run(parseArgs(['--persona', persona, '--audio', speech8s, '--out', path.join(root, 'source.mp4')]), io);
    expect(code).toBe(0);
    const file = out[0];
    expect(path.basename(file)).toBe('source.mp4');
    expect(await size(file)).toEqual([1080, 1920]);
    expect(out[1]).toMatch(/1080x1920 \(as filmed\)/);
    const q = JSON.parse(await fs.readFile(path.join(root, 'source.quality.json'), 'utf8')) as RenderQualityReport;
    expectSharpWithEveryBlink(q);
    // His small mouth is the hard case (docs/quality.md): 0.76 on this 6 s persona (0.37 with
    // prior version 2, whose curves hardly opened it; 0.74 before teeth counted as parted lips;
    // 0.81 without the second reading, which leaves this short clip fewer donors to choose from).
    expect(q.mouth.r).toBeGreaterThanOrEqual(0.6);
    // Closed in 3 of 3 pauses; 1 of 3 ("poor") while donors showing teeth passed for closed.
    expect(q.silenceClosure.status).not.toBe('poor');
  });

  it('720p with --framing fill crops around the face (no bars); with fit the whole frame gets bars', async () => {
    const fill = fakeIo();
    await render.run(parseArgs(['--persona', persona, '--audio', voice, '--out', path.join(root, 'fill.mp4'), '--preset', '720p', '--framing', 'fill']), fill.io);
    expect(await size(fill.out[0])).toEqual([1280, 720]);
    expect(await usedArea(fill.out[0])).toEqual([1280, 720]);
    expect(fill.out[1]).toMatch(/cropped around the face/);
    const fit = fakeIo();
    await render.run(parseArgs(['--persona', persona, '--audio', voice, '--out', path.join(root, 'fit.mp4'), '--preset', '720p', '--framing', 'fit']), fit.io);
    expect(await size(fit.out[0])).toEqual([1280, 720]);
    const [w, h] = await usedArea(fit.out[0]);
    // 1080x1920 scaled into 720 lines is 406 wide: bars left and right.
    expect(h).toBe(720);
    expect(w).toBeLessThanOrEqual(420);
    await expect(render.run(parseArgs(['--persona', persona, '--audio', voice, '--out', path.join(root, 'x.mp4'), '--framing', 'stretch']), fakeIo().io)).rejects.toThrow(/--framing expects fit or fill/);
  });
});
