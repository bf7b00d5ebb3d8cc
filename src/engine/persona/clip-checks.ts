import path from 'node:path';
import { probeMedia, type MediaInfo, type MediaStreamInfo } from '../media/ffmpeg';
import { FRAME_TRACKED, type TrackGap, type VideoTrack } from '../tracking/track-video';
import { UserError } from '../util/errors';
import { median } from '../common/numeric';
import { PARAM_COUNT } from '../../shared/facial-params';
import { checkPersonaTarget } from './persona-folder';

/**
 * What a reference clip must be to make a persona, checked as early as each fact is
 * known: its length and streams after probing (`probeClip`), the face's size and
 * visibility after tracking (`checkTrack`), the head's turn after the pose fit
 * (`checkTurnedAway`). Each refuses with a UserError or returns its warnings.
 */

export const MIN_CLIP_SECONDS = 5;
/** Below this median face width (px) the clip is refused; below twice it, a warning. */
export const MIN_FACE_WIDTH_PX = 64;
/** At least this fraction of frames must show the face. */
export const MIN_TRACKED_FRACTION = 0.5;
/** Beyond these angles a frame counts as "turned away". */
export const TURNED_AWAY_DEG = 45;

/** The probe stage's result: the clip's streams, accepted for a build. */
export interface ProbedClip {
  info: MediaInfo;
  video: MediaStreamInfo;
  hasAudio: boolean;
  warnings: string[];
}

/** Probes the clip and refuses one without video or shorter than MIN_CLIP_SECONDS; checks the target folder first. */
export async function probeClip(file: string, target: string, overwrite: boolean, opts: { signal?: AbortSignal; progress?: (fraction: number, message?: string) => void } = {}): Promise<ProbedClip> {
  await checkPersonaTarget(target, overwrite);
  opts.progress?.(0, path.basename(file));
  const info = await probeMedia(file, { signal: opts.signal });
  return acceptClip(file, info);
}

/** The checks of `probeClip` on a probed clip (exported for tests). */
export function acceptClip(file: string, info: MediaInfo): ProbedClip {
  const video = info.video;
  if (!video || !video.width || !video.height) {
    throw new UserError('video-missing', `${file} has no video track.`, { file, hint: 'Choose a video of the person speaking to the camera (MP4, MOV, MKV...).' });
  }
  const fps0 = video.fps && video.fps > 0 ? video.fps : 25;
  const duration = info.durationS > 0 ? info.durationS : (video.frameCount ?? 0) / fps0;
  if (duration < MIN_CLIP_SECONDS) {
    throw new UserError('clip-too-short', `${file} is ${duration.toFixed(1)} s long; a persona needs at least ${MIN_CLIP_SECONDS} s of video (a few minutes is best).`, {
      file, hint: 'Use a longer recording of the person speaking to the camera.',
    });
  }
  const hasAudio = Boolean(info.audio);
  const warnings = hasAudio ? [] : ['The video has no audio track: the persona can be rendered, but FACIAL-GAN cannot be trained on it (it learns motion from the voice). Use a recording with its sound to train.'];
  return { info, video, hasAudio, warnings };
}

/** What the tracking says about the clip's use for a persona. */
export interface TrackChecks {
  /** Median face width over the tracked frames, px. */
  medianFaceWidth: number;
  /** Gaps too long to bridge (their frames do not build the model). */
  longGaps: TrackGap[];
  warnings: string[];
}

/** Refuses a clip whose face is missing, too small or visible in too few frames. */
export function checkTrack(track: VideoTrack, file: string): TrackChecks {
  const T = track.frameCount;
  if (track.trackedFrames === 0) {
    throw new UserError('no-face', `No face was found in ${file}.`, { file, hint: 'Use a video where one person faces the camera, with the face clearly visible.' });
  }
  const warnings: string[] = [];
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
    warnings.push(`No face in frames ${g.start}-${g.end} (${(g.frames / track.fps).toFixed(2)} s): filled by interpolation; these frames are not used to build the model.`);
  }
  return { medianFaceWidth: medianFace, longGaps, warnings };
}

/** Refuses a clip turned more than TURNED_AWAY_DEG (pitch or yaw) in over half its frames; warns above a tenth. */
export function checkTurnedAway(params: Float32Array, T: number, file: string): string[] {
  const turned = Array.from({ length: T }, (_, t) => t).filter((t) => {
    const o = t * PARAM_COUNT;
    return Math.abs(params[o + 1]) * 180 / Math.PI > TURNED_AWAY_DEG || Math.abs(params[o]) * 180 / Math.PI > TURNED_AWAY_DEG;
  }).length;
  if (turned / T > 0.5) {
    throw new UserError('face-turned-away', `The face in ${file} is turned away from the camera (more than ${TURNED_AWAY_DEG}°) in ${Math.round((100 * turned) / T)}% of the frames.`, {
      file, hint: 'Use a video where the person looks roughly into the camera.',
    });
  }
  return turned / T > 0.1 ? [`The face is turned more than ${TURNED_AWAY_DEG}° away in ${Math.round((100 * turned) / T)}% of the frames; those frames fit less well.`] : [];
}
