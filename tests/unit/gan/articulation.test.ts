import { describe, expect, it } from 'vitest';
import { articulatedOpening, syllableNuclei, LEAD_S } from '../../../src/engine/gan/articulation';
import { builtinFilterbank } from '../../../src/engine/audio';
import { pearson } from '../../../src/engine/common/numeric';
import { syntheticAudio } from '../../helpers/gan-synthetic';

const fps = 25;

/** Local maxima above `min`. */
function peaks(x: Float32Array, min: number): number[] {
  const out: number[] = [];
  for (let t = 1; t < x.length - 1; t++) if (x[t] > min && x[t] >= x[t - 1] && x[t] > x[t + 1]) out.push(t);
  return out;
}

describe('articulation: a jaw cycle per syllable', () => {
  // 4 syllables per second, 2 s of speech then 1 s of pause, repeated.
  const audio = { ...syntheticAudio(30, fps, 3, 1), logMel: false };
  const open = articulatedOpening(audio, fps);

  it('opens once per syllable and nearly closes between syllables, not a held-open envelope', () => {
    const p = peaks(open, 0.3);
    const speakingS = audio.speech.reduce((s, v) => s + v, 0) / fps;
    expect(p.length / speakingS).toBeGreaterThan(3);
    expect(p.length / speakingS).toBeLessThan(5);
    // Between two neighbouring syllables the mouth closes to well under half the peaks.
    const dips = p.slice(1).map((b, i) => Math.min(...open.slice(p[i], b + 1)) / Math.min(open[p[i]], open[b]));
    expect(dips.filter((d) => d < 0.5).length).toBeGreaterThan(0.8 * dips.length);
  });

  it('is closed in pauses and leads the sound by about 0.1 s', () => {
    const lead = Math.round(LEAD_S * fps);
    for (let t = 0; t < audio.frameCount; t++) {
      if (audio.speech.slice(Math.max(0, t - 1), t + lead + 2).every((v) => v === 0)) expect(open[t]).toBe(0);
    }
    // The opening matches the loudness best when moved `lead` frames later.
    const shifted = (k: number) => pearson(open.slice(0, open.length - k), audio.rmsDb.slice(k));
    const best = [0, 1, 2, 3, 4, 5, 6].reduce((b, k) => (shifted(k) > shifted(b) ? k : b), 0);
    expect(Math.abs(best - lead)).toBeLessThanOrEqual(1);
  });

  it('reads the vowel band of the built-in log-mel features: syllables there open the mouth even at a flat loudness', () => {
    const T = 10 * fps;
    const centres = builtinFilterbank().bands.map((b) => b.centreHz);
    const features = new Float32Array(T * 16 * 29);
    const speech = new Float32Array(T).fill(1);
    const rmsDb = new Float32Array(T).fill(-25);
    for (let t = 0; t < T; t++) {
      const syll = 0.5 + 0.5 * Math.sin((2 * Math.PI * 3 * t) / fps);
      for (let st = 0; st < 16; st++) for (let k = 0; k < 29; k++) features[(t * 16 + st) * 29 + k] = centres[k] >= 300 && centres[k] < 3000 ? 3 * syll : 0;
    }
    const withBands = articulatedOpening({ frameCount: T, features, speech, rmsDb, logMel: true }, fps);
    expect(peaks(withBands, 0.3).length).toBeGreaterThanOrEqual(27);
    // Without band levels (another encoder) only the loudness counts: flat, no syllables found.
    const loudnessOnly = articulatedOpening({ frameCount: T, features, speech, rmsDb, logMel: false }, fps);
    expect(peaks(loudnessOnly, 0.3).length).toBe(0);
  });

  it('keeps syllable nuclei at least the minimum gap apart, the louder one winning', () => {
    const level = Float32Array.from([0, 5, 0, 6, 0, 0, 0, 4, 0, 0]);
    const speech = new Float32Array(10).fill(1);
    expect(syllableNuclei(level, speech, (v) => v / 6, 3)).toEqual([3, 7]);
  });
});
