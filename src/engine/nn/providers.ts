/**
 * Execution providers: pick cpu / webgpu / cuda at run time, fall back to CPU with a
 * one-line reason, and probe which ones work here (for `facial-studio doctor`).
 * A provider counts as available only if a real session can be created with it.
 */
import ort from 'onnxruntime-node';
import { DataType, ONNX_IR_VERSION, ONNX_OPSET, encodeModel } from './onnx-proto';
import { UserError } from '../util/errors';

export type ProviderName = 'cpu' | 'webgpu' | 'cuda';
export type ProviderChoice = ProviderName | 'auto';

export interface ProviderProbe {
  name: ProviderName;
  available: boolean;
  reason?: string;
}

export interface SessionOptions {
  provider?: ProviderChoice;
  /** Intra-op threads (default: ONNX Runtime's choice, one per core). */
  threads?: number;
  /** Per-op profiling: ONNX Runtime writes `<prefix>_<date>.json` when the session ends profiling (see profile.ts). */
  profilePrefix?: string;
  /**
   * Where ONNX Runtime leaves each output, given the provider finally chosen (IO binding):
   * 'gpu-buffer' keeps it on the WebGPU device, to be fed back as an input without a copy.
   */
  outputLocations?: (provider: ProviderName) => Record<string, OutputLocation> | undefined;
}

/** 'gpu-buffer' works with the WebGPU provider only (onnxruntime-node binds device outputs as WebGPU buffers). */
export type OutputLocation = 'cpu' | 'gpu-buffer';

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  /** Why the requested provider was not used (one line), when it fell back. */
  fallbackReason?: string;
}

/** Order tried by 'auto': the GPUs first, CPU always works. */
const AUTO_ORDER: ProviderName[] = ['cuda', 'webgpu', 'cpu'];

function ortOptions(provider: ProviderName, threads?: number, quiet = false, profilePrefix?: string): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // Probing expects failures; keep ONNX Runtime's own error log out of the console.
    ...(quiet ? { logSeverityLevel: 4 as const } : {}),
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
  };
}

/** One line on why a provider failed, in plain words. */
export function explainProviderError(provider: ProviderName, err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  const lower = msg.toLowerCase();
  if (provider === 'cuda') {
    const bundled = ort.listSupportedBackends().find((b) => b.name === 'cuda')?.bundled;
    if (!bundled || /libonnxruntime_providers_cuda|libcudart|libcublas|cannot open shared object|not found|no such file/.test(lower)) {
      return `CUDA is not installed: onnxruntime-node has no CUDA provider libraries here or the NVIDIA CUDA 12 runtime/driver is missing (${msg})`;
    }
    return `CUDA provider failed: ${msg}`;
  }
  if (provider === 'webgpu') {
    if (/vulkan|adapter|dawn|no suitable|failed to get|gpu/.test(lower)) {
      const detail = /failed to get a webgpu adapter[^.]*/i.exec(msg)?.[0] ?? msg;
      return `WebGPU has no GPU adapter here: no Vulkan driver (libvulkan) or no GPU (${detail})`;
    }
    return `WebGPU provider failed: ${msg}`;
  }
  return `CPU provider failed: ${msg}`;
}

let tinyModel: Uint8Array | undefined;

/** A one-node model (y = x + x) used to check that a provider really runs. */
function probeModel(): Uint8Array {
  tinyModel ??= encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImports: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'facial-studio-nn',
    producerVersion: '1',
    graph: {
      name: 'probe',
      nodes: [{ name: 'add', opType: 'Add', inputs: ['x', 'x'], outputs: ['y'], attributes: [] }],
      initializers: [],
      inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: [4] }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, shape: [4] }],
    },
    metadata: {},
  });
  return tinyModel;
}

async function tryProvider(name: ProviderName): Promise<ProviderProbe> {
  try {
    const session = await ort.InferenceSession.create(probeModel(), ortOptions(name, undefined, true));
    try {
      const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
      const y = out.y.data as Float32Array;
      if (y[3] !== 8) return { name, available: false, reason: `${name} ran but returned wrong values` };
    } finally {
      await session.release();
    }
    return { name, available: true };
  } catch (err) {
    return { name, available: false, reason: explainProviderError(name, err) };
  }
}

let probeCache: Promise<ProviderProbe[]> | undefined;

/** Tries a tiny session on cpu, webgpu and cuda; cached for the process. */
export function probeProviders(): Promise<ProviderProbe[]> {
  probeCache ??= (async () => {
    const out: ProviderProbe[] = [];
    for (const name of ['cpu', 'webgpu', 'cuda'] as const) out.push(await tryProvider(name));
    return out;
  })();
  return probeCache;
}

/** The provider 'auto' takes, given a probe: the first available of cuda, webgpu, cpu. */
export function autoProvider(probes: ProviderProbe[]): ProviderName {
  return AUTO_ORDER.find((p) => probes.find((q) => q.name === p)?.available) ?? 'cpu';
}

/**
 * Creates a session with the requested provider, falling back to CPU with a reason.
 * 'auto' takes the first available of cuda, webgpu, cpu (per the probe).
 */
export async function createSession(model: Uint8Array | string, opts: SessionOptions = {}): Promise<CreatedSession> {
  const requested = opts.provider ?? 'cpu';
  let candidates: ProviderName[];
  let reason: string | undefined;
  if (requested === 'auto') {
    const probes = await probeProviders();
    candidates = AUTO_ORDER.filter((p) => probes.find((q) => q.name === p)?.available);
    const skipped = probes.filter((p) => !p.available && p.name !== 'cpu');
    if (candidates[0] === 'cpu' && skipped.length > 0) reason = skipped.map((p) => p.reason).join('; ');
  } else candidates = requested === 'cpu' ? ['cpu'] : [requested, 'cpu'];
  let lastErr: unknown;
  for (const p of candidates) {
    try {
      // GPU attempts may fail (we report why); keep ONNX Runtime's own error log quiet for them.
      const locations = opts.outputLocations?.(p);
      const o = { ...ortOptions(p, opts.threads, p !== 'cpu', opts.profilePrefix), ...(locations ? { preferredOutputLocation: locations } : {}) };
      const session = typeof model === 'string' ? await ort.InferenceSession.create(model, o) : await ort.InferenceSession.create(model, o);
      return { session, provider: p, ...(reason ? { fallbackReason: reason } : {}) };
    } catch (err) {
      lastErr = err;
      if (p === 'cpu') break;
      reason = explainProviderError(p, err);
    }
  }
  // The CPU, which runs every valid model, refused a model file: the file is damaged (truncated, overwritten).
  if (typeof model === 'string') {
    const why = lastErr instanceof Error ? lastErr.message.split('\n')[0].slice(0, 300) : String(lastErr);
    throw new UserError('model-damaged', `The model file ${model} cannot be loaded; it is damaged or incomplete (${why}).`, {
      file: model,
      hint: 'Train the model again (facial-studio train ...), or restore the persona folder from a backup.',
      cause: lastErr,
    });
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}

/** One line for logs: which provider runs, and why not the one asked for. */
export function describeChoice(requested: ProviderChoice, created: Pick<CreatedSession, 'provider' | 'fallbackReason'>): string {
  if (!created.fallbackReason) return `execution provider: ${created.provider}${requested === 'auto' ? ' (auto)' : ''}`;
  return `execution provider: ${created.provider} (requested ${requested}; fell back: ${created.fallbackReason})`;
}
