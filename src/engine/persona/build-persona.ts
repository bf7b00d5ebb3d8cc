import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createTrackerLanes, trackVideo, type VideoTrack } from '../tracking/track-video';
import { CancelledError, isCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { StageRunner, type StageContext } from '../util/stages';
import { bakeTexture } from './bake-texture';
import { clipAudio, startClipAudio } from './clip-audio';
import { checkTrack, probeClip, type ProbedClip, type TrackChecks } from './clip-checks';
import { describePersona, type PersonaBuildResults, type PersonaDescription } from './describe-persona';
import { fitFace } from './fit-face';
import { measureFit } from './fit-quality';
import { checkFitRange } from './fit-range';
import type { Segment } from '../common/numeric';
import { writePersonaFolder } from './persona-folder';
import { takeSecondReading } from './second-reading';

/**
 * The persona builder: a reference video of a person → their persona folder
 * (see persona-folder.ts for the layout and conventions). Named stages, each an
 * exported function with a typed result (StageRunner runs them, reports progress and
 * stops between them on cancel):
 *
 *   probe        clip-checks.ts   probeClip        streams, length, target folder
 *   trackerInit  tracking/        createTrackerLanes
 *   track        tracking/        trackVideo + checkTrack (face size, visibility)
 *   secondReading second-reading.ts takeSecondReading  half the frames tracked again, detector cadence shifted (checks the lips)
 *   fit          fit-face.ts      fitFace          alignment, smoothing, neutral, basis, per-frame pose/expression/blink, eye region
 *   quality      fit-quality.ts   measureFit       reprojection, crop, paste outline
 *   texture      bake-texture.ts  bakeTexture      atlas from frontal, well-lit frames
 *   audio        clip-audio.ts    clipAudio        features per video frame (started after probe, computed during tracking)
 *   write        describe-persona.ts + persona-folder.ts: report, meta, model; atomic write
 */

export { MIN_CLIP_SECONDS, MIN_FACE_WIDTH_PX, MIN_TRACKED_FRACTION } from './clip-checks';

/** The build's stages and their share of the progress bar (relative cost on a typical clip). */
export const PERSONA_BUILD_STAGES = { probe: 2, trackerInit: 0, track: 46, secondReading: 24, fit: 7, quality: 1, texture: 6, audio: 11, write: 3 };
export type PersonaBuildStage = keyof typeof PERSONA_BUILD_STAGES;

export interface BuildPersonaOptions extends RunOptions {
  /** Display name (default: the video's file name). */
  name?: string;
  /** Replace an existing persona in `outDir`. */
  overwrite?: boolean;
  /** Texture atlas size (default 512). */
  textureSize?: number;
  /**
   * Fit everything (model, calibrations, texture, crop) on these frames only and express
   * the others in it: an evaluation persona (fit-range.ts). Default: the whole clip.
   */
  fitFrames?: Segment;
  /** The id of the persona this one is the evaluation persona of (recorded in persona.json `fit`). */
  evaluationOf?: string;
  /** The clip's track from an earlier build (track-record.ts): used instead of tracking the clip again. */
  track?: VideoTrack;
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
  // The audio features are computed alongside the tracking (see clip-audio.ts); a build
  // that fails or is cancelled before it needs them stops that work here.
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
  const file = path.resolve(video);
  const target = path.resolve(outDir);
  const run = new StageRunner<PersonaBuildStage>(opts, PERSONA_BUILD_STAGES);
  const warnings: string[] = [];
  const keep = <R extends { warnings: string[] }>(r: R): R => { warnings.push(...r.warnings); return r; };

  const clip = keep(await run.stage('probe', (ctx) => probeClip(file, target, opts.overwrite ?? false, ctx)));
  const audioJob = startClipAudio(file, clip.info, audioSignal);
  const { track, checks } = opts.track ? await reuseTrack(run, file, clip, opts.track) : await trackClip(run, file, clip);
  keep(checks);
  const fitRange = checkFitRange(opts.fitFrames, track.frameCount, file);
  const fit = keep(await run.stage('fit', (ctx) => fitFace(track, file, { signal: ctx.signal, progress: (f, m) => ctx.progress(f, m), fitRange })));
  const quality = keep(await run.stage('quality', () => measureFit(track, fit, checks.medianFaceWidth)));
  const texture = keep(await run.stage('texture', (ctx) => bakeTexture(file, track, fit, opts.textureSize ?? 512, ctx)));
  const audio = keep(await run.stage('audio', (ctx) => clipAudio(audioJob, track.frameCount, track.fps, ctx)));

  const results: PersonaBuildResults = {
    file, clip, track, checks, fit, quality, texture, audio, warnings,
    buildSeconds: (performance.now() - t0) / 1000,
    stageSeconds: stageSeconds(run),
  };
  const written = await writeStage(run, target, results, opts);
  const { report, meta } = written;
  opts.onProgress?.({ stage: 'done', fraction: 1, message: `${track.frameCount} frames, ${report.blink.count} blinks` });
  return {
    dir: target, id: meta.id, name: meta.name, frameCount: track.frameCount, fps: track.fps, durationS: report.video.durationS,
    trackedPct: report.tracking.trackedPct, reprojectionPx: { median: report.fit.reprojectionPx.median, p95: report.fit.reprojectionPx.p95 },
    blinkCount: report.blink.count, blinkRatePerMin: report.blink.ratePerMin, hasAudio: clip.hasAudio, canTrainGan: clip.hasAudio,
    warnings: written.warnings, buildSeconds: report.buildSeconds,
  };
}

/** The trackerInit, track and secondReading stages: the tracker threads live from the first to the end of the last, whatever happens. */
async function trackClip(run: StageRunner<PersonaBuildStage>, file: string, clip: ProbedClip): Promise<{ track: VideoTrack; checks: TrackChecks }> {
  let lanes: Awaited<ReturnType<typeof createTrackerLanes>> | undefined;
  const release = async () => {
    const l = lanes;
    lanes = undefined;
    await l?.dispose();
  };
  try {
    await run.stage('trackerInit', async () => { lanes = await createTrackerLanes(); });
    const first = await run.stage('track', async (ctx) => {
      const track = await trackVideo(file, clip.info, { ...ctx.runOptions, tracker: lanes });
      return { track, checks: checkTrack(track, file) };
    });
    const track = await run.stage('secondReading', (ctx) => takeSecondReading(file, clip.info, first.track, lanes!, ctx.runOptions));
    // Free the threads and their models before fitting.
    await release();
    return { track, checks: first.checks };
  } finally {
    await release();
  }
}

/** The track stage with a track from an earlier build of the same clip: checked against the clip, not tracked again. */
async function reuseTrack(run: StageRunner<PersonaBuildStage>, file: string, clip: ProbedClip, track: VideoTrack): Promise<{ track: VideoTrack; checks: TrackChecks }> {
  return run.stage('track', () => {
    const v = clip.video;
    if (v.width !== track.width || v.height !== track.height || (v.fps && Math.abs(v.fps - track.fps) > 1e-3)) {
      throw new Error(`the kept track (${track.width}x${track.height} at ${track.fps} fps) is not of ${file} (${v.width}x${v.height} at ${v.fps} fps)`);
    }
    return { track, checks: checkTrack(track, file) };
  });
}

/** Wall seconds per finished stage, rounded to 10 ms as report.json has them. */
function stageSeconds(run: StageRunner<PersonaBuildStage>): Record<string, number> {
  return Object.fromEntries(Object.entries(run.seconds).map(([k, s]) => [k, Math.round((s as number) * 100) / 100]));
}

/**
 * The write stage: the results described and written atomically. Once the folder is in
 * place the build has succeeded; a cancel that arrives during the final rename is too late.
 */
async function writeStage(run: StageRunner<PersonaBuildStage>, target: string, results: PersonaBuildResults, opts: BuildPersonaOptions): Promise<PersonaDescription> {
  let written: PersonaDescription | undefined;
  try {
    await run.stage('write', async (ctx: StageContext) => {
      ctx.progress(0, 'writing the persona');
      const stat = await fs.stat(results.file);
      const name = opts.name?.trim() || path.basename(results.file).replace(/\.[^.]+$/, '');
      const d = describePersona(results, { id: randomUUID(), name, sizeBytes: stat.size, createdAt: new Date().toISOString(), evaluationOf: opts.evaluationOf });
      const { fit, quality, texture, audio } = results;
      try {
        await writePersonaFolder(target, {
          // The smoothed landmarks, in the tracker's pixel frame (what was fitted).
          meta: d.meta, modelJson: d.modelJson, neutral: fit.model.neutral, basis: fit.model.basis, blink: fit.blinkField.field, params: fit.params, landmarks: fit.smooth.image,
          hull: quality.hull, features: audio.features, activity: audio.activity, texturePng: texture.png, report: d.report, track: results.track,
        }, { overwrite: opts.overwrite, signal: ctx.signal });
      } catch (err) {
        if (isCancelled(err) || ctx.signal?.aborted) throw new CancelledError();
        throw err;
      }
      written = d;
    });
  } catch (err) {
    if (!written) throw err;
  }
  return written!;
}
