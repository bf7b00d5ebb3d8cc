import { describe, expect, it } from 'vitest';
import { poseVertices, projectCameraPoints } from '../../../src/engine/common/face-model';
import { pearson } from '../../../src/engine/common/numeric';
import { chooseTextureFrames } from '../../../src/engine/persona/bake-texture';
import { fitFace, type FaceFit } from '../../../src/engine/persona/fit-face';
import { alignFrames, defaultCamera } from '../../../src/engine/persona/fit-pose';
import { measureFit } from '../../../src/engine/persona/fit-quality';
import { checkFitRange, fitSegments, parseFitFrames, smoothTrackInSegments } from '../../../src/engine/persona/fit-range';
import { evaluationFitFrames, fitExcludesTest, fittedFrames } from '../../../src/engine/persona/evaluation-persona';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from '../../../src/engine/persona/landmark-sets';
import { FRAME_TRACKED, type VideoTrack } from '../../../src/engine/tracking/track-video';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import { rng, syntheticFace } from '../../helpers/persona-synthetic';

/**
 * Issue 11, "no test frames in the persona": a persona fitted on a range of frames
 * (an evaluation persona) must not depend on the frames outside it in anything it
 * fits — model, expression basis, neutral shape, blink calibration and field, crop,
 * texture frames, the parameters of the fitted frames — while the held-out frames are
 * still expressed in it from their own tracking.
 */

const T = 60;
const FIT = { start: 0, end: 36 };
const W = 512;
const camera = defaultCamera(W, W);
const yaw = (t: number) => 0.2 * Math.sin((2 * Math.PI * t) / 30);
const jaw = (t: number) => 6 * Math.max(0, Math.sin((2 * Math.PI * t) / 14));
/** Blinks at frames 8-10 and 27-29 (fitted part), 45-47 (held out). */
const lid = (t: number) => ([9, 28, 46].some((c) => Math.abs(t - c) <= 1) ? (t === 9 || t === 28 || t === 46 ? 1 : 0.5) : 0);

/** A synthetic face turning, opening its jaw and blinking, with a little tracking noise; `alter` changes frames from `from` on. */
function track(alter?: { from: number; jawGain: number; noise: number; seed: number }): VideoTrack {
  const base = syntheticFace(5);
  base.set([0, -90, -10], 10 * 3);
  base.set([0, 90, -10], 152 * 3);
  const noise = rng(3);
  const landmarks = new Float32Array(T * 478 * 3);
  for (let t = 0; t < T; t++) {
    const altered = alter && t >= alter.from;
    const extra = altered ? rng(alter.seed + t) : undefined;
    const shape = Float32Array.from(base);
    const j = jaw(t) * (altered ? alter.jawGain : 1);
    for (let i = 0; i < 478; i++) if (base[i * 3 + 1] > 10) shape[i * 3 + 1] += j * (base[i * 3 + 1] - 10) / 80;
    for (const eye of [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT]) for (const u of eye.upper) shape[u * 3 + 1] += 8 * lid(t);
    for (let i = 0; i < 478 * 3; i++) shape[i] += 0.15 * noise() + (extra ? alter!.noise * extra() : 0);
    const cam = poseVertices(shape, [0.05, yaw(t), 0.02, 5, -10, 1100]);
    const uv = projectCameraPoints(cam, camera);
    let zMean = 0;
    for (let i = 0; i < 468; i++) zMean += cam[i * 3 + 2] / 468;
    for (let i = 0; i < 478; i++) landmarks.set([uv[i * 2], uv[i * 2 + 1], (cam[i * 3 + 2] * camera.fx) / zMean], (t * 478 + i) * 3);
  }
  return {
    width: W, height: W, fps: 25, frameCount: T, landmarks, status: new Uint8Array(T).fill(FRAME_TRACKED), scores: new Float32Array(T).fill(1),
    boxes: new Float32Array(T * 4), gaps: [], trackedFrames: T, multiFaceFrames: 0, subPixel: true,
    triangles: [0, 1, 2, 3, 4, 5], uvs: Array.from({ length: 468 }, (_, i) => [(i % 22) / 22, Math.floor(i / 22) / 22] as [number, number]), trackSeconds: 0,
  };
}

/** Everything a persona fits, as arrays to compare. */
function fitted(fit: FaceFit, tr: VideoTrack) {
  const q = measureFit(tr, fit, 200);
  return {
    neutral: Array.from(fit.model.neutral),
    basis: Array.from(fit.model.basis),
    blinkField: Array.from(fit.model.blink ?? []),
    blinkSource: fit.blinkField.source,
    calibration: [fit.blinks.open, fit.blinks.closed],
    variances: fit.basis.variances,
    eyeMask: Array.from(fit.model.eyeMask),
    crop: q.crop,
    textureFrames: chooseTextureFrames(fit.params, fit.smooth.normalized, T, 478 * 3, fit.weights, fit.blinks.blink),
    fittedParams: Array.from(fit.params.subarray(0, FIT.end * PARAM_COUNT)),
  };
}

describe('a persona fitted on part of its clip (evaluation persona)', () => {
  const clean = track();
  const altered = track({ from: FIT.end, jawGain: 2.5, noise: 1.5, seed: 99 });

  it('fits nothing on the held-out frames: altering them changes no fit and no fitted frame\'s parameters', () => {
    const a = fitFace(clean, 'a.mp4', { fitRange: FIT });
    const b = fitFace(altered, 'a.mp4', { fitRange: FIT });
    expect(a.fitRange).toEqual(FIT);
    expect(a.blinkField.source).toBe('clip');
    expect(fitted(b, altered)).toEqual(fitted(a, clean));
    for (const t of fitted(a, clean).textureFrames) expect(t).toBeLessThan(FIT.end);
    // The held-out frames themselves are re-expressed from their (altered) tracking.
    const heldA = a.params.subarray(FIT.end * PARAM_COUNT), heldB = b.params.subarray(FIT.end * PARAM_COUNT);
    expect(heldA.some((x, i) => Math.abs(x - heldB[i]) > 1e-3)).toBe(true);
  });

  it('fitted on the whole clip, the same alteration does change the fits (so the test above can fail)', () => {
    const a = fitted(fitFace(clean, 'a.mp4'), clean), b = fitted(fitFace(altered, 'a.mp4'), altered);
    expect(b.basis).not.toEqual(a.basis);
    expect(b.neutral).not.toEqual(a.neutral);
  });

  it('the whole clip as the range is the ordinary build, bit for bit', () => {
    const a = fitFace(clean, 'a.mp4'), b = fitFace(clean, 'a.mp4', { fitRange: { start: 0, end: T } });
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(Array.from(b.model.basis)).toEqual(Array.from(a.model.basis));
  });

  it('expresses the held-out frames in the model: their head turn, jaw and blinks are recovered', () => {
    const fit = fitFace(clean, 'a.mp4', { fitRange: FIT });
    const held = Array.from({ length: T - FIT.end }, (_, k) => FIT.end + k);
    expect(pearson(held.map((t) => fit.params[t * PARAM_COUNT + 1]), held.map(yaw))).toBeGreaterThan(0.99);
    expect(Math.abs(pearson(held.map((t) => fit.params[t * PARAM_COUNT + 7]), held.map(jaw)))).toBeGreaterThan(0.95);
    expect(fit.params[46 * PARAM_COUNT + 6]).toBeGreaterThan(0.7);
    expect(fit.params[40 * PARAM_COUNT + 6]).toBeLessThan(0.2);
  });

  it('smooths each side of the boundary on its own', () => {
    const segs = fitSegments(T, FIT);
    expect(segs).toEqual([{ start: 0, end: 36 }, { start: 36, end: 60 }]);
    expect(fitSegments(T, { start: 10, end: 40 })).toEqual([{ start: 0, end: 10 }, { start: 10, end: 40 }, { start: 40, end: 60 }]);
    const weights = Float32Array.from({ length: T }, (_, t) => (t < FIT.end ? 1 : 0));
    const smooth = (tr: VideoTrack) => smoothTrackInSegments(alignFrames(Float32Array.from(tr.landmarks), T, weights), T, segs, { fps: 25 });
    const a = smooth(clean), b = smooth(altered);
    const N = 478 * 3;
    expect(Array.from(b.image.subarray(0, FIT.end * N))).toEqual(Array.from(a.image.subarray(0, FIT.end * N)));
  });

  it('checks and parses the range; knows which personas leave their test part out', () => {
    expect(parseFitFrames('0:120')).toEqual({ start: 0, end: 120 });
    expect(() => parseFitFrames('0-120')).toThrow(expect.objectContaining({ code: 'persona-fit-frames' }));
    expect(checkFitRange(undefined, 200, 'a.mp4')).toEqual({ start: 0, end: 200 });
    expect(() => checkFitRange({ start: 0, end: 201 }, 200, 'a.mp4')).toThrow(/200 frames/);
    expect(() => checkFitRange({ start: 50, end: 60 }, 200, 'a.mp4')).toThrow(expect.objectContaining({ code: 'persona-fit-frames' }));
    expect(evaluationFitFrames(200)).toEqual({ start: 0, end: 120 });
    expect(fitExcludesTest({ frameCount: 200 })).toBe(false);
    expect(fitExcludesTest({ frameCount: 200, fit: { frames: [0, 120], note: '' } })).toBe(true);
    expect(fitExcludesTest({ frameCount: 200, fit: { frames: [0, 150], note: '' } })).toBe(false);
    expect(fittedFrames({ frameCount: 200 })).toEqual([0, 200]);
  });
});
