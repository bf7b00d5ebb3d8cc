/**
 * Inference over a track of any length (method doc section 4): windows of L frames
 * with stride L - 1, each window's initial state the frame it shares with the
 * previous window (the persona's rest state for the first), a last window aligned
 * to the end; tracks shorter than one window are padded with their last frame and
 * cut back. The window's mismatch with its state is faded out (windows.ts).
 */
import { PARAM_COUNT } from '../../shared/facial-params';
import { throwIfCancelled } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { FRAME_FEATURES } from './data';
import { inferencePlan, padFrames, writeWindow } from './windows';

/** One window: audio [L*16*29] and initial state [71] → parameters [L*71] (network space). */
export type WindowPredictor = (audio: Float32Array, state: Float32Array) => Promise<Float32Array>;

/**
 * A generator that sees the whole plan first: `prepare` gets every window's audio (in
 * plan order) and may encode them all at once (the audio path does not depend on the
 * state); the returned function then predicts window k from its initial state.
 */
export interface WindowModel {
  prepare(windows: Float32Array[]): Promise<(k: number, state: Float32Array) => Promise<Float32Array>>;
}

export function asWindowModel(predict: WindowPredictor): WindowModel {
  return { prepare: async (windows) => (k, state) => predict(windows[k], state) };
}

export interface RunWindowsOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Initial state of the first window (network space). */
  initialState: Float32Array;
}

/** Network-space parameters [T*71] for features [T*16*29]. */
export async function runWindows(features: Float32Array, T: number, L: number, model: WindowModel | WindowPredictor, opts: RunWindowsOptions): Promise<Float32Array> {
  const m = typeof model === 'function' ? asWindowModel(model) : model;
  const padded = padFrames(features, T, FRAME_FEATURES, L);
  const Tp = padded.T;
  const track = new Float32Array(Tp * PARAM_COUNT);
  const plan = inferencePlan(Tp, L);
  const predict = await m.prepare(plan.map((w) => padded.data.subarray(w.start * FRAME_FEATURES, (w.start + L) * FRAME_FEATURES)));
  for (let k = 0; k < plan.length; k++) {
    throwIfCancelled(opts.signal);
    const { start, stateFrame } = plan[k];
    const state = stateFrame < 0 ? opts.initialState : track.slice(stateFrame * PARAM_COUNT, (stateFrame + 1) * PARAM_COUNT);
    const out = await predict(k, state);
    writeWindow(track, PARAM_COUNT, start, out, L, stateFrame < 0 ? undefined : state);
    opts.onProgress?.({ stage: 'generate', fraction: (k + 1) / plan.length, message: `window ${k + 1}/${plan.length}` });
  }
  return Tp === T ? track : track.slice(0, T * PARAM_COUNT);
}
