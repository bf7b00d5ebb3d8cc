/**
 * A real-input FFT of a fixed power-of-two size with precomputed twiddles and
 * bit-reversal table: the inner loop of the built-in spectral front end.
 * The N-point real transform runs as one N/2-point complex transform plus a
 * split step, so a 512-point spectrum costs a 256-point complex FFT.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly rev: Uint16Array | Uint32Array;
  private readonly cosT: Float64Array; // twiddles of the N/2-point complex FFT
  private readonly sinT: Float64Array;
  private readonly cosS: Float64Array; // split-step twiddles e^{-2 pi i k / N}
  private readonly sinS: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) throw new Error(`RealFft: size must be a power of two >= 4, got ${size}`);
    this.size = size;
    const m = size >> 1;
    this.half = m;
    const bits = Math.log2(m);
    this.rev = m <= 65536 ? new Uint16Array(m) : new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.cosT = new Float64Array(m >> 1);
    this.sinT = new Float64Array(m >> 1);
    for (let i = 0; i < m >> 1; i++) {
      this.cosT[i] = Math.cos((2 * Math.PI * i) / m);
      this.sinT[i] = Math.sin((2 * Math.PI * i) / m);
    }
    this.cosS = new Float64Array(m + 1);
    this.sinS = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.cosS[k] = Math.cos((2 * Math.PI * k) / size);
      this.sinS[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
  }

  /**
   * Power spectrum |X_k|^2 for k = 0..N/2 of the real input `x` (length N).
   * `out` must hold N/2 + 1 values.
   */
  power(x: ArrayLike<number>, out: Float32Array | Float64Array): void {
    this.transform(x);
    const m = this.half;
    const re = this.re;
    const im = this.im;
    for (let k = 0; k <= m; k++) {
      const zk = k === m ? 0 : k;
      const yk = k === 0 ? 0 : m - k;
      const zr = re[zk], zi = im[zk], yr = re[yk], yi = im[yk];
      const fer = 0.5 * (zr + yr);
      const fei = 0.5 * (zi - yi);
      const for_ = 0.5 * (zi + yi);
      const foi = -0.5 * (zr - yr);
      const c = this.cosS[k], s = this.sinS[k];
      const xr = fer + c * for_ + s * foi;
      const xi = fei + c * foi - s * for_;
      out[k] = xr * xr + xi * xi;
    }
  }

  /** Complex spectrum X_k for k = 0..N/2 (for tests and tools). */
  spectrum(x: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
    this.transform(x);
    const m = this.half;
    const outRe = new Float64Array(m + 1);
    const outIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      const zk = k === m ? 0 : k;
      const yk = k === 0 ? 0 : m - k;
      const zr = this.re[zk], zi = this.im[zk], yr = this.re[yk], yi = this.im[yk];
      const fer = 0.5 * (zr + yr), fei = 0.5 * (zi - yi), for_ = 0.5 * (zi + yi), foi = -0.5 * (zr - yr);
      const c = this.cosS[k], s = this.sinS[k];
      outRe[k] = fer + c * for_ + s * foi;
      outIm[k] = fei + c * foi - s * for_;
    }
    return { re: outRe, im: outIm };
  }

  /** Packs x into z[n] = x[2n] + i x[2n+1] and runs the in-place complex FFT. */
  private transform(x: ArrayLike<number>): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    for (let n = 0; n < m; n++) {
      const r = rev[n];
      re[r] = x[2 * n];
      im[r] = x[2 * n + 1];
    }
    const cosT = this.cosT;
    const sinT = this.sinT;
    for (let len = 2; len <= m; len <<= 1) {
      const halfLen = len >> 1;
      const step = m / len;
      for (let i = 0; i < m; i += len) {
        for (let j = 0, t = 0; j < halfLen; j++, t += step) {
          const a = i + j;
          const b = a + halfLen;
          const wr = cosT[t], wi = -sinT[t];
          const br = re[b] * wr - im[b] * wi;
          const bi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - br;
          im[b] = im[a] - bi;
          re[a] += br;
          im[a] += bi;
        }
      }
    }
  }
}
