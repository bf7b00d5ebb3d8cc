import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { command } from '../../../src/cli/commands/features';
import { parseArgs, UsageError, type CliIO } from '../../../src/cli/command';
import { readNpy } from '../../../src/engine/io/npy';
import { UserError } from '../../../src/engine/util/errors';
import { sine, tmpDir, writeWavFloat } from '../../helpers/audio-fixtures';

let dir: string;
let cleanup: () => void;
let wav: string;
beforeAll(() => {
  ({ dir, cleanup } = tmpDir('audio-cli-'));
  wav = path.join(dir, 'voice.wav');
  writeWavFloat(wav, sine(440, 2, 0.3));
});
afterAll(() => cleanup?.());

function fakeIo(json = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    progress: () => ({ onProgress: () => undefined, done: () => undefined }),
    withProgress: (_label, work) => work(() => undefined),
    signal: new AbortController().signal,
    json,
  };
  return { io, out, err };
}

describe('facial-studio features', () => {
  it('is registered as ["features"]', () => {
    expect(command.path).toEqual(['features']);
    expect(command.usage).toMatch(/--audio FILE/);
  });

  it('writes [T,16,29] features and an activity array, and prints shape and timing', async () => {
    const out = path.join(dir, 'f.npy');
    const act = path.join(dir, 'a.npy');
    const { io, out: lines } = fakeIo();
    const code = await command.run(parseArgs(['--audio', wav, '--fps', '25', '--out', out, '--activity', act]), io);
    expect(code).toBe(0);
    const f = await readNpy(out);
    expect(f.shape).toEqual([50, 16, 29]);
    expect((await readNpy(act)).shape).toEqual([50, 2]);
    expect(lines[0]).toMatch(/features \[50, 16, 29\]/);
    expect(lines.join('\n')).toMatch(/x real time/);
  });

  it('--json prints one machine-readable line; 30000/1001 is accepted as fps', async () => {
    const out = path.join(dir, 'g.npy');
    const { io, out: lines } = fakeIo(true);
    await command.run(parseArgs(['--audio', wav, '--fps', '30000/1001', '--out', out, '--json']), io);
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]);
    expect(j.shape).toEqual([60, 16, 29]);
    expect(j.encoder).toBe('builtin-logmel29');
    expect(j.realTimeFactor).toBeGreaterThan(0);
  });

  it('usage errors for missing or bad flags; a UserError for a bad file', async () => {
    const { io } = fakeIo();
    await expect(command.run(parseArgs(['--out', 'x.npy']), io)).rejects.toBeInstanceOf(UsageError);
    await expect(command.run(parseArgs(['--audio', wav, '--out', 'x.txt']), io)).rejects.toBeInstanceOf(UsageError);
    await expect(command.run(parseArgs(['--audio', wav, '--out', 'x.npy', '--fps', 'fast']), io)).rejects.toBeInstanceOf(UsageError);
    await expect(command.run(parseArgs(['--audio', wav, '--out', 'x.npy', '--encoder', 'magic']), io)).rejects.toBeInstanceOf(UsageError);
    await expect(command.run(parseArgs(['--audio', path.join(dir, 'missing.wav'), '--out', path.join(dir, 'm.npy')]), io)).rejects.toBeInstanceOf(UserError);
  });
});
