import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiHost } from '../../../src/host/api-host';
import { createCurveDocument, toCurveDocumentFile, parseCurveDocument, setKeyframe, evaluate } from '../../../src/engine/common/curves';
import { syntheticBase } from './helpers';

/** The curves.* contract methods through the ApiHost (validation included). */
describe('curves in a project', () => {
  let tmp: string;
  let host: ApiHost;
  let dir: string;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'curves-store-'));
    process.env.FACIAL_STUDIO_HOME = path.join(tmp, 'home');
    host = new ApiHost({ mode: 'test', launcher: { entry: '/nonexistent' } });
    dir = (await host.call('project.create', { dir: path.join(tmp, 'p'), name: 'P' })).dir;
  });
  afterAll(async () => {
    await host.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('saves a document, lists it in the project, reads it back, autosaves edits', async () => {
    const doc = createCurveDocument({ source: 'prior', personaId: 'synthetic', fps: 25, base: syntheticBase(250, { blinksAt: [100] }), mediaId: 'm1' });
    const snap = await host.call('curves.save', { projectDir: dir, curvesId: 'take-1', doc: toCurveDocumentFile(doc) });
    expect(snap.project.curves).toEqual([expect.objectContaining({ id: 'take-1', path: 'curves/take-1.json', source: 'prior', origin: 'built-in', personaId: 'synthetic', mediaId: 'm1' })]);
    expect(snap.project.activeCurvesId).toBe('take-1');
    const got = await host.call('curves.get', { projectDir: dir, curvesId: 'take-1' });
    const back = parseCurveDocument(got.doc);
    expect(Array.from(back.base)).toEqual(Array.from(doc.base));

    const edits = setKeyframe(back.edits, 'yaw', 40, 0.5).edits;
    const r = await host.call('curves.saveEdits', { projectDir: dir, curvesId: 'take-1', edits });
    expect(r.savedAt).toMatch(/^\d{4}-/);
    const again = parseCurveDocument((await host.call('curves.get', { projectDir: dir, curvesId: 'take-1' })).doc);
    expect(evaluate(again, 40)[1]).toBeCloseTo(0.5, 6);
    expect(again.edits.blinks).toHaveLength(1);
  });

  it('refuses invalid edits and reports damaged files without changing them', async () => {
    const bad = { layers: [{ kind: 'offset', id: 'a', channel: 'sem:jaw', start: 0, end: 5, fade: 0, value: 1 }], blinks: [] };
    await expect(host.call('curves.saveEdits', { projectDir: dir, curvesId: 'take-1', edits: bad as never })).rejects.toThrow(/sem:jaw, which is not one of its semantic controls/);
    await expect(host.call('curves.get', { projectDir: dir, curvesId: 'nope' })).rejects.toThrow(/no curves "nope"/);
    const file = path.join(dir, 'curves/take-1.json');
    writeFileSync(file, '{"formatVersion":1,');
    await expect(host.call('curves.get', { projectDir: dir, curvesId: 'take-1' })).rejects.toThrow(/damaged: it is not valid JSON/);
    await expect(host.call('curves.saveEdits', { projectDir: dir, curvesId: 'take-1', edits: { layers: [], blinks: [] } })).rejects.toThrow(/damaged/);
    expect(readFileSync(file, 'utf8')).toBe('{"formatVersion":1,');
    const resp = await host.handleRaw(JSON.stringify({ id: 1, method: 'curves.save', params: { projectDir: dir, curvesId: '../evil', doc: {} } }));
    expect(resp).toMatchObject({ ok: false, error: { code: 'bad-message' } });
  });
});
