import { PARAM_COUNT, POSE_COUNT, BLINK_INDEX, channelName } from '../../shared/facial-params';
import { UserError } from '../util/errors';

/**
 * Plausible ranges of the 71 parameters (src/shared/facial-params.ts), wide enough
 * for any real face and motion (a tracked clip stays within a tenth of each): a value
 * outside them is damage (NaN, Inf, 3e38), which would make the face vanish from the video.
 */
const ROTATION_MAX = 2 * Math.PI; // radians
const TRANSLATION_MAX = 1e5; // millimetres
const BLINK_RANGE: [number, number] = [-1, 2];
const EXPRESSION_MAX = 1e4;

function plausible(channel: number, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (channel < 3) return Math.abs(v) <= ROTATION_MAX;
  if (channel < POSE_COUNT) return Math.abs(v) <= TRANSLATION_MAX;
  if (channel === BLINK_INDEX) return v >= BLINK_RANGE[0] && v <= BLINK_RANGE[1];
  return Math.abs(v) <= EXPRESSION_MAX;
}

/**
 * Checks curves [T*71] read from a file: every value finite and in its channel's
 * plausible range. The error names the first bad frame and channel.
 */
export function checkCurveValues(curves: Float32Array | Float64Array, file: string): void {
  for (let i = 0; i < curves.length; i++) {
    const c = i % PARAM_COUNT;
    const v = curves[i];
    if (!plausible(c, v)) {
      const frame = Math.floor(i / PARAM_COUNT);
      throw new UserError('curves-out-of-range', `${file} is damaged: frame ${frame}, channel ${channelName(c)} holds ${Number.isFinite(v) ? v.toPrecision(4) : String(v)}, ${Number.isFinite(v) ? 'far outside the range of a face' : 'which is not a number'}.`, {
        file,
        hint: 'Re-generate the curves (facial-studio generate, or Generate motion in the studio), or restore the file from a backup.',
      });
    }
  }
}

/** Checks any numeric array read from a file (features, activity): every value finite; the error names row and column. */
export function checkFinite(data: ArrayLike<number>, shape: number[], file: string): void {
  const row = shape.slice(1).reduce((a, b) => a * b, 1) || 1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new UserError('data-not-finite', `${file} is damaged: row ${Math.floor(i / row)}, column ${i % row} holds ${String(data[i])}.`, { file, hint: 'Compute the file again (facial-studio features), or restore it from a backup.' });
    }
  }
}
