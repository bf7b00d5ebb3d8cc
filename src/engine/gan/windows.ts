/**
 * Windowing of FACIAL-GAN (method doc section 4): training windows at every start
 * frame, and the inference plan over a long track (windows of L frames with stride
 * L - 1, each window's initial state the frame it shares with the previous one, a last
 * window aligned to the end). The 5 : 1 : 4 split in time is common/numeric's
 * splitFrames.
 */
import { UserError } from '../util/errors';
import type { Segment } from '../common/numeric';

export const DEFAULT_WINDOW = 128;
export const WINDOW_MULTIPLE = 32;

export function checkWindowLength(L: number): void {
  if (!Number.isInteger(L) || L < WINDOW_MULTIPLE || L % WINDOW_MULTIPLE !== 0) {
    throw new UserError('gan-window', `The FACIAL-GAN window length must be a multiple of ${WINDOW_MULTIPLE} (32, 64, 96, 128, ...); got ${L}.`, {
      hint: 'Use --window 32, 64 or 128 (128 is the reference; shorter for clips of a few seconds).',
    });
  }
}

/**
 * The window length for a persona whose training part has `trainFrames` frames:
 * the largest multiple of 32, at most `preferred` (128), that leaves at least
 * `minWindows` distinct training windows. Undefined when even 32 does not fit.
 */
export function chooseWindowLength(trainFrames: number, preferred = DEFAULT_WINDOW, minWindows = 16): number | undefined {
  for (let L = preferred; L >= WINDOW_MULTIPLE; L -= WINDOW_MULTIPLE) {
    if (trainFrames - L + 1 >= minWindows) return L;
  }
  return trainFrames >= WINDOW_MULTIPLE ? WINDOW_MULTIPLE : undefined;
}

/** Every start frame of a window of length L inside the segment (the reference samples them all). */
export function trainingStarts(seg: Segment, L: number): number[] {
  const out: number[] = [];
  for (let s = seg.start; s + L <= seg.end; s++) out.push(s);
  return out;
}

export interface WindowPlanItem {
  /** First frame of the window in the (padded) track. */
  start: number;
  /**
   * Frame whose already-generated value is this window's initial state (it is the
   * window's own first frame, shared with the previous window), or -1 for the first
   * window, which starts from the persona's rest state.
   */
  stateFrame: number;
}

/**
 * The inference plan for T frames with windows of L (T >= L; pad shorter tracks
 * first): starts 0, L-1, 2(L-1), ... while a window fits, then one more window
 * aligned to the end when frames remain.
 */
export function inferencePlan(T: number, L: number): WindowPlanItem[] {
  if (T < L) throw new Error(`inferencePlan: ${T} frames are fewer than one window (${L}); pad the track first`);
  const plan: WindowPlanItem[] = [{ start: 0, stateFrame: -1 }];
  let s = 0;
  while (s + (L - 1) + L <= T) {
    s += L - 1;
    plan.push({ start: s, stateFrame: s });
  }
  if (s + L < T) plan.push({ start: T - L, stateFrame: T - L });
  return plan;
}

/** Frames where a window begins after the first (where a seam can appear). */
export function seamFrames(T: number, L: number): number[] {
  return inferencePlan(Math.max(T, L), L).slice(1).map((w) => w.start).filter((f) => f < T);
}

/**
 * Pads a per-frame array [T, ...frameSize] to at least L frames by repeating its
 * last frame (audio shorter than one window still generates; the padding is cut off
 * again after inference).
 */
export function padFrames(data: Float32Array, T: number, frameSize: number, L: number): { data: Float32Array; T: number } {
  if (T >= L) return { data, T };
  if (T === 0) throw new Error('padFrames: nothing to pad (0 frames)');
  const out = new Float32Array(L * frameSize);
  out.set(data.subarray(0, T * frameSize));
  const last = data.subarray((T - 1) * frameSize, T * frameSize);
  for (let t = T; t < L; t++) out.set(last, t * frameSize);
  return { data: out, T: L };
}

/** Shortest fade of a window's mismatch with its initial state: L/8 frames, kept within 2..8. */
export function seamBlendFrames(L: number): number {
  return Math.max(2, Math.min(8, Math.floor(L / 8)));
}

/**
 * Writes one window's output [L, C] into the track at `start`. When the window has an
 * initial state (`state`, the value already at frame `start`, shared with the previous
 * window), that frame keeps the state and the window's offset from it is added back
 * and faded out (raised cosine), so a seam never jumps even when the model's
 * initial-state term is not yet well trained:
 * - the offset is measured against the window's motion extrapolated back to its first
 *   frame (2·y1 − y2): a window's very first output frame can sit off its trajectory;
 * - the fade lasts at least seamBlendFrames(L) frames (L/8 kept within 2..8: 8 for a
 *   window of 128), and longer when the offset is large compared with the window's own
 *   typical frame-to-frame change, so that the correction never moves faster than the
 *   motion around it (at most L − 1 frames).
 */
export function writeWindow(track: Float32Array, C: number, start: number, win: Float32Array, L: number, state?: Float32Array): void {
  if (!state) {
    track.set(win.subarray(0, L * C), start * C);
    return;
  }
  const delta = new Float32Array(C);
  let offset = 0;
  for (let c = 0; c < C; c++) {
    const anchor = L >= 3 ? 2 * win[C + c] - win[2 * C + c] : win[c];
    delta[c] = state[c] - anchor;
    offset += Math.abs(delta[c]) / C;
  }
  // The window's typical step: median over frames of the mean |change| over channels.
  const steps = new Float64Array(Math.max(0, L - 2));
  for (let t = 2; t < L; t++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.abs(win[t * C + c] - win[(t - 1) * C + c]);
    steps[t - 2] = s / C;
  }
  steps.sort();
  const typical = steps.length ? steps[Math.floor(steps.length / 2)] : 0;
  // A raised cosine over K frames moves at most (pi/2)/K of the offset per frame.
  const needed = typical > 0 ? Math.ceil(((Math.PI / 2) * offset) / typical) : L - 1;
  const K = Math.min(L - 1, Math.max(seamBlendFrames(L), needed));
  for (let c = 0; c < C; c++) track[start * C + c] = state[c];
  for (let t = 1; t < L; t++) {
    const w = t < K ? 0.5 * (1 + Math.cos((Math.PI * t) / K)) : 0;
    const o = (start + t) * C;
    for (let c = 0; c < C; c++) track[o + c] = win[t * C + c] + w * delta[c];
  }
}
