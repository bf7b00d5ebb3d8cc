/**
 * The traced graph: tensor handles, nodes, named parameters and state buffers.
 * Building a network records nodes here; every node's output shape is inferred by
 * the op registry the moment it is added, so shape errors surface at build time
 * and name the module path that was being built (`generator.temporal.conv2: ...`).
 */
import { OPS, type Attrs } from './ops/registry';
import type { Init } from './init';

import { ShapeError, fmtShape, sizeOf, type Shape } from './shape';

export { ShapeError, fmtShape, sizeOf, type Shape };
export type DType = 'float32' | 'float64' | 'int64' | 'bool';

export interface Node {
  op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  attrs: Attrs;
  /** Module path when the node was added (for error messages and ONNX node names). */
  scope: string;
}

export type TensorRole = 'input' | 'param' | 'buffer' | 'constant' | 'value';

/** A symbolic tensor: an edge of the graph, with a static shape. */
export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly role: TensorRole,
    /** The producing node (undefined for inputs, parameters, buffers and constants). */
    readonly node?: Node,
    /** Graph-level name for inputs, parameters and buffers. */
    readonly name?: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  toString(): string {
    return `${this.name ?? `t${this.id}`}${fmtShape(this.shape)}`;
  }
}

export interface ParamSpec {
  name: string;
  shape: Shape;
  init: Init;
  tensor: Tensor;
}

export interface ConstantValue {
  data: Float64Array | Float32Array | BigInt64Array | Uint8Array;
}

export interface GraphOptions {
  /** Floating dtype of inputs, parameters and constants (float64 is for gradient checks). */
  dtype?: 'float32' | 'float64';
  /** Modules such as BatchNorm read this (training: batch statistics, running stats updated). */
  training?: boolean;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params = new Map<string, ParamSpec>();
  readonly buffers = new Map<string, ParamSpec>();
  /** New values of state buffers (e.g. BatchNorm running statistics) computed by this graph. */
  readonly bufferUpdates = new Map<string, Tensor>();
  readonly outputs = new Map<string, Tensor>();
  readonly constants = new Map<number, ConstantValue>();
  readonly dtype: 'float32' | 'float64';
  training: boolean;
  private nextId = 0;
  private scopes: string[] = [];

  constructor(readonly name: string, opts: GraphOptions = {}) {
    this.dtype = opts.dtype ?? 'float32';
    this.training = opts.training ?? true;
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

  /** Adds a node; the registry infers (and checks) its output shapes. */
  op(type: string, inputs: Tensor[], attrs: Attrs = {}): Tensor[] {
    const def = OPS[type];
    if (!def) this.fail(`unknown op '${type}'`);
    for (const x of inputs) if (x.graph !== this) this.fail(`${type}: input ${x} belongs to graph '${x.graph.name}', not '${this.name}'`);
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
}
