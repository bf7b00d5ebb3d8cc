/**
 * The trainer runtime: one ONNX Runtime session per compiled graph, all sharing one
 * ParameterStore. Parameters and optimiser state stay as ort.Tensors between calls and
 * each step feeds them back as they are; what a step writes depends on where the
 * state lives (`StateMode`):
 * - 'host' (CPU, default): ONNX Runtime allocates the new values and onnxruntime-node
 *   hands its buffers to JavaScript without a copy; the store swaps them in.
 * - 'host-preallocated': updates are written into preallocated spare tensors (double
 *   buffering). onnxruntime-node 1.30 copies each such output once (it computes into
 *   its own buffer, then fills ours): steady memory, one copy of the state per step.
 * - 'device' (WebGPU): updates stay on the GPU (IO binding through
 *   preferredOutputLocation 'gpu-buffer') and are fed back next step, so a step moves
 *   only its batch and its reported scalars; reading values on the host (checkpoints,
 *   exports) first copies them back (`ParameterStore.sync`).
 * CUDA keeps 'host': onnxruntime-node binds device outputs only as WebGPU buffers, so
 * there the state crosses the bus both ways each step.
 * GAN training is two step graphs over the same store (D step trains the
 * discriminator, G step the generator, each with the other frozen).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { writeFileAtomic } from '../util/atomic-file';
import { compileTrainStep, type CompiledGraph, type TrainStepSpec } from './compile';
import { initValues, type Init } from './init';
import { DataType, ONNX_IR_VERSION, ONNX_OPSET, encodeModel } from './onnx-proto';
import { stepScalars, STEP_SCALARS, type OptimizerConfig } from './optim';
import { createSession, describeChoice, type OutputLocation, type ProviderChoice, type ProviderName } from './providers';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors';
import { fmtShape, sizeOf } from './shape';

export type StateMode = 'host' | 'host-preallocated' | 'device';

interface Entry {
  shape: number[];
  current: ort.Tensor;
  /** True when `current` is a device tensor (or, in tests, one the trainer treats as such). */
  onDevice: boolean;
  /** The buffer the next update is written into (double buffering, 'host-preallocated'). */
  spare?: ort.Tensor;
}

/** Copies device tensors back to the host (set by a trainer that keeps state on a device). */
type DeviceReader = (entries: { key: string; tensor: ort.Tensor }[]) => Promise<Float32Array[]>;

/** Named float32 tensors (parameters, buffers, optimiser state), initialised from a seed. */
export class ParameterStore {
  private entries = new Map<string, Entry>();
  private reader?: DeviceReader;

  constructor(readonly seed = 0) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  shape(key: string): number[] {
    return this.entry(key).shape;
  }

  private entry(key: string): Entry {
    const e = this.entries.get(key);
    if (!e) throw new Error(`parameter store has no '${key}'`);
    return e;
  }

  /** Creates the entry from its init spec unless present (then checks the shape). */
  ensure(key: string, shape: readonly number[], init: Init): void {
    const e = this.entries.get(key);
    if (e) {
      if (fmtShape(e.shape) !== fmtShape(shape)) throw new Error(`parameter '${key}' has shape ${fmtShape(e.shape)} in the store, the graph wants ${fmtShape(shape)}`);
      return;
    }
    this.set(key, initValues(init, sizeOf(shape), this.seed, key), shape);
  }

  /** The current value as an ort.Tensor (no copy; a device tensor when the state lives on a GPU). */
  tensor(key: string): ort.Tensor {
    return this.entry(key).current;
  }

  /** Whether any entry currently lives on a device (then `get` needs `await sync()` first). */
  get onDevice(): boolean {
    for (const e of this.entries.values()) if (e.onDevice) return true;
    return false;
  }

  /** The current value (a live view: copy it if you keep it across steps). */
  get(key: string): Float32Array {
    const e = this.entry(key);
    if (e.onDevice) throw new Error(`parameter '${key}' is on the GPU: await store.sync() before reading it on the host`);
    return e.current.data as Float32Array;
  }

  set(key: string, data: Float32Array, shape: readonly number[]): void {
    if (data.length !== sizeOf(shape)) throw new Error(`parameter '${key}': ${data.length} values for shape ${fmtShape(shape)}`);
    const prev = this.entries.get(key);
    if (prev && fmtShape(prev.shape) !== fmtShape(shape)) throw new Error(`parameter '${key}' has shape ${fmtShape(prev.shape)}, got ${fmtShape(shape)}`);
    if (prev?.onDevice) prev.current.dispose();
    this.entries.set(key, { shape: [...shape], current: new ort.Tensor('float32', data, [...shape]), onDevice: false });
  }

  /** Spare tensor to receive the next value of `key` (allocated once). */
  spare(key: string): ort.Tensor {
    const e = this.entry(key);
    e.spare ??= new ort.Tensor('float32', new Float32Array(sizeOf(e.shape)), e.shape);
    return e.spare;
  }

  /**
   * After a step: with `filled` undefined the spare (which ONNX Runtime wrote) becomes
   * current and the old value the next spare; otherwise `filled` replaces the value
   * (a device tensor when `onDevice`; the previous device buffer is released).
   */
  commit(key: string, filled?: ort.Tensor, onDevice = false): void {
    const e = this.entry(key);
    if (filled) {
      if (e.onDevice && e.current !== filled) e.current.dispose();
      e.current = filled;
      e.onDevice = onDevice;
      return;
    }
    if (!e.spare) throw new Error(`parameter '${key}' has no spare buffer to commit`);
    [e.current, e.spare] = [e.spare, e.current];
  }

  /** Lets a trainer that keeps state on a device copy it back for `sync`. */
  attachDeviceReader(reader: DeviceReader): void {
    this.reader = reader;
  }

  /** Copies every entry that lives on a device back to the host (the next step uploads it again). */
  async sync(): Promise<void> {
    const onDevice = [...this.entries].filter(([, e]) => e.onDevice).map(([key, e]) => ({ key, tensor: e.current }));
    if (onDevice.length === 0) return;
    if (!this.reader) throw new Error('parameter store holds device tensors but no trainer can read them back');
    const values = await this.reader(onDevice);
    onDevice.forEach(({ key }, k) => this.set(key, values[k], this.entry(key).shape));
  }

  /** Number of float values over the keys (all by default). */
  count(filter: (key: string) => boolean = () => true): number {
    let n = 0;
    for (const [k, e] of this.entries) if (filter(k)) n += sizeOf(e.shape);
    return n;
  }
}

export type Feed = Float32Array | ort.Tensor;

export interface GraphRuntime {
  compiled: CompiledGraph;
  session: ort.InferenceSession;
  provider: ProviderName;
}

export interface TrainerOptions {
  /** Compiled graphs or training-step specs (compiled here), by name. */
  graphs: Record<string, CompiledGraph | TrainStepSpec>;
  params: ParameterStore;
  provider?: ProviderChoice;
  threads?: number;
  /**
   * Where parameters and optimiser state live between steps (see the file header).
   * Default: 'device' when the chosen provider is WebGPU, otherwise 'host'.
   */
  stateMode?: StateMode;
  /** Tests only: where 'device' mode asks ONNX Runtime to leave updates (default 'gpu-buffer'). */
  deviceOutputLocation?: OutputLocation;
  /** Profile every op of every run into `<profileDir>/<graph>_<date>.json` (ONNX Runtime's trace format; see profile.ts). */
  profileDir?: string;
  log?: (line: string) => void;
}

export interface StepOptions {
  /** Learning rate for this step (default: the optimiser's lr). */
  lr?: number;
}

export interface CheckpointMetadata {
  /** A string naming the model (architecture + version); checked on load when given. */
  identity?: string;
  /** Any JSON-serialisable configuration. */
  config?: unknown;
  /** Free string fields. */
  extra?: Record<string, string>;
}

export interface LoadedCheckpoint {
  identity?: string;
  config?: unknown;
  steps: Record<string, number>;
  extra: Record<string, string>;
}

const CHECKPOINT_FORMAT = 'facial-studio-nn/1';

export class Trainer {
  /** Completed steps per step graph (Adam's t). */
  readonly steps: Record<string, number> = {};
  /** Time spent in session.run, and total step time, per graph (ms), for profiling. */
  readonly timing: Record<string, { runMs: number; totalMs: number; calls: number }> = {};

  private readback = new Map<string, ort.InferenceSession>();

  private constructor(
    readonly graphs: Map<string, GraphRuntime>,
    readonly params: ParameterStore,
    readonly provider: ProviderName,
    readonly stateMode: StateMode,
    private readonly threads: number | undefined,
  ) {}

  static async create(opts: TrainerOptions): Promise<Trainer> {
    const runtimes = new Map<string, GraphRuntime>();
    let provider: ProviderName | undefined;
    let mode = opts.stateMode;
    const location = opts.deviceOutputLocation ?? 'gpu-buffer';
    try {
      for (const [name, g] of Object.entries(opts.graphs)) {
        const compiled = 'model' in g ? g : compileTrainStep(g);
        for (const s of compiled.state) opts.params.ensure(s.key, s.shape, s.init);
        const profilePrefix = opts.profileDir ? path.join(opts.profileDir, name) : undefined;
        // Every graph runs on the provider the first one got (state tensors cannot move between devices).
        const requested = provider ?? opts.provider ?? 'cpu';
        const outputLocations = (p: ProviderName) => {
          const m = mode ?? (p === 'webgpu' ? 'device' : 'host');
          if (m !== 'device' || compiled.updates.length === 0) return undefined;
          const updates = new Set(compiled.updates.map((u) => u.output));
          return Object.fromEntries([...compiled.reports, ...compiled.updates.map((u) => u.output)].map((o) => [o, updates.has(o) ? location : 'cpu'] as const));
        };
        const created = await createSession(compiled.model, { provider: requested, threads: opts.threads, profilePrefix, outputLocations });
        if (provider === undefined) {
          opts.log?.(describeChoice(opts.provider ?? 'cpu', created));
          provider = created.provider;
          mode ??= provider === 'webgpu' ? 'device' : 'host';
        }
        runtimes.set(name, { compiled, session: created.session, provider: created.provider });
      }
    } catch (err) {
      for (const r of runtimes.values()) await r.session.release();
      throw err;
    }
    if (mode === 'device' && provider !== 'webgpu' && location === 'gpu-buffer') {
      for (const r of runtimes.values()) await r.session.release();
      throw new Error(`state on the device needs the WebGPU provider (got ${provider ?? 'none'}); use stateMode 'host'`);
    }
    const t = new Trainer(runtimes, opts.params, provider ?? 'cpu', mode ?? 'host', opts.threads);
    if (t.stateMode === 'device') opts.params.attachDeviceReader((entries) => t.readBack(entries));
    for (const [name, r] of runtimes) {
      if (r.compiled.kind === 'train') t.steps[name] = 0;
      t.timing[name] = { runMs: 0, totalMs: 0, calls: 0 };
    }
    return t;
  }

  /** Copies device tensors to the host with an identity graph on the same provider (cached per set of shapes). */
  private async readBack(entries: { key: string; tensor: ort.Tensor }[]): Promise<Float32Array[]> {
    const sig = entries.map((e) => fmtShape(e.tensor.dims)).join(' ');
    let session = this.readback.get(sig);
    if (!session) {
      const model = encodeModel({
        irVersion: ONNX_IR_VERSION,
        opsetImports: [{ domain: '', version: ONNX_OPSET }],
        producerName: 'facial-studio-nn',
        producerVersion: '1',
        graph: {
          name: 'readback',
          nodes: entries.map((_, k) => ({ name: `copy${k}`, opType: 'Identity', inputs: [`x${k}`], outputs: [`y${k}`], attributes: [] })),
          initializers: [],
          inputs: entries.map((e, k) => ({ name: `x${k}`, elemType: DataType.FLOAT, shape: [...e.tensor.dims] })),
          outputs: entries.map((e, k) => ({ name: `y${k}`, elemType: DataType.FLOAT, shape: [...e.tensor.dims] })),
        },
        metadata: {},
      });
      session = (await createSession(model, { provider: this.provider, threads: this.threads })).session;
      this.readback.set(sig, session);
    }
    const out = await session.run(Object.fromEntries(entries.map((e, k) => [`x${k}`, e.tensor])));
    return entries.map((_, k) => out[`y${k}`].data as Float32Array);
  }

  private runtime(name: string): GraphRuntime {
    const r = this.graphs.get(name);
    if (!r) throw new Error(`trainer has no graph '${name}' (has ${[...this.graphs.keys()].join(', ')})`);
    return r;
  }

  private dataFeeds(r: GraphRuntime, batch: Record<string, Feed>): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const d of r.compiled.data) {
      if (STEP_SCALARS.includes(d.name as (typeof STEP_SCALARS)[number])) continue;
      const v = batch[d.name];
      if (v === undefined) throw new Error(`graph '${r.compiled.name}' needs input '${d.name}' ${fmtShape(d.shape)}`);
      if (!(v instanceof Float32Array)) {
        feeds[d.name] = v;
        continue;
      }
      if (v.length !== sizeOf(d.shape)) throw new Error(`input '${d.name}': ${v.length} values, expected ${fmtShape(d.shape)} = ${sizeOf(d.shape)}`);
      feeds[d.name] = new ort.Tensor('float32', v, d.shape);
    }
    for (const s of r.compiled.state) feeds[s.key] = this.params.tensor(s.key);
    return feeds;
  }

  /** One optimiser step of a training graph; returns its reported values (loss first). */
  async step(name: string, batch: Record<string, Feed>, opts: StepOptions = {}): Promise<Record<string, number>> {
    const t0 = performance.now();
    const r = this.runtime(name);
    if (r.compiled.kind !== 'train' || !r.compiled.optimizer) throw new Error(`graph '${name}' is not a training step`);
    const cfg: OptimizerConfig = r.compiled.optimizer;
    const t = this.steps[name] + 1;
    const feeds = this.dataFeeds(r, batch);
    const scalars = stepScalars(cfg, t, opts.lr ?? cfg.lr);
    for (const k of STEP_SCALARS) feeds[k] = new ort.Tensor('float32', Float32Array.of(scalars[k]), []);
    const fetches: Record<string, ort.Tensor | null> = {};
    const prealloc = this.stateMode === 'host-preallocated';
    for (const rep of r.compiled.reports) fetches[rep] = null;
    for (const u of r.compiled.updates) fetches[u.output] = prealloc ? this.params.spare(u.key) : null;
    const t1 = performance.now();
    const out = await r.session.run(feeds, fetches);
    const t2 = performance.now();
    // Preallocated: onnxruntime-node has filled the spare and returns another tensor over it; keep the spare.
    const device = this.stateMode === 'device';
    for (const u of r.compiled.updates) this.params.commit(u.key, prealloc ? undefined : (out[u.output] as ort.Tensor), device);
    this.steps[name] = t;
    const result: Record<string, number> = {};
    for (const rep of r.compiled.reports) result[rep] = (out[rep].data as Float32Array)[0];
    const tm = this.timing[name];
    tm.runMs += t2 - t1;
    tm.totalMs += performance.now() - t0;
    tm.calls++;
    return result;
  }

  /** Runs a forward graph over the current parameters; returns its outputs. */
  async run(name: string, batch: Record<string, Feed>): Promise<Record<string, ort.Tensor>> {
    const r = this.runtime(name);
    const feeds = this.dataFeeds(r, batch);
    const out = await r.session.run(feeds);
    const res: Record<string, ort.Tensor> = {};
    for (const rep of r.compiled.reports) res[rep] = out[rep] as ort.Tensor;
    return res;
  }

  /** All store entries plus step counters, in safetensors, written atomically. */
  async saveCheckpoint(path: string, meta: CheckpointMetadata = {}): Promise<void> {
    await this.params.sync();
    const tensors: [string, SafeTensor][] = this.params.keys().map((k) => [k, { dtype: 'F32', shape: this.params.shape(k), data: this.params.get(k) }]);
    const optimizers: Record<string, OptimizerConfig> = {};
    for (const [name, r] of this.graphs) if (r.compiled.optimizer) optimizers[name] = r.compiled.optimizer;
    const metadata: Record<string, string> = {
      ...(meta.extra ?? {}),
      format: CHECKPOINT_FORMAT,
      steps: JSON.stringify(this.steps),
      optimizers: JSON.stringify(optimizers),
      seed: String(this.params.seed),
    };
    if (meta.identity !== undefined) metadata.identity = meta.identity;
    if (meta.config !== undefined) metadata.config = JSON.stringify(meta.config);
    await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
  }

  /**
   * Restores every store entry and the step counters. Entries in the file but not in
   * the store are loaded too; entries of the store missing from the file are an error.
   */
  async loadCheckpoint(path: string, expect: { identity?: string } = {}): Promise<LoadedCheckpoint> {
    const file = decodeSafetensors(new Uint8Array(await fs.readFile(path)));
    const md = file.metadata;
    if (md.format !== CHECKPOINT_FORMAT) throw new Error(`${path}: not a ${CHECKPOINT_FORMAT} checkpoint (format '${md.format ?? 'missing'}')`);
    if (expect.identity !== undefined && md.identity !== expect.identity) throw new Error(`${path}: checkpoint is for '${md.identity}', expected '${expect.identity}'`);
    const absent = this.params.keys().filter((k) => !file.tensors.has(k));
    if (absent.length > 0) throw new Error(`${path}: checkpoint lacks ${absent.length} tensor(s), e.g. ${absent.slice(0, 3).join(', ')}`);
    for (const [k, t] of file.tensors) {
      if (t.dtype !== 'F32') throw new Error(`${path}: ${k} is ${t.dtype}, expected F32`);
      this.params.set(k, t.data as Float32Array, t.shape);
    }
    const steps = JSON.parse(md.steps ?? '{}') as Record<string, number>;
    for (const k of Object.keys(this.steps)) this.steps[k] = steps[k] ?? 0;
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(md)) if (!['format', 'steps', 'optimizers', 'seed', 'identity', 'config'].includes(k)) extra[k] = v;
    return { identity: md.identity, config: md.config !== undefined ? JSON.parse(md.config) : undefined, steps, extra };
  }

  /** Ends profiling (sessions created with `profileDir`); the profile files are then in that folder, one per graph. */
  endProfiling(): void {
    for (const r of this.graphs.values()) r.session.endProfiling();
  }

  async dispose(): Promise<void> {
    // Device state goes with the sessions: keep it readable on the host.
    await this.params.sync();
    for (const r of this.graphs.values()) await r.session.release();
    for (const s of this.readback.values()) await s.release();
    this.graphs.clear();
    this.readback.clear();
  }
}
