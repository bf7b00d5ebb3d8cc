import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTinyPersona } from './fixture';
import { exportVideo } from '../../../src/engine/export/export-video';
import { encodeNpy } from '../../../src/engine/io/npy';
import { createSession } from '../../../src/engine/nn/providers';
import { trainRenderer } from '../../../src/engine/render';
import { checkCurveValues } from '../../../src/engine/io/value-checks';

/**
 * Issue 13, items 8, 9 and 10: damaged inputs are named, with what to do; nothing is
 * silently accepted (non-finite curves), silently discarded (a damaged checkpoint), or
 * reported as an internal error (a missing texture, a truncated model).
 */
let root: string;
let fx: Awaited<ReturnType<typeof makeTinyPersona>>;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'damaged-'));
  fx = await makeTinyPersona(path.join(root, 'fx'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('curves files are checked: finite and in plausible ranges (item 9)', () => {
  it('NaN, Inf and 3e38 in an .npy are refused, naming the first bad frame and channel; nothing is written', async () => {
    for (const [frame, channel, value, name] of [[3, 1, NaN, 'yaw'], [5, 40, Infinity, 'expr:33'], [2, 5, 3e38, 'z'], [7, 6, 50, 'blink']] as const) {
      const bad = fx.curves.slice();
      bad[frame * 71 + channel] = value;
      const file = path.join(root, `bad-${channel}.npy`);
      writeFileSync(file, encodeNpy(bad, [bad.length / 71, 71]));
      const out = path.join(root, 'out', `bad-${channel}.mp4`);
      const err = await exportVideo({ persona: fx.personaDir, audio: fx.audio, out, curves: file }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'curves-out-of-range', file });
      expect((err as Error).message).toContain(`frame ${frame}, channel ${name}`);
      await expect(fs.stat(out)).rejects.toThrow();
    }
  });

  it('the checker accepts a real face\'s values', () => {
    expect(() => checkCurveValues(fx.curves, 'fx')).not.toThrow();
  });
});

describe('environment and damaged persona files get user messages (item 8)', () => {
  it('a persona without texture.png: named, with what to do', async () => {
    const p = await makeTinyPersona(path.join(root, 'notex'));
    await fs.rm(path.join(p.personaDir, 'texture.png'));
    const err = await exportVideo({ persona: p.personaDir, audio: p.audio, out: path.join(root, 'notex.mp4'), curves: p.curves }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'UserError', code: expect.stringMatching(/persona-file-missing/), hint: expect.stringMatching(/Rebuild the persona/) });
    expect((err as Error).message).toContain('texture.png');
  });

  it('a truncated model file: "damaged", naming the file', async () => {
    const model = path.join(root, 'generator.onnx');
    writeFileSync(model, Buffer.from('\x08\x07\x12\x04onnx-truncat'));
    await expect(createSession(model)).rejects.toMatchObject({ code: 'model-damaged', file: model });
  });

  it('--out that is a folder, or the audio itself, is refused before any work', async () => {
    const dirOut = path.join(root, 'a-folder.mp4');
    mkdirSync(dirOut);
    await expect(exportVideo({ persona: fx.personaDir, audio: fx.audio, out: dirOut, curves: fx.curves })).rejects.toMatchObject({ code: 'output-is-directory' });
    const audioCopy = path.join(root, 'voice.mp4');
    await fs.copyFile(fx.audio, audioCopy);
    const before = readFileSync(audioCopy);
    await expect(exportVideo({ persona: fx.personaDir, audio: audioCopy, out: audioCopy, curves: fx.curves })).rejects.toMatchObject({ code: 'output-is-input' });
    expect(readFileSync(audioCopy).equals(before)).toBe(true);
  });
});

describe('training with 0 or fewer steps is refused by the engine itself, whoever calls (item 7)', () => {
  it.each([0, -3, 2.5])('steps %d', async (steps) => {
    await expect(trainRenderer(fx.personaDir, { steps })).rejects.toMatchObject({ code: 'steps-invalid', message: expect.stringMatching(/a whole number from 1/) });
  });
});

describe('a damaged renderer checkpoint is reported, not silently discarded (item 10)', () => {
  it('trainRenderer refuses to start over from step 0 over a damaged checkpoint', async () => {
    const p = await makeTinyPersona(path.join(root, 'ckpt'), { frames: 8 });
    const dir = path.join(p.personaDir, 'renderer');
    await fs.mkdir(dir, { recursive: true });
    const ckpt = path.join(dir, 'checkpoint.safetensors');
    writeFileSync(ckpt, Buffer.from([0x10, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22]));
    const err = await trainRenderer(p.personaDir, { steps: 2, size: 256, config: 'cpu-small', evalFrames: 2 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'checkpoint-damaged', file: ckpt, hint: expect.stringMatching(/--restart/) });
    // The damaged file is left as it was (it may be restored or inspected).
    expect(readFileSync(ckpt)).toHaveLength(10);
  }, 120_000);
});
