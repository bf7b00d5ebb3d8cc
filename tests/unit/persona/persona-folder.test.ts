import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePng } from '../../../src/engine/io/png';
import {
  loadPersona, loadPersonaAudio, loadPersonaHull, loadPersonaLandmarks, migratePersonaMeta, PERSONA_FORMAT_VERSION, writePersonaFolder,
  type PersonaContent, type PersonaMeta,
} from '../../../src/engine/persona/persona-folder';
import type { PersonaReport } from '../../../src/engine/persona/report';
import { isCancelled } from '../../../src/engine/util/errors';
import { deformMesh } from '../../../src/engine/common/face-model';
import { eyeOpening } from '../../../src/engine/persona/expression-basis';
import { rng, syntheticFace } from '../../helpers/persona-synthetic';

const T = 12, V = 478;

function content(withAudio = true): PersonaContent {
  const r = rng(3);
  const meta = {
    formatVersion: PERSONA_FORMAT_VERSION, id: 'test-id', name: 'Test', createdAt: '2024-01-01T00:00:00Z',
    source: { file: '/x.mp4', sizeBytes: 1, durationS: 0.48, width: 64, height: 48, fps: 25, videoCodec: 'h264' },
    fps: 25, frameCount: T, durationS: 0.48,
    camera: { model: 'pinhole', fx: 192, fy: 192, cx: 32, cy: 24, width: 64, height: 48, note: '' },
    modelSpace: { units: 'mm', ipdMm: 63, axes: '', origin: '' }, pose: { rotation: '', translation: '' },
    crop: { x: 0, y: 0, size: 48, renderSizes: [256, 512] },
    paste: { hullFile: 'hull.npy', hullVertexCount: 36, featherPx: 2, note: '' },
    eye: { threshold: 50, centres: [[-30, -30], [30, -30]], rule: '' },
    blink: { open: 0.4, closed: 0.15, measure: '' },
    expression: { components: 64, usefulComponents: 64, std: new Array(64).fill(1) },
    hasAudio: withAudio, canTrainGan: withAudio,
    build: { seconds: 1, tracker: 'test', subPixelLandmarks: true },
  } satisfies PersonaMeta;
  return {
    meta,
    modelJson: {
      formatVersion: PERSONA_FORMAT_VERSION, vertexCount: V, triangleCount: 2, triangles: [0, 1, 2, 2, 1, 3],
      uvs: Array.from({ length: V * 2 }, (_, i) => (i % 100) / 100), eyeVertices: [33, 133, 263], landmarkToVertex: Array.from({ length: V }, (_, i) => i),
      faceOval: [10, 338], expressionCount: 64, expressionStd: new Array(64).fill(1),
    },
    neutral: Float32Array.from(syntheticFace(1)),
    basis: new Float32Array(64 * V * 3).map(() => r()),
    params: new Float32Array(T * 71).map(() => r()),
    landmarks: new Float32Array(T * V * 3).map(() => 100 * r()),
    hull: new Float32Array(T * 36 * 2).map(() => 50 * r()),
    features: withAudio ? new Float32Array(T * 16 * 29).map(() => r()) : undefined,
    activity: withAudio ? new Float32Array(T * 2).map(() => r()) : undefined,
    texturePng: encodePng({ width: 4, height: 4, channels: 4, data: new Uint8Array(64).fill(128) }),
    report: { warnings: [] } as unknown as PersonaReport,
  };
}

let tmp: string;
beforeEach(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'persona-folder-')); });
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('persona folder', () => {
  it('round-trips: what is written is what loadPersona reads', async () => {
    const c = content();
    const dir = path.join(tmp, 'p');
    await writePersonaFolder(dir, c);
    const p = await loadPersona(dir);
    expect(p.meta.id).toBe('test-id');
    expect(p.frameCount).toBe(T);
    expect(p.model.vertexCount).toBe(V);
    expect(Array.from(p.model.neutral)).toEqual(Array.from(c.neutral));
    expect(Array.from(p.model.basis.subarray(0, 500))).toEqual(Array.from(c.basis.subarray(0, 500)));
    expect(Array.from(p.params)).toEqual(Array.from(c.params));
    expect(Array.from(p.model.triangles)).toEqual([0, 1, 2, 2, 1, 3]);
    expect(p.model.eyeMask[133]).toBe(1);
    expect(p.model.eyeMask[134]).toBe(0);
    expect(p.camera).toEqual({ fx: 192, fy: 192, cx: 32, cy: 24, width: 64, height: 48 });
    expect(Array.from(await loadPersonaLandmarks(p))).toEqual(Array.from(c.landmarks));
    expect((await loadPersonaHull(p)).length).toBe(T * 72);
    const audio = await loadPersonaAudio(p);
    expect(audio?.features.length).toBe(T * 16 * 29);
    // Nothing but the folder is left beside it (no staging or backup folders).
    expect(readdirSync(tmp)).toEqual(['p']);
  });

  it('a persona without audio has no feature files and says so', async () => {
    const dir = path.join(tmp, 'p');
    await writePersonaFolder(dir, content(false));
    const p = await loadPersona(dir);
    expect(p.meta.canTrainGan).toBe(false);
    expect(await loadPersonaAudio(p)).toBeUndefined();
    expect(existsSync(path.join(dir, 'features.npy'))).toBe(false);
  });

  it('stores the blink field (blink.npy); a persona written before it loads and blinks by the geometric rule', async () => {
    const dir = path.join(tmp, 'p');
    const c = content(false);
    const field = new Float32Array(V * 3).map((_, i) => (i % 3 === 1 ? 0.01 * (i % 7) : 0));
    await writePersonaFolder(dir, { ...c, modelJson: { ...c.modelJson, blink: { file: 'blink.npy', version: 1, source: 'clip', openGapMm: 10, closedGapMm: 0 } }, blink: field });
    const p = await loadPersona(dir);
    expect(Array.from(p.model.blink!)).toEqual(Array.from(field));
    expect(eyeOpening(deformMesh(p.model, [], 1))).toBeLessThan(0.01 * eyeOpening(p.model.neutral));
    // A model.json naming a field that is not given is a programming error, not a silent omission.
    await expect(writePersonaFolder(path.join(tmp, 'q'), { ...c, modelJson: { ...c.modelJson, blink: { file: 'blink.npy', version: 1, source: 'clip', openGapMm: 10, closedGapMm: 0 } } })).rejects.toThrow(/blink field/);
    // An older persona: no blink entry, no file; its lids still close.
    const old = path.join(tmp, 'old');
    await writePersonaFolder(old, c);
    expect(existsSync(path.join(old, 'blink.npy'))).toBe(false);
    const o = await loadPersona(old);
    expect(o.model.blink).toBeUndefined();
    const closed = deformMesh(o.model, [], 1);
    expect(eyeOpening(closed)).toBeLessThan(0.01 * eyeOpening(o.model.neutral));
  });

  it('refuses a newer format version, an older one it cannot convert, and a file without a version, each with a clear message', async () => {
    const dir = path.join(tmp, 'p');
    await writePersonaFolder(dir, content());
    const file = path.join(dir, 'persona.json');
    const meta = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...meta, formatVersion: PERSONA_FORMAT_VERSION + 1 }));
    await expect(loadPersona(dir)).rejects.toMatchObject({ code: 'persona-too-new', message: expect.stringMatching(/format version 2.*reads up to version 1/) });
    writeFileSync(file, JSON.stringify({ ...meta, formatVersion: 0 }));
    await expect(loadPersona(dir)).rejects.toMatchObject({ code: 'persona-too-old', hint: expect.stringMatching(/Rebuild/) });
    const { formatVersion: _drop, ...noVersion } = meta;
    writeFileSync(file, JSON.stringify(noVersion));
    await expect(loadPersona(dir)).rejects.toMatchObject({ code: 'persona-invalid' });
    expect(() => migratePersonaMeta([], 'x.json')).toThrow(/not a persona description/);
  });

  it('names the missing file and a wrong array shape', async () => {
    const dir = path.join(tmp, 'p');
    await writePersonaFolder(dir, content());
    rmSync(path.join(dir, 'basis.npy'));
    await expect(loadPersona(dir)).rejects.toMatchObject({ code: 'persona-file-missing', message: expect.stringContaining('basis.npy') });
    await expect(loadPersona(path.join(tmp, 'nowhere'))).rejects.toMatchObject({ code: 'persona-file-missing' });
  });

  it('commits atomically: a cancelled write leaves neither the folder nor a staging folder; an old persona survives', async () => {
    const dir = path.join(tmp, 'p');
    const ac = new AbortController();
    ac.abort();
    const err = await writePersonaFolder(dir, content(), { signal: ac.signal }).catch((e) => e);
    expect(isCancelled(err)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    // With an existing persona, a cancelled overwrite keeps the old one intact.
    await writePersonaFolder(dir, content());
    const ac2 = new AbortController();
    ac2.abort();
    const c2 = content();
    c2.meta.id = 'second';
    await writePersonaFolder(dir, c2, { overwrite: true, signal: ac2.signal }).catch(() => undefined);
    expect((await loadPersona(dir)).meta.id).toBe('test-id');
    expect(readdirSync(tmp)).toEqual(['p']);
    // A completed overwrite replaces it.
    await writePersonaFolder(dir, c2, { overwrite: true });
    expect((await loadPersona(dir)).meta.id).toBe('second');
    expect(readdirSync(tmp)).toEqual(['p']);
  });

  it('refuses to write over a persona without overwrite, and over a folder of other files', async () => {
    const dir = path.join(tmp, 'p');
    await writePersonaFolder(dir, content());
    await expect(writePersonaFolder(dir, content())).rejects.toMatchObject({ code: 'persona-exists' });
    const other = path.join(tmp, 'mine');
    mkdirSync(other);
    writeFileSync(path.join(other, 'holiday.jpg'), 'x');
    await expect(writePersonaFolder(other, content(), { overwrite: true })).rejects.toMatchObject({ code: 'persona-out-not-empty' });
    expect(readdirSync(other)).toEqual(['holiday.jpg']);
  });
});
