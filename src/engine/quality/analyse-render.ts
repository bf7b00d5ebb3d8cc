import path from 'node:path';
import { extractAudioFeatures, type AudioFeatures } from '../audio/index';
import { probeMedia } from '../media/ffmpeg';
import { loadPersona, loadPersonaAudio, type Persona } from '../persona';
import { blinkStrength, calibrateBlink, detectBlinks, type BlinkEvent } from '../persona/blink';
import { gaussianSmoothStrided } from '../persona/linalg';
import { mean, median, percentile, std } from '../common/numeric';
import type { FaceTracker } from '../tracking/face-tracker';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import type { TrackerLanes } from '../tracking/tracker-pool';
import { FRAME_FILLED, trackVideo, videoFps, type VideoTrack } from '../tracking/track-video';
import { writeJsonAtomic } from '../util/atomic-file';
import { UserError } from '../util/errors';
import { StageRunner } from '../util/stages';
import type { RunOptions } from '../util/progress';
import { PARAM_COUNT } from '../../shared/facial-params';
import { QUALITY_MEASURES, QUALITY_REPORT_VERSION, type QualityStatus, type RenderQualityReport } from '../../shared/render-quality';
import { curveSeries, estimateFraming, IDENTITY_FRAMING, measureLandmarks, type CurveSeries, type VideoFraming } from './face-geometry';
import { measureFrame, RingTotals, SEAM_REGIONS, SEAM_RINGS, type SeamRegionName } from './frame-measures';
import { personaMouthRange, referenceProfile, ringKey, type ReferenceProfile } from './reference-profile';
import { bestLagCorrelation, correlation, finite, matchEvents, pauseClosure } from './series-measures';
import { fmt, higherIsBetter, lowerIsBetter, sharpnessLabel, THRESHOLDS, times, worst } from './verdicts';

/**
 * The quality report of a rendered video, measured on the video itself: its frames are
 * tracked again with the project's face tracker (streamed, a few frames in memory) and
 * every figure is set beside the same figure of the persona's own footage, or beside
 * what the curves asked for. Definitions: docs/quality.md.
 */

export interface AnalyseRenderOptions extends RunOptions {
  /** The persona the video shows (folder or loaded). */
  persona: string | Persona;
  /** The curves the video was rendered from, [N*71], one row per video frame (frame i = row i). */
  curves?: Float32Array;
  /** Video pixels → the persona's source pixels; default: identity when the sizes match, else estimated from the curves. */
  framing?: VideoFraming;
  /** The regions whose boundaries may show a seam (default: the face). */
  seamRegions?: SeamRegionName[];
  /** Reuse loaded trackers (the caller disposes them). */
  tracker?: FaceTracker | TrackerLanes;
  /** Without `tracker`: tracking threads (default: one per core, at most 4). */
  threads?: number;
}

/** Longest blink counted, seconds (as the persona builder). */
const MAX_BLINK_S = 1.0;
/** Blink events match when their spans overlap, each widened by this many seconds. */
const BLINK_TOLERANCE_S = 0.12;
/** Lag search of the correlations, frames. */
const MAX_LAG = 5;
/** A pause: speech probability < 0.5 for at least this long; its first and last `PAUSE_TRIM_S` are left out. */
const PAUSE_MIN_S = 0.3;
const PAUSE_TRIM_S = 0.08;
/** The mouth counts as closed below the persona's 5th percentile of opening plus this fraction of its 5th-95th percentile range. */
const CLOSED_FRACTION = 0.15;
/** Loudness below the track's 95th percentile minus this counts as this (silence is not "very negative"). */
const LOUDNESS_RANGE_DB = 40;
/** A mouth series moving less than this (std, mm) is still. */
const STILL_MOUTH_MM = 0.05;

const DEG = 180 / Math.PI;

/** X.mp4 → X.quality.json */
export function qualityReportPath(video: string): string {
  const ext = path.extname(video);
  return (ext ? video.slice(0, -ext.length) : video) + '.quality.json';
}

/** Writes the report beside the video (atomically) and returns its path. */
export async function writeQualityReport(video: string, report: RenderQualityReport): Promise<string> {
  const file = qualityReportPath(video);
  await writeJsonAtomic(file, report);
  return file;
}

interface PixelTotals {
  face: number[];
  mouth: number[];
  flicker: number[];
  rings: RingTotals;
}

export async function analyseRender(video: string, opts: AnalyseRenderOptions): Promise<RenderQualityReport> {
  const t0 = performance.now();
  const run = new StageRunner(opts, { probe: 1, reference: 12, track: 80, compare: 4 });
  const notes: string[] = [];

  const { info, persona } = await run.stage('probe', async () => {
    const info = await probeMedia(video, { signal: opts.signal });
    if (!info.video?.width || !info.video.height) {
      throw new UserError('video-missing', `${video} has no video track.`, { file: video, hint: 'Choose the exported MP4.' });
    }
    const persona = typeof opts.persona === 'string' ? await loadPersona(opts.persona) : opts.persona;
    return { info, persona };
  });
  const fps = videoFps(info);

  const ref = await run.stage('reference', (ctx) => referenceProfile(persona, ctx.runOptions));
  if (ref.note) notes.push(ref.note);

  // The voice track is analysed while the frames are tracked.
  const audioJob: Promise<AudioFeatures | undefined> = info.audio
    ? extractAudioFeatures(video, { fps, signal: opts.signal }).catch((err: unknown) => {
      notes.push(`the video's sound could not be analysed (${(err as Error).message})`);
      return undefined;
    })
    : Promise.resolve(undefined);

  const px: PixelTotals = { face: [], mouth: [], flicker: [], rings: new RingTotals() };
  const track = await run.stage('track', async (ctx) => {
    // Frames come as the tracker decodes them: upright, rotated as the file says.
    let previous: Uint8Array | undefined;
    const rotated = Math.abs(info.video!.rotation ?? 0) % 180 === 90;
    const W = rotated ? info.video!.height! : info.video!.width!;
    const H = rotated ? info.video!.width! : info.video!.height!;
    return trackVideo(video, info, {
      ...ctx.runOptions,
      tracker: opts.tracker,
      threads: opts.threads,
      onFrame: (_i, rgb, lm) => {
        if (lm) {
          const m = measureFrame(rgb, W, H, lm, previous);
          px.face.push(m.faceSharpness);
          px.mouth.push(m.mouthSharpness);
          if (Number.isFinite(m.flicker)) px.flicker.push(m.flicker);
          px.rings.add(m.rings);
        }
        previous = rgb;
      },
    });
  });
  const audio = await audioJob;

  const report = await run.stage('compare', async () => {
    const pa = await loadPersonaAudio(persona).catch(() => undefined);
    const personaActivity = pa ? { speech: Float32Array.from({ length: persona.frameCount }, (_, t) => pa.activity[t * 2]) } : undefined;
    return compare({ video, info: { fps, hasAudio: Boolean(info.audio) }, persona, track, px, ref: ref.profile, audio, personaActivity, opts, notes });
  });
  report.seconds = Math.round((performance.now() - t0) / 100) / 10;
  return report;
}

interface CompareInput {
  video: string;
  info: { fps: number; hasAudio: boolean };
  persona: Persona;
  track: VideoTrack;
  px: PixelTotals;
  ref?: ReferenceProfile;
  audio?: AudioFeatures;
  /** Speech probability per frame of the persona's own clip (activity.npy), when it has sound. */
  personaActivity?: { speech: Float32Array };
  opts: AnalyseRenderOptions;
  notes: string[];
}

function versus(video: number | null, real: number | null | undefined): { video: number | null; real: number | null; ratio: number | null } {
  const v = video !== null && Number.isFinite(video) ? video : null;
  const r = real !== null && real !== undefined && Number.isFinite(real) ? real : null;
  return { video: round(v, 2), real: round(r, 2), ratio: v !== null && r !== null && r > 0 ? round(v / r, 3) : null };
}

function round(x: number | null, digits: number): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

const unmeasured = (label: string, detail: string) => ({ status: 'unmeasured' as QualityStatus, label, detail });

/** The video's series, one value per video frame, and the curves beside them. */
interface VideoSeries {
  T: number;
  fps: number;
  tracked: boolean[];
  curves?: CurveSeries;
  curveFrames: number;
  framing: VideoFraming;
  framingOrigin: RenderQualityReport['framing']['origin'];
  /** Eye aspect ratio, mouth opening (mm, NaN where no face) and head rotation (3 per frame, NaN where no face). */
  ear: Float64Array;
  mouthMm: Float64Array;
  rot: Float64Array;
}

function videoSeries(c: CompareInput): VideoSeries {
  const { track, persona, notes } = c;
  const T = track.frameCount;
  const N3 = LANDMARK_COUNT * 3;
  const tracked = Array.from(track.status, (s) => s !== FRAME_FILLED);

  // Curves, one row per video frame.
  let curves: CurveSeries | undefined;
  let curveFrames = 0;
  if (c.opts.curves) {
    curveFrames = Math.floor(c.opts.curves.length / PARAM_COUNT);
    if (Math.abs(curveFrames - T) > 2) notes.push(`the curves hold ${curveFrames} frames and the video ${T}: only the first ${Math.min(curveFrames, T)} are compared`);
    curves = curveSeries(c.opts.curves.subarray(0, Math.min(curveFrames, T) * PARAM_COUNT), persona.model);
  }

  // Framing: video pixels → source pixels.
  const src = persona.meta.source;
  let framing = IDENTITY_FRAMING;
  let framingOrigin: VideoSeries['framingOrigin'] = 'assumed';
  if (c.opts.framing) { framing = c.opts.framing; framingOrigin = 'given'; }
  else if (track.width === src.width && track.height === src.height) framingOrigin = 'same-size';
  else if (c.opts.curves) {
    const est = estimateFraming(track.landmarks, tracked, c.opts.curves, persona);
    if (est) { framing = est; framingOrigin = 'estimated'; notes.push(`the video (${track.width}x${track.height}) is framed unlike the source (${src.width}x${src.height}); its framing was estimated from the face's size and place`); }
  }

  // Landmark measures per frame (NaN where no face was tracked).
  const ear = new Float64Array(T), mouthMm = new Float64Array(T), rot = new Float64Array(T * 3);
  for (let t = 0; t < T; t++) {
    const m = measureLandmarks(track.landmarks.subarray(t * N3, (t + 1) * N3), persona, framing);
    ear[t] = m.ear;
    mouthMm[t] = tracked[t] ? m.mouthMm : NaN;
    for (let k = 0; k < 3; k++) rot[t * 3 + k] = tracked[t] ? m.rotation[k] : NaN;
  }

  return { T, fps: c.info.fps, tracked, curves, curveFrames, framing, framingOrigin, ear, mouthMm, rot };
}

function faceFoundMeasure(track: VideoTrack): RenderQualityReport['faceFound'] {
  const T = track.frameCount;
  const fraction = T ? track.trackedFrames / T : 0;
  const longestGap = track.gaps.reduce((a, g) => Math.max(a, g.frames), 0);
  const ffStatus = T === 0 ? 'poor' : higherIsBetter(fraction, THRESHOLDS.faceFound);
  return {
    status: ffStatus,
    label: track.trackedFrames === T ? 'face found in every frame' : track.trackedFrames === 0 ? 'no face found' : `face lost in ${T - track.trackedFrames} of ${T} frames`,
    detail: `${track.trackedFrames}/${T} frames tracked (${(100 * fraction).toFixed(1)}%)${longestGap ? `, longest gap ${longestGap} frames` : ''}`,
    trackedFrames: track.trackedFrames, frames: T, fraction: round(fraction, 4)!, longestGapFrames: longestGap,
  };
}

function sharpnessMeasure(values: number[], real: number | undefined, t: { good: number; fair: number }, what: string): RenderQualityReport['faceSharpness'] {
  const v = versus(values.length ? median(values) : null, real);
  if (v.video === null) return { ...unmeasured('not measured', `no ${what} was tracked in the video`), ...v };
  if (v.ratio === null) return { ...unmeasured('not compared', `${fmt(v.video, 0)} (variance of the Laplacian); no real footage to compare with`), ...v };
  const s = sharpnessLabel(v.ratio, t);
  return { ...s, detail: `${times(v.ratio)} the real footage's (${fmt(v.video, 0)} vs ${fmt(v.real, 0)}, variance of the Laplacian)`, ...v };
}

function seamMeasure(px: PixelTotals, ref: ReferenceProfile | undefined, regions: SeamRegionName[]): RenderQualityReport['seam'] {
  // A seam is a step of brightness or a change of detail along the synthesised region's
  // edge that the real footage does not have at the same place (docs/quality.md).
  const rings = SEAM_RINGS.map(([region, grow], k) => ({ region, grow, k })).filter((x) => regions.includes(x.region)).map(({ region, grow, k }) => {
    const real = ref?.rings[ringKey(region, grow)];
    const v = versus(px.rings.mean('step', k), real?.step);
    const dv = px.rings.mean('detail', k);
    const detailFactor = Number.isFinite(dv) && real ? Math.exp(Math.abs(dv - real.detail)) : null;
    return { region, grow, video: v.video, real: v.real, ratio: v.ratio, detailVideo: round(dv, 3), detailReal: round(real?.detail ?? null, 3), detailFactor: round(detailFactor, 3), detailSign: Number.isFinite(dv) && real ? Math.sign(dv - real.detail) : 0 };
  });
  const worstBy = (f: (r: (typeof rings)[number]) => number | null) => rings.reduce<(typeof rings)[number] | undefined>((a, r) => (f(r) !== null && (!a || f(r)! > f(a)!) ? r : a), undefined);
  const worstStep = worstBy((r) => r.ratio), worstDetail = worstBy((r) => r.detailFactor);
  const seamRatio = worstStep?.ratio ?? null, detailFactor = worstDetail?.detailFactor ?? null;
  const seamStatus = seamRatio === null ? 'unmeasured' : worst([lowerIsBetter(seamRatio, THRESHOLDS.seam), lowerIsBetter(detailFactor ?? 1, THRESHOLDS.seamDetail)]);
  const unitOf = (r: (typeof rings)[number]) => `${r.region} + ${r.grow} ${SEAM_REGIONS[r.region as SeamRegionName].unit} widths`;
  return {
    status: seamStatus as QualityStatus,
    label: seamRatio === null ? 'not measured' : seamStatus === 'good' ? 'invisible' : seamStatus === 'fair' ? 'faint seam' : 'visible seam',
    detail: seamRatio === null
      ? (ref ? 'the region boundary was not in the frame' : 'no real footage to compare with')
      : `brightness step across the ${regions.join(' and ')} boundary ${times(seamRatio)} the real footage's (worst at ${unitOf(worstStep!)}); ` +
        `detail changes ${times(detailFactor ?? 1)} as much across it as in the footage${worstDetail && worstDetail.detailSign < 0 && (detailFactor ?? 1) >= THRESHOLDS.seamDetail.good ? ', softer inside' : worstDetail && worstDetail.detailSign > 0 && (detailFactor ?? 1) >= THRESHOLDS.seamDetail.good ? ', sharper inside' : ''} (worst at ${worstDetail ? unitOf(worstDetail) : 'n/a'})`,
    ratio: round(seamRatio, 3), detailFactor: round(detailFactor, 3), regions,
    rings: rings.map(({ detailSign: _s, ...r }) => r),
  };
}

function blinkMeasure(s: VideoSeries, persona: Persona, notes: string[]): RenderQualityReport['blinks'] {
  const { T, fps, tracked, ear, curves } = s;
  // 4. Blinks: eye aspect ratio calibrated on the persona, smoothed as the builder smooths the lids.
  const calibration = persona.meta.blink ?? calibrateBlink(ear, Uint8Array.from(tracked, Number));
  if (!persona.meta.blink) notes.push('the persona has no blink calibration: blinks are judged by the video\'s own eye openness');
  // Where the face is lost for long, the held landmarks may be degenerate: eyes open there.
  for (let t = 0; t < T; t++) if (!Number.isFinite(ear[t])) ear[t] = calibration.open;
  gaussianSmoothStrided(ear, T, 0, 1, 0.5 * (fps / 25));
  const strength = blinkStrength(ear, calibration);
  for (let t = 0; t < T; t++) if (!tracked[t]) strength[t] = 0;
  const maxBlink = Math.round(fps * MAX_BLINK_S);
  const videoEvents = detectBlinks(strength, maxBlink);
  const curveEvents = curves ? detectBlinks(curves.blink, maxBlink) : [];
  const ev = (e: BlinkEvent) => ({ start: e.start, end: e.end, peak: e.peak });
  const ratePerMin = T ? round((videoEvents.length / (T / fps)) * 60, 1)! : 0;
  if (!curves) {
    return { ...unmeasured(`${videoEvents.length} blinks seen`, `${videoEvents.length} blinks in the video (${ratePerMin}/min); no curves to compare with`), video: videoEvents.length, curves: null, seen: null, missed: null, extra: null, ratePerMin, videoEvents: videoEvents.map(ev), curveEvents: [] };
  } else {
    const m = matchEvents(curveEvents, videoEvents, Math.max(1, Math.round(BLINK_TOLERANCE_S * fps)));
    const n = curveEvents.length;
    const status: QualityStatus = m.missed === 0 && m.extra === 0 ? 'good' : m.seen >= Math.ceil(n / 2) && m.extra <= Math.max(1, Math.floor(n / 2)) ? 'fair' : 'poor';
    const parts = [];
    if (m.missed) parts.push(`${m.missed} of ${n} blinks missing`);
    if (m.extra) parts.push(`${m.extra} extra`);
    const label = status === 'good' ? (n === 0 ? 'no blinks, as in the curves' : n === 1 ? 'the blink shows' : `all ${n} blinks show`) : parts.join(', ');
    return {
      status, label,
      detail: `curves: ${n} blinks; video: ${videoEvents.length} (${ratePerMin}/min); seen ${m.seen}, missed ${m.missed}, extra ${m.extra}`,
      video: videoEvents.length, curves: n, seen: m.seen, missed: m.missed, extra: m.extra, ratePerMin,
      videoEvents: videoEvents.map(ev), curveEvents: curveEvents.map(ev),
    };
  }
}

function mouthMeasure(s: VideoSeries): RenderQualityReport['mouth'] {
  const { mouthMm, curves } = s;
  // 5. Mouth opening vs the curves.
  const videoMouth = finite(mouthMm);
  const videoRange = videoMouth.length ? percentile(videoMouth, 0.95) - percentile(videoMouth, 0.05) : null;
  if (!curves) {
    return { ...unmeasured('not compared', 'no curves to compare with'), r: null, bestLag: null, rBest: null, videoRangeMm: round(videoRange, 2), curvesRangeMm: null };
  } else {
    const curvesRange = percentile(curves.mouthMm, 0.95) - percentile(curves.mouthMm, 0.05);
    const lc = bestLagCorrelation(curves.mouthMm, mouthMm, MAX_LAG, STILL_MOUTH_MM);
    const base = { r: round(lc.r0, 3), bestLag: lc.lag, rBest: round(lc.r, 3), videoRangeMm: round(videoRange, 2), curvesRangeMm: round(curvesRange, 2) };
    const ranges = `the mouth opens ${fmt(videoRange, 1)} mm in the video, ${fmt(curvesRange, 1)} mm in the curves (5th-95th percentile)`;
    if (correlation(curves.mouthMm, curves.mouthMm, 0, STILL_MOUTH_MM) === null) return { ...unmeasured('the curves keep the mouth still', ranges), ...base };
    if (lc.r0 === null) return { status: 'poor', label: 'the mouth does not move', detail: ranges, ...base };
    else {
      const status = higherIsBetter(lc.r0, THRESHOLDS.mouth);
      const lagNote = lc.lag !== null && lc.lag !== 0 && lc.r !== null && lc.r - lc.r0 > 0.05 ? `; best r ${fmt(lc.r)} with the video ${Math.abs(lc.lag)} frame(s) ${lc.lag > 0 ? 'late' : 'early'}` : '';
      return { status, label: status === 'good' ? 'follows the curves' : status === 'fair' ? 'loosely follows the curves' : 'does not follow the curves', detail: `r = ${fmt(lc.r0)}${lagNote}; ${ranges}`, ...base };
    }
  }
}

function poseMeasure(s: VideoSeries): RenderQualityReport['pose'] {
  const { T, rot, curves } = s;
  // 6. Head pose vs the curves.
  const angles = ['pitch', 'yaw', 'roll'] as const;
  const angleFig = (k: number) => {
    const v = Float64Array.from({ length: T }, (_, t) => rot[t * 3 + k] * DEG);
    const vs = finite(v);
    const videoStd = vs.length > 1 ? std(vs) : null;
    if (!curves) return { r: null, maeDeg: null, curvesStdDeg: null, videoStdDeg: round(videoStd, 2) };
    const cv = Float64Array.from({ length: curves.blink.length }, (_, t) => curves!.rotation[t * 3 + k] * DEG);
    let s = 0, n = 0;
    for (let t = 0; t < Math.min(T, cv.length); t++) if (Number.isFinite(v[t])) { s += Math.abs(v[t] - cv[t]); n++; }
    return { r: round(correlation(cv, v), 3), maeDeg: round(n ? s / n : null, 2), curvesStdDeg: round(std(Array.from(cv)), 2), videoStdDeg: round(videoStd, 2) };
  };
  const figs = { pitch: angleFig(0), yaw: angleFig(1), roll: angleFig(2) };
  if (!curves) return { ...unmeasured('not compared', 'no curves to compare with'), ...figs };
  else {
    const P = THRESHOLDS.pose;
    const per = angles.map((a) => {
      const f = figs[a];
      if (f.maeDeg === null) return 'unmeasured' as QualityStatus;
      const still = (f.curvesStdDeg ?? 0) < P.movingStdDeg;
      const r = f.r ?? 0;
      if (f.maeDeg <= P.goodMaeDeg && (still || r >= P.goodR)) return 'good' as QualityStatus;
      if (f.maeDeg <= P.fairMaeDeg && (still || r >= P.fairR)) return 'fair' as QualityStatus;
      return 'poor' as QualityStatus;
    });
    const status = worst(per);
    return {
      status,
      label: status === 'good' ? 'follows the curves' : status === 'fair' ? 'roughly follows the curves' : status === 'poor' ? 'does not follow the curves' : 'not measured',
      detail: angles.map((a) => `${a} r ${fmt(figs[a].r)}, error ${fmt(figs[a].maeDeg, 1)}° (curves move ${fmt(figs[a].curvesStdDeg, 1)}°)`).join('; '),
      ...figs,
    };
  }
}

function flickerMeasure(px: PixelTotals, ref: ReferenceProfile | undefined): RenderQualityReport['flicker'] {
  // 7. Flicker.
  const fv = versus(px.flicker.length ? mean(px.flicker) : null, ref?.flicker);
  if (fv.video === null) return { ...unmeasured('not measured', 'fewer than two frames with a face'), ...fv };
  if (fv.ratio === null) return { ...unmeasured('not compared', `${fmt(fv.video)} grey levels per frame; no real footage to compare with`), ...fv };
  else {
    const status = lowerIsBetter(fv.ratio, THRESHOLDS.flicker);
    return { status, label: status === 'good' ? 'steady' : status === 'fair' ? 'some flicker' : 'flickers', detail: `${times(fv.ratio)} the real footage's frame-to-frame change in the face (${fmt(fv.video)} vs ${fmt(fv.real)} grey levels)`, ...fv };
  }
}

function voiceMeasures(c: CompareInput, s: VideoSeries): Pick<RenderQualityReport, 'lipAudio' | 'silenceClosure'> {
  const { persona } = c;
  const { T, fps, mouthMm } = s;
  // 8. Lip-audio and 9. closure on pauses, from the video's own sound track.
  let lipAudio: RenderQualityReport['lipAudio'];
  let silenceClosure: RenderQualityReport['silenceClosure'];
  const audio = c.audio;
  const closedBelow = (() => {
    const r = personaMouthRange(persona);
    return r.p5 + CLOSED_FRACTION * (r.p95 - r.p5);
  })();
  if (!audio) {
    const why = c.info.hasAudio ? 'the sound track could not be analysed' : 'the video has no sound track';
    lipAudio = { ...unmeasured('not measured', why), r: null, lag: null };
    silenceClosure = { ...unmeasured('not measured', why), silences: 0, closed: 0, fraction: null, openingSilenceMm: null, openingSpeechMm: null, closedBelowMm: round(closedBelow, 2), realSilences: null, realClosed: null };
  } else {
    const A = Math.min(T, audio.frameCount);
    const loud = Float64Array.from(audio.rmsDb.subarray(0, A));
    const floor = percentile(loud, 0.95) - LOUDNESS_RANGE_DB;
    for (let t = 0; t < A; t++) loud[t] = Math.max(loud[t], floor);
    const lc = bestLagCorrelation(loud, mouthMm.subarray(0, A), MAX_LAG, STILL_MOUTH_MM);
    const L = THRESHOLDS.lipAudio;
    if (correlation(loud, loud) === null) lipAudio = { ...unmeasured('not measured', 'the sound track is silent'), r: null, lag: null };
    else if (lc.r === null) lipAudio = { status: 'poor', label: 'the lips do not move', detail: 'the tracked mouth opening is constant', r: null, lag: null };
    else {
      const status: QualityStatus = lc.r >= L.low && lc.r <= L.high ? 'good' : lc.r > L.high ? 'fair' : lc.r >= L.fairLow ? 'fair' : 'poor';
      const label = status === 'good' ? 'in sync with the voice' : lc.r > L.high ? 'follows loudness mechanically' : lc.r >= L.fairLow ? 'weakly in sync with the voice' : 'not in sync with the voice';
      lipAudio = { status, label, detail: `r = ${fmt(lc.r)} between mouth opening and loudness (best lag ${lc.lag} frame(s) within ±${MAX_LAG}; real people 0.2-0.45)`, r: round(lc.r, 3), lag: lc.lag };
    }
    const pc = pauseClosure(audio.speech.subarray(0, A), mouthMm, Math.round(PAUSE_MIN_S * fps), Math.round(PAUSE_TRIM_S * fps), closedBelow);
    const real = c.personaActivity
      ? pauseClosure(c.personaActivity.speech, curveSeries(persona.params, persona.model).mouthMm, Math.round(PAUSE_MIN_S * persona.meta.fps), Math.round(PAUSE_TRIM_S * persona.meta.fps), closedBelow)
      : undefined;
    const base = {
      silences: pc.pauses, closed: pc.closed, fraction: pc.pauses ? round(pc.closed / pc.pauses, 3) : null,
      openingSilenceMm: round(pc.openingPause, 2), openingSpeechMm: round(pc.openingSpeech, 2), closedBelowMm: round(closedBelow, 2),
      realSilences: real ? real.pauses : null, realClosed: real ? real.closed : null,
    };
    const realNote = real && real.pauses ? `; the person's own footage: closed in ${real.closed} of ${real.pauses} pauses` : '';
    if (pc.pauses === 0) silenceClosure = { ...unmeasured('no pauses', `the voice has no pause of ${PAUSE_MIN_S} s or more`), ...base };
    else {
      let status = higherIsBetter(pc.closed / pc.pauses, THRESHOLDS.silenceClosure);
      // Some people keep their lips parted in pauses: no worse than "fair" for a render that does as they do.
      const personStaysOpen = real !== undefined && real.pauses > 0 && real.closed / real.pauses < THRESHOLDS.silenceClosure.fair;
      if (status === 'poor' && personStaysOpen) status = 'fair';
      silenceClosure = {
        status,
        label: status === 'good' ? 'closes on pauses' : pc.closed === 0 ? 'stays open on pauses' : 'sometimes closes on pauses',
        detail: `closed in ${pc.closed} of ${pc.pauses} pauses (median opening ${fmt(base.openingSilenceMm, 1)} mm in pauses, ${fmt(base.openingSpeechMm, 1)} mm in speech; closed: below ${fmt(closedBelow, 1)} mm)${realNote}`,
        ...base,
      };
    }
  }
  return { lipAudio, silenceClosure };
}

/** Everything after tracking: per-frame landmark measures, series comparisons, verdicts. Exported for tests. */
export function compare(c: CompareInput): RenderQualityReport {
  const { track, persona, px, ref, notes } = c;
  const s = videoSeries(c);
  const { T, fps, curves, curveFrames, framing, framingOrigin } = s;
  const faceFound = faceFoundMeasure(track);
  const faceSharpness = sharpnessMeasure(px.face, ref?.faceSharpness, THRESHOLDS.faceSharpness, 'face');
  const mouthSharpness = sharpnessMeasure(px.mouth, ref?.mouthSharpness, THRESHOLDS.mouthSharpness, 'mouth');
  const seam = seamMeasure(px, ref, c.opts.seamRegions?.length ? c.opts.seamRegions : ['face']);
  const blinks = blinkMeasure(s, persona, notes);
  const mouth = mouthMeasure(s);
  const pose = poseMeasure(s);
  const flicker = flickerMeasure(px, ref);
  const { lipAudio, silenceClosure } = voiceMeasures(c, s);
  const measures = { faceFound, faceSharpness, mouthSharpness, seam, blinks, mouth, lipAudio, silenceClosure, pose, flicker };
  const statuses = QUALITY_MEASURES.map(([id]) => measures[id].status);
  const overallStatus = worst(statuses);
  const problems = QUALITY_MEASURES.filter(([id]) => measures[id].status === 'fair' || measures[id].status === 'poor').map(([id, title]) => `${title}: ${measures[id].label}`);
  return {
    formatVersion: QUALITY_REPORT_VERSION,
    createdAt: new Date().toISOString(),
    seconds: 0,
    video: { file: c.video, width: track.width, height: track.height, fps, frames: T, durationS: round(T / fps, 3)!, hasAudio: c.info.hasAudio },
    persona: { id: persona.meta.id, name: persona.meta.name },
    curves: { given: Boolean(curves), frames: curveFrames },
    framing: { scale: round(framing.scale, 5)!, offsetX: round(framing.offsetX, 2)!, offsetY: round(framing.offsetY, 2)!, origin: framingOrigin },
    overall: {
      status: overallStatus,
      label: overallStatus === 'good' ? 'good' : overallStatus === 'fair' ? 'usable, with flaws' : overallStatus === 'poor' ? 'not good enough' : 'not measured',
      problems,
    },
    ...measures,
    notes,
  };
}
