import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportVideo } from '../../../src/engine/export/export-video';
import { geometryFilter, geometryFraming, outputGeometry, PRESETS } from '../../../src/engine/export/timing';
import { isCancelled } from '../../../src/engine/util/errors';
import { RenderQualityReport } from '../../../src/shared/render-quality';
import { makeTinyPersona } from '../render/fixture';

/**
 * The export runs the quality report at the end (the plumbing; the measures have their
 * own tests): the tiny persona's test-pattern "face" is not a face, so the tracker finds
 * none and the report says so, but it is made, written beside the MP4 and returned.
 */
describe('export with its quality report', () => {
  let root: string;
  let fx: Awaited<ReturnType<typeof makeTinyPersona>>;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'export-quality-'));
    fx = await makeTinyPersona(path.join(root, 'p'), { frames: 8, audioS: 0.4 });
  });
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('maps output pixels back to the source as the export filter crops and scales', () => {
    // square512 from 1280x720 around x=1200: crop 720x720 at (560, 0), scaled 512/720.
    const sq = outputGeometry(PRESETS.square512, undefined, 1280, 720, { x: 1200, y: 300 });
    expect(geometryFilter(sq, 1280, 720)).toContain('crop=720:720:560:0');
    expect(geometryFraming(sq)).toEqual({ scale: 720 / 512, offsetX: 560, offsetY: 0 });
    // 720p fit from 512x512: scaled to 720x720, padded 280 px left.
    const f = geometryFraming(outputGeometry(PRESETS['720p'], 'fit', 512, 512, { x: 256, y: 256 }));
    expect(f.scale).toBeCloseTo(512 / 720, 9);
    expect(f.offsetX + f.scale * 280).toBeCloseTo(0, 9);
    expect(f.offsetY).toBeCloseTo(0, 9);
  });

  it('writes X.quality.json beside the MP4 and returns the report', async () => {
    const progress: { stage: string; fraction: number }[] = [];
    const out = path.join(root, 'out', 'talk.mp4');
    const r = await exportVideo({ persona: fx.personaDir, audio: fx.audio, out, curves: fx.curves, preset: 'square512', fps: 25, quality: true, onProgress: (p) => progress.push(p) });
    expect(r.path).toBe(path.join(root, 'out', 'talk.mp4'));
    expect(r.qualityPath).toBe(path.join(root, 'out', 'talk.quality.json'));
    const onDisk = RenderQualityReport.parse(JSON.parse(await fs.readFile(r.qualityPath!, 'utf8')));
    expect(onDisk).toEqual(r.quality);
    expect(r.quality!.faceFound).toMatchObject({ status: 'poor', label: 'no face found', trackedFrames: 0 });
    expect(r.quality!.curves.given).toBe(true);
    expect(r.quality!.framing.origin).toBe('given');
    expect(r.quality!.overall.status).toBe('poor');
    // One progress bar: rendering, then the quality stages, monotone up to 1.
    expect(progress.some((p) => p.stage === 'render')).toBe(true);
    expect(progress.some((p) => p.stage === 'quality')).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction - 1e-9);
    expect(progress.at(-1)!.fraction).toBe(1);
  });

  it('a cancel while the report is made leaves nothing behind', async () => {
    const ac = new AbortController();
    const dir = path.join(root, 'cancelled');
    const err = await exportVideo({
      persona: fx.personaDir, audio: fx.audio, out: path.join(dir, 'talk.mp4'), curves: fx.curves, quality: true, signal: ac.signal,
      onProgress: (p) => { if (p.stage === 'quality') ac.abort(); },
    }).then(() => undefined, (e: unknown) => e);
    expect(isCancelled(err)).toBe(true);
    expect(await fs.readdir(dir)).toEqual([]);
  });
});
