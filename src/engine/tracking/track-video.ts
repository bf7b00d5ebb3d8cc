import type { MediaInfo } from '../media/ffmpeg';
import { RawFrameStream } from '../media/raw-frame-stream';
import { UserError, CancelledError, throwIfCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { DETECT_EVERY, FaceTracker, LANDMARK_COUNT, type TrackedFace } from './face-tracker';
import { defaultTrackerThreads, localLanes, TrackerPool, type LaneResult, type TrackerLanes } from './tracker-pool';

/**
 * Decodes a video's frames with the bundled ffmpeg (streamed, one frame in memory at
 * a time, with back-pressure) and tracks one person's face through every frame:
 *
 * - identity: at the first frame with faces, the largest and most central face;
 *   afterwards, the face whose box overlaps the previous box most (IoU), or whose
 *   centre is closest to it. Other faces are ignored. After a long gap (> 1 s) the
 *   person is re-acquired like at the start.
 * - gaps: frames without the person. Gaps up to `maxBridgeS` (default 0.4 s) between
 *   two tracked frames are bridged by linear interpolation and flagged `bridged`;
 *   longer gaps (and gaps at the clip's ends) are filled the same way (held at the
 *   ends) so that every frame has landmarks, flagged `filled`, and reported.
 */

export const FRAME_TRACKED = 0;
export const FRAME_BRIDGED = 1;
export const FRAME_FILLED = 2;

export interface TrackGap {
  /** First and last frame of the gap (inclusive). */
  start: number;
  end: number;
  frames: number;
  /** bridged: short, interpolated; long: longer than the bridge limit (or at the clip's start/end). */
  kind: 'bridged' | 'long';
}

export interface VideoTrack {
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  /** [T*478*3] landmarks in source pixels (x, y) and pixel-scale relative depth (z), raw tracker output; gap frames filled. */
  landmarks: Float32Array;
  /** [T] FRAME_TRACKED / FRAME_BRIDGED / FRAME_FILLED. */
  status: Uint8Array;
  /** [T] tracker confidence (0 for gap frames). */
  scores: Float32Array;
  /** [T*4] face box x, y, w, h in source pixels (interpolated in gaps). */
  boxes: Float32Array;
  gaps: TrackGap[];
  trackedFrames: number;
  /** Frames in which more than one face was seen (the followed one was chosen by identity). */
  multiFaceFrames: number;
  /** Whether the tracker returned sub-pixel landmarks. */
  subPixel: boolean;
  /** Mesh triangles [F*3] and canonical UVs [468] of the tracker's mesh. */
  triangles: number[];
  uvs: [number, number][];
  /** Tracking wall time, seconds. */
  trackSeconds: number;
  /**
   * [T*478*3] A second reading of the same face with the detector's cadence shifted
   * (persona/second-reading.ts); where it lost the face, the first reading. Absent when
   * not taken (trackVideo alone never takes it).
   */
  secondReading?: Float32Array;
}

export interface TrackVideoOptions extends RunOptions {
  /** Longest gap bridged silently, seconds (default 0.4). */
  maxBridgeS?: number;
  /**
   * Receives every decoded frame (RGB24) after it is tracked, in order, e.g. to keep a
   * few for the texture, with the followed face's landmarks when it was found there.
   */
  onFrame?: (index: number, rgb: Uint8Array, landmarks?: Float32Array) => void;
  /** Reuse loaded trackers: one in-process FaceTracker, or lanes such as a TrackerPool (the caller disposes it). */
  tracker?: FaceTracker | TrackerLanes;
  /** Without `tracker`: worker threads to track on (default: one per core, at most 4; 1 = in-process). */
  threads?: number;
  /**
   * Shifts the detector's cadence: it runs on frame 0 and on the frames f with
   * (f + detectPhase) mod DETECT_EVERY = 0. A second track with the phase at half the
   * cadence is an independent reading of each frame (persona/second-reading.ts).
   */
  detectPhase?: number;
  /**
   * Track only the first this many frames of each chunk (after the shift); the others are
   * decoded but not tracked, and count as frames without a face. Default: all.
   */
  trackedPerChunk?: number;
}

interface Box { x: number; y: number; w: number; h: number }

function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x), y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w), y1 = Math.min(a.y + a.h, b.y + b.h);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Box of the mesh points themselves (tighter and steadier than the tracker's crop box). */
function landmarkBox(lm: Float32Array): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < 468; i++) {
    const x = lm[i * 3], y = lm[i * 3 + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Chooses the followed face among a frame's faces. Exported for tests. */
export function chooseFace(faces: TrackedFace[], previous: Box | undefined, width: number, height: number): number {
  if (faces.length === 0) return -1;
  const boxes = faces.map((f) => landmarkBox(f.landmarks));
  if (!previous) {
    // Largest and most central: area discounted by the distance of the centre from the frame's centre.
    let best = -1, bestScore = -Infinity;
    boxes.forEach((b, i) => {
      const cx = b.x + b.w / 2 - width / 2, cy = b.y + b.h / 2 - height / 2;
      const off = Math.hypot(cx / width, cy / height);
      const s = b.w * b.h * (1 - Math.min(0.9, off)) * faces[i].score;
      if (s > bestScore) { bestScore = s; best = i; }
    });
    return best;
  }
  let best = -1, bestScore = -Infinity;
  const pcx = previous.x + previous.w / 2, pcy = previous.y + previous.h / 2;
  const psize = Math.max(previous.w, previous.h);
  boxes.forEach((b, i) => {
    const dist = Math.hypot(b.x + b.w / 2 - pcx, b.y + b.h / 2 - pcy) / psize;
    const s = iou(b, previous) - 0.5 * dist;
    if (s > bestScore) { bestScore = s; best = i; }
  });
  // Too far from where the person was: another face, not them.
  const b = boxes[best];
  const dist = Math.hypot(b.x + b.w / 2 - pcx, b.y + b.h / 2 - pcy) / psize;
  return dist < 0.6 ? best : -1;
}

/** The frame rate a video's frames are tracked at: its own, or 25 when it announces none plausible. */
export function videoFps(info: MediaInfo): number {
  const fps = info.video?.fps;
  return fps && fps > 0 && fps < 240 ? fps : 25;
}

/** Frames decoded ahead of the trackers, at most (memory: a few frames). */
const DECODE_AHEAD = 4;

/**
 * Tracks the frames of a video. Frames go to the tracker lanes (worker threads, see
 * tracker-pool.ts) in chunks of `detectEvery` consecutive frames, chunk k to lane
 * k mod lanes; every chunk starts with the face detector and follows the mesh after,
 * which is the tracker's own cadence (detector every detectEvery frames) on a clip
 * where the face stays found. The results do not depend on the number of lanes: one
 * in-process tracker restarts its chunks the same way. Identity and gaps are decided
 * here, on the main thread, frame by frame in order, from all the faces of each frame
 * (`FaceFollower`).
 */
export async function trackVideo(file: string, info: MediaInfo, opts: TrackVideoOptions = {}): Promise<VideoTrack> {
  const v = info.video;
  if (!v || !v.width || !v.height) {
    throw new UserError('video-missing', `${file} has no video track.`, { file, hint: 'Choose a video of the person speaking to the camera (MP4, MOV, MKV...).' });
  }
  const rotated = Math.abs(v.rotation ?? 0) % 180 === 90;
  const width = rotated ? v.height : v.width;
  const height = rotated ? v.width : v.height;
  const fps = videoFps(info);
  const expected = v.frameCount ?? Math.round(info.durationS * fps);
  const ownPool = opts.tracker ? undefined : await createTrackerLanes(opts.threads);
  const lanes: TrackerLanes = opts.tracker instanceof FaceTracker ? localLanes(opts.tracker) : (opts.tracker ?? ownPool!);
  const follower = new FaceFollower(width, height, fps);
  const t0 = performance.now();

  // Each decoded frame is its own buffer (it is moved to a worker as is); decoding
  // pauses while DECODE_AHEAD frames wait for a lane. ffmpeg's failure is judged below
  // from how many frames came, so the stream ends quietly and reports `exit`.
  const stream = new RawFrameStream(file, width, height, { signal: opts.signal, maxBufferedFrames: DECODE_AHEAD, failure: () => undefined });
  try {
    const frames = await trackFrames(stream, lanes, { width, height, signal: opts.signal, returnFrames: Boolean(opts.onFrame), phase: opts.detectPhase ?? 0, trackedPerChunk: opts.trackedPerChunk ?? DETECT_EVERY }, (index, r) => {
      const followed = follower.consume(index, r.faces);
      if (r.rgb) opts.onFrame?.(index, r.rgb, followed);
      opts.onProgress?.({
        stage: 'track',
        fraction: expected > 0 ? Math.min(0.999, (index + 1) / expected) : 0,
        message: `frame ${index + 1}${expected ? `/${expected}` : ''}`,
      });
    });
    checkDecodedFrames(file, frames, expected, stream.exit);
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    await stream.close();
    await ownPool?.dispose();
  }

  const track = follower.finish(Math.max(1, Math.round((opts.maxBridgeS ?? 0.4) * fps)));
  opts.onProgress?.({ stage: 'track', fraction: 1, message: `${track.trackedFrames}/${track.frameCount} frames tracked` });
  return {
    width, height, fps, ...track, subPixel: lanes.subPixel, triangles: lanes.triangles, uvs: lanes.uvs,
    trackSeconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Feeds the stream's frames to the lanes (chunks of DETECT_EVERY frames, shifted by
 * `phase`, chunk k to lane k mod lanes, at most `lanes.depth` in flight per lane; only
 * the first `trackedPerChunk` of each chunk) and hands the results to `consume` in frame
 * order. Returns the number of frames.
 */
async function trackFrames(
  stream: RawFrameStream, lanes: TrackerLanes, o: { width: number; height: number; signal?: AbortSignal; returnFrames: boolean; phase: number; trackedPerChunk: number },
  consume: (index: number, result: LaneResult) => void,
): Promise<number> {
  const chunk = DETECT_EVERY;
  const phase = ((Math.round(o.phase) % chunk) + chunk) % chunk;
  // Frames sent to the lanes but not consumed yet; results come back out of order.
  const inFlight = new Array<number>(lanes.count).fill(0);
  const results = new Map<number, LaneResult>();
  let failure: unknown;
  let sent = 0;
  let index = 0;
  let decodedAll = false;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // Abort must reach the loop wherever it waits (a lane, or nothing while ffmpeg is paused).
  o.signal?.addEventListener('abort', wakeUp);
  try {
    for (;;) {
      throwIfCancelled(o.signal);
      if (failure) throw failure;
      for (let r = results.get(index); r; r = results.get(index)) {
        results.delete(index);
        consume(index++, r);
      }
      const lane = Math.floor((sent + phase) / chunk) % lanes.count;
      if (!decodedAll && inFlight[lane] < lanes.depth) {
        const frame = await stream.next();
        if (!frame) {
          decodedAll = true;
          continue;
        }
        const at = sent++;
        if ((at + phase) % chunk >= o.trackedPerChunk) {
          results.set(at, { faces: [], ...(o.returnFrames ? { rgb: frame } : {}) });
          continue;
        }
        inFlight[lane]++;
        lanes.track(lane, at, frame, o.width, o.height, { redetect: at === 0 || (at + phase) % chunk === 0, returnFrame: o.returnFrames }).then(
          (r) => { inFlight[lane]--; results.set(at, r); wakeUp(); },
          (err: unknown) => { failure ??= err; wakeUp(); },
        );
        continue;
      }
      if (decodedAll && index === sent) return index;
      if (results.has(index) || failure) continue;
      await new Promise<void>((r) => { wake = r; });
    }
  } finally {
    o.signal?.removeEventListener('abort', wakeUp);
  }
}

/** Refuses a video of which no frame, or clearly fewer frames than it announces, could be decoded. */
function checkDecodedFrames(file: string, frames: number, expected: number, exit: { code: number; stderr: string } | undefined): void {
  const code = exit?.code ?? 0;
  const why = exit?.stderr.trim().split('\n').slice(-2).join(' ').trim() || 'no frames could be decoded';
  if (frames === 0) {
    throw new UserError('video-unreadable', `${file} could not be decoded: ${why}.`, {
      file,
      hint: 'The file may be damaged or incomplete; re-export or re-download it, or convert it to a standard MP4 (H.264) first.',
    });
  }
  // A file cut short (a broken download or copy) decodes only up to the damage, often without an error code.
  if (expected > 0 && frames < expected * 0.9) {
    throw new UserError('video-damaged', `${file} is damaged or incomplete: only ${frames} of the ${expected} frames it announces could be decoded${code !== 0 ? ` (${why})` : ''}.`, {
      file,
      hint: 'Re-export or re-download the video; a truncated copy cannot be used.',
    });
  }
}

/**
 * Follows one person through the frames, in order: picks their face among each
 * frame's faces (`chooseFace`; re-acquired like at the start after more than 1 s
 * without them), keeps its landmarks, score and box, and at the end fills the gaps.
 */
class FaceFollower {
  multiFaceFrames = 0;
  private readonly lmChunks: Float32Array[] = [];
  private readonly scores: number[] = [];
  private readonly boxes: number[] = [];
  private readonly found: boolean[] = [];
  private previous: Box | undefined;
  private lastSeen = -1;

  constructor(private readonly width: number, private readonly height: number, private readonly fps: number) {}

  /** Frame `index` (called in frame order) and the faces found in it; returns the followed face's landmarks when it is there. */
  consume(index: number, faces: TrackedFace[]): Float32Array | undefined {
    if (faces.length > 1) this.multiFaceFrames++;
    const reacquire = this.lastSeen < 0 || index - this.lastSeen > this.fps;
    const pick = chooseFace(faces, reacquire ? undefined : this.previous, this.width, this.height);
    if (pick >= 0) {
      const f = faces[pick];
      this.lmChunks.push(f.landmarks);
      this.scores.push(f.score);
      const b = landmarkBox(f.landmarks);
      this.boxes.push(b.x, b.y, b.w, b.h);
      this.previous = b;
      this.lastSeen = index;
      this.found.push(true);
      return f.landmarks;
    }
    this.lmChunks.push(new Float32Array(LANDMARK_COUNT * 3));
    this.scores.push(0);
    this.boxes.push(0, 0, 0, 0);
    this.found.push(false);
    return undefined;
  }

  /** The followed face of every frame, gaps up to `maxBridge` frames bridged and longer ones filled (see fillGaps). */
  finish(maxBridge: number): Pick<VideoTrack, 'frameCount' | 'landmarks' | 'status' | 'scores' | 'boxes' | 'gaps' | 'trackedFrames' | 'multiFaceFrames'> {
    const T = this.lmChunks.length;
    const landmarks = new Float32Array(T * LANDMARK_COUNT * 3);
    this.lmChunks.forEach((c, t) => landmarks.set(c, t * LANDMARK_COUNT * 3));
    const status = new Uint8Array(T);
    const boxes = Float32Array.from(this.boxes);
    const gaps = fillGaps(landmarks, boxes, this.found, status, maxBridge);
    return {
      frameCount: T, landmarks, status, scores: Float32Array.from(this.scores), boxes, gaps,
      trackedFrames: this.found.filter(Boolean).length, multiFaceFrames: this.multiFaceFrames,
    };
  }
}

/**
 * The trackers for one video: a pool of worker threads when the machine has several
 * cores, else one in-process tracker. The caller disposes a pool (TrackerPool.dispose).
 */
export async function createTrackerLanes(threads = defaultTrackerThreads()): Promise<TrackerLanes & { dispose(): Promise<void> }> {
  if (threads <= 1) {
    const lanes = localLanes(await FaceTracker.create());
    return { ...lanes, track: lanes.track, dispose: async () => undefined };
  }
  return TrackerPool.create(threads, { chunk: DETECT_EVERY });
}

/**
 * Fills frames without a face: linear interpolation between the tracked frames on
 * either side (held constant before the first / after the last). Marks bridged
 * (short, inner) and filled (long or at an end) frames. Exported for tests.
 */
export function fillGaps(landmarks: Float32Array, boxes: Float32Array, found: boolean[], status: Uint8Array, maxBridge: number): TrackGap[] {
  const T = found.length;
  const P = LANDMARK_COUNT * 3;
  const gaps: TrackGap[] = [];
  if (!found.some(Boolean)) return T > 0 ? [{ start: 0, end: T - 1, frames: T, kind: 'long' }] : [];
  let t = 0;
  while (t < T) {
    if (found[t]) { t++; continue; }
    const start = t;
    while (t < T && !found[t]) t++;
    const end = t - 1;
    const before = start - 1;
    const after = t < T ? t : -1;
    const frames = end - start + 1;
    const inner = before >= 0 && after >= 0;
    const kind: TrackGap['kind'] = inner && frames <= maxBridge ? 'bridged' : 'long';
    gaps.push({ start, end, frames, kind });
    for (let g = start; g <= end; g++) {
      status[g] = kind === 'bridged' ? FRAME_BRIDGED : FRAME_FILLED;
      let a: number, b: number, w: number;
      if (inner) { a = before; b = after; w = (g - before) / (after - before); }
      else if (before >= 0) { a = b = before; w = 0; }
      else { a = b = after; w = 0; }
      for (let i = 0; i < P; i++) landmarks[g * P + i] = (1 - w) * landmarks[a * P + i] + w * landmarks[b * P + i];
      for (let i = 0; i < 4; i++) boxes[g * 4 + i] = (1 - w) * boxes[a * 4 + i] + w * boxes[b * 4 + i];
    }
  }
  return gaps;
}

/**
 * Decodes only the frames `indices` (ascending, 0-based, in decode order) as RGB24 and
 * hands each to `onFrame`, streamed. Used for the texture and for previews.
 */
export async function decodeSelectedFrames(
  file: string, width: number, height: number, indices: number[],
  opts: { signal?: AbortSignal; onFrame: (index: number, rgb: Uint8Array) => void },
): Promise<void> {
  const sorted = Array.from(new Set(indices)).filter((i) => i >= 0).sort((a, b) => a - b);
  if (sorted.length === 0) return;
  const expr = sorted.map((i) => `eq(n,${i})`).join('+');
  const stream = new RawFrameStream(file, width, height, {
    filter: `select='${expr}'`,
    signal: opts.signal,
    failure: (why) => new UserError('video-unreadable', `${file} could not be decoded again (${why}).`, {
      file, hint: 'The file may have changed or been damaged since it was read; try again with the original.',
    }),
  });
  try {
    for (let k = 0; k < sorted.length; k++) {
      const frame = await stream.next();
      if (!frame) break;
      opts.onFrame(sorted[k], frame);
    }
  } finally {
    await stream.close();
  }
}
