/**
 * The functional op API: every function adds one registered op to the tensor's graph
 * (or a few, for conveniences such as `mean`). Gradient rules are written with these
 * same functions, so a gradient graph is shape-checked exactly like a forward graph.
 */
import type { DType, Tensor } from '../ir';
import { sizeOf } from '../shape';

export type Operand = Tensor | number;

function pair(a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error('at least one operand must be a tensor');
  const ta = typeof a === 'number' ? (b as Tensor).graph.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === 'number' ? ta.graph.scalar(b, ta.dtype) : b;
  return [ta, tb];
}

const bin = (op: string) => (a: Operand, b: Operand): Tensor => {
  const [x, y] = pair(a, b);
  return x.graph.op1(op, [x, y]);
};
const un = (op: string) => (x: Tensor): Tensor => x.graph.op1(op, [x]);

export const add = bin('Add');
export const sub = bin('Sub');
export const mul = bin('Mul');
export const div = bin('Div');
export const max = bin('Max');
export const min = bin('Min');
export const greater = bin('Greater');
export const equal = bin('Equal');

export const neg = un('Neg');
export const exp = un('Exp');
export const log = un('Log');
export const sqrt = un('Sqrt');
export const abs = un('Abs');
export const sign = un('Sign');
export const relu = un('Relu');
export const tanh = un('Tanh');
export const sigmoid = un('Sigmoid');
export const identity = un('Identity');

export function pow(x: Tensor, exponent: number): Tensor {
  return x.graph.op1('Pow', [x], { exponent });
}

export function square(x: Tensor): Tensor {
  return mul(x, x);
}

export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  return x.graph.op1('LeakyRelu', [x], { alpha });
}

export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const [x, y] = pair(a, b);
  return cond.graph.op1('Where', [cond, x, y]);
}

export function cast(x: Tensor, to: DType): Tensor {
  return x.graph.op1('Cast', [x], { to });
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  return a.graph.op1('MatMul', [a, b]);
}

/** op(a) @ op(b) for 2-D a, b (op = transpose when the flag is set). */
export function gemm(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
  return a.graph.op1('Gemm', [a, b], { transA: opts.transA ? 1 : 0, transB: opts.transB ? 1 : 0 });
}

export interface ConvOptions {
  strides?: readonly number[];
  /** ONNX layout: [begin_1..begin_n, end_1..end_n]. */
  pads?: readonly number[];
  dilations?: readonly number[];
  group?: number;
}

function convAttrs(x: Tensor, opts: ConvOptions & { output_padding?: readonly number[] }) {
  const d = x.rank - 2;
  return {
    strides: [...(opts.strides ?? new Array<number>(d).fill(1))],
    pads: [...(opts.pads ?? new Array<number>(2 * d).fill(0))],
    dilations: [...(opts.dilations ?? new Array<number>(d).fill(1))],
    group: opts.group ?? 1,
    ...(opts.output_padding ? { output_padding: [...opts.output_padding] } : {}),
  };
}

export function conv(x: Tensor, w: Tensor, bias: Tensor | undefined, opts: ConvOptions = {}): Tensor {
  return x.graph.op1('Conv', bias ? [x, w, bias] : [x, w], convAttrs(x, opts));
}

export function convTranspose(x: Tensor, w: Tensor, bias: Tensor | undefined, opts: ConvOptions & { outputPadding?: readonly number[] } = {}): Tensor {
  const d = x.rank - 2;
  return x.graph.op1('ConvTranspose', bias ? [x, w, bias] : [x, w], convAttrs(x, { ...opts, output_padding: opts.outputPadding ?? new Array(d).fill(0) }));
}

/**
 * Batch normalisation statistics and output in training mode (channels on axis 1):
 * [y, batch mean, biased batch variance]; weight and bias default to 1 and 0.
 */
export function batchNormTrain(x: Tensor, weight: Tensor | undefined, bias: Tensor | undefined, epsilon: number): [Tensor, Tensor, Tensor] {
  const C = x.shape[1];
  const w = weight ?? x.graph.constant(new Array<number>(C).fill(1), [C], x.dtype);
  const b = bias ?? x.graph.constant(new Array<number>(C).fill(0), [C], x.dtype);
  const [y, mean, variance] = x.graph.op('BatchNormTrain', [x, w, b], { epsilon });
  return [y, mean, variance];
}

/** x * scale + shift with per-channel (axis 1) scale and shift [C], in one pass. */
export function scaleShift(x: Tensor, scale: Tensor, shift: Tensor): Tensor {
  return x.graph.op1('ScaleShift', [x, scale, shift]);
}

/** Reshape; one dimension may be -1 and 0 keeps the input's dimension. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = shape.map((d, k) => (d === 0 ? x.shape[k] : d));
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, k) => k !== unknown));
    out[unknown] = known > 0 ? x.size / known : 0;
  }
  return x.graph.op1('Reshape', [x], { shape: out });
}

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  return x.graph.op1('Transpose', [x], { perm: [...perm] });
}

export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat of no tensors');
  const a = axis < 0 ? axis + xs[0].rank : axis;
  if (xs.length === 1) return xs[0];
  return xs[0].graph.op1('Concat', xs, { axis: a });
}

/**
 * Slice with Python semantics (negative indices count from the end, ends clamp);
 * stored normalised as start/step/count per axis so shapes are exact.
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
  const ax = (axes ?? starts.map((_, k) => k)).map((a) => (a < 0 ? a + x.rank : a));
  const st = steps ?? starts.map(() => 1);
  const nStarts: number[] = [], counts: number[] = [];
  ax.forEach((a, k) => {
    const dim = x.shape[a];
    const step = st[k];
    if (step === 0) x.graph.fail(`Slice: step 0 on axis ${a}`);
    let s = starts[k], e = ends[k];
    if (s < 0) s += dim;
    if (e < 0 && e > -1e15) e += dim;
    if (step > 0) {
      s = clamp(s, 0, dim);
      e = clamp(e, 0, dim);
      counts.push(Math.max(0, Math.ceil((e - s) / step)));
    } else {
      s = clamp(s, -1, dim - 1);
      e = clamp(e, -1, dim - 1);
      counts.push(Math.max(0, Math.ceil((e - s) / step)));
    }
    nStarts.push(s);
  });
  return x.graph.op1('Slice', [x], { axes: ax, starts: nStarts, steps: [...st], counts });
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Slice along one axis: [start, end) with a step. */
export function narrow(x: Tensor, axis: number, start: number, end: number, step = 1): Tensor {
  return slice(x, [start], [end], [axis], [step]);
}

/** Reverses the given axes. */
export function flip(x: Tensor, axes: readonly number[]): Tensor {
  return slice(x, axes.map(() => -1), axes.map(() => -1e16), axes, axes.map(() => -1));
}

/** pads: ONNX layout [begin_1..begin_r, end_1..end_r] over all r axes. */
export function pad(x: Tensor, pads: readonly number[], mode: 'constant' | 'reflect' = 'constant', value = 0): Tensor {
  return x.graph.op1('Pad', [x], { pads: [...pads], mode, value });
}

export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return x.graph.op1('Expand', [x], { shape: [...shape] });
}

function axesOf(x: Tensor, axes?: readonly number[]): number[] {
  return (axes ?? x.shape.map((_, k) => k)).map((a) => (a < 0 ? a + x.rank : a));
}

export function reduceSum(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.op1('ReduceSum', [x], { axes: axesOf(x, axes), keepdims: keepdims ? 1 : 0 });
}

export function reduceMean(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.op1('ReduceMean', [x], { axes: axesOf(x, axes), keepdims: keepdims ? 1 : 0 });
}

export function reduceMax(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.op1('ReduceMax', [x], { axes: axesOf(x, axes), keepdims: keepdims ? 1 : 0 });
}

/** Mean of all elements (a scalar). */
export function mean(x: Tensor): Tensor {
  return reduceMean(x);
}

export interface ResizeOptions {
  mode?: 'nearest' | 'linear';
  /** Linear only: PyTorch's align_corners=True. Default false (half-pixel centres). */
  alignCorners?: boolean;
}

/** Resizes to `sizes` (full output shape; usually only the spatial axes change). */
export function resize(x: Tensor, sizes: readonly number[], opts: ResizeOptions = {}): Tensor {
  return x.graph.op1('Resize', [x], { sizes: [...sizes], mode: opts.mode ?? 'nearest', align_corners: opts.alignCorners ? 1 : 0 });
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}


/**
 * Average pooling over the spatial axes as a depthwise Conv with a constant kernel
 * (zero padding counts, like PyTorch's count_include_pad=True); its gradient is the
 * Conv input gradient. For pix2pixHD's multi-scale discriminator: avgPool(x, 3, 2, 1).
 */
export function avgPool(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  const d = x.rank - 2;
  const C = x.shape[1];
  const k = new Array(d).fill(kernel);
  const taps = kernel ** d;
  const w = x.graph.constant(new Array(C * taps).fill(1 / taps), [C, 1, ...k], x.dtype);
  return conv(x, w, undefined, { strides: new Array(d).fill(stride), pads: new Array(2 * d).fill(padding), group: C });
}
