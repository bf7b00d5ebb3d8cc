import { existsSync } from 'node:fs';
import path from 'node:path';
import { readNpyFloat32, writeNpy } from '../io/npy';
import { writeJsonAtomic } from '../util/atomic-file';
import { readRegularFile } from '../util/read-file';
import { LANDMARK_COUNT } from '../tracking/face-tracker';
import type { VideoTrack } from '../tracking/track-video';

/**
 * The clip's raw track, kept in the persona folder so that a persona fitted on part of
 * the clip (its evaluation persona, evaluation-persona.ts) reuses it instead of tracking
 * the clip again: tracking fits nothing to the clip, and is 70-80 % of a build.
 *
 * ```
 * track.npy    float32 [T, 478, 3]  raw tracker landmarks, source pixels (gap frames filled)
 * track.json   TrackRecord: per-frame status, scores and boxes, gaps, the tracker's mesh
 * track-second.npy  float32 [T, 478, 3]  the second reading (second-reading.ts), when taken
 * ```
 * Optional: personas built before it have neither file (their evaluation persona tracks
 * the clip again); an older build ignores them.
 */

export const TRACK_FILES = { landmarks: 'track.npy', info: 'track.json', secondReading: 'track-second.npy' } as const;

/** VideoTrack as JSON: its per-frame arrays as plain arrays, the landmarks in track.npy. */
type TrackRecord = { version: 1 } & Omit<VideoTrack, 'landmarks' | 'status' | 'scores' | 'boxes' | 'secondReading'> & { status: number[]; scores: number[]; boxes: number[] };

/** Writes track.npy and track.json into `dir` (the persona's staging folder). */
export async function writeTrackRecord(dir: string, track: VideoTrack): Promise<void> {
  await writeNpy(path.join(dir, TRACK_FILES.landmarks), track.landmarks, [track.frameCount, LANDMARK_COUNT, 3]);
  if (track.secondReading) await writeNpy(path.join(dir, TRACK_FILES.secondReading), track.secondReading, [track.frameCount, LANDMARK_COUNT, 3]);
  const rec: TrackRecord = {
    version: 1, width: track.width, height: track.height, fps: track.fps, frameCount: track.frameCount,
    status: Array.from(track.status), scores: Array.from(track.scores), boxes: Array.from(track.boxes), gaps: track.gaps,
    trackedFrames: track.trackedFrames, multiFaceFrames: track.multiFaceFrames, subPixel: track.subPixel,
    triangles: track.triangles, uvs: track.uvs, trackSeconds: track.trackSeconds,
  };
  await writeJsonAtomic(path.join(dir, TRACK_FILES.info), rec);
}

/** The raw track kept in a persona folder, or undefined when it has none (or one this build cannot read). */
export async function loadPersonaTrack(dir: string): Promise<VideoTrack | undefined> {
  const infoFile = path.join(dir, TRACK_FILES.info), npyFile = path.join(dir, TRACK_FILES.landmarks);
  if (!existsSync(infoFile) || !existsSync(npyFile)) return undefined;
  let rec: TrackRecord;
  try {
    rec = JSON.parse(await readRegularFile(infoFile, 'utf8')) as TrackRecord;
  } catch {
    return undefined;
  }
  // Read from disk: a file that does not hold a whole track is ignored (the clip is tracked again).
  const T = rec?.frameCount;
  const numbers = (a: unknown, n: number) => Array.isArray(a) && a.length === n && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (rec?.version !== 1 || !Number.isInteger(T) || T < 1 || !numbers(rec.status, T) || !numbers(rec.scores, T) || !numbers(rec.boxes, 4 * T) || !Array.isArray(rec.gaps) || !Array.isArray(rec.triangles) || !Array.isArray(rec.uvs)) return undefined;
  let npy: Awaited<ReturnType<typeof readNpyFloat32>>;
  try {
    npy = await readNpyFloat32(npyFile);
  } catch {
    return undefined;
  }
  const { data, shape } = npy;
  if (shape.length !== 3 || shape[0] !== rec.frameCount || shape[1] !== LANDMARK_COUNT || shape[2] !== 3) return undefined;
  const secondReading = await loadSecondReading(dir, T);
  return {
    ...(secondReading ? { secondReading } : {}),
    width: rec.width, height: rec.height, fps: rec.fps, frameCount: rec.frameCount, landmarks: data,
    status: Uint8Array.from(rec.status), scores: Float32Array.from(rec.scores), boxes: Float32Array.from(rec.boxes), gaps: rec.gaps,
    trackedFrames: rec.trackedFrames, multiFaceFrames: rec.multiFaceFrames, subPixel: rec.subPixel,
    triangles: rec.triangles, uvs: rec.uvs, trackSeconds: rec.trackSeconds,
  };
}

/**
 * The second reading kept in a persona folder ([T*478*3], source pixels), or undefined
 * when it has none or it is not a whole, finite reading of T frames (a persona built
 * before it, or a damaged file: the plan then trusts the first reading alone).
 */
export async function loadSecondReading(dir: string, T: number): Promise<Float32Array | undefined> {
  const file = path.join(dir, TRACK_FILES.secondReading);
  if (!existsSync(file)) return undefined;
  try {
    const { data, shape } = await readNpyFloat32(file);
    if (shape.length !== 3 || shape[0] !== T || shape[1] !== LANDMARK_COUNT || shape[2] !== 3) return undefined;
    return data.every(Number.isFinite) ? data : undefined;
  } catch {
    return undefined;
  }
}
