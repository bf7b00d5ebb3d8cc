import { RealFft } from './fft';
import { melFilterbank, type MelFilterbank } from './mel';

/**
 * The built-in spectral front end, streaming: feed it 16 kHz mono float samples in
 * chunks of any size, then `finish()`. Per 20 ms step (50 steps/s; step i centred on
 * sample 320*i, i.e. at i/50 s) it computes 29 log-mel energies over a 25 ms Hann
 * window (512-point FFT, 29 HTK-mel bands from 80 Hz to 7600 Hz) and the energy of
 * the speech band (250-4000 Hz) for voice activity; per 10 ms block it keeps the
 * mean square of the samples for loudness. Nothing holds the whole signal: the
 * analyser keeps one window of samples plus its per-step outputs (29+1 floats per
 * 20 ms, 1 per 10 ms: about 25 MB for an hour).
 */
export const SAMPLE_RATE = 16000;
export const STEPS_PER_SECOND = 50;
export const HOP = SAMPLE_RATE / STEPS_PER_SECOND; // 320
export const WIN = 400; // 25 ms
export const NFFT = 512;
export const FEATURE_DIM = 29;
export const BLOCK = 160; // 10 ms loudness blocks
export const MEL_FMIN_HZ = 80;
export const MEL_FMAX_HZ = 7600;
export const SPEECH_BAND_HZ: [number, number] = [250, 4000];
/** Floor of the band energies (mean square, full scale = 1): -100 dB. */
export const ENERGY_FLOOR = 1e-10;
/** Voicing: 40 ms around each step, decimated by 4 (4 kHz), pitch lags for 400..60 Hz. */
export const VOICE_HALF = 320;
const VOICE_DECIM = 4;
const VOICE_LEN = (2 * VOICE_HALF) / VOICE_DECIM; // 160
const VOICE_MIN_LAG = 10; // 400 Hz
const VOICE_MAX_LAG = 67; // ~60 Hz
/** Steps quieter than this (speech band, dBFS) skip the voicing analysis (they are silence anyway). */
const VOICE_MIN_DB = -70;
/** Samples kept either side of a step centre: the larger of the spectral and voicing spans. */
const SPAN_HALF = Math.max(WIN / 2, VOICE_HALF);

/** A Float32Array that grows by doubling; `view()` returns the filled part. */
export class GrowableF32 {
  private buf: Float32Array;
  length = 0;
  constructor(initial = 1024) {
    this.buf = new Float32Array(Math.max(16, initial));
  }
  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < this.length + extra) cap *= 2;
    const next = new Float32Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  push(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }
  pushAll(v: ArrayLike<number>): void {
    this.reserve(v.length);
    this.buf.set(v, this.length);
    this.length += v.length;
  }
  view(): Float32Array {
    return this.buf.subarray(0, this.length);
  }
  /** A right-sized copy (releases the spare capacity). */
  toArray(): Float32Array {
    return this.buf.slice(0, this.length);
  }
}

export interface SpectralResult {
  totalSamples: number;
  /** Steps computed: ceil(N / 320) + 1, so step centres cover the whole track. */
  stepCount: number;
  /** [stepCount, 29] natural log of the mel band energies (mean square, floored). */
  logMel: Float32Array;
  /** [stepCount] speech-band level in dB full scale. */
  speechDb: Float32Array;
  /** [stepCount] voicing 0..1: peak normalised autocorrelation at pitch lags (0 for quiet steps). */
  voicing: Float32Array;
  /** [ceil(N / 160)] mean square of each 10 ms block. */
  blockMs: Float32Array;
}

let sharedBank: MelFilterbank | undefined;
export function builtinFilterbank(): MelFilterbank {
  sharedBank ??= melFilterbank({ bands: FEATURE_DIM, sampleRate: SAMPLE_RATE, fftSize: NFFT, fminHz: MEL_FMIN_HZ, fmaxHz: MEL_FMAX_HZ });
  return sharedBank;
}

export class SpectralAnalyzer {
  private readonly fft = new RealFft(NFFT);
  private readonly bank = builtinFilterbank();
  private readonly window = new Float64Array(WIN);
  private readonly frame = new Float64Array(NFFT);
  private readonly pow = new Float64Array(NFFT / 2 + 1);
  private readonly melRow = new Float32Array(FEATURE_DIM);
  private readonly scale: number;
  private readonly speechLo: number;
  private readonly speechHi: number;
  // Sample buffer: buf[off .. off+len) holds absolute samples [start, start+len).
  private buf = new Float32Array(8192);
  private off = 0;
  private len = 0;
  private start = -SPAN_HALF; // the first step's span begins before sample 0 (zeros)
  private nextStep = 0;
  private total = 0;
  private blockAcc = 0;
  private blockFill = 0;
  private finished = false;
  private readonly logMel = new GrowableF32(FEATURE_DIM * 512);
  private readonly speechDb = new GrowableF32(512);
  private readonly voicing = new GrowableF32(512);
  private readonly dec = new Float64Array(VOICE_LEN);
  private readonly decSq = new Float64Array(VOICE_LEN + 1);
  private readonly blockMs = new GrowableF32(1024);

  constructor() {
    let sumW2 = 0;
    for (let n = 0; n < WIN; n++) {
      // periodic Hann
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / WIN);
      this.window[n] = w;
      sumW2 += w * w;
    }
    // Parseval: mean square of the windowed signal = 2/(N sum w^2) * one-sided sum |X_k|^2.
    this.scale = 2 / (NFFT * sumW2);
    const binHz = SAMPLE_RATE / NFFT;
    this.speechLo = Math.ceil(SPEECH_BAND_HZ[0] / binHz);
    this.speechHi = Math.floor(SPEECH_BAND_HZ[1] / binHz);
    this.len = SPAN_HALF; // the zeros before sample 0
  }

  get samplesSeen(): number {
    return this.total;
  }

  push(chunk: Float32Array): void {
    if (this.finished) throw new Error('SpectralAnalyzer: push after finish');
    if (chunk.length === 0) return;
    this.total += chunk.length;
    this.accumulateBlocks(chunk);
    this.append(chunk);
    this.drain();
  }

  finish(): SpectralResult {
    if (this.finished) throw new Error('SpectralAnalyzer: finish called twice');
    this.finished = true;
    if (this.blockFill > 0) this.blockMs.push(this.blockAcc / this.blockFill);
    const n = this.total;
    const stepCount = Math.ceil(n / HOP) + 1;
    // Zero-pad past the end so the last step's window is complete.
    const needEnd = (stepCount - 1) * HOP + SPAN_HALF;
    const have = this.start + this.len;
    if (needEnd > have) this.append(new Float32Array(needEnd - have));
    this.drain(stepCount);
    return { totalSamples: n, stepCount: this.nextStep, logMel: this.logMel.toArray(), speechDb: this.speechDb.toArray(), voicing: this.voicing.toArray(), blockMs: this.blockMs.toArray() };
  }

  private accumulateBlocks(chunk: Float32Array): void {
    let acc = this.blockAcc;
    let fill = this.blockFill;
    for (let i = 0; i < chunk.length; i++) {
      const v = chunk[i];
      acc += v * v;
      if (++fill === BLOCK) {
        this.blockMs.push(acc / BLOCK);
        acc = 0;
        fill = 0;
      }
    }
    this.blockAcc = acc;
    this.blockFill = fill;
  }

  private append(chunk: Float32Array): void {
    if (this.off + this.len + chunk.length > this.buf.length) {
      if (this.len + chunk.length > this.buf.length) {
        let cap = this.buf.length;
        while (cap < this.len + chunk.length) cap *= 2;
        const next = new Float32Array(cap);
        next.set(this.buf.subarray(this.off, this.off + this.len));
        this.buf = next;
      } else {
        this.buf.copyWithin(0, this.off, this.off + this.len);
      }
      this.off = 0;
    }
    this.buf.set(chunk, this.off + this.len);
    this.len += chunk.length;
  }

  private drain(limit = Infinity): void {
    const half = SPAN_HALF;
    while (this.nextStep < limit) {
      const centre = this.nextStep * HOP;
      if (centre + half > this.start + this.len) break;
      this.computeStep(this.off + (centre - this.start));
      this.nextStep++;
    }
    // Drop samples that no later window needs.
    const keepFrom = this.nextStep * HOP - half;
    const drop = Math.min(this.len, Math.max(0, keepFrom - this.start));
    if (drop > 0) {
      this.off += drop;
      this.len -= drop;
      this.start += drop;
    }
  }

  /** `c`: buffer index of the step's centre sample. */
  private computeStep(c: number): void {
    const frame = this.frame;
    const buf = this.buf;
    const win = this.window;
    const at = c - WIN / 2;
    for (let n = 0; n < WIN; n++) frame[n] = buf[at + n] * win[n];
    // frame[WIN..NFFT) stays zero
    const pow = this.pow;
    this.fft.power(frame, pow);
    const scale = this.scale;
    const bands = this.bank.bands;
    const row = this.melRow;
    for (let b = 0; b < FEATURE_DIM; b++) {
      const band = bands[b];
      const w = band.weights;
      let e = 0;
      for (let j = 0, k = band.firstBin; j < w.length; j++, k++) e += w[j] * pow[k];
      e *= scale;
      row[b] = Math.log(e > ENERGY_FLOOR ? e : ENERGY_FLOOR);
    }
    this.logMel.pushAll(row);
    let s = 0;
    for (let k = this.speechLo; k <= this.speechHi; k++) s += pow[k];
    s *= scale;
    const db = 10 * Math.log10(s > ENERGY_FLOOR ? s : ENERGY_FLOOR);
    this.speechDb.push(db);
    this.voicing.push(db < VOICE_MIN_DB ? 0 : this.voicingAt(c));
  }

  /** Peak normalised autocorrelation over pitch lags of the 4x-decimated 40 ms span around `c`. */
  private voicingAt(c: number): number {
    const buf = this.buf;
    const d = this.dec;
    const a0 = c - VOICE_HALF;
    let mean = 0;
    for (let i = 0; i < VOICE_LEN; i++) {
      const o = a0 + i * VOICE_DECIM;
      const v = (buf[o] + buf[o + 1] + buf[o + 2] + buf[o + 3]) * 0.25;
      d[i] = v;
      mean += v;
    }
    mean /= VOICE_LEN;
    const sq = this.decSq;
    sq[0] = 0;
    for (let i = 0; i < VOICE_LEN; i++) {
      d[i] -= mean;
      sq[i + 1] = sq[i] + d[i] * d[i];
    }
    if (sq[VOICE_LEN] <= 1e-12) return 0;
    let best = 0;
    for (let lag = VOICE_MIN_LAG; lag <= VOICE_MAX_LAG; lag++) {
      const n = VOICE_LEN - lag;
      let r = 0;
      for (let i = 0; i < n; i++) r += d[i] * d[i + lag];
      if (r <= 0) continue;
      const ex = sq[n];
      const ey = sq[VOICE_LEN] - sq[lag];
      const v = r / Math.sqrt(ex * ey + 1e-20);
      if (v > best) best = v;
    }
    return best > 1 ? 1 : best;
  }
}
