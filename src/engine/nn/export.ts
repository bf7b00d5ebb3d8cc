/**
 * Standalone inference models: the forward graph with the store's weights baked in
 * as initializers (BatchNorm in inference mode reads its running statistics), in a
 * plain ONNX file any ONNX tool opens; and a small runner for such files.
 */
import { promises as fs } from 'node:fs';
import ort from 'onnxruntime-node';
import { writeFileAtomic } from '../util/atomic-file';
import { emitModel, liveNodes } from './emit';
import type { Graph } from './graph';
import { createSession, describeChoice, type ProviderChoice, type ProviderName } from './providers';
import { fmtShape, sizeOf } from './shape';
import type { ParameterStore } from './trainer';

export interface ExportOptions {
  /** Write the model here (atomically) as well as returning its bytes. */
  path?: string;
  /** Stored in the model's metadata_props. */
  metadata?: Record<string, string>;
}

/**
 * Exports `graph` (built with `training: false`) with its parameters and buffers as
 * initializers. Inputs: the graph's inputs; outputs: its named outputs.
 */
export async function exportInference(graph: Graph, params: ParameterStore, opts: ExportOptions = {}): Promise<Uint8Array> {
  if (graph.training) graph.fail(`exportInference: build graph '${graph.name}' with { training: false } so BatchNorm uses its running statistics`);
  if (graph.outputs.size === 0) graph.fail(`exportInference: graph '${graph.name}' has no outputs`);
  const outputs = [...graph.outputs].map(([name, tensor]) => ({ name, tensor }));
  await params.sync(); // a trainer may keep the weights on the GPU
  const used = new Set<number>(outputs.map((o) => o.tensor.id));
  for (const n of liveNodes(graph, outputs.map((o) => o.tensor))) for (const i of n.inputs) used.add(i.id);
  const initializers = [...graph.params.values(), ...graph.buffers.values()]
    .filter((p) => used.has(p.tensor.id))
    .map((p) => {
      if (!params.has(p.name)) throw new Error(`exportInference: parameter '${p.name}' is not in the store (train or load a checkpoint first)`);
      if (fmtShape(params.shape(p.name)) !== fmtShape(p.shape)) throw new Error(`exportInference: '${p.name}' is ${fmtShape(params.shape(p.name))} in the store, ${fmtShape(p.shape)} in the graph`);
      return { tensor: p.tensor, data: params.get(p.name) };
    });
  const bytes = emitModel(graph, {
    inputs: graph.inputs.filter((t) => used.has(t.id)).map((t) => ({ name: t.name!, tensor: t })),
    outputs,
    initializers,
    metadata: { 'facial.kind': 'inference', ...(opts.metadata ?? {}) },
  });
  if (opts.path) await writeFileAtomic(opts.path, bytes);
  return bytes;
}

export interface RunnerOptions {
  provider?: ProviderChoice;
  threads?: number;
  log?: (line: string) => void;
}

/** Runs an exported (or any float32) ONNX model. */
export class InferenceRunner {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    /** Why the requested provider was not used, if it fell back. */
    readonly fallbackReason: string | undefined,
  ) {}

  static async create(model: Uint8Array | string, opts: RunnerOptions = {}): Promise<InferenceRunner> {
    const bytes = typeof model === 'string' ? new Uint8Array(await fs.readFile(model)) : model;
    const created = await createSession(bytes, { provider: opts.provider ?? 'cpu', threads: opts.threads });
    opts.log?.(describeChoice(opts.provider ?? 'cpu', created));
    return new InferenceRunner(created.session, created.provider, created.fallbackReason);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Feeds are float32 arrays shaped as `shapes` says (or ort.Tensors). */
  async run(feeds: Record<string, ort.Tensor | { data: Float32Array; shape: readonly number[] }>): Promise<Record<string, ort.Tensor>> {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) {
      if ('dims' in v) f[k] = v;
      else {
        if (v.data.length !== sizeOf(v.shape)) throw new Error(`input '${k}': ${v.data.length} values for shape ${fmtShape(v.shape)}`);
        f[k] = new ort.Tensor('float32', v.data, [...v.shape]);
      }
    }
    return (await this.session.run(f)) as Record<string, ort.Tensor>;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
