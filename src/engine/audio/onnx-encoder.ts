import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createSession, type ProviderChoice } from '../nn/providers';
import { UserError } from '../util/errors';
import type { AudioEncoder, EncoderContext } from './encoder';
import { normalizeColumns, windowsFromSteps } from './framing';
import { FEATURE_DIM } from './spectral';
import { GrowableF32 } from './spectral';

/**
 * ONNX speech-encoder plug-in. The user supplies `model.onnx` and, beside it,
 * `model.json` (or `model.onnx.json`) declaring its contract:
 *
 * {
 *   "name": "my-encoder",                 // optional, for messages
 *   "sampleRate": 16000,                  // must be 16000 (the decoder's rate)
 *   "input":  { "name": "audio",
 *               "layout": "samples" | "batch,samples" | "batch,channels,samples" | "batch,steps,frame",
 *               "frameLength": 400,       // "batch,steps,frame" only: samples per frame, frame i starts at i*hop
 *               "scale": 1 },             // multiplier on the [-1, 1] samples (32768 for int16-range models)
 *   "output": { "name": "features",
 *               "layout": "steps,features" | "batch,steps,features" | "batch,features,steps",
 *               "stepsPerSecond": 50, "featureDim": 29,
 *               "offsetSeconds": 0 },     // time of step 0 (default 0; frame layout: the first frame's centre)
 *   "mapTo29": "pool" | { "select": [29 indices] },   // required when featureDim != 29
 *   "normalize": "none" | "per-track",    // default "none" (use the model's values as they are)
 *   "chunkSeconds": 30,                   // audio per run (0: the whole track at once)
 *   "contextSeconds": 0                   // extra audio fed on each side of a chunk and dropped from its output
 * }
 *
 * The audio streams through in chunks (so an hour-long file never sits in memory),
 * outputs are mapped to 29 values per step at once, then aligned to video frames
 * like the built-in features (framing.ts).
 */
export interface OnnxEncoderContract {
  name: string;
  sampleRate: number;
  input: { name: string; layout: InputLayout; frameLength?: number; scale: number };
  output: { name: string; layout: OutputLayout; stepsPerSecond: number; featureDim: number; offsetSeconds: number };
  mapTo29: 'identity' | 'pool' | { select: number[] };
  normalize: 'none' | 'per-track';
  chunkSeconds: number;
  contextSeconds: number;
}

type InputLayout = 'samples' | 'batch,samples' | 'batch,channels,samples' | 'batch,steps,frame';
type OutputLayout = 'steps,features' | 'batch,steps,features' | 'batch,features,steps';
const INPUT_LAYOUTS: InputLayout[] = ['samples', 'batch,samples', 'batch,channels,samples', 'batch,steps,frame'];
const OUTPUT_LAYOUTS: OutputLayout[] = ['steps,features', 'batch,steps,features', 'batch,features,steps'];

/** Where the contract of `modelPath` lives: model.json, else model.onnx.json. */
export function contractPathFor(modelPath: string): string {
  const a = modelPath.replace(/\.onnx$/i, '') + '.json';
  const b = modelPath + '.json';
  return existsSync(a) || !existsSync(b) ? a : b;
}

export function parseContract(raw: unknown, file: string): OnnxEncoderContract {
  const bad = (what: string) =>
    new UserError('encoder-contract-invalid', `${file}: ${what}.`, {
      file,
      hint: 'The JSON beside the .onnx model declares its input and output; see the fields in src/engine/audio/onnx-encoder.ts (sampleRate, input.name/layout, output.name/layout/stepsPerSecond/featureDim, mapTo29).',
    });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('expected a JSON object');
  const o = raw as Record<string, unknown>;
  const obj = (v: unknown, name: string) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`"${name}" must be an object`);
    return v as Record<string, unknown>;
  };
  const str = (v: unknown, name: string) => {
    if (typeof v !== 'string' || v === '') throw bad(`"${name}" must be a non-empty string`);
    return v;
  };
  const num = (v: unknown, name: string, dflt?: number, min = -Infinity) => {
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw bad(`"${name}" must be a number${min > -Infinity ? ` >= ${min}` : ''}`);
    return v;
  };
  const sampleRate = num(o.sampleRate, 'sampleRate', undefined, 1);
  if (sampleRate !== 16000) throw bad(`"sampleRate" is ${sampleRate}; the studio feeds 16000 Hz mono audio, so the model must take 16 kHz input`);
  const i = obj(o.input, 'input');
  const inLayout = (i.layout ?? 'batch,samples') as InputLayout;
  if (!INPUT_LAYOUTS.includes(inLayout)) throw bad(`"input.layout" must be one of ${INPUT_LAYOUTS.join(' | ')}`);
  const out = obj(o.output, 'output');
  const outLayout = (out.layout ?? 'batch,steps,features') as OutputLayout;
  if (!OUTPUT_LAYOUTS.includes(outLayout)) throw bad(`"output.layout" must be one of ${OUTPUT_LAYOUTS.join(' | ')}`);
  const stepsPerSecond = num(out.stepsPerSecond, 'output.stepsPerSecond', undefined, 1e-6);
  const featureDim = num(out.featureDim, 'output.featureDim', undefined, 1);
  if (!Number.isInteger(featureDim)) throw bad('"output.featureDim" must be a whole number');
  let frameLength: number | undefined;
  if (inLayout === 'batch,steps,frame') {
    frameLength = num(i.frameLength, 'input.frameLength', undefined, 1);
    if (!Number.isInteger(frameLength)) throw bad('"input.frameLength" must be a whole number of samples');
  }
  const hop = sampleRate / stepsPerSecond;
  let mapTo29: OnnxEncoderContract['mapTo29'];
  if (o.mapTo29 === undefined) {
    if (featureDim !== FEATURE_DIM) throw bad(`the model gives ${featureDim} values per step and FACIAL needs 29: add "mapTo29": "pool" (average neighbouring values down or up to 29) or "mapTo29": {"select": [29 indices]}`);
    mapTo29 = 'identity';
  } else if (o.mapTo29 === 'pool') mapTo29 = 'pool';
  else if (o.mapTo29 === 'identity') {
    if (featureDim !== FEATURE_DIM) throw bad(`"mapTo29": "identity" needs featureDim 29, got ${featureDim}`);
    mapTo29 = 'identity';
  } else if (typeof o.mapTo29 === 'object' && o.mapTo29 !== null && Array.isArray((o.mapTo29 as { select?: unknown }).select)) {
    const sel = (o.mapTo29 as { select: unknown[] }).select;
    if (sel.length !== FEATURE_DIM || !sel.every((v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < featureDim)) {
      throw bad(`"mapTo29.select" must list exactly 29 whole-number indices in 0..${featureDim - 1}`);
    }
    mapTo29 = { select: sel as number[] };
  } else throw bad('"mapTo29" must be "pool", "identity" or {"select": [...]}');
  const normalize = o.normalize ?? 'none';
  if (normalize !== 'none' && normalize !== 'per-track') throw bad('"normalize" must be "none" or "per-track"');
  const chunkSeconds = num(o.chunkSeconds, 'chunkSeconds', 30, 0);
  const contextSeconds = num(o.contextSeconds, 'contextSeconds', 0, 0);
  if (chunkSeconds > 0 || inLayout === 'batch,steps,frame') {
    if (Math.abs(hop - Math.round(hop)) > 1e-9) throw bad(`16000 / stepsPerSecond (${hop}) must be a whole number of samples to process the audio in chunks or frames; set "chunkSeconds": 0 to feed whole tracks`);
  }
  return {
    name: typeof o.name === 'string' && o.name ? o.name : path.basename(file, '.json'),
    sampleRate,
    input: { name: str(i.name, 'input.name'), layout: inLayout, frameLength, scale: num(i.scale, 'input.scale', 1) },
    output: {
      name: str(out.name, 'output.name'),
      layout: outLayout,
      stepsPerSecond,
      featureDim,
      offsetSeconds: num(out.offsetSeconds, 'output.offsetSeconds', inLayout === 'batch,steps,frame' ? (frameLength! / 2) / sampleRate : 0),
    },
    mapTo29,
    normalize,
    chunkSeconds,
    contextSeconds,
  };
}

/** Maps one step of `d` values to 29 (adaptive average pooling or index selection). */
function mapper(c: OnnxEncoderContract): (src: Float32Array, srcOff: number, stride: number, dst: Float32Array, dstOff: number) => void {
  const D = c.output.featureDim;
  if (c.mapTo29 === 'identity') return (s, o, st, d, od) => { for (let k = 0; k < FEATURE_DIM; k++) d[od + k] = s[o + k * st]; };
  if (c.mapTo29 === 'pool') {
    const lo: number[] = [];
    const hi: number[] = [];
    for (let k = 0; k < FEATURE_DIM; k++) {
      lo.push(Math.floor((k * D) / FEATURE_DIM));
      hi.push(Math.max(Math.floor((k * D) / FEATURE_DIM) + 1, Math.ceil(((k + 1) * D) / FEATURE_DIM)));
    }
    return (s, o, st, d, od) => {
      for (let k = 0; k < FEATURE_DIM; k++) {
        let acc = 0;
        for (let j = lo[k]; j < hi[k]; j++) acc += s[o + j * st];
        d[od + k] = acc / (hi[k] - lo[k]);
      }
    };
  }
  const sel = c.mapTo29.select;
  return (s, o, st, d, od) => { for (let k = 0; k < FEATURE_DIM; k++) d[od + k] = s[o + sel[k] * st]; };
}

export async function createOnnxEncoder(modelPath: string, opts: { provider?: ProviderChoice } = {}): Promise<AudioEncoder> {
  if (!existsSync(modelPath)) {
    throw new UserError('encoder-not-found', `The ONNX speech encoder ${modelPath} does not exist.`, { file: modelPath, hint: 'Check the path given after onnx:.' });
  }
  const contractFile = contractPathFor(modelPath);
  let rawText: string;
  try {
    rawText = await fs.readFile(contractFile, 'utf8');
  } catch {
    throw new UserError('encoder-contract-missing', `The ONNX speech encoder ${modelPath} has no contract file ${contractFile}.`, {
      file: modelPath,
      hint: `Write ${path.basename(contractFile)} beside the model, declaring sampleRate, input {name, layout}, output {name, layout, stepsPerSecond, featureDim} (see src/engine/audio/onnx-encoder.ts).`,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(rawText);
  } catch (err) {
    throw new UserError('encoder-contract-invalid', `${contractFile} is not valid JSON: ${(err as Error).message}.`, { file: contractFile, hint: 'Fix the JSON syntax.' });
  }
  const c = parseContract(raw, contractFile);
  let session: ort.InferenceSession;
  try {
    session = (await createSession(modelPath, { provider: opts.provider ?? 'cpu' })).session;
  } catch (err) {
    throw new UserError('encoder-model-invalid', `${modelPath} could not be loaded by ONNX Runtime: ${(err as Error).message.split('\n')[0]}`, {
      file: modelPath,
      hint: 'Check that the file is a complete ONNX model (opset 7 or newer) exported for float32 input.',
      cause: err,
    });
  }
  const inputs = session.inputNames;
  const outputs = session.outputNames;
  if (!inputs.includes(c.input.name) || inputs.length !== 1) {
    await session.release();
    throw new UserError('encoder-contract-mismatch', `${modelPath} has inputs [${inputs.join(', ')}], the contract ${path.basename(contractFile)} declares "${c.input.name}"${inputs.length > 1 ? ' (only models with a single audio input are supported)' : ''}.`, {
      file: contractFile,
      hint: 'Set input.name to the model\'s audio input.',
    });
  }
  if (!outputs.includes(c.output.name)) {
    await session.release();
    throw new UserError('encoder-contract-mismatch', `${modelPath} has outputs [${outputs.join(', ')}], the contract ${path.basename(contractFile)} declares "${c.output.name}".`, {
      file: contractFile,
      hint: 'Set output.name to the output that holds the per-step features.',
    });
  }
  return new OnnxEncoder(modelPath, c, session);
}

class OnnxEncoder implements AudioEncoder {
  readonly name: string;
  private readonly hop: number;
  private readonly chunk: number; // core samples per run (0: whole track)
  private readonly ctxSamples: number;
  private readonly map: ReturnType<typeof mapper>;
  // buffered samples: buf holds absolute samples [bufStart, bufStart + buf.length)
  private buf = new GrowableF32(16000 * 4);
  private bufStart = 0;
  private received = 0;
  private nextCore = 0; // absolute start of the next chunk's core
  private readonly steps = new GrowableF32(FEATURE_DIM * 1024);
  private stepCount = 0;
  private released = false;

  constructor(private readonly modelPath: string, private readonly c: OnnxEncoderContract, private readonly session: ort.InferenceSession) {
    this.name = `onnx:${path.basename(modelPath)}`;
    const hop = c.sampleRate / c.output.stepsPerSecond;
    this.hop = hop;
    this.chunk = c.chunkSeconds > 0 ? Math.max(1, Math.round((c.chunkSeconds * c.sampleRate) / hop)) * hop : 0;
    this.ctxSamples = c.chunkSeconds > 0 ? Math.round((c.contextSeconds * c.sampleRate) / hop) * hop : 0;
    this.map = mapper(c);
  }

  push(samples: Float32Array): void | Promise<void> {
    this.buf.pushAll(samples);
    this.received += samples.length;
    if (this.chunk > 0 && this.received >= this.nextCore + this.chunk + this.ctxSamples) return this.runReady(false);
  }

  private async runReady(final: boolean): Promise<void> {
    while (this.chunk > 0 ? this.received >= this.nextCore + this.chunk + this.ctxSamples || (final && this.nextCore < this.received) : final && this.nextCore < this.received) {
      const core0 = this.nextCore;
      const isLast = this.chunk === 0 || this.received <= core0 + this.chunk;
      const core1 = isLast ? this.received : core0 + this.chunk;
      const from = Math.max(0, core0 - this.ctxSamples);
      const to = isLast ? this.received : Math.min(this.received, core1 + this.ctxSamples);
      const span = this.buf.view().subarray(from - this.bufStart, to - this.bufStart);
      const leftSteps = Math.round((core0 - from) / this.hop);
      const keepSteps = isLast ? Infinity : Math.round((core1 - core0) / this.hop);
      await this.runSpan(span, leftSteps, keepSteps);
      this.nextCore = core1;
      this.trim();
      if (isLast) break;
    }
  }

  /** Drops buffered samples no later chunk needs. */
  private trim(): void {
    const keepFrom = Math.max(0, this.nextCore - this.ctxSamples);
    const drop = keepFrom - this.bufStart;
    if (drop <= 0) return;
    const rest = this.buf.view().slice(drop);
    this.buf = new GrowableF32(Math.max(rest.length, 16000 * 4));
    this.buf.pushAll(rest);
    this.bufStart = keepFrom;
  }

  private async runSpan(span: Float32Array, dropSteps: number, keepSteps: number): Promise<void> {
    const c = this.c;
    const scale = c.input.scale;
    let data: Float32Array;
    let dims: number[];
    if (c.input.layout === 'batch,steps,frame') {
      const L = c.input.frameLength!;
      const S = Math.max(1, Math.ceil(span.length / this.hop));
      data = new Float32Array(S * L);
      for (let s = 0; s < S; s++) {
        const a = s * this.hop;
        const n = Math.min(L, span.length - a);
        for (let k = 0; k < n; k++) data[s * L + k] = span[a + k] * scale;
      }
      dims = [1, S, L];
    } else {
      data = new Float32Array(span.length);
      for (let k = 0; k < span.length; k++) data[k] = span[k] * scale;
      dims = c.input.layout === 'samples' ? [span.length] : c.input.layout === 'batch,samples' ? [1, span.length] : [1, 1, span.length];
    }
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await this.session.run({ [c.input.name]: new ort.Tensor('float32', data, dims) });
    } catch (err) {
      throw new UserError('encoder-run-failed', `${this.modelPath} failed on an input of shape [${dims.join(', ')}]: ${(err as Error).message.split('\n')[0]}`, {
        file: this.modelPath,
        hint: 'Check input.layout in the contract (and frameLength for frame inputs), and that the model accepts inputs of variable length.',
        cause: err,
      });
    }
    const out = result[c.output.name] as ort.Tensor;
    const odims = out.dims.map(Number);
    const shape = `[${odims.join(', ')}]`;
    const wantRank = c.output.layout === 'steps,features' ? 2 : 3;
    const mismatch = (why: string) =>
      new UserError('encoder-contract-mismatch', `${this.modelPath} returned ${c.output.name} of shape ${shape}, which does not match the contract (${c.output.layout}, featureDim ${c.output.featureDim}): ${why}.`, {
        file: this.modelPath,
        hint: 'Fix output.layout / output.featureDim in the contract JSON.',
      });
    if (out.type !== 'float32') throw mismatch(`element type ${out.type}, expected float32`);
    if (odims.length !== wantRank) throw mismatch(`rank ${odims.length}, expected ${wantRank}`);
    if (wantRank === 3 && odims[0] !== 1) throw mismatch('batch size must be 1');
    const featAxis = c.output.layout === 'batch,features,steps' ? 1 : odims.length - 1;
    const stepAxis = c.output.layout === 'batch,features,steps' ? 2 : odims.length - 2;
    if (odims[featAxis] !== c.output.featureDim) throw mismatch(`${odims[featAxis]} values per step`);
    const S = odims[stepAxis];
    const values = out.data as Float32Array;
    const featStride = c.output.layout === 'batch,features,steps' ? S : 1;
    const stepStride = c.output.layout === 'batch,features,steps' ? 1 : c.output.featureDim;
    const end = Math.min(S, dropSteps + keepSteps);
    const row = new Float32Array(FEATURE_DIM);
    for (let s = dropSteps; s < end; s++) {
      this.map(values, s * stepStride, featStride, row, 0);
      for (let k = 0; k < FEATURE_DIM; k++) if (!Number.isFinite(row[k])) throw mismatch('it produced NaN or infinite values');
      this.steps.pushAll(row);
      this.stepCount++;
    }
  }

  async finish(ctx: EncoderContext): Promise<Float32Array> {
    await this.runReady(true);
    if (this.stepCount === 0) {
      throw new UserError('encoder-no-output', `${this.modelPath} produced no feature steps for ${ctx.file}.`, {
        file: this.modelPath,
        hint: 'The audio may be shorter than the model\'s receptive field; check output.stepsPerSecond and input.layout.',
      });
    }
    const steps = this.steps.toArray();
    if (this.c.normalize === 'per-track') normalizeColumns(steps, this.stepCount, FEATURE_DIM);
    return windowsFromSteps(
      { data: steps, count: this.stepCount, dim: FEATURE_DIM, stepsPerSecond: this.c.output.stepsPerSecond, offsetS: this.c.output.offsetSeconds },
      ctx.fps,
      ctx.frameCount,
    );
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
