import { describe, it, expect, beforeEach } from 'vitest';
import { promises as fs, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createProject, readProject, writeProject, updateProject, importMedia, removeMedia, PROJECT_FILE } from '../../../src/host/project-store';
import { addRecent, listRecent } from '../../../src/host/recent-projects';
import { cleanStaleStaging } from '../../../src/host/staging-cleanup';
import { ffmpegPath, runProcess } from '../../../src/engine/media/ffmpeg';
import { tsxLoaderUrl } from '../../../src/host/launcher';
import { repoRoot } from '../../helpers/repo';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'proj-'));
  // Leftover records (and recent projects) of this test and its children go here, not to the user's home.
  process.env.FACIAL_STUDIO_HOME = path.join(tmp, 'studio-home');
});

describe('projects on disk', () => {
  it('creates a project folder with a versioned project.json and its subfolders', async () => {
    const dir = path.join(tmp, 'My Talk');
    const p = await createProject(dir, 'My Talk', 30);
    expect(p.schemaVersion).toBe(1);
    expect(p.fps).toBe(30);
    for (const sub of ['media', 'personas', 'curves', 'renders', 'cache']) expect((await fs.stat(path.join(dir, sub))).isDirectory()).toBe(true);
    const again = await readProject(dir);
    expect(again).toEqual(p);
  });

  it('refuses to create a project over an existing one or in a non-empty folder', async () => {
    const dir = path.join(tmp, 'p');
    await createProject(dir, 'p');
    await expect(createProject(dir, 'p')).rejects.toMatchObject({ code: 'project-exists' });
    const other = path.join(tmp, 'other');
    await fs.mkdir(other);
    writeFileSync(path.join(other, 'notes.txt'), 'mine');
    await expect(createProject(other, 'x')).rejects.toMatchObject({ code: 'folder-not-empty' });
    expect(readFileSync(path.join(other, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('gives a clear error for a corrupted project and never overwrites it', async () => {
    const dir = path.join(tmp, 'c');
    await createProject(dir, 'c');
    const file = path.join(dir, PROJECT_FILE);
    writeFileSync(file, '{"schemaVersion": 1, "name": ');
    await expect(readProject(dir)).rejects.toMatchObject({ code: 'project-corrupt', file });
    await expect(updateProject(dir, (p) => p)).rejects.toMatchObject({ code: 'project-corrupt' });
    expect(readFileSync(file, 'utf8')).toBe('{"schemaVersion": 1, "name": ');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, id: 'x', name: 5 }));
    await expect(readProject(dir)).rejects.toThrow(/damaged/);
  });

  it('refuses a project from a newer version without touching it', async () => {
    const dir = path.join(tmp, 'n');
    await createProject(dir, 'n');
    const file = path.join(dir, PROJECT_FILE);
    const newer = { ...JSON.parse(readFileSync(file, 'utf8')), schemaVersion: 99, futureField: true };
    writeFileSync(file, JSON.stringify(newer));
    const before = readFileSync(file);
    await expect(readProject(dir)).rejects.toMatchObject({ code: 'project-too-new' });
    await expect(readProject(dir)).rejects.toThrow(/newer FACIAL Studio/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('migrates a version-0 project and keeps a backup of the original', async () => {
    const dir = path.join(tmp, 'old');
    await fs.mkdir(dir);
    const v0 = { id: 'abc', name: 'Old', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', fps: 25, assets: [], personas: [] };
    writeFileSync(path.join(dir, PROJECT_FILE), JSON.stringify(v0));
    const p = await readProject(dir);
    expect(p.schemaVersion).toBe(1);
    expect(p.name).toBe('Old');
    expect(p.curves).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(dir, 'project.v0.json.bak'), 'utf8'))).toEqual(v0);
    expect(JSON.parse(readFileSync(path.join(dir, PROJECT_FILE), 'utf8')).schemaVersion).toBe(1);
  });

  it('serialises concurrent updates so none is lost', async () => {
    const dir = path.join(tmp, 'u');
    await createProject(dir, 'u');
    await Promise.all(Array.from({ length: 20 }, (_, i) => updateProject(dir, (p) => ({ ...p, ui: { panes: { ...p.ui.panes, [`k${i}`]: i } } }))));
    expect(Object.keys((await readProject(dir)).ui.panes)).toHaveLength(20);
  });

  it('imports media as a copy and never modifies the original', async () => {
    const dir = path.join(tmp, 'm');
    await createProject(dir, 'm');
    const wav = path.join(tmp, 'voice.wav');
    const r = await runProcess(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=1', '-ar', '16000', wav]);
    expect(r.code).toBe(0);
    const hash = () => createHash('sha256').update(readFileSync(wav)).digest('hex');
    const before = hash();
    const mtime = (await fs.stat(wav)).mtimeMs;
    const { media, project } = await importMedia(dir, wav, 'voiceover');
    expect(media.hasAudio).toBe(true);
    expect(media.durationS).toBeCloseTo(1, 1);
    expect(project.activeVoiceoverId).toBe(media.id);
    expect(readFileSync(path.join(dir, media.path)).equals(readFileSync(wav))).toBe(true);
    const after = await removeMedia(dir, media.id);
    expect(after.media).toEqual([]);
    expect(hash()).toBe(before);
    expect((await fs.stat(wav)).mtimeMs).toBe(mtime);
  });

  it('rejects media that does not fit its role, naming the file', async () => {
    const dir = path.join(tmp, 'r');
    await createProject(dir, 'r');
    const wav = path.join(tmp, 'tone.wav');
    await runProcess(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.5', wav]);
    await expect(importMedia(dir, wav, 'reference')).rejects.toMatchObject({ code: 'media-no-video', file: wav });
    const txt = path.join(tmp, 'notes.txt');
    writeFileSync(txt, 'hello');
    await expect(importMedia(dir, txt, 'voiceover')).rejects.toMatchObject({ code: 'media-type' });
    const fakeWav = path.join(tmp, 'fake.wav');
    writeFileSync(fakeWav, 'this is not audio');
    await expect(importMedia(dir, fakeWav, 'voiceover')).rejects.toMatchObject({ code: 'media-unreadable', file: fakeWav });
    expect((await readProject(dir)).media).toEqual([]);
  });

  it('remembers recent projects, most recent first, without duplicates', async () => {
    const home = path.join(tmp, 'home');
    await addRecent({ dir: '/a', name: 'A' }, home);
    await addRecent({ dir: '/b', name: 'B' }, home);
    await addRecent({ dir: '/a', name: 'A2' }, home);
    const list = await listRecent(home);
    expect(list.map((r) => r.name)).toEqual(['A2', 'B']);
  });

  it('discards only leftovers a studio process recorded as its own, once that process is gone (issue 13, item 5)', async () => {
    const dir = path.join(tmp, 's');
    await createProject(dir, 's');
    const dead = 999_999;
    // The user's own files with leftover-like names: never touched, whatever their age.
    const userFiles = [path.join(dir, 'media', 'holiday.importing'), path.join(dir, `.notes.old-abc123`), path.join(dir, 'personas', `.p0.staging-${dead}-abc123`), path.join(dir, `.draft.${dead}.abcd1234.tmp`)];
    await fs.mkdir(path.join(dir, 'personas', `.p0.staging-${dead}-abc123`));
    for (const f of userFiles.filter((f) => !f.includes('staging'))) writeFileSync(f, 'mine');
    await fs.mkdir(path.join(dir, 'media', 'deep', 'er'), { recursive: true });
    writeFileSync(path.join(dir, 'media', 'deep', 'er', 'x.importing'), 'mine');
    // What a dead studio process recorded: a staging folder, a temp file, and a persona moved aside whose replacement never came.
    const staging = path.join(dir, 'personas', `.p1.staging-${dead}-abc123`);
    const tmpFile = path.join(dir, `.project.json.${dead}.abcd1234.tmp`);
    const old = path.join(dir, 'personas', '.p2.old-00aa11');
    await fs.mkdir(staging);
    writeFileSync(tmpFile, 'partial');
    await fs.mkdir(old);
    writeFileSync(path.join(old, 'persona.json'), '{}');
    const outside = path.join(tmp, `.elsewhere.${dead}.ffff0000.tmp`);
    writeFileSync(outside, 'not this project');
    const home = process.env.FACIAL_STUDIO_HOME!;
    await fs.mkdir(path.join(home, 'leftovers'), { recursive: true });
    const at = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(path.join(home, 'leftovers', `${dead}.json`), JSON.stringify({
      pid: dead, host: os.hostname(), startedAt: at,
      entries: [
        { path: staging, kind: 'staging', target: path.join(dir, 'personas', 'p1'), createdAt: at },
        { path: tmpFile, kind: 'tmp', target: path.join(dir, 'project.json'), createdAt: at },
        { path: old, kind: 'old', target: path.join(dir, 'personas', 'p2'), createdAt: at },
        { path: outside, kind: 'tmp', target: path.join(tmp, 'elsewhere'), createdAt: at },
      ],
    }));
    const removed = await cleanStaleStaging(dir);
    expect(removed.map((p) => path.basename(p)).sort()).toEqual(['.p1.staging-999999-abc123', '.p2.old-00aa11', `.project.json.${dead}.abcd1234.tmp`]);
    // The persona moved aside is back in place (it was the only copy).
    expect(readFileSync(path.join(dir, 'personas', 'p2', 'persona.json'), 'utf8')).toBe('{}');
    for (const f of userFiles) await fs.stat(f);
    await fs.stat(path.join(dir, 'media', 'deep', 'er', 'x.importing'));
    // Another project's leftover stays recorded until that project is opened.
    await fs.stat(outside);
    expect(JSON.parse(readFileSync(path.join(home, 'leftovers', `${dead}.json`), 'utf8')).entries).toHaveLength(1);
    expect(await cleanStaleStaging(tmp)).toEqual([outside]);
  });

  it('a staging folder of this (live) process is kept; a completed write leaves no record', async () => {
    const { stagingDir, writeFileAtomic } = await import('../../../src/engine/util/atomic-file');
    const dir = path.join(tmp, 'live');
    await createProject(dir, 'live');
    const st = await stagingDir(path.join(dir, 'personas', 'p'));
    expect(await cleanStaleStaging(dir)).toEqual([]);
    await fs.stat(st.dir);
    await st.commit();
    await writeFileAtomic(path.join(dir, 'x.json'), '{}');
    expect(existsSync(path.join(process.env.FACIAL_STUDIO_HOME!, 'leftovers', `${process.pid}.json`))).toBe(false);
  });
});

describe('atomic saves under SIGKILL', () => {
  it('a process killed mid-save always leaves a readable project (many kills)', async () => {
    const dir = path.join(tmp, 'kill');
    await createProject(dir, 'kill');
    const kills = 30;
    let lastGen = 0;
    for (let i = 0; i < kills; i++) {
      const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), path.join(repoRoot, 'tests/helpers/save-loop.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let gens = 0;
      // Kill after a varying number of completed saves, so kills land at different points of a write.
      const target = 1 + (i % 5);
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          gens += d.toString().trim().split('\n').length;
          if (gens >= target) child.kill('SIGKILL');
        });
        child.on('exit', () => resolve());
      });
      const p = await readProject(dir);
      expect(p.name).toMatch(/^gen-\d+$|^kill$/);
      lastGen = Number(p.name.slice(4)) || lastGen;
    }
    expect(lastGen).toBeGreaterThan(0);
    // Stale temp files of the killed writers are cleaned on open.
    await cleanStaleStaging(dir);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 240_000);
});

describe('writeProject', () => {
  it('validates before writing, so a bad project never reaches disk', async () => {
    const dir = path.join(tmp, 'v');
    const p = await createProject(dir, 'v');
    await expect(writeProject(dir, { ...p, fps: -1 })).rejects.toThrow();
    expect((await readProject(dir)).fps).toBe(25);
  });
});
