import type { MediaInfo } from '../media/ffmpeg';
import { DETECT_EVERY, LANDMARK_COUNT } from '../tracking/face-tracker';
import type { TrackerLanes } from '../tracking/tracker-pool';
import { FRAME_TRACKED, trackVideo, type VideoTrack } from '../tracking/track-video';
import type { RunOptions } from '../util/progress';

/**
 * A second, independent reading of the clip's face: the clip tracked again with the
 * detector's cadence shifted by half a chunk. Between detections the mesh follows its
 * own box and can drift, and a drift is not repeated by a track whose detections fall
 * elsewhere. On the vertical demo clip the first reading had closed lips at 5-6 mm in
 * frames 166-168 and 6.8 mm in frame 189 (3 mm in the pixels); the second read 0.2-0.5
 * and 3.2 mm. Pasted into an export, such a donor's pixels show what they show, not what
 * its landmarks said, and the mouth did not follow the curves there. Retrieval takes a
 * donor's gap to agree with the curves only where both readings do
 * (synthesis/retrieval-plan.ts gapMismatch). Costs about half a tracking pass at build.
 */
export const SECOND_READING_PHASE = DETECT_EVERY / 2;
/**
 * Frames tracked per shifted chunk: the first pass's frames 5-9 of each chunk, the ones
 * furthest from its detection, read fresh from a detection. Its frames 0-4 would be read
 * furthest from the second pass's detection, where that pass drifts: the first reading
 * is the better one there and stands alone.
 */
export const SECOND_READING_FRAMES = DETECT_EVERY - SECOND_READING_PHASE;

/** Tracks the clip again with the shifted cadence; returns `first` with its second reading. */
export async function takeSecondReading(file: string, info: MediaInfo, first: VideoTrack, lanes: TrackerLanes, opts: RunOptions = {}): Promise<VideoTrack> {
  const second = await trackVideo(file, info, { ...opts, tracker: lanes, detectPhase: SECOND_READING_PHASE, trackedPerChunk: SECOND_READING_FRAMES });
  return { ...first, secondReading: mergeReadings(first, second) };
}

/**
 * The second reading's landmarks where it found the face itself, the first reading's
 * elsewhere (no second opinion there: the two agree). A track of another length (the
 * file decoded differently) gives the first reading throughout.
 */
export function mergeReadings(first: VideoTrack, second: Pick<VideoTrack, 'frameCount' | 'landmarks' | 'status'>): Float32Array {
  const out = Float32Array.from(first.landmarks);
  if (second.frameCount !== first.frameCount) return out;
  const N = LANDMARK_COUNT * 3;
  for (let t = 0; t < first.frameCount; t++) {
    if (second.status[t] === FRAME_TRACKED) out.set(second.landmarks.subarray(t * N, (t + 1) * N), t * N);
  }
  return out;
}
