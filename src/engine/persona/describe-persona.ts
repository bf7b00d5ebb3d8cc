import { FRAME_BRIDGED, FRAME_FILLED, FRAME_TRACKED, type VideoTrack } from '../tracking/track-video';
import type { BakedTexture } from './bake-texture';
import type { ClipAudio } from './clip-audio';
import type { ProbedClip, TrackChecks } from './clip-checks';
import { EXPRESSION_COUNT } from './expression-basis';
import type { FaceFit } from './fit-face';
import { IPD_MM } from './fit-pose';
import type { FitQuality } from './fit-quality';
import { FACE_OVAL } from './landmark-sets';
import { isWholeClip } from './fit-range';
import { PERSONA_FILES, PERSONA_FORMAT_VERSION, type ModelJson, type PersonaMeta } from './persona-folder';
import { JITTER_DEFINITION, poseRanges, temporalJitter, type PersonaReport } from './report';

/**
 * The persona build's results put into words: report.json (how well the clip was
 * tracked and fitted), persona.json (what a reader needs: camera, conventions, crop,
 * paste, calibrations) and model.json (the mesh), from the typed results of its stages.
 */

/** Everything the stages produced, in their order. */
export interface PersonaBuildResults {
  /** The clip's absolute path. */
  file: string;
  clip: ProbedClip;
  track: VideoTrack;
  checks: TrackChecks;
  fit: FaceFit;
  quality: FitQuality;
  texture: BakedTexture;
  audio: ClipAudio;
  /** The stages' warnings, in order. */
  warnings: string[];
  buildSeconds: number;
  /** Wall seconds per stage so far. */
  stageSeconds: Record<string, number>;
}

/** Who the persona is: its id, display name, the clip's size and the time of writing. */
export interface PersonaIdentity {
  id: string;
  name: string;
  sizeBytes: number;
  createdAt: string;
  /** The persona this one evaluates (an evaluation persona fitted on part of the clip). */
  evaluationOf?: string;
}

export interface PersonaDescription {
  report: PersonaReport;
  meta: PersonaMeta;
  modelJson: ModelJson;
  /** The build's warnings, as in the report. */
  warnings: string[];
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const r2 = (x: number) => Math.round(x * 100) / 100;
function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, r4(x)])) as T;
}

export function describePersona(b: PersonaBuildResults, who: PersonaIdentity): PersonaDescription {
  const report = buildReport(b);
  // The basis note also reaches the user's warnings (after the report's figures are set).
  if (b.fit.basis.usefulComponents < EXPRESSION_COUNT) report.warnings.push(report.expression.note);
  return { report, meta: buildMeta(b, who, report), modelJson: buildModelJson(b.fit), warnings: report.warnings };
}

/** Rounded standard deviation of each expression coefficient. */
function expressionStd(fit: FaceFit): number[] {
  return fit.basis.variances.map((x) => Math.round(Math.sqrt(x) * 1e4) / 1e4);
}

export function buildReport(b: PersonaBuildResults): PersonaReport {
  const { track, fit, quality } = b;
  const T = track.frameCount;
  const P = fit.model.vertexCount;
  const durationS = T / track.fps;
  const isTracked = (t: number) => track.status[t] === FRAME_TRACKED;
  const blinkEvents = fit.blinks.events.map((e) => ({ start: e.start, end: e.end, peak: e.peak }));
  const basis = fit.basis;
  return {
    formatVersion: PERSONA_FORMAT_VERSION,
    video: { file: b.file, durationS: Math.round(durationS * 1000) / 1000, fps: track.fps, frameCount: T, width: track.width, height: track.height, hasAudio: b.clip.hasAudio },
    tracking: {
      framesTotal: T,
      framesTracked: track.trackedFrames,
      trackedPct: Math.round((10000 * track.trackedFrames) / T) / 100,
      bridgedFrames: track.status.filter((s) => s === FRAME_BRIDGED).length,
      filledFrames: track.status.filter((s) => s === FRAME_FILLED).length,
      gaps: track.gaps,
      longGaps: b.checks.longGaps.length,
      multiFaceFrames: track.multiFaceFrames,
      medianFaceWidthPx: Math.round(b.checks.medianFaceWidth * 10) / 10,
      subPixelLandmarks: track.subPixel,
      seconds: r2(track.trackSeconds),
    },
    fit: {
      reprojectionPx: { median: quality.reprojection.median, p95: quality.reprojection.p95, mean: quality.reprojection.mean },
      reprojectionSmoothedPx: { median: quality.reprojectionSmoothed.median, p95: quality.reprojectionSmoothed.p95 },
      stablePoints: fit.stablePoints,
      neutralFrames: fit.neutralFrames.length,
    },
    jitter: {
      definition: JITTER_DEFINITION,
      rawPx: temporalJitter(track.landmarks, T, P, 3, isTracked),
      smoothedPx: temporalJitter(fit.smooth.image, T, P, 3, isTracked),
      fittedPx: temporalJitter(quality.fittedProjection, T, P, 2, isTracked),
      smoothingSigmasFrames: roundAll(fit.smooth.sigmas),
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
      calibration: { open: r4(fit.blinks.open), closed: r4(fit.blinks.closed) },
    },
    pose: poseRanges(fit.params, T),
    texture: { frames: b.texture.frames, coverage: Math.round(b.texture.coverage * 1000) / 1000, size: b.texture.size },
    audio: { present: b.clip.hasAudio, frameAdjust: b.audio.frameAdjust, note: b.audio.note },
    warnings: [...b.warnings],
    buildSeconds: r2(b.buildSeconds),
    stageSeconds: b.stageSeconds,
  };
}

export function buildMeta(b: PersonaBuildResults, who: PersonaIdentity, report: PersonaReport): PersonaMeta {
  const { track, fit, clip } = b;
  const { width, height, fps } = track;
  const hasAudio = clip.hasAudio;
  return {
    formatVersion: PERSONA_FORMAT_VERSION,
    id: who.id,
    name: who.name,
    createdAt: who.createdAt,
    source: { file: b.file, sizeBytes: who.sizeBytes, durationS: clip.info.durationS, width, height, fps, videoCodec: clip.video.codec, audioCodec: clip.info.audio?.codec },
    fps,
    frameCount: track.frameCount,
    durationS: report.video.durationS,
    camera: {
      model: 'pinhole', ...fit.camera,
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
    crop: b.quality.crop,
    paste: {
      hullFile: PERSONA_FILES.hull,
      hullVertexCount: FACE_OVAL.length,
      featherPx: Math.max(2, Math.round(b.checks.medianFaceWidth * 0.04)),
      note: 'Per frame, the face outline (model vertices FACE_OVAL, see model.json faceOval) projected with the frame\'s parameters; fill the polygon, erode and blur by featherPx for a soft mask, and blend the rendered face over the source frame with it.',
    },
    eye: {
      threshold: r4(fit.eye.threshold),
      centres: fit.eye.centres.map(([x, y]) => [r4(x), r4(y)] as [number, number]),
      rule: '(v_x - c_x)^2 / 4 + (v_y - c_y)^2 < threshold, model-space mm, on the neutral shape (method doc section 5)',
    },
    blink: { open: r4(fit.blinks.open), closed: r4(fit.blinks.closed), measure: 'eye aspect ratio (mean of 3 lid gaps / corner width), both eyes, pose-normalised; blink = (open - ratio) / (open - closed) clamped to 0..1' },
    expression: { components: EXPRESSION_COUNT, usefulComponents: fit.basis.usefulComponents, std: expressionStd(fit) },
    hasAudio,
    canTrainGan: hasAudio,
    ...(hasAudio ? { audio: { features: PERSONA_FILES.features, activity: PERSONA_FILES.activity, frameAdjust: b.audio.frameAdjust, ...(b.audio.encoder ? { encoder: b.audio.encoder } : {}) } } : {}),
    build: { seconds: report.buildSeconds, tracker: '@vladmandic/human 3.3.6 (blazeface + facemesh + iris, tfjs wasm)', subPixelLandmarks: track.subPixel },
    ...(isWholeClip(fit.fitRange, track.frameCount) ? {} : { fit: fitRecord(fit.fitRange, track.frameCount, who.evaluationOf) }),
  };
}

/** persona.json `fit` of a persona fitted on part of its clip. */
function fitRecord(range: { start: number; end: number }, T: number, evaluationOf?: string): NonNullable<PersonaMeta['fit']> {
  return {
    frames: [range.start, range.end],
    ...(evaluationOf ? { evaluationOf } : {}),
    note: `Model, expression basis, neutral shape, blink calibration and field, texture and crop fitted on frames ${range.start}-${range.end - 1} only; the other frames of the ${T} are tracked and expressed in that model (held out).`,
  };
}

export function buildModelJson(fit: FaceFit): ModelJson {
  const { model, eye } = fit;
  return {
    formatVersion: PERSONA_FORMAT_VERSION,
    vertexCount: model.vertexCount,
    triangleCount: model.triangles.length / 3,
    triangles: Array.from(model.triangles),
    uvs: Array.from(model.uvs, r4),
    eyeVertices: Array.from(eye.mask.keys()).filter((i) => eye.mask[i]),
    landmarkToVertex: Array.from(model.landmarkToVertex),
    faceOval: FACE_OVAL,
    expressionCount: EXPRESSION_COUNT,
    expressionStd: expressionStd(fit),
    blink: { file: 'blink.npy', version: 1, source: fit.blinkField.source, openGapMm: r4(fit.blinkField.openGapMm), closedGapMm: r4(fit.blinkField.closedGapMm) },
  };
}
