import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiHost } from '../../../src/host/api-host';
import { nodeJobLauncher } from '../../../src/host/launcher';
import { updateProject } from '../../../src/host/project-store';
import { createCurveDocument, toCurveDocumentFile } from '../../../src/engine/common/curves';

/**
 * preview.frame / preview.range / preview.cancel without real footage: what a take
 * that cannot be previewed answers (clear errors, nothing started), and what the
 * contract refuses. The real frames are tested on the AOC clip
 * (tests/integration/output-preview.test.ts).
 */
describe('the output preview host calls', () => {
  let tmp: string;
  let host: ApiHost;
  let proj: string;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'preview-host-'));
    process.env.FACIAL_STUDIO_HOME = path.join(tmp, 'home');
    host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher() });
    proj = (await host.call('project.create', { dir: path.join(tmp, 'p'), name: 'P' })).dir;
    const doc = toCurveDocumentFile(createCurveDocument({ source: 'prior', personaId: 'gone', fps: 25, base: new Float32Array(10 * 71), mediaId: 'v' }));
    await host.call('curves.save', { projectDir: proj, curvesId: 'c1', doc });
  });
  afterAll(async () => {
    await host.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('says what is missing: curves, their persona, their voice-over', async () => {
    await expect(host.call('preview.frame', { projectDir: proj, curvesId: 'nope', timeS: 0 })).rejects.toMatchObject({ code: 'curves-not-found' });
    await expect(host.call('preview.frame', { projectDir: proj, curvesId: 'c1', timeS: 0 })).rejects.toMatchObject({ code: 'persona-not-found' });
    await updateProject(proj, (p) => ({ ...p, personas: [{ id: 'gone', name: 'G', path: 'personas/g', sourceMediaId: 'r', createdAt: '' }] }));
    await expect(host.call('preview.range', { projectDir: proj, curvesId: 'c1', fromS: 0, seconds: 2 })).rejects.toMatchObject({ code: 'media-not-found' });
    // Nothing was prepared, nothing to cancel, no image written.
    expect((await host.call('preview.cancel', { projectDir: proj })).cancelled).toBe(false);
    expect(existsSync(path.join(proj, 'cache', 'preview'))).toBe(false);
  });

  it('the contract refuses bad times, ranges and sizes before any work', async () => {
    await expect(host.call('preview.frame', { projectDir: proj, curvesId: 'c1', timeS: -1 })).rejects.toThrow(/timeS/);
    await expect(host.call('preview.range', { projectDir: proj, curvesId: 'c1', fromS: 0, seconds: 60 })).rejects.toThrow(/seconds/);
    await expect(host.call('preview.frame', { projectDir: proj, curvesId: 'c1', timeS: 0, maxSize: 8 })).rejects.toThrow(/maxSize/);
    await expect(host.call('preview.frame', { projectDir: proj, curvesId: '../x', timeS: 0 })).rejects.toThrow(/curvesId/);
    await expect(host.call('preview.frame', { projectDir: 'relative/p', curvesId: 'c1', timeS: 0 })).rejects.toMatchObject({ code: 'path-relative' });
  });
});
