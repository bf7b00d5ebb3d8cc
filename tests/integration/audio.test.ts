import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { extractAudioFeatures, decodeAudio, frameCountFor } from '../../src/engine/audio/index';
import { readNpyFloat32 } from '../../src/engine/io/npy';
import { UserError } from '../../src/engine/util/errors';
import { percentile } from '../../src/engine/common/numeric';
import { sharedData, hasSharedData, skipNoSharedData } from '../helpers/repo';

const OBAMA = path.join(sharedData, 'obama2.wav');
const DS = path.join(sharedData, 'obama2_deepspeech_731x16x29.npy');
const AOC = path.join(sharedData, 'aoc_hdtf_8s.mp4');

if (!hasSharedData) console.log(`audio integration: ${skipNoSharedData}`);

describe.skipIf(!hasSharedData)('audio front end on real speech (obama2.wav)', () => {
  it('decodes 389724 samples (24.36 s) and gives exactly 731 frames at 30 fps and 609 at 25 fps', async () => {
    const { samples, info } = await decodeAudio(OBAMA);
    expect(samples.length).toBe(389724);
    expect(info).toMatchObject({ sampleRate: 16000, channels: 1, codec: 'pcm_s16le' });
    const f30 = await extractAudioFeatures(OBAMA, { fps: 30 });
    expect(f30.frameCount).toBe(731);
    expect(f30.features.length).toBe(731 * 16 * 29);
    const f25 = await extractAudioFeatures(OBAMA, { fps: 25 });
    expect(f25.frameCount).toBe(609);
    expect(frameCountFor(389724, 30)).toBe(731);
  });

  it('features are finite and normalised per band (mean 0, deviation about 1)', async () => {
    const f = await extractAudioFeatures(OBAMA, { fps: 30 });
    let bad = 0;
    for (const v of f.features) if (!Number.isFinite(v)) bad++;
    expect(bad).toBe(0);
    for (let k = 0; k < 29; k++) {
      let m = 0, s = 0;
      for (let t = 0; t < f.frameCount; t++) m += f.features[(t * 16 + 8) * 29 + k];
      m /= f.frameCount;
      for (let t = 0; t < f.frameCount; t++) s += (f.features[(t * 16 + 8) * 29 + k] - m) ** 2;
      expect(Math.abs(m)).toBeLessThan(0.1);
      expect(Math.sqrt(s / f.frameCount)).toBeGreaterThan(0.7);
      expect(Math.sqrt(s / f.frameCount)).toBeLessThan(1.2);
    }
    // windows: row 8 of frame t+1 is row 9 of frame t (stride 1 at 30 fps), zeros before the start
    for (let k = 0; k < 29; k++) expect(f.features[(100 * 16 + 9) * 29 + k]).toBe(f.features[(101 * 16 + 8) * 29 + k]);
    for (let j = 0; j < 8; j++) expect(f.features[j * 29]).toBe(0);
  });

  it('speech activity agrees with where DeepSpeech hears characters; the edited gap is silence', async () => {
    const f = await extractAudioFeatures(OBAMA, { fps: 30 });
    const ds = await readNpyFloat32(DS);
    // DeepSpeech oracle: a frame is speech when a non-blank character wins within +-5 frames.
    const T = 731;
    const nonBlank = new Uint8Array(T);
    for (let t = 0; t < T; t++) {
      const row = ds.data.subarray((t * 16 + 8) * 29, (t * 16 + 9) * 29);
      nonBlank[t] = row.indexOf(Math.max(...row)) !== 28 ? 1 : 0;
    }
    let agree = 0, speechFrames = 0, longBlank = 0, longBlankSpeech = 0;
    for (let t = 0; t < T; t++) {
      let oracle = 0, blankRun = 1;
      for (let j = -5; j <= 5; j++) if (nonBlank[t + j]) oracle = 1;
      for (let j = -10; j <= 10; j++) if (nonBlank[t + j]) blankRun = 0;
      const ours = f.speech[t] >= 0.5 ? 1 : 0;
      if (ours === oracle) agree++;
      speechFrames += ours;
      if (blankRun && t >= 10 && t < T - 10) {
        longBlank++;
        longBlankSpeech += ours;
      }
    }
    expect(agree / T).toBeGreaterThan(0.8);
    expect(speechFrames / T).toBeGreaterThan(0.55);
    expect(speechFrames / T).toBeLessThan(0.95);
    expect(longBlank).toBeGreaterThan(20);
    expect(longBlankSpeech / longBlank).toBeLessThan(0.25);
    // 2.4-2.6 s is digitally silent in the recording
    for (let t = 73; t <= 77; t++) {
      expect(f.speech[t]).toBeLessThan(0.1);
      expect(f.rmsDb[t]).toBe(-120);
    }
    const loud = percentile(f.rmsDb, 0.95);
    expect(loud).toBeGreaterThan(-25);
    expect(loud).toBeLessThan(-5);
  });

  it('imports the reference DeepSpeech features (731 x 16 x 29) at 30 fps', async () => {
    const f = await extractAudioFeatures(OBAMA, { fps: 30, encoder: { kind: 'npy', path: DS } });
    const ds = await readNpyFloat32(DS);
    expect(f.frameCount).toBe(731);
    expect(f.encoder).toBe('npy:obama2_deepspeech_731x16x29.npy');
    expect(f.features).toEqual(ds.data);
    expect(f.warnings).toEqual([]);
  });

  it('at 25 fps the import reports the mismatch and names 30 fps as the fit', async () => {
    const err = await extractAudioFeatures(OBAMA, { fps: 25, encoder: { kind: 'npy', path: DS } }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/731 frames but .*obama2\.wav.* has 609 frames at 25 fps/);
    expect((err as UserError).hint).toMatch(/--fps 30/);
  });

  it('reads the sound of a real video (AAC in MP4, stereo)', async () => {
    const f = await extractAudioFeatures(AOC, { fps: 25 });
    expect(f.source.channels).toBe(2);
    expect(f.source.codec).toBe('aac');
    expect(f.frameCount).toBe(frameCountFor(f.totalSamples, 25));
    expect(Math.abs(f.frameCount - 8.06 * 25)).toBeLessThan(3);
    expect(f.speech.filter((v) => v >= 0.5).length / f.frameCount).toBeGreaterThan(0.4);
  });
});
