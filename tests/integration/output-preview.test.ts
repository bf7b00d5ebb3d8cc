import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { hasSharedData, skipNoSharedData } from '../helpers/repo';
import { aocProject, type AocProject } from '../helpers/aoc-project';
import { ApiHost } from '../../src/host/api-host';
import { nodeJobLauncher } from '../../src/host/launcher';
import { curvesFile } from '../../src/host/curves-store';
import { decodePng } from '../../src/engine/io/png';
import { exportVideo, OutputPreview } from '../../src/engine/export';
import { FaceTracker } from '../../src/engine/tracking/face-tracker';
import { evaluateAll, filmedFrame, fromCurveDocumentFile, isRevoicedTake } from '../../src/engine/common/curves';
import { loadPersona } from '../../src/engine/persona';
import { BLINK_INDEX, PARAM_COUNT } from '../../src/shared/facial-params';
import { RawFrameStream } from '../../src/engine/media/raw-frame-stream';
import type { OutputFramePayload, ParamsOf } from '../../src/shared/contract';
import type { CurveEdits } from '../../src/shared/curve-document';

/**
 * The studio's output preview (preview.frame / preview.range) on the real AOC clip: the
 * frame at a time of the take, made by the export's own painter from the footage, the
 * same pixels as the exported MP4's frame; cached per curves version, a new version
 * (an edit the editor holds, not yet saved) prepared again; ranges for playing.
 */
type Ready = Extract<OutputFramePayload, { state: 'ready' }>;

async function frameWhenReady(host: ApiHost, params: ParamsOf<'preview.frame'>, seen?: string[]): Promise<Ready> {
  for (let i = 0; i < 2000; i++) {
    const r = await host.call('preview.frame', params);
    if (r.state === 'ready') return r;
    seen?.push(`${r.stage} ${r.fraction.toFixed(2)} ${r.message}`);
  }
  throw new Error('the preview never became ready');
}

function image(file: string): { width: number; height: number; lum: Float32Array; rgb: Uint8Array } {
  const png = decodePng(new Uint8Array(readFileSync(file)));
  const lum = new Float32Array(png.width * png.height);
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < lum.length; i++) {
    const o = i * png.channels;
    rgb.set(png.data.subarray(o, o + 3), i * 3);
    lum[i] = (png.data[o] + png.data[o + 1] + png.data[o + 2]) / 3;
  }
  return { width: png.width, height: png.height, lum, rgb };
}

function std(a: Float32Array): number {
  let m = 0;
  for (const v of a) m += v / a.length;
  let s = 0;
  for (const v of a) s += ((v - m) ** 2) / a.length;
  return Math.sqrt(s);
}

describe.skipIf(!hasSharedData)(`the studio's output preview on real footage${skipNoSharedData ? ` (${skipNoSharedData})` : ''}`, () => {
  let root: string;
  let host: ApiHost;
  let take: AocProject;
  let edits: CurveEdits;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'facial-preview-it-'));
    host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher(), projectsDir: root });
    take = await aocProject(host, root, 'Preview');
    edits = (await host.call('curves.get', { projectDir: take.projectDir, curvesId: take.curvesId })).doc.edits;
  }, 300_000);
  afterAll(async () => {
    await host?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('shows the export\'s own frame at the playhead: prepared once, then each frame quickly, the same pixels as the MP4', async () => {
    const params = { projectDir: take.projectDir, curvesId: take.curvesId, edits, timeS: 2 };
    const first = await host.call('preview.frame', { ...params, waitMs: 0 });
    // A fresh take prepares first (the plan and the donors read from the footage).
    expect(first.state).toBe('preparing');
    const seen: string[] = [];
    const t0 = performance.now();
    // The preparation runs in the preview's worker thread: the host's event loop stays free.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const r = await frameWhenReady(host, params, seen);
    loop.disable();
    const prepareWall = (performance.now() - t0) / 1000;
    expect(r.synthesis).toBe('retrieval');
    expect(r.frame).toBe(50);
    expect([r.width, r.height]).toEqual([512, 512]);
    const img = image(r.file);
    expect([img.width, img.height]).toEqual([512, 512]);
    expect(std(img.lum)).toBeGreaterThan(15);
    // Frames after the first come from the prepared take.
    const times: number[] = [];
    let last = r;
    for (const t of [2.04, 3, 4.5, 1]) {
      const q = await frameWhenReady(host, { ...params, timeS: t });
      expect(q.prepareS).toBe(0);
      expect(q.file).not.toBe(last.file);
      times.push(q.paintMs);
      last = q;
    }
    console.log(`output preview, AOC 512x512, ${r.frameCount} frames: prepared in ${prepareWall.toFixed(2)} s wall (${r.prepareS.toFixed(2)} s in the host; stages seen: ${[...new Set(seen.map((s) => s.split(' ')[0]))].join(', ')}), then ${times.map((t) => t.toFixed(0)).join(', ')} ms per frame (decode, paint, PNG); the host's event loop was held at most ${(loop.max / 1e6).toFixed(0)} ms while it prepared`);
    // The same frame asked again is the cached file.
    expect((await frameWhenReady(host, params)).file).toBe(r.file);

    // The export of the same saved take: its frame 50 is the preview's, up to H.264's loss.
    const out = path.join(root, 'export.mp4');
    await exportVideo({ persona: take.personaDir, audio: take.voiceFile, curves: curvesFile(take.projectDir, take.curvesId), out, crf: 12 });
    const s = new RawFrameStream(out, 512, 512, { fps: 25, startFrame: 50, frames: 1 });
    const exported = (await s.next())!;
    await s.close();
    let diff = 0;
    for (let i = 0; i < exported.length; i++) diff += Math.abs(exported[i] - img.rgb[i]) / exported.length;
    console.log(`preview frame 50 vs the export's frame 50: mean abs difference ${diff.toFixed(2)} levels`);
    expect(diff).toBeLessThan(4);
  }, 600_000);

  it('an edit the editor holds (a blink at the playhead, not yet saved) is a new version: prepared again, and the eyes close', async () => {
    // A frame of the take with open eyes: the lowest blink value, away from the take's blink events.
    const doc = fromCurveDocumentFile((await host.call('curves.get', { projectDir: take.projectDir, curvesId: take.curvesId })).doc);
    const curves = evaluateAll(doc);
    let best = -1;
    for (let f = 20; f < doc.frameCount - 20; f++) {
      if (edits.blinks.some((e) => f > e.start - 12 && f < e.start + e.duration + 12)) continue;
      if (best < 0 || curves[f * PARAM_COUNT + BLINK_INDEX] < curves[best * PARAM_COUNT + BLINK_INDEX]) best = f;
    }
    expect(best).toBeGreaterThan(0);
    const timeS = best / doc.fps;
    const open = await frameWhenReady(host, { projectDir: take.projectDir, curvesId: take.curvesId, edits, timeS });
    const blink = { id: 'b-preview-test', start: best - 4, duration: 9, strength: 1 };
    const closed = await frameWhenReady(host, { projectDir: take.projectDir, curvesId: take.curvesId, edits: { ...edits, blinks: [...edits.blinks, blink] }, timeS });
    expect(closed.frame).toBe(open.frame);
    expect(path.dirname(closed.file)).not.toBe(path.dirname(open.file));
    // The eyes, as an independent face tracker sees them: lid gap over eye width.
    const tracker = await FaceTracker.create({ maxFaces: 1 });
    const eyeOpening = async (file: string) => {
      const img = image(file);
      const face = (await tracker.track(img.rgb, img.width, img.height, { redetect: true }))[0];
      expect(face).toBeDefined();
      const d = (a: number, b: number) => Math.hypot(face.landmarks[a * 3] - face.landmarks[b * 3], face.landmarks[a * 3 + 1] - face.landmarks[b * 3 + 1]);
      return (d(159, 145) + d(386, 374)) / (d(33, 133) + d(362, 263));
    };
    const ro = await eyeOpening(open.file), rc = await eyeOpening(closed.file);
    console.log(`blink at frame ${best}: eye opening (lid gap / eye width) ${ro.toFixed(3)} without the blink, ${rc.toFixed(3)} with it`);
    expect(rc).toBeLessThan(0.7 * ro);
    // Going back (undo) finds the earlier version still prepared.
    const back = await frameWhenReady(host, { projectDir: take.projectDir, curvesId: take.curvesId, edits, timeS });
    expect(back.file).toBe(open.file);
  }, 600_000);

  it('renders a short range for playing, and cancels a preparation that is no longer wanted', async () => {
    let range;
    for (let i = 0; i < 2000; i++) {
      range = await host.call('preview.range', { projectDir: take.projectDir, curvesId: take.curvesId, edits, fromS: 1, seconds: 2 });
      if (range.state === 'ready') break;
    }
    expect(range?.state).toBe('ready');
    if (range?.state !== 'ready') return;
    expect(range.from).toBe(25);
    expect(range.files.length).toBe(50);
    console.log(`a 2 s range: ${range.msPerFrame.toFixed(0)} ms per frame`);
    expect(new Set(range.files).size).toBe(50);

    const other: CurveEdits = { ...edits, layers: [...edits.layers, { kind: 'offset', id: 'l-cancel-test', channel: 'yaw', start: 0, end: 100, value: 5, fade: 0 }] };
    const p = await host.call('preview.frame', { projectDir: take.projectDir, curvesId: take.curvesId, edits: other, timeS: 1, waitMs: 0 });
    expect(p.state).toBe('preparing');
    expect((await host.call('preview.cancel', { projectDir: take.projectDir })).cancelled).toBe(true);
    expect((await host.call('preview.cancel', { projectDir: take.projectDir })).cancelled).toBe(false);
  }, 600_000);

  it('the export job honours the synthesis chosen in the dialog: the trained renderer asked for, without one, is a clear error', async () => {
    const job = await host.call('job.start', { kind: 'render.export', projectDir: take.projectDir, personaId: take.personaId, mediaId: take.voiceId, curvesId: take.curvesId, synthesis: 'renderer', out: path.join(root, 'renderer.mp4') });
    const end = await host.jobs.wait(job.id);
    expect(end.state).toBe('failed');
    expect(end.error).toMatch(/no trained renderer yet/);
  }, 300_000);

  it('"Re-voice the clip" makes a take of the clip\'s own motion: the output plays the footage as filmed (only the mouth changes) until the head pose is edited', async () => {
    const job = await host.call('job.start', { kind: 'curves.generate', projectDir: take.projectDir, personaId: take.personaId, mediaId: take.voiceId, revoice: true });
    expect(job.title).toMatch(/^Re-voice the clip/);
    const end = await host.jobs.wait(job.id);
    expect(end.state).toBe('done');
    const curvesId = (end.result as { id: string }).id;
    const doc = (await host.call('curves.get', { projectDir: take.projectDir, curvesId })).doc;
    expect(isRevoicedTake(doc.generator)).toBe(true);
    const r = await frameWhenReady(host, { projectDir: take.projectDir, curvesId, timeS: 2 });
    expect(r.notes.join(' ')).toMatch(/re-voiced take/);
    // Above the mouth the output frame is the footage's own frame 50 (the take as filmed).
    const persona = await loadPersona(take.personaDir);
    const j = filmedFrame(r.frame, r.fps, { fps: persona.meta.fps, frameCount: persona.frameCount });
    const s = new RawFrameStream(persona.meta.source.file, 512, 512, { fps: persona.meta.fps, startFrame: j, frames: 1 });
    const filmed = (await s.next())!;
    await s.close();
    const img = image(r.file);
    const upper = (a: Uint8Array) => a.subarray(0, 512 * 200 * 3);
    let diff = 0;
    for (let i = 0; i < upper(filmed).length; i++) diff += Math.abs(upper(filmed)[i] - upper(img.rgb)[i]) / upper(filmed).length;
    console.log(`re-voiced take, frame ${r.frame}: upper part vs the footage's frame ${j}: mean abs difference ${diff.toFixed(2)} levels`);
    expect(diff).toBeLessThan(2);
    // The export of the take plays it as filmed too.
    const exported = await exportVideo({ persona: take.personaDir, audio: take.voiceFile, curves: curvesFile(take.projectDir, curvesId), out: path.join(root, 'revoiced.mp4') });
    expect(exported.notes.join(' ')).toMatch(/re-voiced take: the footage's own head motion and blinks/);
    // A turned head is no longer the clip as filmed: the frames are chosen by head pose.
    const turned: CurveEdits = { layers: [{ kind: 'offset', id: 'l-turn', channel: 'yaw', start: 0, end: doc.frameCount - 1, fade: 0, value: 6 }], blinks: [] };
    const t = await frameWhenReady(host, { projectDir: take.projectDir, curvesId, edits: turned, timeS: 2 });
    expect(t.notes.join(' ')).toMatch(/edited head pose or blinks: source frames chosen by head pose/);
  }, 300_000);

  it('an edited take reuses the donor crops of the version before (reads only the frames it lacks) and paints the same pixels as a fresh preparation', async () => {
    const doc = fromCurveDocumentFile((await host.call('curves.get', { projectDir: take.projectDir, curvesId: take.curvesId })).doc);
    const before = evaluateAll(doc);
    const after = evaluateAll({ ...doc, edits: { ...doc.edits, layers: [...doc.edits.layers, { kind: 'offset', id: 'l-reuse', channel: 'expr:0', start: 40, end: 90, fade: 5, value: 1.5 }] } });
    const opts = { persona: take.personaDir, audio: take.voiceFile, curvesFps: doc.fps };
    const a = await OutputPreview.prepare({ ...opts, curves: before });
    let t0 = performance.now();
    const reused = await OutputPreview.prepare({ ...opts, curves: after, reuse: a });
    const reusedS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const fresh = await OutputPreview.prepare({ ...opts, curves: after });
    const freshS = (performance.now() - t0) / 1000;
    console.log(`preparing an edited take: ${reusedS.toFixed(2)} s reusing the donors of the version before, ${freshS.toFixed(2)} s fresh`);
    for (const f of [10, 60, 120]) expect(Buffer.from(await reused.paint(f)).equals(Buffer.from(await fresh.paint(f)))).toBe(true);
    await Promise.all([a.close(), reused.close(), fresh.close()]);
  }, 300_000);
});
