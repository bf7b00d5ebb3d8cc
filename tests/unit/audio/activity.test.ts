import { describe, it, expect } from 'vitest';
import { frameRmsDb, frameSpeech, stepSpeechProbability, RMS_FLOOR_DB } from '../../../src/engine/audio/activity';
import { SpectralAnalyzer } from '../../../src/engine/audio/spectral';
import { frameCountFor } from '../../../src/engine/audio/framing';
import { concat, rng, sine, speechLike } from '../../helpers/audio-fixtures';

function analyse(x: Float32Array, fps = 30) {
  const a = new SpectralAnalyzer();
  a.push(x);
  const r = a.finish();
  const T = frameCountFor(x.length, fps);
  const { prob, params } = stepSpeechProbability(r.speechDb, r.voicing, r.stepCount);
  return { speech: frameSpeech(prob, fps, T), rms: frameRmsDb(r.blockMs, x.length, fps, T), params, T };
}

describe('speech activity and loudness', () => {
  it('digital silence is silence at -120 dB', () => {
    const { speech, rms } = analyse(new Float32Array(16000 * 3));
    expect(Math.max(...speech)).toBeLessThan(0.05);
    for (const v of rms) expect(v).toBe(RMS_FLOOR_DB);
  });

  it('measures RMS in dB full scale: a 0.5-amplitude sine is -9.03 dB, silence after it the floor', () => {
    const { rms } = analyse(concat(sine(440, 1, 0.5), new Float32Array(16000)));
    expect(rms[10]).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
    expect(rms[50]).toBe(RMS_FLOOR_DB);
  });

  it('stationary noise alone, loud or faint, is silence', () => {
    for (const db of [-60, -30, -12]) {
      const r = rng(9);
      const amp = 10 ** (db / 20) * Math.sqrt(3);
      const { speech } = analyse(new Float32Array(16000 * 4).map(() => amp * r()));
      const frac = speech.filter((v) => v >= 0.5).length / speech.length;
      expect(frac, `noise at ${db} dB`).toBeLessThan(0.05);
    }
  });

  it('a constant tone (hum) is silence', () => {
    const { speech } = analyse(sine(120, 4, 0.3));
    expect(speech.filter((v) => v >= 0.5).length).toBe(0);
  });

  for (const noiseDb of [undefined, -50, -35]) {
    it(`finds speech-like syllables and the pauses between them${noiseDb === undefined ? '' : ` over noise at ${noiseDb} dB`}`, () => {
      const fps = 30;
      const { samples, voiced } = speechLike(8, { noiseDb, seed: 21 });
      const { speech, T } = analyse(samples, fps);
      let hit = 0, voicedFrames = 0, falseAlarm = 0, pauseFrames = 0;
      for (let t = 0; t < T; t++) {
        const ts = t / fps;
        // frames well inside a syllable / well inside a pause (> 200 ms from any syllable)
        if (voiced(ts)) {
          voicedFrames++;
          if (speech[t] >= 0.5) hit++;
        } else if (![-0.25, -0.15, 0.15, 0.25].some((d) => voiced(ts + d))) {
          pauseFrames++;
          if (speech[t] >= 0.5) falseAlarm++;
        }
      }
      expect(voicedFrames).toBeGreaterThan(30);
      expect(pauseFrames).toBeGreaterThan(20);
      expect(hit / voicedFrames).toBeGreaterThan(0.9);
      expect(falseAlarm / pauseFrames).toBeLessThan(0.1);
    });
  }
});
