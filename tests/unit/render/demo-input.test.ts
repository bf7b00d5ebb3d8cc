import { describe, it, expect } from 'vitest';
import { synthesizeSpeech, encodeWav } from '../../../src/engine/demo/speech';
import { SyntheticFrameRenderer, REST_POSE, SYNTH_CAMERA } from '../../../src/engine/demo/synthetic-frame';
import { FaceTracker } from '../../../src/engine/tracking/face-tracker';
import { mean, median } from '../../../src/engine/common/numeric';

describe('demo input: speech-like signal', () => {
  it('has syllable rhythm, pauses and a mouth track, and encodes as 16-bit WAV', () => {
    const s = synthesizeSpeech(8, { seed: 5 });
    expect(s.samples.length).toBe(8 * 16000);
    expect(s.mouth.length).toBe(200);
    expect(s.phrases.length).toBeGreaterThanOrEqual(2);
    // Loudness in 40 ms frames: loud while speaking, near silent in pauses.
    const rms = Array.from({ length: 200 }, (_, k) => {
      let e = 0;
      for (let i = k * 640; i < (k + 1) * 640; i++) e += s.samples[i] ** 2;
      return Math.sqrt(e / 640);
    });
    const inPhrase = (k: number) => s.phrases.some(([a, b]) => k / 25 >= a && k / 25 < b);
    const speak = rms.filter((_, k) => inPhrase(k));
    const pause = rms.filter((_, k) => !inPhrase(k));
    expect(mean(speak)).toBeGreaterThan(10 * median(pause));
    // Syllable-rate modulation of the mouth: 2 to 6 openings per second of speech (merged syllables count once).
    let peaks = 0;
    for (let k = 1; k < 199; k++) if (s.mouth[k] > 0.25 && s.mouth[k] >= s.mouth[k - 1] && s.mouth[k] > s.mouth[k + 1]) peaks++;
    const speechSeconds = s.phrases.reduce((a, [x, y]) => a + (y - x), 0);
    expect(peaks / speechSeconds).toBeGreaterThan(2);
    expect(peaks / speechSeconds).toBeLessThan(6);
    const wav = encodeWav(s.samples, 16000);
    expect(String.fromCharCode(...wav.subarray(0, 4))).toBe('RIFF');
    expect(new DataView(wav.buffer).getUint32(40, true)).toBe(s.samples.length * 2);
  });
});

describe('demo input: the generic head', () => {
  it('is found by the face tracker, eyes where the geometry puts them', async () => {
    const r = new SyntheticFrameRenderer();
    const img = r.render(REST_POSE, { blink: 0, mouthOpen: 0.3 });
    const tracker = await FaceTracker.create({ maxFaces: 2 });
    const faces = await tracker.track(img, 512, 512);
    expect(faces.length).toBe(1);
    const L = faces[0].landmarks;
    const irisA = [L[468 * 3], L[468 * 3 + 1]], irisB = [L[473 * 3], L[473 * 3 + 1]];
    // Eyes 62 mm apart at 820 mm with f = 1000 px: about 76 px; level; either side of the centre.
    const expected = (62 * SYNTH_CAMERA.fx) / REST_POSE.z;
    expect(Math.abs(Math.abs(irisA[0] - irisB[0]) - expected)).toBeLessThan(0.15 * expected);
    expect(Math.abs(irisA[1] - irisB[1])).toBeLessThan(4);
    expect(Math.abs((irisA[0] + irisB[0]) / 2 - 256)).toBeLessThan(8);
  });
});
