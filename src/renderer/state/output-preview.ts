/**
 * The Output view beside the 3D preview: the export's own frame at the playhead
 * (preview.frame), and a short range played from frames (preview.range). Plain data
 * and a pure reducer; the hook in src/renderer/viewport/use-output-preview.ts talks
 * to the host and dispatches.
 *
 * A request is for a take version (`key`: the curves and the editor's revision) at a
 * time; answers for anything but the latest wish are dropped, so a playhead that moved
 * on or an edit made meanwhile is what shows next.
 */
export type PreviewView = '3d' | 'output' | 'both';
export const PREVIEW_VIEWS: PreviewView[] = ['3d', 'output', 'both'];

export type OutputSynthesis = 'retrieval' | 'renderer' | 'preview';

export interface OutputFrameShown {
  key: string;
  timeS: number;
  frame: number;
  url: string;
  width: number;
  height: number;
  synthesis: OutputSynthesis;
}

export interface OutputWish {
  key: string;
  timeS: number;
}

export type OutputPhase =
  /** Nothing asked yet (or the Output view is closed). */
  | 'idle'
  /** The playhead or the take changed: waiting for it to settle. */
  | 'waiting'
  /** A frame was asked for. */
  | 'rendering'
  /** The host prepares the take (plan, donors read from the footage). */
  | 'preparing'
  | 'ready'
  | 'cancelled'
  | 'error';

export type RangeState =
  | { phase: 'idle' }
  | { phase: 'rendering'; key: string; fromS: number; fraction?: number; message?: string }
  | { phase: 'playing'; key: string; startS: number; fps: number; urls: string[] }
  | { phase: 'error'; message: string };

export interface OutputPreviewState {
  view: PreviewView;
  phase: OutputPhase;
  wish?: OutputWish;
  shown?: OutputFrameShown;
  progress?: { fraction: number; message: string };
  error?: string;
  /** The last measured times: the take's preparation (s) and one frame (ms). */
  timing: { prepareS?: number; frameMs?: number };
  range: RangeState;
  /** How the frames are made, as the export dialog's choice (offered when a renderer is trained). */
  synthesis: OutputSynthesisChoice;
  /** Show the whole footage frame with the export's crop outlined, instead of the exported framing. */
  wholeFrame: boolean;
}

export type OutputSynthesisChoice = 'auto' | 'retrieval' | 'renderer';

export const initialOutputPreview: OutputPreviewState = { view: '3d', phase: 'idle', timing: {}, range: { phase: 'idle' }, synthesis: 'auto', wholeFrame: false };

export type OutputPreviewAction =
  | { type: 'view'; view: PreviewView }
  | { type: 'synthesis'; synthesis: OutputSynthesisChoice }
  | { type: 'whole-frame'; on: boolean }
  | { type: 'want'; wish: OutputWish }
  | { type: 'request'; wish: OutputWish }
  | { type: 'preparing'; wish: OutputWish; fraction: number; message: string }
  | { type: 'frame'; wish: OutputWish; shown: OutputFrameShown; prepareS: number; frameMs: number }
  | { type: 'failed'; wish: OutputWish; message: string }
  | { type: 'cancel' }
  /** Ask again for the wished frame (after a cancel or an error). */
  | { type: 'retry' }
  | { type: 'range-request'; key: string; fromS: number }
  | { type: 'range-preparing'; key: string; fraction: number; message: string }
  | { type: 'range-ready'; key: string; startS: number; fps: number; urls: string[] }
  | { type: 'range-failed'; message: string }
  | { type: 'range-stop' };

export const sameWish = (a: OutputWish | undefined, b: OutputWish | undefined): boolean => Boolean(a && b && a.key === b.key && Math.abs(a.timeS - b.timeS) < 1e-6);

export function outputPreviewReducer(s: OutputPreviewState, a: OutputPreviewAction): OutputPreviewState {
  switch (a.type) {
    case 'view':
      return a.view === s.view ? s : { ...s, view: a.view };
    case 'synthesis':
      return a.synthesis === s.synthesis ? s : { ...s, synthesis: a.synthesis };
    case 'whole-frame':
      return a.on === s.wholeFrame ? s : { ...s, wholeFrame: a.on };
    case 'want': {
      if (sameWish(s.wish, a.wish)) return s;
      // The frame already on screen is the one wanted: nothing to ask.
      if (sameWish(s.shown, a.wish)) return { ...s, wish: a.wish, phase: 'ready', error: undefined, progress: undefined };
      return { ...s, wish: a.wish, phase: 'waiting', error: undefined };
    }
    case 'request':
      if (!sameWish(s.wish, a.wish)) return s;
      return { ...s, phase: s.phase === 'preparing' ? 'preparing' : 'rendering' };
    case 'preparing':
      if (!sameWish(s.wish, a.wish) || s.phase === 'cancelled') return s;
      return { ...s, phase: 'preparing', progress: { fraction: a.fraction, message: a.message } };
    case 'frame': {
      const timing = { prepareS: a.prepareS > 0 ? a.prepareS : s.timing.prepareS, frameMs: a.frameMs };
      // An answer for an older wish still shows (better than nothing) while the newer one is asked.
      if (!sameWish(s.wish, a.wish)) return { ...s, shown: a.shown, timing };
      return { ...s, shown: a.shown, phase: 'ready', progress: undefined, error: undefined, timing };
    }
    case 'failed':
      if (!sameWish(s.wish, a.wish)) return s;
      return { ...s, phase: 'error', error: a.message, progress: undefined };
    case 'cancel':
      return s.phase === 'preparing' || s.phase === 'rendering' || s.phase === 'waiting' ? { ...s, phase: 'cancelled', progress: undefined } : s;
    case 'retry':
      return s.wish && (s.phase === 'cancelled' || s.phase === 'error') ? { ...s, phase: 'waiting', error: undefined } : s;
    case 'range-request':
      return { ...s, range: { phase: 'rendering', key: a.key, fromS: a.fromS } };
    case 'range-preparing':
      return s.range.phase === 'rendering' && s.range.key === a.key ? { ...s, range: { ...s.range, fraction: a.fraction, message: a.message } } : s;
    case 'range-ready':
      return s.range.phase === 'rendering' && s.range.key === a.key ? { ...s, range: { phase: 'playing', key: a.key, startS: a.startS, fps: a.fps, urls: a.urls } } : s;
    case 'range-failed':
      return s.range.phase === 'rendering' ? { ...s, range: { phase: 'error', message: a.message } } : s;
    case 'range-stop':
      return s.range.phase === 'idle' ? s : { ...s, range: { phase: 'idle' } };
  }
}

/** Whether the hook should ask the host for the wished frame now. */
export function needsRequest(s: OutputPreviewState): boolean {
  return s.view !== '3d' && s.wish !== undefined && (s.phase === 'waiting' || s.phase === 'preparing');
}

const SYNTHESIS_WORDS: Record<OutputSynthesis, string> = {
  retrieval: 'from your footage',
  renderer: 'trained renderer',
  preview: '3D composite (no photoreal synthesis available)',
};

/** The line under the output image: what it shows, or what is happening. */
export function outputStatus(s: OutputPreviewState, fps: number): string {
  if (s.range.phase === 'rendering') return `Making ${s.range.message ? `the range: ${s.range.message}` : 'the range to play…'}${s.range.fraction !== undefined ? ` (${Math.round(s.range.fraction * 100)} %)` : ''}`;
  if (s.range.phase === 'playing') return `Playing ${s.range.urls.length} frames of the output from ${s.range.startS.toFixed(2)} s`;
  if (s.range.phase === 'error') return `The range could not be made: ${s.range.message}`;
  switch (s.phase) {
    case 'idle':
      return 'The exported frame at the playhead appears here.';
    case 'preparing':
      return `Preparing the output: ${s.progress?.message ?? 'planning'} (${Math.round((s.progress?.fraction ?? 0) * 100)} %)`;
    case 'error':
      return `No output frame: ${s.error ?? 'unknown error'}`;
    case 'cancelled':
      return 'Stopped. Move the playhead or press Show to prepare the output again.';
    default: {
      const sh = s.shown;
      if (!sh) return 'Making the output frame…';
      const base = `Output · frame ${Math.round(sh.timeS * fps)} · ${SYNTHESIS_WORDS[sh.synthesis]}`;
      return s.phase === 'ready' ? base : `${base} · updating…`;
    }
  }
}

/** A range of about `seconds` around the playhead, inside the take. */
export function rangeAround(timeS: number, durationS: number, seconds = 2): { fromS: number; seconds: number } {
  const len = Math.min(seconds, Math.max(durationS, 0.04));
  const fromS = Math.max(0, Math.min(timeS - len / 2, durationS - len));
  return { fromS, seconds: len };
}

/** The frame of a playing range at `elapsedS` since it started, or -1 when it has ended. */
export function rangeFrameAt(range: { fps: number; urls: string[] }, elapsedS: number): number {
  const k = Math.floor(elapsedS * range.fps);
  return k >= range.urls.length ? -1 : Math.max(0, k);
}
