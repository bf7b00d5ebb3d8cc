/**
 * Compiling a traced graph into an ONNX step graph: a training step (loss, gradients
 * of the trainable parameters, optimiser update, BatchNorm running statistics) or a
 * forward graph. Parameters, buffers and optimiser state are graph inputs named by
 * their store keys; their new values are outputs named `<key>:next`.
 */
import { differentiate } from './autodiff';
import { emitModel, liveNodes, type EmitInput } from './emit';
import type { Graph } from './graph';
import type { DType, Tensor } from './ir';
import type { Init } from './init';
import { buildAdam, STEP_SCALARS, type OptimizerConfig } from './optim';
import { fmtShape } from './shape';

export interface StateInput {
  key: string;
  shape: number[];
  init: Init;
}

export interface CompiledGraph {
  kind: 'train' | 'forward';
  name: string;
  model: Uint8Array;
  /** Inputs the caller feeds each call (per-batch data). */
  data: { name: string; shape: number[]; dtype: DType }[];
  /** Store entries fed as inputs: parameters, buffers, optimiser state. */
  state: StateInput[];
  /** Outputs written back to the store. */
  updates: { output: string; key: string }[];
  /** Outputs returned to the caller (losses, predictions). */
  reports: string[];
  /** Trainable parameters (train graphs). */
  trainable: string[];
  optimizer?: OptimizerConfig;
}

export interface TrainStepSpec {
  graph: Graph;
  /** The scalar to minimise (reported as 'loss'). */
  loss: Tensor;
  /** More outputs reported after each step (e.g. the loss terms). */
  report?: Record<string, Tensor>;
  /** Parameters this step trains: name prefixes, or a predicate. All others are frozen. */
  trainable: readonly string[] | ((name: string) => boolean);
  optimizer: OptimizerConfig;
}

export const nextName = (key: string) => `${key}:next`;

function selectTrainable(spec: TrainStepSpec['trainable']): (name: string) => boolean {
  if (typeof spec === 'function') return spec;
  return (name) => spec.some((p) => name === p || name.startsWith(p.endsWith('.') ? p : `${p}.`));
}

/** Graph tensors that the live part of the graph reads. */
function usedIds(graph: Graph, outputs: Tensor[]): Set<number> {
  const ids = new Set(outputs.map((t) => t.id));
  for (const n of liveNodes(graph, outputs)) for (const i of n.inputs) ids.add(i.id);
  return ids;
}

// Compiling builds on a copy of the spec's graph (the spec is left as it is); the cache only saves the time.
const compiledSpecs = new WeakMap<TrainStepSpec, CompiledGraph>();

export function compileTrainStep(spec: TrainStepSpec): CompiledGraph {
  const cached = compiledSpecs.get(spec);
  if (cached) return cached;
  const compiled = compileOnce(spec);
  compiledSpecs.set(spec, compiled);
  return compiled;
}

function compileOnce(spec: TrainStepSpec): CompiledGraph {
  const forward = spec.graph;
  if (forward.dtype !== 'float32') forward.fail('training graphs must be float32');
  if (spec.loss.size !== 1) forward.fail(`loss must be a scalar, got ${fmtShape(spec.loss.shape)}`);
  if (forward.inputs.some((t) => (STEP_SCALARS as readonly string[]).includes(t.name!))) forward.fail(`inputs named ${STEP_SCALARS.join(', ')} are reserved for the optimiser`);
  const isTrainable = selectTrainable(spec.trainable);
  const trainable = [...forward.params.values()].filter((p) => isTrainable(p.name));
  if (trainable.length === 0) forward.fail(`step '${forward.name}': no parameter matches the trainable selection`);
  // The backward pass and the optimiser are built on a copy of the forward graph.
  const bw = differentiate(forward, [spec.loss], trainable.map((p) => p.tensor));
  const graph = bw.graph;
  const loss = bw.map(spec.loss);
  const missing = trainable.filter((_, k) => !bw.grads[k]).map((p) => p.name);
  if (missing.length > 0) graph.fail(`step '${graph.name}': the loss does not depend on trainable parameter(s) ${missing.join(', ')}`);
  const dataInputs = [...graph.inputs];
  const params = trainable.map((p) => graph.params.get(p.name)!);
  const opt = buildAdam(graph, params.map((p, k) => ({ name: p.name, value: p.tensor, grad: bw.grads[k]! })), spec.optimizer);
  const { optimizer } = spec;

  const reports: EmitInput[] = [{ name: 'loss', tensor: loss }];
  for (const [name, t] of Object.entries(spec.report ?? {})) reports.push({ name, tensor: bw.map(t) });
  if (opt.gradNorm) reports.push({ name: 'grad_norm', tensor: opt.gradNorm });
  const updates: EmitInput[] = [];
  const updateKeys: { output: string; key: string }[] = [];
  const addUpdate = (key: string, t: Tensor) => {
    updates.push({ name: nextName(key), tensor: t });
    updateKeys.push({ output: nextName(key), key });
  };
  for (const p of opt.params) addUpdate(p.name, p.next);
  for (const s of opt.state) addUpdate(s.name, s.next);
  for (const [key, t] of graph.bufferUpdates) addUpdate(key, t);

  const outputs = [...reports, ...updates];
  const used = usedIds(graph, outputs.map((o) => o.tensor));
  const state: StateInput[] = [];
  const stateInputs: EmitInput[] = [];
  for (const p of [...graph.params.values(), ...graph.buffers.values()]) {
    if (!used.has(p.tensor.id)) continue;
    state.push({ key: p.name, shape: [...p.shape], init: p.init });
    stateInputs.push({ name: p.name, tensor: p.tensor });
  }
  for (const s of opt.state) {
    state.push({ key: s.name, shape: [...s.input.shape], init: { kind: 'constant', value: 0 } });
    stateInputs.push({ name: s.name, tensor: s.input });
  }
  const scalarInputs = STEP_SCALARS.map((name) => graph.inputs.find((t) => t.name === name)!).map((t) => ({ name: t.name!, tensor: t }));
  const liveData = dataInputs.filter((t) => used.has(t.id));
  const model = emitModel(graph, {
    inputs: [...liveData.map((t) => ({ name: t.name!, tensor: t })), ...stateInputs, ...scalarInputs],
    outputs,
    metadata: { 'facial.kind': 'train-step' },
  });
  return {
    kind: 'train',
    name: graph.name,
    model,
    data: liveData.map((t) => ({ name: t.name!, shape: [...t.shape], dtype: t.dtype })),
    state,
    updates: updateKeys,
    reports: reports.map((r) => r.name),
    trainable: params.map((p) => p.name),
    optimizer,
  };
}

/** A forward graph over the store's parameters (for evaluation and validation). Outputs: the graph's named outputs. */
export function compileForward(graph: Graph): CompiledGraph {
  if (graph.outputs.size === 0) graph.fail(`graph '${graph.name}' has no outputs; call g.output(name, tensor)`);
  const outputs = [...graph.outputs].map(([name, tensor]) => ({ name, tensor }));
  const used = usedIds(graph, outputs.map((o) => o.tensor));
  const data = graph.inputs.filter((t) => used.has(t.id));
  const state = [...graph.params.values(), ...graph.buffers.values()].filter((p) => used.has(p.tensor.id));
  const model = emitModel(graph, {
    inputs: [...data.map((t) => ({ name: t.name!, tensor: t })), ...state.map((p) => ({ name: p.name, tensor: p.tensor }))],
    outputs,
    metadata: { 'facial.kind': 'forward' },
  });
  return {
    kind: 'forward',
    name: graph.name,
    model,
    data: data.map((t) => ({ name: t.name!, shape: [...t.shape], dtype: t.dtype })),
    state: state.map((p) => ({ key: p.name, shape: [...p.shape], init: p.init })),
    updates: [],
    reports: outputs.map((o) => o.name),
    trainable: [],
  };
}
