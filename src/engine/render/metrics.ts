/**
 * Image quality figures of the rendering network on held-out frames: PSNR, SSIM
 * (Gaussian 11x11 window, sigma 1.5, K1 0.01, K2 0.03, per RGB channel, averaged;
 * Wang et al. 2004), and a flicker measure: the mean absolute difference between
 * consecutive frames (0..255 scale), to compare generated against real video.
 */

/** PSNR in dB between two RGB24 images of equal size (Infinity when identical). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`psnr: ${a.length} vs ${b.length} values`);
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

const WIN = 11;
const KERNEL = (() => {
  const k = new Float64Array(WIN);
  let s = 0;
  for (let i = 0; i < WIN; i++) s += k[i] = Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5));
  for (let i = 0; i < WIN; i++) k[i] /= s;
  return k;
})();

/** Separable Gaussian filter over the valid region: [H-10, W-10]. */
function blurValid(src: Float64Array, W: number, H: number): Float64Array {
  const w2 = W - WIN + 1, h2 = H - WIN + 1;
  const tmp = new Float64Array(w2 * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < w2; x++) {
      let s = 0;
      for (let k = 0; k < WIN; k++) s += KERNEL[k] * src[y * W + x + k];
      tmp[y * w2 + x] = s;
    }
  }
  const out = new Float64Array(w2 * h2);
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      let s = 0;
      for (let k = 0; k < WIN; k++) s += KERNEL[k] * tmp[(y + k) * w2 + x];
      out[y * w2 + x] = s;
    }
  }
  return out;
}

/** Mean SSIM of two RGB24 images W x H (averaged over the three channels). */
export function ssimRgb(a: Uint8Array, b: Uint8Array, W: number, H: number): number {
  if (a.length !== W * H * 3 || b.length !== W * H * 3) throw new Error('ssimRgb: image sizes differ from W x H x 3');
  if (W < WIN || H < WIN) throw new Error(`ssimRgb: images must be at least ${WIN}x${WIN}`);
  const C1 = (0.01 * 255) ** 2, C2 = (0.03 * 255) ** 2;
  const n = W * H;
  let total = 0;
  for (let ch = 0; ch < 3; ch++) {
    const x = new Float64Array(n), y = new Float64Array(n), xx = new Float64Array(n), yy = new Float64Array(n), xy = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = a[i * 3 + ch], v = b[i * 3 + ch];
      x[i] = u; y[i] = v; xx[i] = u * u; yy[i] = v * v; xy[i] = u * v;
    }
    const [mx, my, exx, eyy, exy] = [x, y, xx, yy, xy].map((m) => blurValid(m, W, H));
    let s = 0;
    for (let i = 0; i < mx.length; i++) {
      const vx = exx[i] - mx[i] * mx[i], vy = eyy[i] - my[i] * my[i], cxy = exy[i] - mx[i] * my[i];
      s += ((2 * mx[i] * my[i] + C1) * (2 * cxy + C2)) / ((mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2));
    }
    total += s / mx.length;
  }
  return total / 3;
}

/** Mean absolute error between two frames of the same size (0..255 per value). */
export function meanAbsError(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`meanAbsError: ${a.length} vs ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Running flicker measure: feed frames in order; `value` is the mean |f_t − f_{t−1}| over the pairs seen. */
export class FlickerMeter {
  private prev?: Uint8Array;
  private sum = 0;
  private pairs = 0;

  push(frame: Uint8Array): void {
    if (this.prev) {
      this.sum += meanAbsError(frame, this.prev);
      this.pairs++;
    }
    this.prev = frame.slice();
  }

  get value(): number {
    return this.pairs ? this.sum / this.pairs : 0;
  }

  get count(): number {
    return this.pairs;
  }
}
