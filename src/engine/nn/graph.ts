/**
 * The traced graph: nodes, named parameters and state buffers over the IR's tensor
 * handles (ir.ts). Building a network records nodes here; every node's attributes
 * are checked against its op's schema and its output shapes are inferred by the op
 * table the moment it is added, so shape errors surface at build time and name the
 * module path that was being built (`generator.temporal.conv2: ...`).
 */
import { checkAttrs, Tensor, type Attrs, type ConstantValue, type DType, type GraphHandle, type Node, type OpTable, type TensorRole } from './ir';
import type { Init } from './init';
import { OPS } from './ops/registry';
import { ShapeError, fmtShape, sizeOf, type Shape } from './shape';

export { ShapeError, fmtShape, sizeOf, Tensor, type Shape, type DType, type Node, type TensorRole, type ConstantValue };

export interface ParamSpec {
  name: string;
  shape: Shape;
  init: Init;
  tensor: Tensor;
}

export interface GraphOptions {
  /** Floating dtype of inputs, parameters and constants (float64 is for gradient checks). */
  dtype?: 'float32' | 'float64';
  /** Modules such as BatchNorm read this (training: batch statistics, running stats updated). */
  training?: boolean;
  /** The op table (default: the engine's registry). */
  ops?: OpTable;
}

export class Graph implements GraphHandle {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params = new Map<string, ParamSpec>();
  readonly buffers = new Map<string, ParamSpec>();
  /** New values of state buffers (e.g. BatchNorm running statistics) computed by this graph. */
  readonly bufferUpdates = new Map<string, Tensor>();
  readonly outputs = new Map<string, Tensor>();
  readonly constants = new Map<number, ConstantValue>();
  readonly dtype: 'float32' | 'float64';
  readonly ops: OpTable;
  training: boolean;
  private nextId = 0;
  private scopes: string[] = [];

  constructor(readonly name: string, opts: GraphOptions = {}) {
    this.dtype = opts.dtype ?? 'float32';
    this.training = opts.training ?? true;
    this.ops = opts.ops ?? OPS;
  }

  get scopePath(): string {
    return this.scopes.join('.');
  }

  /** Runs fn with `name` pushed on the module path (names parameters and errors). */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** Throws a ShapeError prefixed with the current module path. */
  fail(message: string): never {
    const where = this.scopePath;
    throw new ShapeError(where ? `${where}: ${message}` : message);
  }

  private qualified(local: string): string {
    return this.scopePath ? `${this.scopePath}.${local}` : local;
  }

  private newTensor(shape: Shape, dtype: DType, role: TensorRole, node?: Node, name?: string): Tensor {
    for (const d of shape) if (!Number.isInteger(d) || d < 0) this.fail(`invalid shape ${fmtShape(shape)}`);
    return new Tensor(this, this.nextId++, [...shape], dtype, role, node, name);
  }

  input(name: string, shape: Shape, dtype: DType = this.dtype): Tensor {
    if (this.inputs.some((t) => t.name === name) || this.params.has(name)) this.fail(`duplicate input name '${name}'`);
    const t = this.newTensor(shape, dtype, 'input', undefined, name);
    this.inputs.push(t);
    return t;
  }

  /** A trainable parameter named by the module path (`<path>.<local>`); calling twice returns the same tensor. */
  param(local: string, shape: Shape, init: Init): Tensor {
    return this.state(this.params, 'param', this.qualified(local), shape, init);
  }

  /** A non-trainable state buffer (e.g. running mean) named like a parameter. */
  buffer(local: string, shape: Shape, init: Init): Tensor {
    return this.state(this.buffers, 'buffer', this.qualified(local), shape, init);
  }

  private state(map: Map<string, ParamSpec>, role: TensorRole, name: string, shape: Shape, init: Init): Tensor {
    const existing = map.get(name);
    if (existing) {
      if (fmtShape(existing.shape) !== fmtShape(shape)) this.fail(`${role} '${name}' reused with shape ${fmtShape(shape)}, first declared ${fmtShape(existing.shape)}`);
      return existing.tensor;
    }
    const tensor = this.newTensor(shape, this.dtype, role, undefined, name);
    map.set(name, { name, shape: [...shape], init, tensor });
    return tensor;
  }

  /** Records the new value of a buffer, written back to the parameter store after a step. */
  updateBuffer(buffer: Tensor, value: Tensor): void {
    if (buffer.role !== 'buffer' || !buffer.name) this.fail('updateBuffer expects a buffer tensor');
    if (fmtShape(buffer.shape) !== fmtShape(value.shape)) this.fail(`buffer update shape ${fmtShape(value.shape)} != ${fmtShape(buffer.shape)}`);
    this.bufferUpdates.set(buffer.name, value);
  }

  output(name: string, t: Tensor): Tensor {
    if (this.outputs.has(name)) this.fail(`duplicate output name '${name}'`);
    this.outputs.set(name, t);
    return t;
  }

  constant(data: ArrayLike<number>, shape: Shape, dtype: DType = this.dtype): Tensor {
    if (data.length !== sizeOf(shape)) this.fail(`constant has ${data.length} values for shape ${fmtShape(shape)}`);
    const t = this.newTensor(shape, dtype, 'constant');
    let buf: ConstantValue['data'];
    if (dtype === 'float64') buf = Float64Array.from(data);
    else if (dtype === 'float32') buf = Float32Array.from(data);
    else if (dtype === 'int64') buf = BigInt64Array.from(Array.from(data, (v) => BigInt(v)));
    else buf = Uint8Array.from(data);
    this.constants.set(t.id, { data: buf });
    return t;
  }

  scalar(value: number, dtype: DType = this.dtype): Tensor {
    return this.constant([value], [], dtype);
  }

  /** Adds a node; its attributes are checked against the op's schema and the op infers (and checks) its output shapes. */
  op(type: string, inputs: Tensor[], attrs: Attrs = {}): Tensor[] {
    const def = this.ops[type];
    if (!def) this.fail(`unknown op '${type}'`);
    for (const x of inputs) if (x.graph !== this) this.fail(`${type}: input ${x} belongs to graph '${x.graph.name}', not '${this.name}'`);
    const bad = checkAttrs(def.attrs, attrs);
    if (bad) this.fail(`${type}: ${bad}`);
    let infos: { shape: Shape; dtype: DType }[];
    try {
      infos = def.infer(inputs, attrs);
    } catch (err) {
      if (err instanceof ShapeError) this.fail(`${type}: ${err.message}`);
      throw err;
    }
    const node: Node = { op: type, inputs, outputs: [], attrs, scope: this.scopePath };
    node.outputs = infos.map((o) => this.newTensor(o.shape, o.dtype, 'value', node));
    this.nodes.push(node);
    return node.outputs;
  }

  op1(type: string, inputs: Tensor[], attrs: Attrs = {}): Tensor {
    return this.op(type, inputs, attrs)[0];
  }

  /**
   * A copy of this graph (same tensor ids, names, nodes, parameters, buffers, outputs)
   * that can be extended without touching this one: autodiff and the optimiser build
   * the training step on a copy. `map` takes a tensor of this graph to its copy.
   */
  copy(name = this.name): { graph: Graph; map: (t: Tensor) => Tensor } {
    const c = new Graph(name, { dtype: this.dtype, training: this.training, ops: this.ops });
    const tensors = new Map<number, Tensor>();
    const map = (t: Tensor): Tensor => {
      if (t.graph !== this) throw new Error(`graph '${this.name}': tensor ${t} belongs to graph '${t.graph.name}'`);
      const known = tensors.get(t.id);
      if (known) return known;
      if (t.role === 'value') throw new Error(`graph '${this.name}': tensor ${t} is produced by no node of this graph`);
      const copy = new Tensor(c, t.id, t.shape, t.dtype, t.role, undefined, t.name);
      tensors.set(t.id, copy);
      return copy;
    };
    for (const t of this.inputs) c.inputs.push(map(t));
    for (const [src, dst] of [[this.params, c.params], [this.buffers, c.buffers]] as const) {
      for (const [k, p] of src) dst.set(k, { ...p, tensor: map(p.tensor) });
    }
    for (const [id, v] of this.constants) c.constants.set(id, v);
    for (const n of this.nodes) {
      const node: Node = { op: n.op, inputs: n.inputs.map(map), outputs: [], attrs: n.attrs, scope: n.scope };
      node.outputs = n.outputs.map((o) => {
        const t = new Tensor(c, o.id, o.shape, o.dtype, 'value', node);
        tensors.set(o.id, t);
        return t;
      });
      c.nodes.push(node);
    }
    for (const [k, t] of this.bufferUpdates) c.bufferUpdates.set(k, map(t));
    for (const [k, t] of this.outputs) c.outputs.set(k, map(t));
    c.nextId = this.nextId;
    return { graph: c, map };
  }
}
