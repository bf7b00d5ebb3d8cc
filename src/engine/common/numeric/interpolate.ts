/**
 * 1-D linear interpolation on a grid of samples 0..n-1, held at the ends: the rule
 * behind resampling audio steps to video frames, curves to another frame rate, and
 * the align-corners resize in the GAN's decoder.
 */

/** The two grid neighbours of fractional position `pos` on n samples (n >= 1) and the weight of the second; clamped to the ends. */
export function linearTap(pos: number, n: number): { i0: number; i1: number; w: number } {
  if (!(pos > 0)) return { i0: 0, i1: 0, w: 0 };
  if (pos >= n - 1) return { i0: n - 1, i1: n - 1, w: 0 };
  const i0 = Math.floor(pos);
  return { i0, i1: i0 + 1, w: pos - i0 };
}

/**
 * Samples a row-major series [n, channels] at `outCount` fractional positions
 * `positionOf(k)` (in samples), linearly, held at the ends: [outCount, channels].
 * An empty series gives zeros.
 */
export function resampleLinear(data: ArrayLike<number>, channels: number, n: number, outCount: number, positionOf: (k: number) => number): Float32Array {
  const out = new Float32Array(outCount * channels);
  if (n === 0) return out;
  for (let k = 0; k < outCount; k++) {
    const { i0, i1, w } = linearTap(positionOf(k), n);
    const o = k * channels, a = i0 * channels, b = i1 * channels;
    if (w === 0) for (let c = 0; c < channels; c++) out[o + c] = data[a + c];
    else for (let c = 0; c < channels; c++) out[o + c] = data[a + c] + w * (data[b + c] - data[a + c]);
  }
  return out;
}

/** Position in the input (n samples) of output sample j of m under align-corners scaling: the end samples coincide. */
export function alignCornersPosition(j: number, n: number, m: number): number {
  return m === 1 ? 0 : (j * (n - 1)) / (m - 1);
}
