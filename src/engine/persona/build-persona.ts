import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { deformMesh, poseVertices, projectCameraPoints, type FaceModel, type PinholeCamera } from '../common/face-model';
import { extractAudioFeatures } from '../audio/index';
import { encodePng } from '../io/png';
import { probeMedia, type MediaInfo } from '../media/ffmpeg';
import { createTrackerLanes, decodeSelectedFrames, FRAME_FILLED, FRAME_TRACKED, trackVideo, videoFps, type VideoTrack } from '../tracking/track-video';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import { CancelledError, UserError, isCancelled, throwIfCancelled } from '../util/errors';
import { subProgress, type RunOptions } from '../util/progress';
import { BLINK_INDEX, EXPR_OFFSET, PARAM_COUNT } from '../../shared/facial-params';
import { measureBlinks } from './blink';
import { buildExpressionBasis, EXPRESSION_COUNT, expressionCoefficients, mouthOpening, neutralShape } from './expression-basis';
import { eyeRegionMask } from './eye-region';
import { alignFrames, defaultCamera, fitPose, IPD_MM, perspectiveCorrect, similarityToPose, smoothTrack } from './fit-pose';
import { FACE_OVAL } from './landmark-sets';
import { median, percentile } from '../common/numeric';
import {
  checkPersonaTarget, PERSONA_FILES, PERSONA_FORMAT_VERSION, writePersonaFolder,
  type ModelJson, type PersonaMeta,
} from './persona-folder';
import { JITTER_DEFINITION, poseRanges, reprojectionStats, temporalJitter, type PersonaReport } from './report';
import { accumulateTexture, createTextureAccumulator, finishTexture } from './texture';

/**
 * The persona builder: a reference video of a person → their persona folder
 * (see persona-folder.ts for the layout and conventions).
 *
 * decode + track (tracking/) → rigid alignment and smoothing → neutral shape and
 * expression basis → per-frame perspective pose + expression + blink → eye region →
 * texture atlas from frontal, well-lit frames → crop and paste outline → the clip's
 * audio features → report → atomic write.
 */

export const MIN_CLIP_SECONDS = 5;
/** Below this median face width (px) the clip is refused; below twice it, a warning. */
export const MIN_FACE_WIDTH_PX = 64;
/** At least this fraction of frames must show the face. */
export const MIN_TRACKED_FRACTION = 0.5;
/** Beyond these angles a frame counts as "turned away". */
const TURNED_AWAY_DEG = 45;

export interface BuildPersonaOptions extends RunOptions {
  /** Display name (default: the video's file name). */
  name?: string;
  /** Replace an existing persona in `outDir`. */
  overwrite?: boolean;
  /** Texture atlas size (default 512). */
  textureSize?: number;
}

export interface PersonaSummary {
  dir: string;
  id: string;
  name: string;
  frameCount: number;
  fps: number;
  durationS: number;
  trackedPct: number;
  reprojectionPx: { median: number; p95: number };
  blinkCount: number;
  blinkRatePerMin: number;
  hasAudio: boolean;
  canTrainGan: boolean;
  warnings: string[];
  buildSeconds: number;
}

export async function buildPersona(video: string, outDir: string, opts: BuildPersonaOptions = {}): Promise<PersonaSummary> {
  // The audio features are computed alongside the tracking (see runBuild); a build that
  // fails or is cancelled before it needs them stops that work here.
  const audioAbort = new AbortController();
  const stopAudio = () => audioAbort.abort();
  opts.signal?.addEventListener('abort', stopAudio, { once: true });
  try {
    return await runBuild(video, outDir, opts, audioAbort.signal);
  } finally {
    opts.signal?.removeEventListener('abort', stopAudio);
    audioAbort.abort();
  }
}

async function runBuild(video: string, outDir: string, opts: BuildPersonaOptions, audioSignal: AbortSignal): Promise<PersonaSummary> {
  const t0 = performance.now();
  const signal = opts.signal;
  const progress = opts.onProgress;
  const file = path.resolve(video);
  const target = path.resolve(outDir);
  const warnings: string[] = [];
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings[stage] = Math.round((now - mark) / 10) / 100;
    mark = now;
  };
  await checkPersonaTarget(target, opts.overwrite ?? false);

  progress?.({ stage: 'probe', fraction: 0, message: path.basename(file) });
  const info = await probeMedia(file, { signal });
  const v = info.video;
  if (!v || !v.width || !v.height) {
    throw new UserError('video-missing', `${file} has no video track.`, { file, hint: 'Choose a video of the person speaking to the camera (MP4, MOV, MKV...).' });
  }
  const fps0 = v.fps && v.fps > 0 ? v.fps : 25;
  const duration = info.durationS > 0 ? info.durationS : (v.frameCount ?? 0) / fps0;
  if (duration < MIN_CLIP_SECONDS) {
    throw new UserError('clip-too-short', `${file} is ${duration.toFixed(1)} s long; a persona needs at least ${MIN_CLIP_SECONDS} s of video (a few minutes is best).`, {
      file, hint: 'Use a longer recording of the person speaking to the camera.',
    });
  }
  const hasAudio = Boolean(info.audio);
  if (!hasAudio) {
    warnings.push('The video has no audio track: the persona can be rendered, but FACIAL-GAN cannot be trained on it (it learns motion from the voice). Use a recording with its sound to train.');
  }

  lap('probe');
  // The clip's audio features need nothing from the video: they are computed while the
  // frames are tracked (their ffmpeg process and JS loop use little of the main thread,
  // which only hands frames to the tracking threads). Awaited at step 7, so an error in
  // the steps before still comes first; a build that fails stops them.
  const audioJob = hasAudio ? extractAudioFeatures(file, { fps: videoFps(info), signal: audioSignal }) : undefined;
  audioJob?.catch(() => undefined);

  // 1. Track, on one worker thread per core (see tracking/tracker-pool.ts).
  const tracker = await createTrackerLanes();
  let track: VideoTrack;
  try {
    lap('trackerInit');
    throwIfCancelled(signal);
    track = await trackVideo(file, info, { signal, tracker, onProgress: subProgress(progress, 0.02, 0.72, 'track') });
  } finally {
    // Free the threads and their models before fitting.
    await tracker.dispose();
  }
  lap('track');
  const T = track.frameCount;
  const { width: W, height: H, fps } = track;
  if (track.trackedFrames === 0) {
    throw new UserError('no-face', `No face was found in ${file}.`, { file, hint: 'Use a video where one person faces the camera, with the face clearly visible.' });
  }
  const faceWidths = Array.from({ length: T }, (_, t) => t).filter((t) => track.status[t] === FRAME_TRACKED).map((t) => track.boxes[t * 4 + 2]);
  const medianFace = median(faceWidths);
  if (medianFace < MIN_FACE_WIDTH_PX) {
    throw new UserError('face-too-small', `The face in ${file} is too small (about ${Math.round(medianFace)} px wide; at least ${MIN_FACE_WIDTH_PX} px is needed, 200 px or more is best).`, {
      file, hint: 'Use a closer shot, or crop the video around the face.',
    });
  }
  if (medianFace < 2 * MIN_FACE_WIDTH_PX) warnings.push(`The face is small (about ${Math.round(medianFace)} px wide): details will be soft; 200 px or more is best.`);
  const trackedFraction = track.trackedFrames / T;
  if (trackedFraction < MIN_TRACKED_FRACTION) {
    throw new UserError('face-not-visible', `A face is visible in only ${Math.round(trackedFraction * 100)}% of ${file} (turned away, hidden or out of frame the rest of the time); at least ${Math.round(MIN_TRACKED_FRACTION * 100)}% is needed.`, {
      file, hint: 'Use a video where the person faces the camera most of the time, or trim it to such a part.',
    });
  }
  if (track.subPixel === false) warnings.push('The tracker returned whole-pixel landmarks (an unexpected @vladmandic/human version): blinks and fine motion are noisier.');
  const longGaps = track.gaps.filter((g) => g.kind === 'long');
  for (const g of longGaps) {
    warnings.push(`No face in frames ${g.start}-${g.end} (${(g.frames / fps).toFixed(2)} s): filled by interpolation; these frames are not used to build the model.`);
  }
  throwIfCancelled(signal);
  progress?.({ stage: 'fit', fraction: 0.72, message: 'pose and shape' });

  // 2. Rigid alignment, smoothing, neutral, basis.
  const weights = Float32Array.from(track.status, (s) => (s === FRAME_TRACKED ? 1 : s === FRAME_FILLED ? 0 : 0.5));
  const P = LANDMARK_COUNT;
  const N = P * 3;
  const camera = defaultCamera(W, H);
  // Model building works in weak perspective (see perspectiveCorrect); the pose fit and
  // everything stored use true image positions.
  const weak = Float32Array.from(track.landmarks);
  perspectiveCorrect(weak, T, camera, true);
  const align = alignFrames(weak, T, weights);
  const smooth = smoothTrack(align, T, { fps });
  perspectiveCorrect(smooth.image, T, camera, false);
  const { neutral: neutral64, frames: neutralFrames } = neutralShape(smooth.normalized, T, N, weights);
  const basis = buildExpressionBasis(smooth.normalized, T, N, weights, EXPRESSION_COUNT);
  throwIfCancelled(signal);

  // 3. Per frame: expression, perspective pose, blink.
  const model: FaceModel = {
    vertexCount: P,
    neutral: Float32Array.from(neutral64),
    basis: new Float32Array(EXPRESSION_COUNT * N),
    triangles: orientTriangles(track.triangles, neutral64),
    uvs: Float32Array.from({ length: P * 2 }, (_, i) => {
      const vtx = i >> 1;
      if (vtx >= track.uvs.length) return 0;
      return track.uvs[vtx][i & 1];
    }),
    eyeMask: new Uint8Array(P),
    landmarkToVertex: Int32Array.from({ length: P }, (_, i) => i),
  };
  basis.rows.forEach((row, k) => model.basis.set(row, k * N));
  const params = new Float32Array(T * PARAM_COUNT);
  const allIdx = Array.from({ length: P }, (_, i) => i);
  const blinks = measureBlinks(smooth.normalized, T, N, fps, weights);
  for (let t = 0; t < T; t++) {
    const coeffs = expressionCoefficients(smooth.normalized, t * N, neutral64, basis.rows);
    const shape = deformMesh(model, coeffs);
    const init = similarityToPose(smooth.sims[t], camera);
    const pose = fitPose(shape, smooth.image.subarray(t * N, (t + 1) * N), camera, init, allIdx);
    params.set(pose, t * PARAM_COUNT);
    params[t * PARAM_COUNT + BLINK_INDEX] = blinks.blink[t];
    params.set(coeffs, t * PARAM_COUNT + EXPR_OFFSET);
    if (t % 50 === 0) throwIfCancelled(signal);
  }
  const eye = eyeRegionMask(neutral64);
  model.eyeMask = eye.mask;

  // Turned away most of the time?
  const turned = Array.from({ length: T }, (_, t) => t).filter((t) => {
    const o = t * PARAM_COUNT;
    return Math.abs(params[o + 1]) * 180 / Math.PI > TURNED_AWAY_DEG || Math.abs(params[o]) * 180 / Math.PI > TURNED_AWAY_DEG;
  }).length;
  if (turned / T > 0.5) {
    throw new UserError('face-turned-away', `The face in ${file} is turned away from the camera (more than ${TURNED_AWAY_DEG}°) in ${Math.round((100 * turned) / T)}% of the frames.`, {
      file, hint: 'Use a video where the person looks roughly into the camera.',
    });
  }
  if (turned / T > 0.1) warnings.push(`The face is turned more than ${TURNED_AWAY_DEG}° away in ${Math.round((100 * turned) / T)}% of the frames; those frames fit less well.`);

  lap('fit');
  // 4. Quality figures.
  const isTracked = (t: number) => track.status[t] === FRAME_TRACKED;
  const reproj = reprojectionStats(model, params, camera, track.landmarks, T, isTracked);
  const reprojSmooth = reprojectionStats(model, params, camera, smooth.image, T, isTracked);
  const fittedProj = new Float32Array(T * P * 2);
  for (let t = 0; t < T; t++) fittedProj.set(projectFrame(model, params, t, camera).image, t * P * 2);
  if (reproj.median > 0.02 * medianFace) warnings.push(`The fitted model is ${reproj.median} px off the tracked landmarks (median): the tracking may be unreliable in parts of the clip.`);

  // 5. Crop and paste outline.
  const crop = computeCrop(smooth.image, T, W, H);
  const hull = new Float32Array(T * FACE_OVAL.length * 2);
  for (let t = 0; t < T; t++) {
    FACE_OVAL.forEach((vtx, k) => {
      hull[(t * FACE_OVAL.length + k) * 2] = fittedProj[(t * P + vtx) * 2];
      hull[(t * FACE_OVAL.length + k) * 2 + 1] = fittedProj[(t * P + vtx) * 2 + 1];
    });
  }

  lap('quality');
  // 6. Texture from frontal, well-lit, eyes-open, mouth-closed-ish frames.
  progress?.({ stage: 'texture', fraction: 0.8, message: 'choosing frames' });
  const textureFrames = chooseTextureFrames(params, smooth.normalized, T, N, weights, blinks.blink);
  const acc = createTextureAccumulator(opts.textureSize ?? 512);
  const lumaChecked: number[] = [];
  await decodeSelectedFrames(file, W, H, textureFrames, {
    signal,
    onFrame: (t, rgb) => {
      const { image, cam } = projectFrame(model, params, t, camera);
      const luma = faceLuma(rgb, W, H, image, P);
      // Well lit: mean face luma inside 50..215 and few clipped samples.
      if (luma.mean < 50 || luma.mean > 215 || luma.clipped > 0.1) return;
      lumaChecked.push(t);
      accumulateTexture(acc, rgb, W, H, image, cam, model.triangles, model.uvs);
    },
  });
  if (acc.frames === 0) {
    warnings.push('No frame was frontal and evenly lit enough for the texture; it was taken from the most frontal frames regardless of lighting.');
    await decodeSelectedFrames(file, W, H, textureFrames.slice(0, 8), {
      signal,
      onFrame: (t, rgb) => {
        const { image, cam } = projectFrame(model, params, t, camera);
        lumaChecked.push(t);
        accumulateTexture(acc, rgb, W, H, image, cam, model.triangles, model.uvs);
      },
    });
  }
  const tex = finishTexture(acc);
  // Level 6: ~5x faster than 9 on the atlas for a file ~5 % larger (the pixels are the same).
  const texturePng = encodePng({ width: acc.size, height: acc.size, channels: 4, data: tex.data }, 6);
  throwIfCancelled(signal);
  lap('texture');

  // 7. Audio features of the clip, aligned to the video's frames.
  let features: Float32Array | undefined;
  let activity: Float32Array | undefined;
  let frameAdjust = 0;
  let audioNote = 'no audio track';
  if (hasAudio) {
    progress?.({ stage: 'audio', fraction: 0.86, message: 'audio features' });
    const af = await audioJob!.catch((err: unknown) => {
      if (signal?.aborted) throw new CancelledError();
      throw err;
    });
    progress?.({ stage: 'audio', fraction: 0.97, message: 'audio features' });
    frameAdjust = T - af.frameCount;
    const F = 16 * 29;
    features = new Float32Array(T * F);
    activity = new Float32Array(T * 2);
    for (let t = 0; t < T; t++) {
      const s = Math.min(t, af.frameCount - 1);
      if (s < 0) break;
      features.set(af.features.subarray(s * F, (s + 1) * F), t * F);
      activity[t * 2] = af.speech[s];
      activity[t * 2 + 1] = af.rmsDb[s];
    }
    audioNote = frameAdjust === 0
      ? `audio and video both ${T} frames`
      : frameAdjust > 0
        ? `audio gave ${af.frameCount} frames, video ${T}: the last audio frame was repeated ${frameAdjust}x`
        : `audio gave ${af.frameCount} frames, video ${T}: ${-frameAdjust} trailing audio frame(s) dropped`;
    if (Math.abs(frameAdjust) > 2) warnings.push(`The audio and video lengths differ by ${Math.abs(frameAdjust)} frames (${(Math.abs(frameAdjust) / fps).toFixed(2)} s); ${audioNote}. Lip sync learned from this clip may be off.`);
    for (const w of af.warnings) warnings.push(`Audio: ${w}`);
  }

  lap('audio');
  // 8. Report, description, write.
  progress?.({ stage: 'write', fraction: 0.97, message: 'writing the persona' });
  const durationS = T / fps;
  const id = randomUUID();
  const name = opts.name?.trim() || path.basename(file).replace(/\.[^.]+$/, '');
  const blinkEvents = blinks.events.map((e) => ({ start: e.start, end: e.end, peak: e.peak }));
  const expressionStd = basis.variances.map((x) => Math.round(Math.sqrt(x) * 1e4) / 1e4);
  const buildSeconds = (performance.now() - t0) / 1000;
  const stat = await fs.stat(file);
  const report: PersonaReport = {
    formatVersion: PERSONA_FORMAT_VERSION,
    video: { file, durationS: Math.round(durationS * 1000) / 1000, fps, frameCount: T, width: W, height: H, hasAudio },
    tracking: {
      framesTotal: T,
      framesTracked: track.trackedFrames,
      trackedPct: Math.round((10000 * track.trackedFrames) / T) / 100,
      bridgedFrames: track.status.filter((s) => s === 1).length,
      filledFrames: track.status.filter((s) => s === 2).length,
      gaps: track.gaps,
      longGaps: longGaps.length,
      multiFaceFrames: track.multiFaceFrames,
      medianFaceWidthPx: Math.round(medianFace * 10) / 10,
      subPixelLandmarks: track.subPixel,
      seconds: Math.round(track.trackSeconds * 100) / 100,
    },
    fit: {
      reprojectionPx: { median: reproj.median, p95: reproj.p95, mean: reproj.mean },
      reprojectionSmoothedPx: { median: reprojSmooth.median, p95: reprojSmooth.p95 },
      stablePoints: align.stable.length,
      neutralFrames: neutralFrames.length,
    },
    jitter: {
      definition: JITTER_DEFINITION,
      rawPx: temporalJitter(track.landmarks, T, P, 3, isTracked),
      smoothedPx: temporalJitter(smooth.image, T, P, 3, isTracked),
      fittedPx: temporalJitter(fittedProj, T, P, 2, isTracked),
      smoothingSigmasFrames: roundAll(smooth.sigmas),
    },
    expression: {
      components: EXPRESSION_COUNT,
      usefulComponents: basis.usefulComponents,
      components99: basis.components99,
      explainedPct: Math.round(basis.explained * 10000) / 100,
      note: basis.usefulComponents < EXPRESSION_COUNT
        ? `The clip holds only ${basis.usefulComponents} directions of facial motion; components ${basis.usefulComponents}-${EXPRESSION_COUNT - 1} complete the orthonormal basis and carry coefficients of about 0.`
        : `All ${EXPRESSION_COUNT} components carry motion; ${basis.components99} explain 99% of it.`,
    },
    blink: {
      count: blinkEvents.length,
      ratePerMin: Math.round((blinkEvents.length / durationS) * 60 * 10) / 10,
      events: blinkEvents,
      calibration: { open: r4(blinks.open), closed: r4(blinks.closed) },
    },
    pose: poseRanges(params, T),
    texture: { frames: lumaChecked, coverage: Math.round(tex.coverage * 1000) / 1000, size: acc.size },
    audio: { present: hasAudio, frameAdjust, note: audioNote },
    warnings,
    buildSeconds: Math.round(buildSeconds * 100) / 100,
    stageSeconds: timings,
  };
  if (basis.usefulComponents < EXPRESSION_COUNT) warnings.push(report.expression.note);
  const meta: PersonaMeta = {
    formatVersion: PERSONA_FORMAT_VERSION,
    id,
    name,
    createdAt: new Date().toISOString(),
    source: {
      file,
      sizeBytes: stat.size,
      durationS: info.durationS,
      width: W,
      height: H,
      fps,
      videoCodec: v.codec,
      audioCodec: info.audio?.codec,
    },
    fps,
    frameCount: T,
    durationS: report.video.durationS,
    camera: {
      model: 'pinhole', ...camera,
      note: 'u = fx*x/z + cx, v = fy*y/z + cy in source pixels; camera space x right, y down, z forward (mm). fx = fy = 3 * max(width, height): a long lens, close to the weak perspective in which the tracker measures shape.',
    },
    modelSpace: {
      units: 'mm',
      ipdMm: IPD_MM,
      axes: '+x to the image right (the person\'s left), +y down (forehead to chin), +z away from the camera (into the head); right-handed',
      origin: 'centroid of the neutral shape\'s 468 mesh vertices',
    },
    pose: {
      rotation: 'params[0..2] = pitch, yaw, roll (radians) about camera x, y, z; R = Rz(roll) * Ry(yaw) * Rx(pitch)',
      translation: 'params[3..5] = x, y, z (mm) of the model origin in camera space; p_cam = R * v_model + t',
    },
    crop,
    paste: {
      hullFile: PERSONA_FILES.hull,
      hullVertexCount: FACE_OVAL.length,
      featherPx: Math.max(2, Math.round(medianFace * 0.04)),
      note: 'Per frame, the face outline (model vertices FACE_OVAL, see model.json faceOval) projected with the frame\'s parameters; fill the polygon, erode and blur by featherPx for a soft mask, and blend the rendered face over the source frame with it.',
    },
    eye: {
      threshold: r4(eye.threshold),
      centres: eye.centres.map(([x, y]) => [r4(x), r4(y)] as [number, number]),
      rule: '(v_x - c_x)^2 / 4 + (v_y - c_y)^2 < threshold, model-space mm, on the neutral shape (method doc section 5)',
    },
    blink: { open: r4(blinks.open), closed: r4(blinks.closed), measure: 'eye aspect ratio (mean of 3 lid gaps / corner width), both eyes, pose-normalised; blink = (open - ratio) / (open - closed) clamped to 0..1' },
    expression: { components: EXPRESSION_COUNT, usefulComponents: basis.usefulComponents, std: expressionStd },
    hasAudio,
    canTrainGan: hasAudio,
    ...(hasAudio ? { audio: { features: PERSONA_FILES.features, activity: PERSONA_FILES.activity, frameAdjust } } : {}),
    build: { seconds: report.buildSeconds, tracker: '@vladmandic/human 3.3.6 (blazeface + facemesh + iris, tfjs wasm)', subPixelLandmarks: track.subPixel },
  };
  const modelJson: ModelJson = {
    formatVersion: PERSONA_FORMAT_VERSION,
    vertexCount: P,
    triangleCount: model.triangles.length / 3,
    triangles: Array.from(model.triangles),
    uvs: Array.from(model.uvs, r4),
    eyeVertices: Array.from(eye.mask.keys()).filter((i) => eye.mask[i]),
    landmarkToVertex: Array.from(model.landmarkToVertex),
    faceOval: FACE_OVAL,
    expressionCount: EXPRESSION_COUNT,
    expressionStd,
  };
  // The smoothed landmarks, in the tracker's pixel frame (what was fitted).
  try {
    await writePersonaFolder(target, {
      meta, modelJson, neutral: model.neutral, basis: model.basis, params, landmarks: smooth.image, hull, features, activity, texturePng, report,
    }, { overwrite: opts.overwrite, signal });
  } catch (err) {
    if (isCancelled(err) || signal?.aborted) throw new CancelledError();
    throw err;
  }
  progress?.({ stage: 'done', fraction: 1, message: `${T} frames, ${blinkEvents.length} blinks` });
  return {
    dir: target, id, name, frameCount: T, fps, durationS: report.video.durationS, trackedPct: report.tracking.trackedPct,
    reprojectionPx: { median: reproj.median, p95: reproj.p95 }, blinkCount: blinkEvents.length, blinkRatePerMin: report.blink.ratePerMin,
    hasAudio, canTrainGan: hasAudio, warnings, buildSeconds: report.buildSeconds,
  };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, r4(x)])) as T;
}

/** Posed (camera space) and projected (pixels) vertices of frame t. */
export function projectFrame(model: FaceModel, params: Float32Array, t: number, camera: PinholeCamera): { cam: Float32Array; image: Float32Array } {
  const o = t * PARAM_COUNT;
  const shape = deformMesh(model, params.subarray(o + EXPR_OFFSET, o + PARAM_COUNT));
  const cam = poseVertices(shape, params.subarray(o, o + 6));
  return { cam, image: projectCameraPoints(cam, camera) };
}

/** Re-winds triangles so that (b − a) × (c − a) points out of the face (towards −z on the neutral shape). */
export function orientTriangles(tris: ArrayLike<number>, neutral: ArrayLike<number>): Uint32Array {
  const out = Uint32Array.from(tris as ArrayLike<number>);
  for (let f = 0; f < out.length; f += 3) {
    const a = out[f], b = out[f + 1], c = out[f + 2];
    const e1x = neutral[b * 3] - neutral[a * 3], e1y = neutral[b * 3 + 1] - neutral[a * 3 + 1];
    const e2x = neutral[c * 3] - neutral[a * 3], e2y = neutral[c * 3 + 1] - neutral[a * 3 + 1];
    const nz = e1x * e2y - e1y * e2x;
    if (nz > 0) { out[f + 1] = c; out[f + 2] = b; }
  }
  return out;
}

/**
 * A square crop (source px) that holds the face in every frame: the union of the
 * per-frame face boxes (1st to 99th percentile of their edges), widened by 30 % of the
 * face size on each side, made square around its centre, shifted inside the frame.
 */
export function computeCrop(image: Float32Array, T: number, W: number, H: number): PersonaMeta['crop'] {
  const x0: number[] = [], y0: number[] = [], x1: number[] = [], y1: number[] = [];
  for (let t = 0; t < T; t++) {
    let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
    for (let i = 0; i < 468; i++) {
      const x = image[(t * 478 + i) * 3], y = image[(t * 478 + i) * 3 + 1];
      a = Math.min(a, x); b = Math.min(b, y); c = Math.max(c, x); d = Math.max(d, y);
    }
    x0.push(a); y0.push(b); x1.push(c); y1.push(d);
  }
  const left = percentile(x0, 0.01), top = percentile(y0, 0.01), right = percentile(x1, 0.99), bottom = percentile(y1, 0.99);
  const face = Math.max(median(x1.map((x, i) => x - x0[i])), median(y1.map((y, i) => y - y0[i])));
  const margin = 0.3 * face;
  let size = Math.max(right - left, bottom - top) + 2 * margin;
  size = Math.min(Math.round(size), W, H);
  const cx = (left + right) / 2, cy = (top + bottom) / 2;
  const x = Math.round(Math.max(0, Math.min(W - size, cx - size / 2)));
  const y = Math.round(Math.max(0, Math.min(H - size, cy - size / 2)));
  return { x, y, size, renderSizes: [256, 512] };
}

/**
 * Frames for the texture: |yaw| and |pitch| small, eyes open (blink < 0.2), mouth
 * closed-ish (inner lip gap at or below its 40th percentile), ranked by frontalness;
 * up to 24, spread over the clip. Relaxed step by step when too few qualify.
 */
export function chooseTextureFrames(params: Float32Array, normalized: Float64Array, T: number, N: number, weights: ArrayLike<number>, blink: Float32Array, max = 24): number[] {
  const usable = Array.from({ length: T }, (_, t) => t).filter((t) => weights[t] >= 1);
  const mouth = usable.map((t) => mouthOpening(normalized, t * N));
  const mouthLim = percentile(mouth, 0.4);
  const angle = (t: number) => Math.hypot(params[t * PARAM_COUNT], params[t * PARAM_COUNT + 1]) * 180 / Math.PI;
  let chosen: number[] = [];
  for (const [maxDeg, blinkLim, useMouth] of [[10, 0.2, true], [15, 0.3, true], [20, 0.4, false], [90, 1, false]] as const) {
    chosen = usable.filter((t, k) => angle(t) <= maxDeg && blink[t] < blinkLim && (!useMouth || mouth[k] <= mouthLim));
    if (chosen.length >= 6) break;
  }
  if (chosen.length > max) {
    // Spread over time: split into `max` runs, take the most frontal of each.
    const step = chosen.length / max;
    const picked: number[] = [];
    for (let k = 0; k < max; k++) {
      const run = chosen.slice(Math.floor(k * step), Math.floor((k + 1) * step));
      if (run.length) picked.push(run.reduce((a, b) => (angle(b) < angle(a) ? b : a)));
    }
    chosen = picked;
  }
  return chosen.sort((a, b) => a - b);
}

/** Mean luma (0..255) at the face's mesh points and the fraction of clipped samples. */
function faceLuma(rgb: Uint8Array, W: number, H: number, image: Float32Array, P: number): { mean: number; clipped: number } {
  let sum = 0, n = 0, clipped = 0;
  for (let i = 0; i < Math.min(P, 468); i++) {
    const x = Math.floor(image[i * 2]), y = Math.floor(image[i * 2 + 1]);
    if (x < 0 || y < 0 || x >= W || y >= H) continue;
    const o = (y * W + x) * 3;
    const l = 0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2];
    sum += l;
    n++;
    if (l > 250 || l < 5) clipped++;
  }
  return { mean: n ? sum / n : 0, clipped: n ? clipped / n : 1 };
}

export type { VideoTrack, MediaInfo };
