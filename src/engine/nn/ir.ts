/**
 * The engine's intermediate representation, a leaf module (it imports only shape.ts):
 * tensor handles, nodes, dtypes, and the definition of an op with a typed attribute
 * schema. The graph (graph.ts) records nodes and looks ops up in a table of these
 * definitions (ops/registry.ts); ops build their gradients through the `GraphHandle`
 * a tensor carries, so neither side needs the other's module.
 */
import { ShapeError, fmtShape, sizeOf, type Shape } from './shape';

export { ShapeError, fmtShape, sizeOf, type Shape };

export type DType = 'float32' | 'float64' | 'int64' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool'];
/** ONNX TensorProto.DataType of each dtype. */
export const ONNX_DTYPE: Record<DType, number> = { float32: 1, float64: 11, int64: 7, bool: 9 };

export type TensorRole = 'input' | 'param' | 'buffer' | 'constant' | 'value';

// ------------------------------------------------------------ attributes

/** Kinds of op attributes; the ONNX attribute type follows from the kind, never from the name. */
export type AttrKind = 'int' | 'float' | 'ints' | 'string' | 'dtype';
export type AttrSchema = Readonly<Record<string, AttrKind>>;
export type AttrValue = number | string | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

type ValueOf<K extends AttrKind> = K extends 'int' | 'float' ? number : K extends 'ints' ? readonly number[] : K extends 'dtype' ? DType : string;
/** The attributes of an op with schema S, typed. */
export type AttrsOf<S extends AttrSchema> = { readonly [K in keyof S]: ValueOf<S[K]> };

/** Checks attributes against a schema: every key present, none unknown, each of its kind. Returns a message or undefined. */
export function checkAttrs(schema: AttrSchema, attrs: Attrs): string | undefined {
  for (const k of Object.keys(attrs)) if (!(k in schema)) return `unknown attribute '${k}' (expected ${Object.keys(schema).join(', ') || 'none'})`;
  for (const [k, kind] of Object.entries(schema)) {
    const v = attrs[k];
    if (v === undefined) return `missing attribute '${k}' (${kind})`;
    const ok =
      kind === 'int' ? Number.isInteger(v) :
      kind === 'float' ? typeof v === 'number' && Number.isFinite(v) :
      kind === 'ints' ? Array.isArray(v) && v.every((x) => Number.isInteger(x)) :
      kind === 'dtype' ? DTYPES.includes(v as DType) :
      typeof v === 'string';
    if (!ok) return `attribute '${k}' must be ${kind}, got ${JSON.stringify(v)}`;
  }
  return undefined;
}

/** An ONNX attribute with its type spelled out (custom lowerings pass these to `OnnxEmitter.node`). */
export type OnnxAttr = { int: number } | { float: number } | { ints: readonly number[] } | { string: string };

/** The ONNX form of IR attributes, typed by the op's schema (a dtype becomes ONNX's enum). */
export function onnxAttrs(schema: AttrSchema, attrs: Attrs): Record<string, OnnxAttr> {
  const out: Record<string, OnnxAttr> = {};
  for (const [k, kind] of Object.entries(schema)) {
    const v = attrs[k];
    if (kind === 'int') out[k] = { int: v as number };
    else if (kind === 'float') out[k] = { float: v as number };
    else if (kind === 'ints') out[k] = { ints: v as readonly number[] };
    else if (kind === 'dtype') out[k] = { int: ONNX_DTYPE[v as DType] };
    else out[k] = { string: v as string };
  }
  return out;
}

// ------------------------------------------------------------ tensors and nodes

/** What a tensor needs from the graph it belongs to: ops add nodes through it. */
export interface GraphHandle {
  readonly name: string;
  readonly dtype: 'float32' | 'float64';
  op(type: string, inputs: Tensor[], attrs?: Attrs): Tensor[];
  op1(type: string, inputs: Tensor[], attrs?: Attrs): Tensor;
  constant(data: ArrayLike<number>, shape: Shape, dtype?: DType): Tensor;
  scalar(value: number, dtype?: DType): Tensor;
  scope<T>(name: string, fn: () => T): T;
  fail(message: string): never;
}

export interface Node {
  op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  attrs: Attrs;
  /** Module path when the node was added (for error messages and ONNX node names). */
  scope: string;
}

/** A symbolic tensor: an edge of the graph, with a static shape. */
export class Tensor {
  constructor(
    readonly graph: GraphHandle,
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

export interface ConstantValue {
  data: Float64Array | Float32Array | BigInt64Array | Uint8Array;
}

// ------------------------------------------------------------ op definitions

export interface TensorInfo {
  shape: Shape;
  dtype: DType;
}

export interface OnnxEmitter {
  /** Value name of a tensor of the graph. */
  name(t: Tensor): string;
  /** Name of an int64 constant (shapes, axes, pads). */
  int64(values: readonly number[]): string;
  /** Name of a 0-d constant of the given dtype. */
  scalar(value: number, dtype: DType): string;
  /** Name of a 1-d constant of `length` copies of `value`. */
  filled(value: number, length: number, dtype: DType): string;
  /** A fresh value name for an intermediate of a lowering that emits several nodes. */
  temp(hint: string): string;
  node(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, OnnxAttr>): void;
}

export interface GradArgs<A = Attrs> {
  node: Node;
  x: Tensor[];
  /** The node's first output and the gradient arriving at it (zeros when only other outputs get one). */
  y: Tensor;
  dy: Tensor;
  /** Every output and its incoming gradient, for ops with several outputs. */
  ys: Tensor[];
  dys: (Tensor | undefined)[];
  /** needs[k]: whether input k requires a gradient (skip the work otherwise). */
  needs: boolean[];
  attrs: A;
}

/** One op of the IR: its attribute schema, shape rule, gradient rule and ONNX lowering. */
export interface OpDef<S extends AttrSchema = AttrSchema> {
  readonly attrs: S;
  infer(x: Tensor[], attrs: AttrsOf<S>): TensorInfo[];
  /** Gradients of the inputs (undefined where not needed or not differentiable). Absent: the op stops gradients. */
  grad?: (a: GradArgs<AttrsOf<S>>) => (Tensor | undefined)[];
  /** Emits the ONNX node(s); default: one node of the same type with the schema's attributes. */
  onnx?: (node: Node, attrs: AttrsOf<S>, e: OnnxEmitter) => void;
}

/** Type-checks a definition against its own schema, then erases the attribute types for the table. */
export function defineOp<S extends AttrSchema>(def: OpDef<S>): OpDef {
  return def as unknown as OpDef;
}

export type OpTable = Readonly<Record<string, OpDef>>;
