/**
 * The prior's mouth as a jaw cycle per syllable, not a loudness envelope.
 *
 * A mouth that opens with the smoothed loudness hangs half open through a sentence and
 * follows the sound too closely (lip-audio r 0.78 in the rendered video; real people
 * 0.2-0.45). Real speech opens and closes the jaw once per syllable: open on the vowel,
 * nearly closed on the consonants between, closed in pauses. So:
 *
 * - syllable nuclei: peaks of the vowel-band energy (300-3000 Hz) inside speech, at
 *   least `MIN_SYLLABLE_S` apart (about 6 syllables/s at most);
 * - each nucleus opens the mouth by a raised cosine of +-`HALF_CYCLE_S`, as wide as the
 *   vowel is open: its vowel-band level (stress) and its 1.6-4 kHz level (a wide aperture
 *   radiates more high-frequency energy; on the AOC clip this band follows the tracked
 *   opening better than loudness, r 0.53 vs 0.43);
 * - the lips lead the sound by `LEAD_S` (anticipation: the mouth is seen opening before
 *   the vowel is heard; on the AOC clip the tracked mouth leads the loudness by 3 frames,
 *   in line with the 100-300 ms reported for natural speech).
 *
 * Band levels are read from the built-in encoder's z-scored log-mel features (per band
 * over the track, so voice and room cancel); features of another encoder carry no bands
 * and the RMS level stands in for both.
 */
import { builtinFilterbank, WINDOW_CENTRE } from '../audio';
import { movingAverage, percentile } from '../common/numeric';

export const MIN_SYLLABLE_S = 0.16;
export const HALF_CYCLE_S = 0.16;
export const LEAD_S = 0.1;
/** Opening kept between syllables of continuous speech (lips part, not shut, on most consonants). */
export const BETWEEN_SYLLABLES = 0.1;
const VOWEL_BAND_HZ: [number, number] = [300, 3000];
const APERTURE_BAND_HZ: [number, number] = [1600, 4000];
const BANDS = 29;
const STEPS = 16;

export interface ArticulationAudio {
  frameCount: number;
  /** [T, 16, 29] */
  features: Float32Array;
  /** [T] 0..1 */
  speech: Float32Array;
  /** [T] dB */
  rmsDb: Float32Array;
  /** The features are the built-in log-mel bands (their band levels can be read). */
  logMel: boolean;
}

let bandGroups: { vowel: number[]; aperture: number[] } | undefined;
function groups(): { vowel: number[]; aperture: number[] } {
  if (!bandGroups) {
    const centres = builtinFilterbank().bands.map((b) => b.centreHz);
    const pick = ([lo, hi]: [number, number]) => centres.flatMap((c, i) => (c >= lo && c < hi ? [i] : []));
    bandGroups = { vowel: pick(VOWEL_BAND_HZ), aperture: pick(APERTURE_BAND_HZ) };
  }
  return bandGroups;
}

/** Mean level of the bands `ks` over the two steps around each frame's centre. */
function bandLevel(features: Float32Array, T: number, ks: number[]): Float32Array {
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (const r of [WINDOW_CENTRE - 1, WINDOW_CENTRE]) for (const k of ks) s += features[(t * STEPS + r) * BANDS + k];
    out[t] = s / (2 * ks.length);
  }
  return out;
}

/** A level mapped to 0..1 between its 10th and 95th percentiles over speech frames. */
function speechScale(x: Float32Array, speech: Float32Array): (v: number) => number {
  const sp = Array.from(x).filter((_, t) => speech[t] >= 0.5);
  const lo = sp.length ? percentile(sp, 0.1) : percentile(x, 0.1);
  const hi = sp.length ? percentile(sp, 0.95) : percentile(x, 0.95);
  const range = Math.max(1e-6, hi - lo);
  return (v) => Math.min(1, Math.max(0, (v - lo) / range));
}

/** Syllable nuclei: local maxima of `level` inside speech, above 0.3 of its speech range, at least `minGap` frames apart (the higher wins). */
export function syllableNuclei(level: Float32Array, speech: Float32Array, scale: (v: number) => number, minGap: number): number[] {
  const nuclei: number[] = [];
  for (let t = 1; t < level.length - 1; t++) {
    if (speech[t] < 0.5 || level[t] < level[t - 1] || level[t] <= level[t + 1] || scale(level[t]) <= 0.3) continue;
    const last = nuclei[nuclei.length - 1];
    if (last !== undefined && t - last < minGap) {
      if (level[t] > level[last]) nuclei[nuclei.length - 1] = t;
      continue;
    }
    nuclei.push(t);
  }
  return nuclei;
}

/**
 * Jaw opening per frame, 0 (closed) to 1 (the widest syllable), from the audio: one
 * raised-cosine cycle per syllable, led by `LEAD_S`, closed in pauses. `amplitude`
 * (0..1 per frame) replaces the band-level amplitude when given (a fitted regressor).
 */
export function articulatedOpening(audio: ArticulationAudio, fps: number, amplitude?: Float32Array): Float32Array {
  const T = audio.frameCount;
  const loud = movingAverage(audio.rmsDb.map((v) => Math.max(-80, v)), 1);
  const vowel = audio.logMel ? movingAverage(bandLevel(audio.features, T, groups().vowel), 1) : loud;
  const aperture = audio.logMel ? movingAverage(bandLevel(audio.features, T, groups().aperture), 1) : loud;
  const vScale = speechScale(vowel, audio.speech);
  const aScale = speechScale(aperture, audio.speech);
  const half = Math.max(1, HALF_CYCLE_S * fps);
  const gate = movingAverage(audio.speech, 1);
  const cycle = new Float32Array(T);
  for (const n of syllableNuclei(vowel, audio.speech, vScale, Math.max(2, Math.round(MIN_SYLLABLE_S * fps)))) {
    const amp = amplitude ? amplitude[n] : 0.5 * vScale(vowel[n]) + 0.5 * aScale(aperture[n]);
    for (let f = Math.max(0, Math.floor(n - half)); f <= Math.min(T - 1, Math.ceil(n + half)); f++) {
      const d = Math.abs(f - n);
      if (d <= half) cycle[f] = Math.max(cycle[f], amp * 0.5 * (1 + Math.cos((Math.PI * d) / half)));
    }
  }
  const lead = Math.round(LEAD_S * fps);
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    const u = Math.min(T - 1, t + lead);
    const between = BETWEEN_SYLLABLES * vScale(vowel[u]);
    out[t] = Math.max(cycle[u], between) * Math.min(1, Math.max(0, gate[u]));
  }
  return out;
}
