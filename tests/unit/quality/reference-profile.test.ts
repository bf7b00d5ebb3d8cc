import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTinyPersona } from '../render/fixture';
import { encodeNpy } from '../../../src/engine/io/npy';
import { loadPersona } from '../../../src/engine/persona';
import { FACE_OVAL } from '../../../src/engine/persona/landmark-sets';
import { referenceProfile, REFERENCE_FILE, QUALITY_MEASURE_VERSION } from '../../../src/engine/quality/reference-profile';
import { OUTER_LIPS } from '../../../src/engine/quality/frame-measures';

describe('the persona\'s reference profile (its own footage, measured once and cached)', () => {
  let root: string;
  let dir: string;
  let video: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'quality-ref-'));
    const fx = await makeTinyPersona(root, { frames: 12, size: 96 });
    dir = fx.personaDir;
    video = fx.video;
    // A round "face" of radius 30 px in the 96x96 frame, the same in every frame.
    const lm = new Float32Array(12 * 478 * 3);
    for (let t = 0; t < 12; t++) {
      for (let i = 0; i < 478; i++) {
        lm.set([48 + 20 * Math.cos(i), 48 + 20 * Math.sin(i * 1.7), 0], (t * 478 + i) * 3);
      }
      FACE_OVAL.forEach((v, k) => lm.set([48 + 30 * Math.sin((2 * Math.PI * k) / FACE_OVAL.length), 48 - 30 * Math.cos((2 * Math.PI * k) / FACE_OVAL.length), 0], (t * 478 + v) * 3));
      OUTER_LIPS.forEach((v, k) => lm.set([48 - 10 * Math.cos((2 * Math.PI * k) / OUTER_LIPS.length), 62 + 4 * Math.sin((2 * Math.PI * k) / OUTER_LIPS.length), 0], (t * 478 + v) * 3));
    }
    await fs.writeFile(path.join(dir, 'landmarks.npy'), encodeNpy(lm, [12, 478, 3]));
  });
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('measures the footage, caches it keyed by the source and the code version, and measures again when the source changes', async () => {
    const persona = await loadPersona(dir);
    const first = await referenceProfile(persona);
    expect(first.cached).toBe(false);
    const p = first.profile!;
    expect(p.frames).toBe(12);
    expect(p.faceSharpness).toBeGreaterThan(0);
    expect(p.mouthSharpness).toBeGreaterThan(0);
    expect(p.flicker).toBeGreaterThan(0); // testsrc moves
    expect(Object.keys(p.rings)).toContain('face@0');
    const file = JSON.parse(await fs.readFile(path.join(dir, REFERENCE_FILE), 'utf8'));
    expect(file.key).toMatchObject({ version: QUALITY_MEASURE_VERSION, personaId: 'tiny-persona', file: video });
    expect((await fs.readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);

    const again = await referenceProfile(persona);
    expect(again.cached).toBe(true);
    expect(again.profile).toEqual(p);

    // The source changed (a new modification time): measured again.
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(video, later, later);
    expect((await referenceProfile(persona)).cached).toBe(false);
    // A damaged cache is measured again, not trusted.
    await fs.writeFile(path.join(dir, REFERENCE_FILE), '{"key": 1');
    expect((await referenceProfile(persona)).cached).toBe(false);
  });

  it('says so when the source video is gone', async () => {
    const persona = await loadPersona(dir);
    const gone = { ...persona, meta: { ...persona.meta, source: { ...persona.meta.source, file: path.join(root, 'moved.mp4') } } };
    const r = await referenceProfile(gone);
    expect(r.profile).toBeUndefined();
    expect(r.note).toMatch(/source video .*moved\.mp4 is not there any more/);
  });
});
