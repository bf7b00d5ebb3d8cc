import { extractAudioFeatures, type AudioFeatures } from '../audio/index';
import type { MediaInfo } from '../media/ffmpeg';
import { videoFps } from '../tracking/track-video';
import { CancelledError } from '../util/errors';

/**
 * The audio stage of the persona build: the clip's audio features, one row per video
 * frame. They need nothing from the video, so `startClipAudio` begins them right after
 * probing and they are computed while the frames are tracked (their ffmpeg process and
 * JS loop use little of the main thread, which only hands frames to the tracking
 * threads); `clipAudio` awaits them, so an error in the stages before still comes first.
 */

/** features.npy's row width: a window of 16 steps of 29 features. */
const FEATURE_ROW = 16 * 29;

export interface ClipAudio {
  /** [T*16*29] features per video frame; undefined without an audio track. */
  features?: Float32Array;
  /** [T*2] per frame speech probability and RMS dB; undefined without an audio track. */
  activity?: Float32Array;
  /** Video frames minus audio frames (the last audio frame repeats to fill, extra ones are dropped). */
  frameAdjust: number;
  /** Identity of the audio encoder that made `features` (audio/encoder-identity.ts). */
  encoder?: string;
  note: string;
  warnings: string[];
}

/** Starts the features of `file`'s audio (undefined without audio); a rejection waits for `clipAudio`. */
export function startClipAudio(file: string, info: MediaInfo, signal: AbortSignal): Promise<AudioFeatures> | undefined {
  if (!info.audio) return undefined;
  const job = extractAudioFeatures(file, { fps: videoFps(info), signal });
  job.catch(() => undefined);
  return job;
}

/** The audio stage: awaits the features started by `startClipAudio` and aligns them to the T video frames. */
export async function clipAudio(job: Promise<AudioFeatures> | undefined, T: number, fps: number, opts: { signal?: AbortSignal; progress?: (fraction: number, message?: string) => void } = {}): Promise<ClipAudio> {
  if (!job) return { frameAdjust: 0, note: 'no audio track', warnings: [] };
  opts.progress?.(0, 'audio features');
  const af = await job.catch((err: unknown) => {
    if (opts.signal?.aborted) throw new CancelledError();
    throw err;
  });
  opts.progress?.(1, 'audio features');
  return alignClipAudio(af, T, fps);
}

/** Audio features → one row per video frame: the last audio frame repeated, or trailing ones dropped. */
export function alignClipAudio(af: Pick<AudioFeatures, 'frameCount' | 'features' | 'speech' | 'rmsDb' | 'warnings'> & { encoderId?: string }, T: number, fps: number): ClipAudio {
  const frameAdjust = T - af.frameCount;
  const features = new Float32Array(T * FEATURE_ROW);
  const activity = new Float32Array(T * 2);
  for (let t = 0; t < T; t++) {
    const s = Math.min(t, af.frameCount - 1);
    if (s < 0) break;
    features.set(af.features.subarray(s * FEATURE_ROW, (s + 1) * FEATURE_ROW), t * FEATURE_ROW);
    activity[t * 2] = af.speech[s];
    activity[t * 2 + 1] = af.rmsDb[s];
  }
  const note = frameAdjust === 0
    ? `audio and video both ${T} frames`
    : frameAdjust > 0
      ? `audio gave ${af.frameCount} frames, video ${T}: the last audio frame was repeated ${frameAdjust}x`
      : `audio gave ${af.frameCount} frames, video ${T}: ${-frameAdjust} trailing audio frame(s) dropped`;
  const warnings: string[] = [];
  if (Math.abs(frameAdjust) > 2) warnings.push(`The audio and video lengths differ by ${Math.abs(frameAdjust)} frames (${(Math.abs(frameAdjust) / fps).toFixed(2)} s); ${note}. Lip sync learned from this clip may be off.`);
  for (const w of af.warnings) warnings.push(`Audio: ${w}`);
  return { features, activity, frameAdjust, encoder: af.encoderId, note, warnings };
}
