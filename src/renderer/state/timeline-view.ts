/**
 * The timeline's horizontal view: which frames are visible and how wide a frame
 * is. Pure math, unit-tested: zoom around a point, pan, clamp, ruler ticks,
 * time codes.
 */
export interface TimelineView {
  /** First visible frame (fractional while panning). */
  start: number;
  /** Frames per CSS pixel (< 1: several pixels per frame). */
  framesPerPx: number;
}

export const MIN_FRAMES_PER_PX = 1 / 40;

export function frameToX(v: TimelineView, frame: number): number {
  return (frame - v.start) / v.framesPerPx;
}

export function xToFrame(v: TimelineView, x: number): number {
  return v.start + x * v.framesPerPx;
}

/** The widest zoom shows the whole timeline (plus a little margin). */
export function maxFramesPerPx(frameCount: number, width: number): number {
  return Math.max(MIN_FRAMES_PER_PX, (frameCount * 1.02) / Math.max(1, width));
}

export function clampView(v: TimelineView, frameCount: number, width: number): TimelineView {
  const fpp = Math.min(maxFramesPerPx(frameCount, width), Math.max(MIN_FRAMES_PER_PX, v.framesPerPx));
  const visible = width * fpp;
  const margin = visible * 0.02;
  const maxStart = Math.max(-margin, frameCount - visible + margin);
  const start = Math.min(maxStart, Math.max(-margin, v.start));
  return start === v.start && fpp === v.framesPerPx ? v : { start, framesPerPx: fpp };
}

/** Zooms by `factor` (> 1 zooms in) keeping the frame under x fixed. */
export function zoomAt(v: TimelineView, x: number, factor: number, frameCount: number, width: number): TimelineView {
  const anchor = xToFrame(v, x);
  const fpp = v.framesPerPx / factor;
  return clampView({ start: anchor - x * fpp, framesPerPx: fpp }, frameCount, width);
}

export function panBy(v: TimelineView, dxPx: number, frameCount: number, width: number): TimelineView {
  return clampView({ ...v, start: v.start + dxPx * v.framesPerPx }, frameCount, width);
}

export function fitView(frameCount: number, width: number): TimelineView {
  return clampView({ start: 0, framesPerPx: maxFramesPerPx(frameCount, width) }, frameCount, width);
}

/** Scrolls so the frame is visible (page-wise, as editors follow the playhead). */
export function followFrame(v: TimelineView, frame: number, frameCount: number, width: number): TimelineView {
  const x = frameToX(v, frame);
  if (x >= 0 && x <= width * 0.95) return v;
  return clampView({ ...v, start: frame - width * 0.05 * v.framesPerPx }, frameCount, width);
}

/** "00:01:02:12" = 1 min 2 s frame 12 (hours:minutes:seconds:frames, as in editing programs); negative frames clamp to 0. */
export function timecode(frame: number, fps: number): string {
  const f = Math.max(0, Math.round(frame));
  const perSec = Math.round(fps);
  const totalS = Math.floor(f / perSec);
  const ff = f - totalS * perSec;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor(totalS / 60) % 60;
  const s = totalS % 60;
  const width = String(perSec - 1).length;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}:${String(ff).padStart(Math.max(2, width), '0')}`;
}

/**
 * A ruler label: "0:05" (minutes:seconds) on whole seconds, and between them, when the
 * ticks are finer than a second, the frame within the second ("10f").
 */
export function rulerLabel(frame: number, fps: number, stepFrames: number): string {
  const perSec = Math.round(fps);
  const f = Math.max(0, Math.round(frame));
  const totalS = Math.floor(f / perSec);
  const ff = f - totalS * perSec;
  if (ff !== 0 && stepFrames < perSec) return `${ff}f`;
  return `${Math.floor(totalS / 60)}:${String(totalS % 60).padStart(2, '0')}`;
}

/** Frames the timeline spans before curves exist: the voice-over when there is one, else ten seconds. */
export function placeholderFrames(voiceDurationS: number | undefined, fps: number): number {
  return Math.max(1, Math.round((voiceDurationS && voiceDurationS > 0 ? voiceDurationS : 10) * fps));
}

const STEP_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800];

/**
 * Ruler ticks: a step (in frames) so labelled ticks are at least `minPx` apart:
 * whole frames when zoomed in, then seconds, then minutes.
 */
export function rulerTicks(v: TimelineView, width: number, fps: number, minPx = 80): { major: number; minor: number; ticks: number[] } {
  const minFrames = minPx * v.framesPerPx;
  const perSec = Math.round(fps);
  let major = 0;
  for (const f of [1, 2, 5, 10]) {
    if (f >= minFrames && f < perSec) {
      major = f;
      break;
    }
  }
  if (!major) major = perSec * (STEP_SECONDS.find((s) => s * perSec >= minFrames) ?? 3600);
  const minor = major >= perSec ? (major / perSec >= 60 ? major / 6 : major / 5) : Math.max(1, major / 5);
  const first = Math.ceil(v.start / major) * major;
  const last = xToFrame(v, width);
  const ticks: number[] = [];
  for (let f = Math.max(0, first); f <= last; f += major) ticks.push(f);
  return { major, minor, ticks };
}
