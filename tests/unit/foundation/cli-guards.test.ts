import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { linkSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { runCli, STACK_LINE } from '../../helpers/cli-run';
import { writeSpeechLikeWav } from '../../e2e/fixtures';
import { startWebServer } from '../../../src/host/web-server';
import { ApiHost } from '../../../src/host/api-host';
import { nodeJobLauncher } from '../../../src/host/launcher';
import { JobRequest } from '../../../src/shared/contract';
import { systemErrorToUser } from '../../../src/engine/util/system-errors';
import { promises as fs } from 'node:fs';

/**
 * Issue 13, items 3, 7, 8 and 10 at the command line: inputs are never outputs, numbers
 * are in the API's own ranges, environment errors read as messages (no stack traces),
 * folders and FIFOs are named for what they are.
 */
let tmp: string;
let wav: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cli-guards-'));
  process.env.FACIAL_STUDIO_HOME = path.join(tmp, 'home');
  wav = path.join(tmp, 'voice.wav');
  writeSpeechLikeWav(wav, 0.5);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectClean(r: { out: string; err: string }) {
  expect(r.out + r.err).not.toMatch(STACK_LINE);
  expect(r.err).not.toMatch(/Internal error/);
}

describe('inputs are never written (item 3)', () => {
  it('render --audio y.mp4 --out y.mp4 (or a symlink to it) is refused before any work; y.mp4 is unchanged', async () => {
    const y = path.join(tmp, 'y.mp4');
    writeFileSync(y, 'the user\'s audio');
    symlinkSync(y, path.join(tmp, 'y-link.mp4'));
    for (const out of [y, path.join(tmp, 'y-link.mp4'), path.join(tmp, 'sub', '..', 'y.mp4')]) {
      const r = await runCli(['render', '--persona', path.join(tmp, 'no-persona'), '--audio', y, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/same file as --audio/);
      expectClean(r);
    }
    expect(readFileSync(y, 'utf8')).toBe('the user\'s audio');
  });

  it('features --activity equal to --out, or --out the audio, is refused; nothing is written', async () => {
    const out = path.join(tmp, 'f.npy');
    const r = await runCli(['features', '--audio', wav, '--out', out, '--activity', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--activity .* is the same file as --out/);
    expect(existsSync(out)).toBe(false);
    const npyAudio = path.join(tmp, 'voice-as.npy');
    writeFileSync(npyAudio, 'x');
    const r2 = await runCli(['features', '--audio', npyAudio, '--out', npyAudio]);
    expect(r2.code).toBe(1);
    expect(readFileSync(npyAudio, 'utf8')).toBe('x');
  });

  it('persona build --out a folder that holds the video is refused', async () => {
    const dir = path.join(tmp, 'clips');
    mkdirSync(dir);
    const video = path.join(dir, 'me.mp4');
    writeFileSync(video, 'video');
    const r = await runCli(['persona', 'build', '--video', video, '--out', dir, '--force']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds --video/);
    expect(readFileSync(video, 'utf8')).toBe('video');
  });

  it('a hard link to the input is the input too; an output folder this user may not write is said before any work', async () => {
    const y = path.join(tmp, 'hard.mp4');
    writeFileSync(y, 'audio');
    linkSync(y, path.join(tmp, 'hard-link.mp4'));
    const r = await runCli(['render', '--persona', path.join(tmp, 'no-persona'), '--audio', y, '--out', path.join(tmp, 'hard-link.mp4')]);
    expect(r.err).toMatch(/same file as --audio/);
    expect(readFileSync(y, 'utf8')).toBe('audio');
    // /proc/sys refuses writes even to root: a real "not writable" folder.
    const t0 = Date.now();
    const r2 = await runCli(['features', '--audio', wav, '--out', '/proc/sys/facial.npy']);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/this user may not write to \/proc\/sys/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('--out that is a folder, or below a file, says so before any work', async () => {
    const folder = path.join(tmp, 'out.npy');
    mkdirSync(folder);
    const r = await runCli(['features', '--audio', wav, '--out', folder]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is a folder, not a file name/);
    const r2 = await runCli(['features', '--audio', wav, '--out', path.join(wav, 'x.npy')]);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/is a file, so nothing can be written below it/);
    expectClean(r2);
  });
});

describe('numbers in the API\'s own ranges, one schema (item 7)', () => {
  const cases: [string[], RegExp][] = [
    [['train', 'gan', '--persona', 'p', '--steps=-5'], /--steps expects a whole number from 1 to 1000000, got "-5"/],
    [['train', 'gan', '--persona', 'p', '--steps', '0'], /--steps expects a whole number from 1/],
    [['train', 'gan', '--persona', 'p', '--steps', '2.5'], /--steps expects a whole number/],
    [['train', 'renderer', '--persona', 'p', '--steps', '-3'], /--steps expects a whole number from 1/],
    [['train', 'gan', '--persona', 'p', '--lr', '0'], /--lr expects a learning rate/],
    [['train', 'gan', '--persona', 'p', '--device', 'tpu'], /--device expects one of auto, cpu, webgpu, cuda, got "tpu"/],
    [['generate', '--persona', 'p', '--audio', 'a.wav', '--out', 'c.json', '--seed', '-1'], /--seed expects a whole number from 0/],
    [['render', '--persona', 'p', '--audio', 'a.wav', '--out', 'o.mp4', '--crf', '99'], /--crf expects a whole number from 0 to 51/],
    [['serve', '--port', '99999'], /--port expects a port number from 1 to 65535/],
    [['serve', '--port', 'abc'], /--port expects a port number/],
    [['serve', '--port', '0x10'], /--port expects a port number/],
    [['train', 'gan', '--persona', 'p', '--steps', ''], /--steps expects a whole number/],
    [['train', 'residual', '--persona', 'p', '--preset', 'ultra'], /--preset expects draft, standard, best, got "ultra"/],
    [['train', 'residual', '--persona', 'p', '--config', 'huge'], /--config expects draft, gpu-full or tiny, got "huge"/],
    [['train', 'residual', '--persona', 'p', '--steps', '0'], /--steps expects a whole number from 1/],
  ];
  it.each(cases)('%j is refused with what the flag expects', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expectClean(r);
  });

  it('the API refuses the same values (the same schema)', () => {
    expect(JobRequest.safeParse({ kind: 'gan.train', projectDir: '/p', personaId: 'x', steps: -5 }).success).toBe(false);
    expect(JobRequest.safeParse({ kind: 'renderer.train', projectDir: '/p', personaId: 'x', steps: 0 }).success).toBe(false);
    expect(JobRequest.safeParse({ kind: 'gan.train', projectDir: '/p', personaId: 'x', device: 'tpu' }).success).toBe(false);
    expect(JobRequest.safeParse({ kind: 'gan.train', projectDir: '/p', personaId: 'x', steps: 1 }).success).toBe(true);
    expect(JobRequest.safeParse({ kind: 'residual.train', projectDir: '/p', personaId: 'x', steps: 0 }).success).toBe(false);
  });
});

describe('environment errors read as messages, stacks only with --debug (items 8, 10)', () => {
  it('a folder or a FIFO as input is named for what it is, not "no such file"', async () => {
    const folder = path.join(tmp, 'a-folder.wav');
    mkdirSync(folder);
    const r = await runCli(['features', '--audio', folder, '--out', path.join(tmp, 'ff.npy')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is a folder, not a media file/);
    const fifo = path.join(tmp, 'pipe.wav');
    execFileSync('mkfifo', [fifo]);
    const r2 = await runCli(['features', '--audio', fifo, '--out', path.join(tmp, 'ff.npy')]);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/not a regular file/);
    expectClean(r2);
  });

  it('/etc/passwd renamed .mp4 is "not a media file"; a cut-off MP4 is "incomplete", in every command', async () => {
    const fake = path.join(tmp, 'passwd.mp4');
    writeFileSync(fake, readFileSync('/etc/passwd'));
    const cut = path.join(tmp, 'cut.mp4');
    execFileSync((await import('../../../src/engine/media/ffmpeg')).ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '1', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', path.join(tmp, 'whole.mp4')]);
    const whole = readFileSync(path.join(tmp, 'whole.mp4'));
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    for (const argv of [
      (f: string) => ['features', '--audio', f, '--out', path.join(tmp, 'x.npy')],
      (f: string) => ['persona', 'build', '--video', f, '--out', path.join(tmp, 'px')],
    ]) {
      const a = await runCli(argv(fake));
      expect(a.err).toMatch(/is not a media file that can be read/);
      const b = await runCli(argv(cut));
      expect(b.err).toMatch(/is incomplete: its index \(moov atom\) is missing/);
      expectClean(a);
      expectClean(b);
    }
  });

  it('raw errno codes become messages naming the file and what to do (a real ENOSPC from /dev/full, EISDIR, EACCES, EROFS)', async () => {
    const full = await fs.writeFile('/dev/full', 'x').catch((e: unknown) => e);
    expect(systemErrorToUser(full)).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/the disk is full/), hint: expect.stringMatching(/Free some space/) });
    const isDir = await fs.readFile(tmp).catch((e: unknown) => e);
    expect(systemErrorToUser(isDir)).toMatchObject({ code: 'is-a-folder', hint: expect.stringMatching(/file name/) });
    const fake = (code: string) => Object.assign(new Error(`${code}: x, open '/data/out.npy'`), { code, path: '/data/out.npy', syscall: 'open' });
    expect(systemErrorToUser(fake('EROFS'))?.describe()).toMatch(/^\/data\/out\.npy: the disk is read-only \(open\)\. What to do: Choose a folder on a writable disk\.$/);
    expect(systemErrorToUser(fake('EACCES'))).toMatchObject({ code: 'permission-denied' });
    expect(systemErrorToUser(new Error('a bug'))).toBeUndefined();
    // Over the API the same: no raw code, no stack.
    const host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher() });
    const r = await host.handleRaw({ id: 1, method: 'project.create', params: { dir: '/proc/facial-test/deeper', name: 'X' } });
    expect(r).toMatchObject({ ok: false });
    expect(JSON.stringify(r)).not.toMatch(/"code":"internal"|\n\s+at /);
    await host.close();
    // Below /proc, Node's recursive mkdir would loop for ever: the studio creates folders one level at a time.
    const p = await runCli(['persona', 'build', '--video', wav, '--out', '/proc/facial-test/persona']);
    expect(p.code).toBe(1);
    expectClean(p);
  });

  it('an error never echoes a big input in full (API and CLI)', async () => {
    const host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher() });
    const big = '/x/' + 'a'.repeat(5_000_000) + '.txt';
    const r = await host.handleRaw(JSON.stringify({ id: 2, method: 'media.import', params: { projectDir: tmp, path: big, role: 'voiceover' } }));
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r).length).toBeLessThan(10_000);
    await host.close();
    const c = await runCli(['train', 'gan', '--persona', 'p', '--steps', '9'.repeat(100_000)]);
    expect(c.code).toBe(2);
    expect(c.err.length).toBeLessThan(2_000);
  });

  it('a port in use is a message with what to do', async () => {
    const host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher() });
    const staticDir = path.join(tmp, 'static');
    mkdirSync(staticDir, { recursive: true });
    const first = await startWebServer({ host, staticDir });
    await expect(startWebServer({ host, staticDir, port: first.port })).rejects.toMatchObject({ code: 'port-in-use', hint: expect.stringMatching(/another --port/) });
    await first.close();
    await host.close();
  });
});

describe('project.json: unknown fields survive, a non-integer version is damage (item 10)', () => {
  it('round-trips fields this version does not know; refuses schemaVersion "2" without changing the file', async () => {
    const host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher() });
    const dir = path.join(tmp, 'proj');
    await host.call('project.create', { dir, name: 'P' });
    const file = path.join(dir, 'project.json');
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...raw, futureFeature: { keep: [1, 2] }, media: [{ id: 'm', role: 'voiceover', name: 'a.wav', path: 'media/a.wav', originalPath: '/x/a.wav', durationS: 1, hasAudio: true, hasVideo: false, importedAt: '', loudness: -16 }] }));
    await host.call('project.update', { dir, patch: { name: 'Renamed' } });
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after.name).toBe('Renamed');
    expect(after.futureFeature).toEqual({ keep: [1, 2] });
    expect(after.media[0].loudness).toBe(-16);
    // A patch cannot smuggle fields in.
    await host.handleRaw({ id: 1, method: 'project.update', params: { dir, patch: { name: 'X', injected: 1 } } });
    expect(JSON.parse(readFileSync(file, 'utf8')).injected).toBeUndefined();
    for (const version of ['2', 1.5, -1, null]) {
      writeFileSync(file, JSON.stringify({ ...after, schemaVersion: version }));
      const before = readFileSync(file, 'utf8');
      await expect(host.call('project.open', { dir })).rejects.toMatchObject({ code: 'project-corrupt' });
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(existsSync(path.join(dir, 'project.v2.json.bak'))).toBe(false);
    }
    await host.close();
  });
});
