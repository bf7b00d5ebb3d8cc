import { describe, it, expect } from 'vitest';
import { compare } from '../../../src/engine/quality/analyse-render';
import { measureLandmarks, IDENTITY_FRAMING, estimateFraming } from '../../../src/engine/quality/face-geometry';
import { RingTotals, SEAM_RINGS } from '../../../src/engine/quality/frame-measures';
import { ringKey, type ReferenceProfile } from '../../../src/engine/quality/reference-profile';
import { deformMesh, poseVertices, projectCameraPoints, type FaceModel } from '../../../src/engine/common/face-model';
import { eyeAspectRatio } from '../../../src/engine/persona/blink';
import { defaultCamera } from '../../../src/engine/persona/fit-pose';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from '../../../src/engine/persona/landmark-sets';
import type { Persona } from '../../../src/engine/persona';
import type { VideoTrack } from '../../../src/engine/tracking/track-video';
import type { AudioFeatures } from '../../../src/engine/audio/index';
import { blinkShape } from '../../../src/engine/common/curves/blinks';
import { syntheticFace } from '../../helpers/persona-synthetic';
import { RenderQualityReport } from '../../../src/shared/render-quality';

/**
 * The landmark and series half of the quality report on a synthetic person whose
 * truth is known: a face model whose one expression component opens the mouth, curves
 * that move mouth, head and lids, and "video" landmarks made from the same model with
 * chosen differences (a missing blink, an extra one, a still mouth).
 */
const V = 478, N = V * 3, FPS = 25, T = 160;

function syntheticPersona(): Persona {
  const neutral = Float32Array.from(syntheticFace(7, 10));
  neutral.set([0, 39, -25], 13 * 3);
  neutral.set([0, 41, -25], 14 * 3);
  const basis = new Float32Array(64 * N);
  basis[14 * 3 + 1] = 1; // component 0 lowers the inner lower lip, 1 mm per unit
  const model: FaceModel = {
    vertexCount: V, neutral, basis, triangles: new Uint32Array(0), uvs: new Float32Array(V * 2), eyeMask: new Uint8Array(V),
    landmarkToVertex: Int32Array.from({ length: V }, (_, i) => i),
  };
  const open = eyeAspectRatio(neutral);
  const camera = defaultCamera(512, 512);
  return {
    dir: '/nowhere', model, camera, params: curves({}), frameCount: T,
    meta: { id: 'p1', name: 'Synthetic', fps: FPS, source: { file: '/nowhere/src.mp4', width: 512, height: 512 }, blink: { open, closed: 0.1 * open } },
  } as unknown as Persona;
}

/** Curves: mouth 5 ± 5 (component 0), yaw and pitch swaying, blinks at the given starts (5 frames each). */
function curves(o: { blinks?: number[]; stillMouth?: boolean; pauses?: [number, number][] }): Float32Array {
  const c = new Float32Array(T * 71);
  for (let t = 0; t < T; t++) {
    const r = t * 71;
    c[r] = 0.06 * Math.sin(t * 0.05);
    c[r + 1] = 0.12 * Math.sin(t * 0.031 + 1);
    c[r + 2] = 0.03 * Math.sin(t * 0.07);
    c[r + 5] = 650;
    const paused = o.pauses?.some(([a, b]) => t >= a && t <= b);
    c[r + 7] = o.stillMouth ? 4 : paused ? 0 : 5 + 5 * Math.sin(t * 0.45) * Math.sin(t * 0.13);
    for (const b of o.blinks ?? []) c[r + 6] += blinkShape((t - b + 0.5) / 6);
  }
  return c;
}

/** Tracker-like landmarks (x, y px; z pixel-scale depth) of the model driven by `c`, lids closed by the blink channel. */
function trackFrom(p: Persona, c: Float32Array): VideoTrack {
  const landmarks = new Float32Array(T * N);
  const cam = p.camera;
  for (let t = 0; t < T; t++) {
    const row = c.subarray(t * 71, (t + 1) * 71);
    const shape = deformMesh(p.model, row.subarray(7));
    const b = row[6];
    for (const eye of [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT]) {
      eye.upper.forEach((u, k) => {
        const l = eye.lower[k];
        shape[u * 3 + 1] += b * (shape[l * 3 + 1] - shape[u * 3 + 1]) * 0.95;
      });
    }
    const pc = poseVertices(shape, row.subarray(0, 6));
    const img = projectCameraPoints(pc, cam);
    let z0 = 0;
    for (let i = 0; i < 468; i++) z0 += pc[i * 3 + 2] / 468;
    for (let i = 0; i < V; i++) {
      landmarks[t * N + i * 3] = img[i * 2];
      landmarks[t * N + i * 3 + 1] = img[i * 2 + 1];
      landmarks[t * N + i * 3 + 2] = ((pc[i * 3 + 2] - z0) * cam.fx) / z0;
    }
  }
  return {
    width: 512, height: 512, fps: FPS, frameCount: T, landmarks, status: new Uint8Array(T), scores: new Float32Array(T).fill(0.9),
    boxes: new Float32Array(T * 4), gaps: [], trackedFrames: T, multiFaceFrames: 0, subPixel: true, triangles: [], uvs: [], trackSeconds: 0,
  };
}

const ref: ReferenceProfile = {
  key: { version: 1, personaId: 'p1', file: '/nowhere/src.mp4', sizeBytes: 1, mtimeMs: 1, frameCount: T },
  createdAt: '', frames: T, faceSharpness: 1000, mouthSharpness: 600, flicker: 4,
  rings: Object.fromEntries(SEAM_RINGS.map(([r, g]) => [ringKey(r, g), { step: 20, detail: -0.2 }])),
};

function pixels(o: { face: number; mouth: number; flicker: number; ring: number; detail?: number }) {
  const rings = new RingTotals();
  rings.add({ step: new Float64Array(SEAM_RINGS.length).fill(o.ring), detail: new Float64Array(SEAM_RINGS.length).fill(o.detail ?? -0.2) });
  return { face: [o.face, o.face], mouth: [o.mouth, o.mouth], flicker: [o.flicker], rings };
}

function run(p: Persona, video: Float32Array, given: Float32Array | undefined, extra: { audio?: AudioFeatures; px?: ReturnType<typeof pixels> } = {}) {
  const r = compare({
    video: '/x.mp4', info: { fps: FPS, hasAudio: Boolean(extra.audio) }, persona: p, track: trackFrom(p, video),
    px: extra.px ?? pixels({ face: 1000, mouth: 600, flicker: 4, ring: 20 }), ref, audio: extra.audio, opts: { persona: p, curves: given }, notes: [],
  });
  // Every report the engine makes satisfies the contract the studio validates it with.
  const checked = RenderQualityReport.safeParse(JSON.parse(JSON.stringify(r)));
  expect(checked.success, checked.success ? '' : JSON.stringify(checked.error.issues)).toBe(true);
  return r;
}

describe('quality report: landmarks and series against the curves', () => {
  const p = syntheticPersona();

  it('measures pose and mouth as the persona builder does (one frame)', () => {
    const c = curves({});
    const tr = trackFrom(p, c);
    for (const t of [0, 57, 140]) {
      const m = measureLandmarks(tr.landmarks.subarray(t * N, (t + 1) * N), p, IDENTITY_FRAMING);
      expect(m.mouthMm).toBeCloseTo(2 + c[t * 71 + 7], 1);
      for (let k = 0; k < 3; k++) expect(Math.abs(m.rotation[k] - c[t * 71 + k]) * 180 / Math.PI).toBeLessThan(0.2);
    }
  });

  it('the curves rendered faithfully: every measure good', () => {
    const c = curves({ blinks: [40, 120] });
    const r = run(p, c, c);
    expect(r.blinks).toMatchObject({ status: 'good', curves: 2, video: 2, seen: 2, missed: 0, extra: 0 });
    expect(r.mouth.status).toBe('good');
    expect(r.mouth.r!).toBeGreaterThan(0.99);
    expect(r.mouth.bestLag).toBe(0);
    expect(r.pose.status).toBe('good');
    for (const a of ['pitch', 'yaw', 'roll'] as const) {
      expect(r.pose[a].r!).toBeGreaterThan(0.98);
      expect(r.pose[a].maeDeg!).toBeLessThan(0.2);
    }
    expect(r.faceSharpness).toMatchObject({ status: 'good', label: 'sharp', ratio: 1 });
    expect(r.seam).toMatchObject({ status: 'good', ratio: 1, detailFactor: 1, regions: ['face'] });
    expect(r.flicker).toMatchObject({ status: 'good', ratio: 1 });
    expect(r.faceFound.status).toBe('good');
    expect(r.overall.status).toBe('good');
    expect(r.overall.problems).toEqual([]);
    expect(r.framing.origin).toBe('same-size');
  });

  it('an eye closure the curves do not have is an extra blink; a curve blink the video lacks is missed', () => {
    const r = run(p, curves({ blinks: [40, 130] }), curves({ blinks: [40, 90] }));
    expect(r.blinks).toMatchObject({ status: 'fair', seen: 1, missed: 1, extra: 1, label: '1 of 2 blinks missing, 1 extra' });
    expect(r.blinks.videoEvents.map((e) => e.peak)).toEqual([expect.closeTo(42, 0), expect.closeTo(132, 0)]);
    expect(r.overall.problems).toContain('Blinks: 1 of 2 blinks missing, 1 extra');
  });

  it('a still mouth gives no correlation and says so', () => {
    const r = run(p, curves({ stillMouth: true }), curves({}));
    expect(r.mouth).toMatchObject({ status: 'poor', r: null, label: 'the mouth does not move' });
    // Curves that keep the mouth still cannot be compared with.
    expect(run(p, curves({}), curves({ stillMouth: true })).mouth.status).toBe('unmeasured');
  });

  it('blurred, seamed, flickering pixels: verdicts in plain words', () => {
    const c = curves({});
    const r = run(p, c, c, { px: pixels({ face: 210, mouth: 140, flicker: 10, ring: 40 }) });
    expect(r.faceSharpness).toMatchObject({ status: 'poor', label: 'blurry', ratio: 0.21 });
    expect(r.mouthSharpness).toMatchObject({ status: 'poor', label: 'blurry' });
    expect(r.seam).toMatchObject({ status: 'poor', label: 'visible seam', ratio: 2 });
    // No brightness step, but the detail drops across the boundary (blurred inside): a seam too.
    const soft = run(p, c, c, { px: pixels({ face: 1000, mouth: 600, flicker: 4, ring: 20, detail: -1.2 }) });
    expect(soft.seam).toMatchObject({ status: 'poor', label: 'visible seam', ratio: 1 });
    expect(soft.seam.detailFactor!).toBeCloseTo(Math.E, 2);
    expect(soft.seam.detail).toMatch(/softer inside/);
    expect(r.flicker).toMatchObject({ status: 'poor', label: 'flickers', ratio: 2.5 });
    expect(r.overall).toMatchObject({ status: 'poor', label: 'not good enough' });
  });

  it('without curves: video-only figures, the rest unmeasured', () => {
    const r = run(p, curves({ blinks: [60] }), undefined);
    expect(r.curves.given).toBe(false);
    expect(r.blinks).toMatchObject({ status: 'unmeasured', video: 1, curves: null });
    expect(r.mouth.status).toBe('unmeasured');
    expect(r.pose.status).toBe('unmeasured');
    expect(r.lipAudio).toMatchObject({ status: 'unmeasured', detail: 'the video has no sound track' });
  });

  it('lip-audio correlation and closure on pauses from the sound track', () => {
    const pauses: [number, number][] = [[50, 65], [120, 140]];
    const c = curves({ pauses });
    const speech = Float32Array.from({ length: T }, (_, t) => (pauses.some(([a, b]) => t >= a && t <= b) ? 0 : 1));
    // Loudness that follows the mouth two frames ahead of it, with a floor in the pauses.
    const rmsDb = Float32Array.from({ length: T }, (_, t) => (speech[t] ? -40 + 2 * c[Math.min(T - 1, t + 2) * 71 + 7] : -90));
    const audio = { frameCount: T, speech, rmsDb } as unknown as AudioFeatures;
    const r = run(p, c, c, { audio });
    expect(r.lipAudio.lag).toBe(2);
    expect(r.lipAudio.r!).toBeGreaterThan(0.7);
    expect(r.lipAudio.label).toBe('follows loudness mechanically');
    expect(r.silenceClosure).toMatchObject({ status: 'good', silences: 2, closed: 2, label: 'closes on pauses' });
    // A mouth that keeps flapping through the pauses stays open there.
    const flapping = curves({});
    const r2 = run(p, flapping, c, { audio });
    expect(r2.silenceClosure.closed).toBeLessThan(2);
  });

  it('estimates the framing of a video cropped and scaled from the source', () => {
    const c = curves({});
    const tr = trackFrom(p, c);
    // The video shows the source's square (100, 50)-(420, 370) scaled to 512: video = (source - offset) / scale.
    const scale = 320 / 512;
    for (let i = 0; i < T * V; i++) {
      tr.landmarks[i * 3] = (tr.landmarks[i * 3] - 100) / scale;
      tr.landmarks[i * 3 + 1] = (tr.landmarks[i * 3 + 1] - 50) / scale;
      tr.landmarks[i * 3 + 2] /= scale;
    }
    const f = estimateFraming(tr.landmarks, Array.from({ length: T }, () => true), c, p)!;
    expect(f.scale).toBeCloseTo(scale, 3);
    expect(f.offsetX).toBeCloseTo(100, 0);
    expect(f.offsetY).toBeCloseTo(50, 0);
  });
});
