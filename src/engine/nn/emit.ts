/**
 * Lowers a traced graph to an ONNX model: keeps only the nodes the requested outputs
 * depend on, turns constants into initializers (deduplicated), and names values so
 * that graph inputs/outputs carry their public names without extra Identity copies.
 */
import type { Graph } from './graph';
import { ONNX_DTYPE, onnxAttrs, type DType, type Node, type OnnxAttr, type OnnxEmitter, type Tensor } from './ir';
import { AttributeType, DataType, ONNX_IR_VERSION, ONNX_OPSET, encodeModel, type AttributeProto, type Dim, type NodeProto, type TensorProto, type ValueInfoProto } from './onnx-proto';

export interface EmitInput {
  name: string;
  tensor: Tensor;
  /** Symbolic dims by axis (e.g. {0: 'batch'}) for the ValueInfo only. */
  dimParams?: Record<number, string>;
}

export interface EmitInitializer {
  tensor: Tensor;
  data: Float32Array | Float64Array;
}

export interface EmitOptions {
  inputs: EmitInput[];
  outputs: EmitInput[];
  /** Graph tensors (parameters, buffers) baked in as initializers under their names. */
  initializers?: EmitInitializer[];
  metadata?: Record<string, string>;
}

/** The attribute's type comes with it (from the op's schema or the lowering), never from its name. */
function toAttr(name: string, v: OnnxAttr): AttributeProto {
  if ('string' in v) return { name, type: AttributeType.STRING, s: v.string };
  if ('ints' in v) return { name, type: AttributeType.INTS, ints: [...v.ints] };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.INT, i: v.int };
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Nodes needed to compute `outputs`, in graph order. */
export function liveNodes(graph: Graph, outputs: Tensor[]): Node[] {
  const live = new Set<Node>();
  const want = new Set(outputs.map((t) => t.id));
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const n = graph.nodes[k];
    if (!n.outputs.some((o) => want.has(o.id))) continue;
    live.add(n);
    for (const i of n.inputs) want.add(i.id);
  }
  return graph.nodes.filter((n) => live.has(n));
}

export function emitModel(graph: Graph, opts: EmitOptions): Uint8Array {
  const names = new Map<number, string>();
  const used = new Set<string>();
  const claim = (id: number, name: string) => {
    if (used.has(name)) throw new Error(`emit: duplicate value name '${name}'`);
    used.add(name);
    names.set(id, name);
  };
  for (const i of opts.inputs) claim(i.tensor.id, i.name);
  for (const i of opts.initializers ?? []) claim(i.tensor.id, i.tensor.name ?? `p${i.tensor.id}`);

  // A node output that is a graph output takes the output's name directly; the rest need an Identity.
  const aliases: EmitInput[] = [];
  for (const o of opts.outputs) {
    if (o.tensor.node && !names.has(o.tensor.id)) claim(o.tensor.id, o.name);
    else aliases.push(o);
  }
  for (const a of aliases) used.add(a.name);

  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const constCache = new Map<string, string>();
  let scope = '';
  const addConst = (key: string, make: (name: string) => TensorProto): string => {
    let name = constCache.get(key);
    if (!name) {
      name = `c${constCache.size}`;
      while (used.has(name)) name += '_';
      used.add(name);
      constCache.set(key, name);
      initializers.push(make(name));
    }
    return name;
  };

  const e: OnnxEmitter = {
    name(t) {
      const known = names.get(t.id);
      if (known) return known;
      if (t.role === 'constant') {
        const c = graph.constants.get(t.id)!;
        const bytes = bytesOf(c.data);
        const key = `${t.dtype}|${t.shape.join(',')}|${bytes.length <= 64 ? Array.from(bytes).join(',') : `id${t.id}`}`;
        const n = addConst(key, (name) => ({ name, dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: bytes }));
        names.set(t.id, n);
        return n;
      }
      if (t.role !== 'value') throw new Error(`emit: ${t.role} '${t.name}' is used but was not given as an input or initializer`);
      const n = `t${t.id}`;
      names.set(t.id, n);
      used.add(n);
      return n;
    },
    int64(values) {
      return addConst(`i64|${values.length}|${values.join(',')}`, (name) => ({
        name,
        dims: [values.length],
        dataType: DataType.INT64,
        rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))),
      }));
    },
    scalar(value, dtype) {
      return addConst(`s|${dtype}|${value}`, (name) => ({ name, dims: [], dataType: ONNX_DTYPE[dtype], rawData: bytesOf(typedOf(dtype, [value])) }));
    },
    filled(value, length, dtype) {
      return addConst(`f|${dtype}|${length}|${value}`, (name) => ({ name, dims: [length], dataType: ONNX_DTYPE[dtype], rawData: bytesOf(typedOf(dtype, new Array<number>(length).fill(value))) }));
    },
    temp(hint) {
      let name = `${hint}_${nodes.length}`;
      while (used.has(name)) name += '_';
      used.add(name);
      return name;
    },
    node(opType, inputs, outputs, attrs = {}) {
      // Module path in the node name: profiles and ORT errors then point at the layer.
      nodes.push({ name: `${scope}/${opType}_${nodes.length}`, opType, inputs, outputs, attributes: Object.entries(attrs).map(([k, v]) => toAttr(k, v)) });
    },
  };

  for (const n of liveNodes(graph, opts.outputs.map((o) => o.tensor))) {
    const def = graph.ops[n.op];
    scope = n.scope;
    if (def.onnx) def.onnx(n, n.attrs, e);
    else e.node(n.op, n.inputs.map((t) => e.name(t)), n.outputs.map((t) => e.name(t)), onnxAttrs(def.attrs, n.attrs));
  }
  scope = '';
  for (const a of aliases) e.node('Identity', [e.name(a.tensor)], [a.name]);

  const info = (i: EmitInput): ValueInfoProto => ({
    name: i.name,
    elemType: ONNX_DTYPE[i.tensor.dtype] as DataType,
    shape: i.tensor.shape.map((d, k): Dim => i.dimParams?.[k] ?? d),
  });
  for (const i of opts.initializers ?? []) {
    initializers.push({ name: names.get(i.tensor.id)!, dims: [...i.tensor.shape], dataType: ONNX_DTYPE[i.tensor.dtype], rawData: bytesOf(i.data) });
  }
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImports: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'facial-studio-nn',
    producerVersion: '1',
    graph: { name: graph.name, nodes, initializers, inputs: opts.inputs.map(info), outputs: opts.outputs.map(info) },
    metadata: opts.metadata ?? {},
  });
}

function typedOf(dtype: DType, values: number[]): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int64': return BigInt64Array.from(values, (v) => BigInt(v));
    case 'bool': return Uint8Array.from(values);
  }
}
