import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { CANCEL_GRACE_MS, JobManager } from '../../../src/host/job-manager';
import { tsxLoaderUrl } from '../../../src/host/launcher';
import type { JobInfo } from '../../../src/shared/contract';
import { repoRoot } from '../../helpers/repo';

function manager(mode: string) {
  return new JobManager({
    entry: path.join(repoRoot, 'tests/helpers/fake-job-process.ts'),
    execPath: process.execPath,
    execArgv: ['--import', tsxLoaderUrl()],
    env: { FAKE_JOB_MODE: mode },
  });
}
const req = { kind: 'media.peaks' as const, projectDir: '/nowhere', mediaId: 'm1' };

describe('JobManager', () => {
  it('runs a job in a child process and streams stage, fraction and ETA', async () => {
    const jm = manager('ok');
    const updates: JobInfo[] = [];
    jm.on('update', (u: JobInfo) => updates.push(u));
    const job = jm.start(req);
    expect(job.state).toBe('queued');
    const final = await jm.wait(job.id);
    expect(final.state).toBe('done');
    expect(final.result).toEqual({ answer: 42 });
    expect(final.fraction).toBe(1);
    const running = updates.filter((u) => u.state === 'running' && u.fraction > 0);
    expect(running.map((u) => u.stage)).toContain('first');
    expect(running.map((u) => u.stage)).toContain('second');
    const fractions = running.map((u) => u.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(running.some((u) => u.message === 'step 3')).toBe(true);
  });

  it('cancels a running job', async () => {
    const jm = manager('slow');
    const job = jm.start(req);
    await new Promise<void>((resolve) => jm.on('update', (u: JobInfo) => u.fraction >= 0.2 && resolve()));
    jm.cancel(job.id);
    const final = await jm.wait(job.id);
    expect(final.state).toBe('cancelled');
    expect(final.fraction).toBeLessThan(1);
  });

  it('kills a job that ignores cancel after the grace period (well before the old 15 s)', async () => {
    const jm = manager('hang');
    const job = jm.start(req);
    expect(jm.get(job.id)!.state).toBe('running');
    await new Promise((r) => setTimeout(r, 1000)); // the child has started the job by now
    const t0 = Date.now();
    jm.cancel(job.id);
    const final = await jm.wait(job.id);
    expect(final.state).toBe('cancelled');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(CANCEL_GRACE_MS - 50);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('cancels a queued job without starting it, one job running at a time', async () => {
    const jm = manager('slow');
    const a = jm.start(req);
    const b = jm.start(req);
    expect(jm.get(b.id)!.state).toBe('queued');
    jm.cancel(b.id);
    expect(jm.get(b.id)!.state).toBe('cancelled');
    jm.cancel(a.id);
    expect((await jm.wait(a.id)).state).toBe('cancelled');
  });

  it('reports a job failure with its message and hint', async () => {
    const jm = manager('fail');
    const final = await jm.wait(jm.start(req).id);
    expect(final.state).toBe('failed');
    expect(final.error).toBe('The input is bad. What to do: Use a good one.');
  });

  it('reports a crashed job process', async () => {
    const jm = manager('crash');
    const final = await jm.wait(jm.start(req).id);
    expect(final.state).toBe('failed');
    expect(final.error).toMatch(/ended unexpectedly \(exit code 3\)/);
  });

  it('unknown job ids get a clear error', () => {
    expect(() => manager('ok').cancel('nope')).toThrow(/No job with id nope/);
  });
});

describe('real job kinds', () => {
  it('a job naming a persona the project does not have fails with a clear message', async () => {
    const { mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const { createProject } = await import('../../../src/host/project-store');
    const { nodeJobLauncher } = await import('../../../src/host/launcher');
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'jobs-')), 'p');
    await createProject(dir, 'p');
    const jm = new JobManager(nodeJobLauncher());
    const final = await jm.wait(jm.start({ kind: 'gan.train', projectDir: dir, personaId: 'gone' }).id);
    expect(final.state).toBe('failed');
    expect(final.error).toBe('The project has no persona with id gone. What to do: Reload the project; the persona may have been removed.');
  });
});
