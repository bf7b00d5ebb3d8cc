import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { extractAudioFeatures, parseEncoderSpec, frameCountFor, builtinFilterbank } from '../../../src/engine/audio/index';
import { nearestMelBand } from '../../../src/engine/audio/mel';
import { encodeNpy } from '../../../src/engine/io/npy';
import { UserError } from '../../../src/engine/util/errors';
import { concat, framesMatMulModel, sine, tmpDir, waveformConvModel, writeOnnxEncoder, writeWavFloat } from '../../helpers/audio-fixtures';

let dir: string;
let cleanup: () => void;
let toneWav: string; // 1 s 1000 Hz, 1 s silence, 1 s 3000 Hz
let rampWav: string; // piecewise-constant per 320-sample step: value 0.001 * step
const RAMP_STEPS = 160; // 3.2 s

beforeAll(() => {
  ({ dir, cleanup } = tmpDir('audio-features-'));
  toneWav = path.join(dir, 'tones.wav');
  writeWavFloat(toneWav, concat(sine(1000, 1, 0.5), new Float32Array(16000), sine(3000, 1, 0.5)));
  const ramp = new Float32Array(RAMP_STEPS * 320);
  for (let i = 0; i < ramp.length; i++) ramp[i] = 0.001 * Math.floor(i / 320);
  rampWav = path.join(dir, 'ramp.wav');
  writeWavFloat(rampWav, ramp);
});
afterAll(() => cleanup?.());

async function userError(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('extractAudioFeatures with the built-in front end', () => {
  it('gives [T,16,29] with T from the frame-count rule at 25, 29.97, 30 and 60 fps', async () => {
    for (const fps of [25, 29.97, 30, 60]) {
      const f = await extractAudioFeatures(toneWav, { fps });
      expect(f.totalSamples).toBe(48000);
      expect(f.frameCount).toBe(frameCountFor(48000, fps));
      expect(f.features.length).toBe(f.frameCount * 16 * 29);
      expect(f.speech.length).toBe(f.frameCount);
      expect(f.rmsDb.length).toBe(f.frameCount);
      expect(f.encoder).toBe('builtin-logmel29');
      expect(f.source).toMatchObject({ sampleRate: 16000, channels: 1, codec: 'pcm_f32le' });
    }
    expect(frameCountFor(48000, 30)).toBe(90);
    expect(frameCountFor(48000, 25)).toBe(75);
  });

  it('normalises per track and puts each tone in its mel band, silence below every band mean', async () => {
    const f = await extractAudioFeatures(toneWav, { fps: 30 });
    const fb = builtinFilterbank();
    const centre = (t: number) => f.features.subarray((t * 16 + 8) * 29, (t * 16 + 9) * 29);
    const b1k = nearestMelBand(fb, 1000);
    const b3k = nearestMelBand(fb, 3000);
    const a = centre(15); // 0.5 s: 1000 Hz
    const s = centre(45); // 1.5 s: silence
    const c = centre(75); // 2.5 s: 3000 Hz
    expect(a[b1k]).toBeGreaterThan(0.5);
    expect(a[b1k]).toBeGreaterThan(a[b3k]);
    expect(c[b3k]).toBeGreaterThan(0.5);
    expect(c[b3k]).toBeGreaterThan(c[b1k]);
    for (let k = 0; k < 29; k++) expect(s[k]).toBeLessThanOrEqual(0.01);
    // zero mean per band over the frames
    for (const k of [b1k, b3k, 0, 28]) {
      let m = 0;
      for (let t = 0; t < f.frameCount; t++) m += centre(t)[k];
      expect(Math.abs(m / f.frameCount)).toBeLessThan(0.1);
    }
    for (const v of f.features) expect(Number.isFinite(v)).toBe(true);
    // loudness: the tones at 0.5 amplitude are -9 dB, the silence is the floor
    expect(f.rmsDb[15]).toBeCloseTo(-9.03, 0);
    expect(f.rmsDb[45]).toBe(-120);
  });

  it('rejects a bad frame rate', async () => {
    const e = await userError(extractAudioFeatures(toneWav, { fps: 0 }));
    expect(e.code).toBe('bad-fps');
  });
});

describe('parseEncoderSpec', () => {
  it('parses builtin, onnx:PATH, npy:PATH and bare paths', () => {
    expect(parseEncoderSpec('builtin')).toBe('builtin');
    expect(parseEncoderSpec('onnx:/m/enc.onnx')).toEqual({ kind: 'onnx', path: '/m/enc.onnx' });
    expect(parseEncoderSpec('npy:C:/x/f.npy')).toEqual({ kind: 'npy', path: 'C:/x/f.npy' });
    expect(parseEncoderSpec('feat.npy')).toEqual({ kind: 'npy', path: 'feat.npy' });
    expect(() => parseEncoderSpec('wav2vec')).toThrow(/builtin, onnx:PATH/);
  });
});

describe('npy importer', () => {
  const write = (name: string, data: Float32Array, shape: number[]) => {
    const p = path.join(dir, name);
    writeFileSync(p, encodeNpy(data, shape));
    return p;
  };

  it('imports [T,16,29] features whose frame count matches the audio', async () => {
    const T = frameCountFor(48000, 30);
    const data = new Float32Array(T * 16 * 29).map((_, i) => i % 7);
    const p = write('ok.npy', data, [T, 16, 29]);
    const f = await extractAudioFeatures(toneWav, { fps: 30, encoder: { kind: 'npy', path: p } });
    expect(f.frameCount).toBe(T);
    expect(Array.from(f.features.subarray(0, 20))).toEqual(Array.from(data.subarray(0, 20)));
    expect(f.encoder).toBe('npy:ok.npy');
    expect(f.speech.length).toBe(T);
    expect(f.warnings).toEqual([]);
  });

  it('validates the shape, naming the file and the expected shape', async () => {
    const p = write('bad-shape.npy', new Float32Array(90 * 29), [90, 29]);
    const e = await userError(extractAudioFeatures(toneWav, { fps: 30, encoder: { kind: 'npy', path: p } }));
    expect(e.code).toBe('features-shape');
    expect(e.message).toContain('bad-shape.npy');
    expect(e.message).toContain('[90, 29]');
    expect(e.message).toContain('[T, 16, 29]');
  });

  it('rejects NaN values', async () => {
    const d = new Float32Array(90 * 16 * 29);
    d[100] = NaN;
    const e = await userError(extractAudioFeatures(toneWav, { fps: 30, encoder: { kind: 'npy', path: write('nan.npy', d, [90, 16, 29]) } }));
    expect(e.code).toBe('features-not-finite');
  });

  it('reports a frame-count mismatch clearly and suggests the frame rate that fits', async () => {
    const p = write('at25.npy', new Float32Array(75 * 16 * 29), [75, 16, 29]);
    const e = await userError(extractAudioFeatures(toneWav, { fps: 30, encoder: { kind: 'npy', path: p } }));
    expect(e.code).toBe('features-frame-mismatch');
    expect(e.message).toMatch(/has 75 frames but .*tones\.wav.* has 90 frames at 30 fps/);
    expect(e.hint).toMatch(/--fps 25/);
    const q = write('other.npy', new Float32Array(40 * 16 * 29), [40, 16, 29]);
    const e2 = await userError(extractAudioFeatures(toneWav, { fps: 30, encoder: { kind: 'npy', path: q } }));
    expect(e2.hint).toMatch(/another audio file/);
  });

  it('pads or trims a one-frame difference with a warning', async () => {
    const p = write('short.npy', new Float32Array(89 * 16 * 29).fill(2), [89, 16, 29]);
    const f = await extractAudioFeatures(toneWav, { fps: 30, encoder: { kind: 'npy', path: p } });
    expect(f.frameCount).toBe(90);
    expect(f.features[89 * 16 * 29]).toBe(2);
    expect(f.warnings[0]).toMatch(/89 frames.*90.*repeated/);
  });

  it('a missing file is a UserError', async () => {
    const e = await userError(extractAudioFeatures(toneWav, { fps: 30, encoder: { kind: 'npy', path: path.join(dir, 'none.npy') } }));
    expect(e.message).toContain('none.npy');
  });
});

describe('ONNX speech-encoder plug-in (models built by the test)', () => {
  /** What the test models compute for step s, feature k: (k + 1) * mean of frame s = (k + 1) * 0.001 * s. */
  const expected = (s: number, k: number) => (s >= 0 && s < RAMP_STEPS ? (k + 1) * 0.001 * s : 0);

  it('runs a frame-input MatMul model and aligns its 50 steps/s to 25 fps windows (stride 2, centred)', async () => {
    const m = writeOnnxEncoder(dir, 'frames29', framesMatMulModel(320, 29), {
      sampleRate: 16000,
      input: { name: 'frames', layout: 'batch,steps,frame', frameLength: 320 },
      output: { name: 'features', layout: 'batch,steps,features', stepsPerSecond: 50, featureDim: 29, offsetSeconds: 0 },
      chunkSeconds: 0,
    });
    const f = await extractAudioFeatures(rampWav, { fps: 25, encoder: { kind: 'onnx', path: m } });
    expect(f.encoder).toBe('onnx:frames29.onnx');
    expect(f.frameCount).toBe(frameCountFor(RAMP_STEPS * 320, 25));
    for (const t of [0, 3, 20, f.frameCount - 1]) {
      for (const j of [0, 7, 8, 9, 15]) {
        for (const k of [0, 5, 28]) expect(f.features[(t * 16 + j) * 29 + k]).toBeCloseTo(expected(2 * t + j - 8, k), 4);
      }
    }
  });

  it('gives the same features when the audio is streamed through in chunks with context', async () => {
    const contract = (chunkSeconds: number) => ({
      sampleRate: 16000,
      input: { name: 'frames', layout: 'batch,steps,frame', frameLength: 320 },
      output: { name: 'features', layout: 'batch,steps,features', stepsPerSecond: 50, featureDim: 29, offsetSeconds: 0 },
      chunkSeconds,
      contextSeconds: chunkSeconds ? 0.1 : 0,
    });
    const whole = writeOnnxEncoder(dir, 'whole', framesMatMulModel(320, 29), contract(0));
    const chunked = writeOnnxEncoder(dir, 'chunked', framesMatMulModel(320, 29), contract(0.7));
    const a = await extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: whole } });
    const b = await extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: chunked } });
    expect(b.frameCount).toBe(a.frameCount);
    let maxDiff = 0;
    for (let i = 0; i < a.features.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.features[i] - b.features[i]));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('runs a waveform Conv model with [batch, features, steps] output, and maps 58 values to 29 by pooling', async () => {
    const m = writeOnnxEncoder(dir, 'conv58', waveformConvModel(320, 58), {
      sampleRate: 16000,
      input: { name: 'audio', layout: 'batch,channels,samples' },
      output: { name: 'features', layout: 'batch,features,steps', stepsPerSecond: 50, featureDim: 58 },
      mapTo29: 'pool',
    });
    const f = await extractAudioFeatures(rampWav, { fps: 25, encoder: { kind: 'onnx', path: m } });
    // pooled feature k = mean of outputs 2k and 2k+1 = (2k + 1.5) * frame mean
    for (const t of [5, 30]) for (const k of [0, 10, 28]) expect(f.features[(t * 16 + 8) * 29 + k]).toBeCloseTo((2 * k + 1.5) * 0.001 * (2 * t), 4);
  });

  it('refuses a model without its contract JSON, saying what to write', async () => {
    const m = writeOnnxEncoder(dir, 'nocontract', framesMatMulModel(320, 29), undefined);
    const e = await userError(extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: m } }));
    expect(e.code).toBe('encoder-contract-missing');
    expect(e.hint).toMatch(/nocontract\.json/);
  });

  it('asks for a mapping when the feature dimension is not 29', async () => {
    const m = writeOnnxEncoder(dir, 'dim58', waveformConvModel(320, 58), {
      sampleRate: 16000,
      input: { name: 'audio', layout: 'batch,channels,samples' },
      output: { name: 'features', layout: 'batch,features,steps', stepsPerSecond: 50, featureDim: 58 },
    });
    const e = await userError(extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: m } }));
    expect(e.code).toBe('encoder-contract-invalid');
    expect(e.message).toMatch(/58 values per step.*mapTo29/);
  });

  it('names the model\'s real inputs when the contract declares another', async () => {
    const m = writeOnnxEncoder(dir, 'wrongname', framesMatMulModel(320, 29), {
      sampleRate: 16000,
      input: { name: 'speech', layout: 'batch,steps,frame', frameLength: 320 },
      output: { name: 'features', stepsPerSecond: 50, featureDim: 29 },
    });
    const e = await userError(extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: m } }));
    expect(e.code).toBe('encoder-contract-mismatch');
    expect(e.message).toMatch(/inputs \[frames\].*"speech"/);
  });

  it('reports a declared feature dimension that the model does not produce', async () => {
    const m = writeOnnxEncoder(dir, 'lies', waveformConvModel(320, 29), {
      sampleRate: 16000,
      input: { name: 'audio', layout: 'batch,channels,samples' },
      output: { name: 'features', layout: 'batch,steps,features', stepsPerSecond: 50, featureDim: 29 },
    });
    const e = await userError(extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: m } }));
    expect(e.code).toBe('encoder-contract-mismatch');
    expect(e.message).toMatch(/shape \[1, 29, 160\]/);
  });

  it('refuses a model declared for another sample rate, and a file that is not a model', async () => {
    const m = writeOnnxEncoder(dir, 'sr8k', framesMatMulModel(320, 29), {
      sampleRate: 8000,
      input: { name: 'frames', layout: 'batch,steps,frame', frameLength: 320 },
      output: { name: 'features', stepsPerSecond: 50, featureDim: 29 },
    });
    expect((await userError(extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: m } }))).message).toMatch(/16000/);
    const junk = writeOnnxEncoder(dir, 'junk', new TextEncoder().encode('not a model at all'), {
      sampleRate: 16000,
      input: { name: 'frames', layout: 'batch,steps,frame', frameLength: 320 },
      output: { name: 'features', stepsPerSecond: 50, featureDim: 29 },
    });
    expect((await userError(extractAudioFeatures(rampWav, { fps: 30, encoder: { kind: 'onnx', path: junk } }))).code).toBe('encoder-model-invalid');
  });
});
