import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluationPersona, EVALUATION_PERSONA_DIR } from '../../../src/engine/persona/evaluation-persona';
import { PERSONA_FORMAT_VERSION } from '../../../src/engine/persona/persona-folder';
import { loadPersonaTrack, TRACK_FILES, writeTrackRecord } from '../../../src/engine/persona/track-record';
import { FRAME_BRIDGED, FRAME_TRACKED, type VideoTrack } from '../../../src/engine/tracking/track-video';

/** Which persona `eval --synthesis` measures on, without building one. */
describe('evaluation persona: which one, and when it cannot be built', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'facial-evalpersona-'));
  afterAll(() => fs.rm(root, { recursive: true, force: true }));
  const meta = (over: Record<string, unknown>) => ({
    formatVersion: PERSONA_FORMAT_VERSION, id: 'p1', name: 'P', fps: 25, frameCount: 200, camera: { fx: 1, fy: 1, cx: 0, cy: 0, width: 2, height: 2 },
    source: { file: path.join(root, 'gone.mp4'), sizeBytes: 1 }, ...over,
  });
  const write = async (dir: string, m: object) => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'persona.json'), JSON.stringify(m));
  };

  it('a persona fitted before its test part is its own evaluation persona', async () => {
    const dir = path.join(root, 'fitted');
    await write(dir, meta({ fit: { frames: [0, 120], note: '' } }));
    expect(await evaluationPersona(dir)).toMatchObject({ dir, built: false });
  });

  it('reuses the one it built for this persona and split; refuses to build one without the source video', async () => {
    const dir = path.join(root, 'whole');
    await write(dir, meta({}));
    const ev = path.join(dir, EVALUATION_PERSONA_DIR);
    await write(ev, meta({ id: 'e1', fit: { frames: [0, 120], evaluationOf: 'p1', note: '' } }));
    expect(await evaluationPersona(dir)).toMatchObject({ dir: ev, built: false });
    // Of another persona (rebuilt since), or another split: built again, which needs the clip.
    await write(ev, meta({ id: 'e1', fit: { frames: [0, 120], evaluationOf: 'p0', note: '' } }));
    await expect(evaluationPersona(dir)).rejects.toMatchObject({ code: 'persona-source-missing' });
    await write(ev, meta({ id: 'e1', fit: { frames: [0, 100], evaluationOf: 'p1', note: '' } }));
    await expect(evaluationPersona(dir)).rejects.toMatchObject({ code: 'persona-source-missing' });
  });
});

describe('the clip\'s raw track kept in the persona (reused by its evaluation persona)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'facial-trackrecord-'));
  afterAll(() => fs.rm(root, { recursive: true, force: true }));
  const T = 3;
  const track: VideoTrack = {
    width: 64, height: 48, fps: 25, frameCount: T, landmarks: Float32Array.from({ length: T * 478 * 3 }, (_, i) => i * 0.25),
    status: Uint8Array.from([FRAME_TRACKED, FRAME_BRIDGED, FRAME_TRACKED]), scores: Float32Array.from([0.9, 0, 0.8]), boxes: new Float32Array(T * 4).fill(3),
    gaps: [{ start: 1, end: 1, frames: 1, kind: 'bridged' }], trackedFrames: 2, multiFaceFrames: 0, subPixel: true,
    triangles: [0, 1, 2], uvs: [[0.5, 0.25]], trackSeconds: 1.5,
  };

  it('reads back what was written, exactly', async () => {
    await writeTrackRecord(root, track);
    const back = await loadPersonaTrack(root);
    expect(back).toEqual({ ...track, scores: Float32Array.from(track.scores) });
    expect(Array.from(back!.landmarks)).toEqual(Array.from(track.landmarks));
  });

  it('a persona without it, or with a damaged one, has none (the clip is tracked again)', async () => {
    expect(await loadPersonaTrack(path.join(root, 'nothing'))).toBeUndefined();
    await fs.writeFile(path.join(root, TRACK_FILES.info), '{ not json');
    expect(await loadPersonaTrack(root)).toBeUndefined();
    await writeTrackRecord(root, track);
    await fs.writeFile(path.join(root, TRACK_FILES.landmarks), 'damaged');
    expect(await loadPersonaTrack(root)).toBeUndefined();
    // A record whose per-frame arrays do not cover the frames (someone else's file, or a truncated one).
    await writeTrackRecord(root, track);
    const rec = JSON.parse(await fs.readFile(path.join(root, TRACK_FILES.info), 'utf8'));
    for (const bad of [{ boxes: rec.boxes.slice(0, 4) }, { scores: ['x', 1, 1] }, { frameCount: 0 }, { gaps: 'none' }]) {
      await fs.writeFile(path.join(root, TRACK_FILES.info), JSON.stringify({ ...rec, ...bad }));
      expect(await loadPersonaTrack(root)).toBeUndefined();
    }
  });
});
