import type { PriorInput, PriorAudio } from '../../src/engine/gan';
import { Rng } from '../../src/engine/common/numeric';
import { PARAM_COUNT } from '../../src/shared/facial-params';

/** A known jaw direction (unit vector over the 64 expression coefficients). */
export function jawDirection(): number[] {
  const d = Array.from({ length: 64 }, (_, k) => (k < 3 ? [0.8, 0.5, -0.3][k] : 0));
  const n = Math.hypot(...d);
  return d.map((x) => x / n);
}

export interface SyntheticClip {
  input: PriorInput;
  audio: PriorAudio;
  opening: Float32Array;
}

/**
 * A synthetic persona clip at `fps`: speech in 2 s bursts with 1 s pauses, lip opening
 * following a syllable rhythm while speaking (closed in the pauses), expression =
 * mean + opening x jaw direction + noise, audio features whose dimension 3 carries the
 * opening, blinks at `blinkTimesS` (0.15 s wide), a smooth head motion.
 */
export function syntheticClip(T: number, fps: number, blinkTimesS: number[], seed = 5): SyntheticClip {
  const r = new Rng(seed);
  const jaw = jawDirection();
  const params = new Float32Array(T * PARAM_COUNT);
  const opening = new Float32Array(T);
  const features = new Float32Array(T * 16 * 29);
  const speech = new Float32Array(T);
  const rmsDb = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    const s = t / fps;
    const speaking = s % 3 < 2;
    speech[t] = speaking ? 1 : 0;
    const syll = speaking ? 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * s) : 0;
    opening[t] = 0.02 + 0.2 * syll + 0.005 * r.normal();
    rmsDb[t] = speaking ? -25 + 6 * syll : -70;
    for (let st = 0; st < 16; st++) for (let d = 0; d < 29; d++) features[t * 464 + st * 29 + d] = 0.3 * r.normal() + (d === 3 ? 4 * syll : 0);
    const o = t * PARAM_COUNT;
    params[o] = 0.05 * Math.sin(2 * Math.PI * 0.3 * s) + 0.01 * Math.sin(2 * Math.PI * 1.1 * s);
    params[o + 1] = 0.08 * Math.sin(2 * Math.PI * 0.2 * s + 1);
    params[o + 2] = 0.03 * Math.sin(2 * Math.PI * 0.25 * s + 2);
    params[o + 3] = 20 + 5 * Math.sin(2 * Math.PI * 0.2 * s + 1);
    params[o + 4] = 10 + 4 * Math.sin(2 * Math.PI * 0.3 * s);
    params[o + 5] = 800 + 6 * Math.sin(2 * Math.PI * 0.15 * s);
    let b = 0.03;
    for (const bt of blinkTimesS) b = Math.max(b, 0.95 * Math.exp(-0.5 * ((s - bt) / 0.064) ** 2));
    params[o + 6] = b;
    for (let k = 0; k < 64; k++) params[o + 7 + k] = 5 + jaw[k] * 60 * opening[t] + 0.05 * r.normal();
  }
  return { input: { fps, params, opening, features, speech, rmsDb }, audio: { frameCount: T, features, speech, rmsDb }, opening };
}

/** Voice-over audio of `seconds`: speech with pauses of `pauseS` every `periodS`. */
export function syntheticAudio(seconds: number, fps: number, periodS = 3, pauseS = 1, seed = 9): PriorAudio {
  const T = Math.round(seconds * fps);
  const r = new Rng(seed);
  const features = new Float32Array(T * 464);
  const speech = new Float32Array(T);
  const rmsDb = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    const s = t / fps;
    const speaking = s % periodS < periodS - pauseS;
    speech[t] = speaking ? 1 : 0;
    const syll = speaking ? 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * s) : 0;
    rmsDb[t] = speaking ? -25 + 6 * syll : -70;
    for (let st = 0; st < 16; st++) for (let d = 0; d < 29; d++) features[t * 464 + st * 29 + d] = 0.3 * r.normal() + (d === 3 ? 4 * syll : 0);
  }
  return { frameCount: T, features, speech, rmsDb };
}
