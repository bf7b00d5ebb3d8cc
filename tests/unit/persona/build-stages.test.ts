import { describe, expect, it } from 'vitest';
import { poseVertices, projectCameraPoints } from '../../../src/engine/common/face-model';
import { pearson } from '../../../src/engine/common/numeric';
import type { MediaInfo } from '../../../src/engine/media/ffmpeg';
import { chooseTextureFrames } from '../../../src/engine/persona/bake-texture';
import { alignClipAudio } from '../../../src/engine/persona/clip-audio';
import { acceptClip, checkTrack, checkTurnedAway } from '../../../src/engine/persona/clip-checks';
import { fitFace } from '../../../src/engine/persona/fit-face';
import { defaultCamera } from '../../../src/engine/persona/fit-pose';
import { measureFit } from '../../../src/engine/persona/fit-quality';
import { FACE_OVAL } from '../../../src/engine/persona/landmark-sets';
import { FRAME_FILLED, FRAME_TRACKED, type VideoTrack } from '../../../src/engine/tracking/track-video';
import { UserError } from '../../../src/engine/util/errors';
import { EXPR_OFFSET, PARAM_COUNT } from '../../../src/shared/facial-params';
import { syntheticFace } from '../../helpers/persona-synthetic';

/**
 * The persona build's stages on their own, on synthetic input: a rigid face turning
 * and opening its jaw in front of the persona's camera (known pose and motion), a
 * made-up probe result, made-up audio features.
 */

const T = 40;
const W = 512;
const camera = defaultCamera(W, W);
const truthYaw = (t: number) => 0.25 * Math.sin((2 * Math.PI * t) / 40);
const truthPitch = (t: number) => 0.1 * Math.cos((2 * Math.PI * t) / 40);
const jaw = (t: number) => 6 * Math.max(0, Math.sin((2 * Math.PI * t) / 20));

/** A VideoTrack of a synthetic face: pose and jaw opening known per frame, landmarks as the tracker gives them (z: pixel-scale depth). */
function syntheticTrack(): VideoTrack {
  const base = syntheticFace(5);
  // Forehead (10) and chin (152) where modelFrame looks for "up", so the model frame is the truth's.
  base.set([0, -90, -10], 10 * 3);
  base.set([0, 90, -10], 152 * 3);
  const landmarks = new Float32Array(T * 478 * 3);
  const boxes = new Float32Array(T * 4);
  for (let t = 0; t < T; t++) {
    const shape = Float32Array.from(base);
    // Jaw opening: the lower face moves down in proportion to its height below the eyes.
    for (let i = 0; i < 478; i++) if (base[i * 3 + 1] > 10) shape[i * 3 + 1] += jaw(t) * (base[i * 3 + 1] - 10) / 80;
    const cam = poseVertices(shape, [truthPitch(t), truthYaw(t), 0.02, 5, -10, 1100]);
    const uv = projectCameraPoints(cam, camera);
    let zMean = 0;
    for (let i = 0; i < 468; i++) zMean += cam[i * 3 + 2] / 468;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < 478; i++) {
      landmarks.set([uv[i * 2], uv[i * 2 + 1], (cam[i * 3 + 2] * camera.fx) / zMean], (t * 478 + i) * 3);
      x0 = Math.min(x0, uv[i * 2]); x1 = Math.max(x1, uv[i * 2]); y0 = Math.min(y0, uv[i * 2 + 1]); y1 = Math.max(y1, uv[i * 2 + 1]);
    }
    boxes.set([x0, y0, x1 - x0, y1 - y0], t * 4);
  }
  return {
    width: W, height: W, fps: 25, frameCount: T, landmarks, status: new Uint8Array(T).fill(FRAME_TRACKED), scores: new Float32Array(T).fill(1), boxes,
    gaps: [], trackedFrames: T, multiFaceFrames: 0, subPixel: true,
    triangles: [0, 1, 2, 3, 4, 5], uvs: Array.from({ length: 468 }, (_, i) => [(i % 22) / 22, Math.floor(i / 22) / 22] as [number, number]), trackSeconds: 0,
  };
}

describe('persona build stages on their own', () => {
  it('fit: recovers the head turn and the jaw motion of a synthetic face; quality: the model re-projects onto it', () => {
    const track = syntheticTrack();
    const seen: number[] = [];
    const fit = fitFace(track, 'synthetic.mp4', { progress: (f) => seen.push(f) });
    expect(fit.warnings).toEqual([]);
    expect(fit.params.length).toBe(T * PARAM_COUNT);
    expect(seen.length).toBeGreaterThan(0);
    // Pose: the model frame is the truth's, so yaw and pitch follow the truth.
    const yaw = Array.from({ length: T }, (_, t) => fit.params[t * PARAM_COUNT + 1]);
    const pitch = Array.from({ length: T }, (_, t) => fit.params[t * PARAM_COUNT]);
    expect(pearson(yaw, Array.from({ length: T }, (_, t) => truthYaw(t)))).toBeGreaterThan(0.99);
    expect(pearson(pitch, Array.from({ length: T }, (_, t) => truthPitch(t)))).toBeGreaterThan(0.99);
    expect(Math.max(...yaw.map((y, t) => Math.abs(y - truthYaw(t))))).toBeLessThan(0.03);
    expect(Math.max(...pitch.map((p, t) => Math.abs(p - truthPitch(t))))).toBeLessThan(0.01);
    // One real direction of non-rigid motion: the jaw, carried by the first expression component.
    expect(fit.basis.usefulComponents).toBeLessThan(4);
    const c0 = Array.from({ length: T }, (_, t) => fit.params[t * PARAM_COUNT + EXPR_OFFSET]);
    expect(Math.abs(pearson(c0, Array.from({ length: T }, (_, t) => jaw(t))))).toBeGreaterThan(0.98);
    // Winding: both triangles turn (b − a) × (c − a) towards −z on the neutral shape; the eye region is marked.
    const n = fit.model.neutral, tri = fit.model.triangles;
    for (let f = 0; f < tri.length; f += 3) {
      const [a, b, c] = [tri[f], tri[f + 1], tri[f + 2]];
      expect((n[b * 3] - n[a * 3]) * (n[c * 3 + 1] - n[a * 3 + 1]) - (n[b * 3 + 1] - n[a * 3 + 1]) * (n[c * 3] - n[a * 3])).toBeLessThanOrEqual(0);
    }
    expect(fit.model.eyeMask.some((m) => m === 1)).toBe(true);

    const quality = measureFit(track, fit, 200);
    expect(quality.reprojection.median).toBeLessThan(0.5);
    expect(quality.warnings).toEqual([]);
    expect(quality.hull.length).toBe(T * FACE_OVAL.length * 2);
    expect(quality.crop.size).toBeGreaterThan(150);
    expect(quality.crop.x + quality.crop.size).toBeLessThanOrEqual(W);

    // Texture frames: the frontal ones (|yaw|, |pitch| ≤ 10°), spread over the clip.
    const chosen = chooseTextureFrames(fit.params, fit.smooth.normalized, T, 478 * 3, fit.weights, fit.blinks.blink);
    expect(chosen.length).toBeGreaterThanOrEqual(6);
    for (const t of chosen) expect(Math.hypot(fit.params[t * PARAM_COUNT], fit.params[t * PARAM_COUNT + 1])).toBeLessThanOrEqual(10 * Math.PI / 180 + 1e-6);
  });

  it('probe and track checks refuse what cannot make a persona, with the reason', () => {
    const info = (durationS: number, audio: boolean): MediaInfo => ({
      file: 'a.mp4', formatName: 'mov', durationS, streams: [],
      video: { index: 0, type: 'video', codec: 'h264', width: 640, height: 480, fps: 25 },
      ...(audio ? { audio: { index: 1, type: 'audio', codec: 'aac' } } : {}),
    });
    expect(acceptClip('a.mp4', info(8, true)).warnings).toEqual([]);
    expect(acceptClip('a.mp4', info(8, false)).warnings.join()).toMatch(/no audio track/);
    expect(() => acceptClip('a.mp4', info(3, true))).toThrow(expect.objectContaining({ code: 'clip-too-short' }));
    expect(() => acceptClip('a.mp4', { ...info(8, true), video: undefined })).toThrow(UserError);

    const track = syntheticTrack();
    expect(checkTrack(track, 'a.mp4')).toMatchObject({ longGaps: [], warnings: [] });
    const small = { ...track, boxes: track.boxes.map((x) => x / 5) };
    expect(() => checkTrack(small, 'a.mp4')).toThrow(expect.objectContaining({ code: 'face-too-small' }));
    const hidden = { ...track, trackedFrames: 10, status: new Uint8Array(T).fill(FRAME_FILLED).fill(FRAME_TRACKED, 0, 10) };
    expect(() => checkTrack(hidden, 'a.mp4')).toThrow(expect.objectContaining({ code: 'face-not-visible' }));
    const gap = { ...track, trackedFrames: 30, gaps: [{ start: 30, end: 39, frames: 10, kind: 'long' as const }] };
    expect(checkTrack(gap, 'a.mp4').warnings.join()).toMatch(/No face in frames 30-39 \(0\.40 s\)/);

    const params = new Float32Array(T * PARAM_COUNT);
    expect(checkTurnedAway(params, T, 'a.mp4')).toEqual([]);
    for (let t = 0; t < 8; t++) params[t * PARAM_COUNT + 1] = 1; // 57° yaw in 20% of the frames
    expect(checkTurnedAway(params, T, 'a.mp4').join()).toMatch(/20% of the frames/);
    for (let t = 0; t < 30; t++) params[t * PARAM_COUNT] = -1;
    expect(() => checkTurnedAway(params, T, 'a.mp4')).toThrow(expect.objectContaining({ code: 'face-turned-away' }));
  });

  it('audio: features become one row per video frame, the last repeated or trailing ones dropped', () => {
    const F = 16 * 29;
    const features = (n: number) => ({
      frameCount: n,
      features: Float32Array.from({ length: n * F }, (_, i) => Math.floor(i / F)),
      speech: Float32Array.from({ length: n }, (_, s) => s / n),
      rmsDb: Float32Array.from({ length: n }, (_, s) => -s),
      warnings: ['one-frame difference'],
    });
    const short = alignClipAudio(features(8), 10, 25);
    expect(short.frameAdjust).toBe(2);
    expect(short.note).toMatch(/repeated 2x/);
    expect(short.features!.length).toBe(10 * F);
    expect([short.features![9 * F], short.features![7 * F], short.features![0]]).toEqual([7, 7, 0]);
    expect(Array.from(short.activity!.subarray(18))).toEqual([7 / 8, -7]);
    expect(short.warnings).toEqual(['Audio: one-frame difference']);

    const long = alignClipAudio(features(14), 10, 25);
    expect(long.frameAdjust).toBe(-4);
    expect(long.features![9 * F]).toBe(9);
    expect(long.warnings[0]).toMatch(/differ by 4 frames \(0\.16 s\).*4 trailing audio frame\(s\) dropped/);
    expect(alignClipAudio(features(10), 10, 25).note).toBe('audio and video both 10 frames');
  });
});
