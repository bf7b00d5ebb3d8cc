import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ffmpegPath, runProcess } from '../../src/engine/media/ffmpeg';
import { AttributeType, DataType, ONNX_IR_VERSION, encodeModel, type NodeProto, type TensorProto, type ValueInfoProto } from '../../src/engine/nn/onnx-proto';
import { Rng } from '../../src/engine/common/numeric';

/** Test inputs for the audio front end, made with the bundled ffmpeg or in code. */
export function tmpDir(prefix = 'audio-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the bundled ffmpeg; throws with its stderr on failure. */
export async function ffmpeg(args: string[]): Promise<void> {
  const res = await runProcess(ffmpegPath(), ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...args], { timeoutMs: 60_000 });
  if (res.code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${res.stderr}`);
}

/** A mono float32 WAV (format 3) written in code: decodes to exactly these samples at 16 kHz. */
export function writeWavFloat(file: string, samples: Float32Array, sampleRate = 16000): void {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(3, 20); // IEEE float
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(32, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([h, data]));
}

/** A WAV whose format tag no decoder knows (an unsupported codec). */
export function writeWavUnknownCodec(file: string, seconds = 1): void {
  const data = Buffer.alloc(16000 * 2 * seconds, 0x11);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(0x4321, 20); // unregistered format tag
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([h, data]));
}

/** Deterministic pseudo-random numbers in [-1, 1) (tests must be reproducible). */
export function rng(seed = 1): () => number {
  const r = new Rng(seed);
  return () => r.uniform(-1, 1);
}

export function sine(hz: number, seconds: number, amp = 0.5, sr = 16000): Float32Array {
  const n = Math.round(seconds * sr);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * hz * i) / sr);
  return out;
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Speech-like test signal: voiced "syllables" (a 120 Hz glottal-like harmonic series
 * shaped by two formants, 150-300 ms each, amplitude-modulated) separated by pauses,
 * optionally over white noise. Returns the samples and, per 10 ms, whether a syllable sounds.
 */
export function speechLike(seconds: number, opts: { noiseDb?: number; seed?: number; sr?: number } = {}): { samples: Float32Array; voiced: (tS: number) => boolean } {
  const sr = opts.sr ?? 16000;
  const n = Math.round(seconds * sr);
  const out = new Float32Array(n);
  const r = rng(opts.seed ?? 7);
  const segs: Array<[number, number]> = [];
  let t = 0.4;
  while (t < seconds - 0.5) {
    const len = 0.15 + 0.15 * Math.abs(r());
    segs.push([t, t + len]);
    t += len + (Math.abs(r()) < 0.3 ? 0.6 + 0.4 * Math.abs(r()) : 0.05 + 0.05 * Math.abs(r()));
  }
  const f0 = 120;
  for (const [a, b] of segs) {
    const f1 = 500 + 300 * Math.abs(r());
    const f2 = 1200 + 900 * Math.abs(r());
    for (let i = Math.floor(a * sr); i < Math.min(n, Math.floor(b * sr)); i++) {
      const tt = i / sr;
      const env = Math.sin((Math.PI * (tt - a)) / (b - a));
      let v = 0;
      for (let h = 1; h * f0 < 4000; h++) {
        const f = h * f0;
        const g = 1 / (1 + ((f - f1) / 150) ** 2) + 0.5 / (1 + ((f - f2) / 200) ** 2);
        v += g * Math.sin(2 * Math.PI * f * tt);
      }
      out[i] = 0.15 * env * v;
    }
  }
  if (opts.noiseDb !== undefined) {
    const amp = 10 ** (opts.noiseDb / 20) * Math.sqrt(3); // uniform noise with this RMS
    for (let i = 0; i < n; i++) out[i] += amp * r();
  }
  return { samples: out, voiced: (tS) => segs.some(([a, b]) => tS >= a && tS < b) };
}

function f32Tensor(name: string, dims: number[], values: Float32Array): TensorProto {
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function model(nodes: NodeProto[], inits: TensorProto[], inputs: ValueInfoProto[], outputs: ValueInfoProto[]): Uint8Array {
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImports: [{ domain: '', version: 13 }],
    producerName: 'facial-studio-audio-tests',
    producerVersion: '1',
    graph: { name: 'audio-encoder', nodes, initializers: inits, inputs, outputs },
    metadata: {},
  });
}

/** Weights W[n, k] = (k + 1) / frame: output k of a frame is (k + 1) times the frame's mean. */
export function meanWeights(frame: number, dim: number): Float32Array {
  const w = new Float32Array(frame * dim);
  for (let n = 0; n < frame; n++) for (let k = 0; k < dim; k++) w[n * dim + k] = (k + 1) / frame;
  return w;
}

/** frames [1, S, frame] -> MatMul W[frame, dim] -> features [1, S, dim]. */
export function framesMatMulModel(frame: number, dim: number): Uint8Array {
  return model(
    [{ name: 'mm', opType: 'MatMul', inputs: ['frames', 'W'], outputs: ['features'], attributes: [] }],
    [f32Tensor('W', [frame, dim], meanWeights(frame, dim))],
    [{ name: 'frames', elemType: DataType.FLOAT, shape: [1, 'steps', frame] }],
    [{ name: 'features', elemType: DataType.FLOAT, shape: [1, 'steps', dim] }],
  );
}

/** audio [1, 1, N] -> Conv(kernel = stride = hop, dim filters) -> features [1, dim, S]. */
export function waveformConvModel(hop: number, dim: number): Uint8Array {
  const w = new Float32Array(dim * hop);
  for (let k = 0; k < dim; k++) for (let n = 0; n < hop; n++) w[k * hop + n] = (k + 1) / hop;
  return model(
    [{
      name: 'conv',
      opType: 'Conv',
      inputs: ['audio', 'W'],
      outputs: ['features'],
      attributes: [
        { name: 'kernel_shape', type: AttributeType.INTS, ints: [hop] },
        { name: 'strides', type: AttributeType.INTS, ints: [hop] },
      ],
    }],
    [f32Tensor('W', [dim, 1, hop], w)],
    [{ name: 'audio', elemType: DataType.FLOAT, shape: [1, 1, 'samples'] }],
    [{ name: 'features', elemType: DataType.FLOAT, shape: [1, dim, 'steps'] }],
  );
}

/** Writes `model.onnx` and its contract `model.json` into dir; returns the model path. */
export function writeOnnxEncoder(dir: string, name: string, bytes: Uint8Array, contract: unknown): string {
  const p = path.join(dir, `${name}.onnx`);
  writeFileSync(p, bytes);
  if (contract !== undefined) writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(contract, null, 2));
  return p;
}
