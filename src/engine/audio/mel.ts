/**
 * Triangular mel filterbank (HTK mel scale) over the bins of a real FFT, stored
 * sparsely: each band keeps its first bin and its non-zero weights.
 */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

export interface MelBand {
  /** Centre frequency in Hz. */
  centreHz: number;
  lowHz: number;
  highHz: number;
  firstBin: number;
  weights: Float32Array;
}

export interface MelFilterbank {
  bands: MelBand[];
  sampleRate: number;
  fftSize: number;
}

export function melFilterbank(opts: { bands: number; sampleRate: number; fftSize: number; fminHz: number; fmaxHz: number }): MelFilterbank {
  const { bands, sampleRate, fftSize, fminHz, fmaxHz } = opts;
  const m0 = hzToMel(fminHz);
  const m1 = hzToMel(fmaxHz);
  const edges: number[] = [];
  for (let i = 0; i < bands + 2; i++) edges.push(melToHz(m0 + ((m1 - m0) * i) / (bands + 1)));
  const binHz = sampleRate / fftSize;
  const nBins = fftSize / 2 + 1;
  const out: MelBand[] = [];
  for (let b = 0; b < bands; b++) {
    const lo = edges[b], mid = edges[b + 1], hi = edges[b + 2];
    const w: number[] = [];
    let first = -1;
    for (let k = 0; k < nBins; k++) {
      const f = k * binHz;
      let v = 0;
      if (f > lo && f < hi) v = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      if (v > 0) {
        if (first < 0) first = k;
        // keep zeros between first and last non-zero weight (none occur for a triangle)
        w.push(v);
      } else if (first >= 0) break;
    }
    if (first < 0) {
      // A band narrower than one bin: give it the nearest bin so it is never empty.
      first = Math.min(nBins - 1, Math.round(mid / binHz));
      w.push(1);
    }
    out.push({ centreHz: mid, lowHz: lo, highHz: hi, firstBin: first, weights: Float32Array.from(w) });
  }
  return { bands: out, sampleRate, fftSize };
}

/** The band whose centre is nearest (in mel) to `hz`. */
export function nearestMelBand(fb: MelFilterbank, hz: number): number {
  const m = hzToMel(hz);
  let best = 0;
  let bestD = Infinity;
  fb.bands.forEach((b, i) => {
    const d = Math.abs(hzToMel(b.centreHz) - m);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}
