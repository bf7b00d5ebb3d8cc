import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobManager } from '../../src/host/job-manager';
import { createProject, importMedia } from '../../src/host/project-store';
import { ffmpegPath, runProcess } from '../../src/engine/media/ffmpeg';
import { repoRoot } from '../helpers/repo';

/**
 * The desktop build without the Electron binary: electron-vite bundles the main
 * process, the job process and the tracker worker; the job process is what Electron
 * runs as plain Node (ELECTRON_RUN_AS_NODE), so plain Node can check that it works.
 */
describe('desktop bundle', () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
  });

  it('builds every entry as parseable JavaScript', () => {
    for (const f of ['out/main/index.js', 'out/main/job-process.js', 'out/main/tracker-worker.js', 'out/main/output-preview-worker.js', 'out/main/footage-reader-worker.js', 'out/main/video-writer-worker.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(existsSync(path.join(repoRoot, f)), f).toBe(true);
    }
    for (const f of ['out/main/index.js', 'out/main/job-process.js', 'out/main/tracker-worker.js', 'out/main/output-preview-worker.js', 'out/main/footage-reader-worker.js', 'out/main/video-writer-worker.js', 'out/preload/index.cjs']) {
      const check = spawnSync(process.execPath, ['--check', path.join(repoRoot, f)], { encoding: 'utf8' });
      expect(check.stderr, f).toBe('');
    }
  });

  it('the bundled job process runs a real job', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'bundle-')), 'p');
    await createProject(dir, 'bundle');
    const wav = path.join(path.dirname(dir), 'voice.wav');
    await runProcess(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=3', '-ar', '16000', wav]);
    const { media } = await importMedia(dir, wav, 'voiceover');
    const jobs = new JobManager({ entry: path.join(repoRoot, 'out/main/job-process.js'), execPath: process.execPath });
    const final = await jobs.wait(jobs.start({ kind: 'media.peaks', projectDir: dir, mediaId: media.id }).id);
    expect(final.error).toBeUndefined();
    expect(final.state).toBe('done');
    expect((final.result as { levels: number }).levels).toBeGreaterThan(0);
  });
});
