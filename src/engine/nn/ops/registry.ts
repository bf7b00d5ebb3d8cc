/**
 * THE op registry (the engine's derivatives.yaml): for every primitive op, its shape
 * rule (`infer`), its gradient rule (`grad`, written with the functional API so the
 * backward graph is built and shape-checked like any other), and, where the ONNX form
 * differs from the IR form, its lowering (`onnx`). Every IR op maps to one standard
 * ONNX operator (opset 18, default domain).
 *
 * To add an op: add an entry here, a function in functional.ts, and a case in
 * tests/unit/nn/op-gradients.test.ts (that test fails for any entry with a grad rule
 * but no finite-difference check).
 */
import type { DType, Node, Tensor } from '../graph';
import { ShapeError, broadcastShapes, fmtShape, sizeOf, shapeEq, type Shape } from '../shape';
import * as F from './functional';
import { convInputGrad, convWeightGrad, resizeGrad, unbroadcast, type ConvAttrs } from './lowering';

export type AttrValue = number | string | number[];
export type Attrs = Record<string, AttrValue>;

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
  node(opType: string, inputs: string[], outputs: string[], attrs?: Attrs): void;
}

export interface GradArgs {
  node: Node;
  x: Tensor[];
  y: Tensor;
  dy: Tensor;
  /** needs[k]: whether input k requires a gradient (skip the work otherwise). */
  needs: boolean[];
  attrs: Attrs;
}

export interface OpDef {
  infer(x: Tensor[], attrs: Attrs): TensorInfo[];
  /** Gradients of the inputs (undefined where not needed or not differentiable). Absent: the op stops gradients. */
  grad?: (a: GradArgs) => (Tensor | undefined)[];
  /** Emits the ONNX node(s); default: one node of the same type with attrs as ONNX attributes. */
  onnx?: (node: Node, e: OnnxEmitter) => void;
}

const ints = (a: Attrs, k: string) => a[k] as number[];
const int = (a: Attrs, k: string) => a[k] as number;
const num = int;
const str = (a: Attrs, k: string) => a[k] as string;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, k) => k + from);

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ShapeError(message);
}

function arity(x: Tensor[], n: number | [number, number]): void {
  const [lo, hi] = typeof n === 'number' ? [n, n] : n;
  check(x.length >= lo && x.length <= hi, `expected ${lo === hi ? lo : `${lo}-${hi}`} inputs, got ${x.length}`);
}

function isFloat(t: Tensor): boolean {
  return t.dtype === 'float32' || t.dtype === 'float64';
}

function sameType(x: Tensor[]): DType {
  for (const t of x) check(t.dtype === x[0].dtype, `dtype mismatch: ${x.map((t) => t.dtype).join(', ')}`);
  return x[0].dtype;
}

const unary = (grad?: OpDef['grad']): OpDef => ({
  infer: (x) => {
    arity(x, 1);
    check(isFloat(x[0]), `expected a float tensor, got ${x[0].dtype}`);
    return [{ shape: x[0].shape, dtype: x[0].dtype }];
  },
  grad,
});

const binary = (grad: OpDef['grad']): OpDef => ({
  infer: (x) => {
    arity(x, 2);
    return [{ shape: broadcastShapes(x[0].shape, x[1].shape), dtype: sameType(x) }];
  },
  grad,
});

const comparison: OpDef = {
  infer: (x) => {
    arity(x, 2);
    sameType(x);
    return [{ shape: broadcastShapes(x[0].shape, x[1].shape), dtype: 'bool' }];
  },
};

/** The kept-dims shape of a reduction, to broadcast a gradient back. */
function keptShape(x: Tensor, axes: number[]): number[] {
  return x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
}

const reduction = (grad: OpDef['grad']): OpDef => ({
  infer: (x, a) => {
    arity(x, 1);
    const axes = ints(a, 'axes');
    for (const ax of axes) check(ax >= 0 && ax < x[0].rank, `axis ${ax} out of range for ${fmtShape(x[0].shape)}`);
    const shape = int(a, 'keepdims') ? keptShape(x[0], axes) : x[0].shape.filter((_, k) => !axes.includes(k));
    return [{ shape, dtype: x[0].dtype }];
  },
  grad,
  onnx: (n, e) => e.node(n.op, [e.name(n.inputs[0]), e.int64(ints(n.attrs, 'axes'))], [e.name(n.outputs[0])], { keepdims: int(n.attrs, 'keepdims') }),
});

function convShape(x: Tensor[], a: Attrs, transposed: boolean): TensorInfo[] {
  arity(x, [2, 3]);
  const [inp, w, b] = x;
  const d = inp.rank - 2;
  check(d >= 1 && d <= 3, `expected a 3-D to 5-D input [N,C,...], got ${fmtShape(inp.shape)}`);
  check(w.rank === inp.rank, `weight ${fmtShape(w.shape)} does not match input ${fmtShape(inp.shape)}`);
  const g = int(a, 'group');
  const [s, p, dl] = [ints(a, 'strides'), ints(a, 'pads'), ints(a, 'dilations')];
  check(s.length === d && dl.length === d && p.length === 2 * d, `strides/pads/dilations do not fit ${d} spatial dims`);
  const C = inp.shape[1];
  let O: number;
  if (!transposed) {
    check(C === w.shape[1] * g, `input has ${C} channels, weight ${fmtShape(w.shape)} with group ${g} expects ${w.shape[1] * g}`);
    check(w.shape[0] % g === 0, `output channels ${w.shape[0]} not divisible by group ${g}`);
    O = w.shape[0];
  } else {
    check(C === w.shape[0], `input has ${C} channels, transposed-conv weight ${fmtShape(w.shape)} expects ${w.shape[0]}`);
    O = w.shape[1] * g;
  }
  if (b) check(b.rank === 1 && b.shape[0] === O, `bias ${fmtShape(b.shape)} should be [${O}]`);
  const op = transposed ? ints(a, 'output_padding') : new Array(d).fill(0);
  const spatial = range(d).map((i) => {
    const S = inp.shape[i + 2];
    const span = dl[i] * (w.shape[i + 2] - 1) + 1;
    return transposed ? (S - 1) * s[i] + op[i] + span - p[i] - p[i + d] : Math.floor((S + p[i] + p[i + d] - span) / s[i]) + 1;
  });
  check(spatial.every((v) => v > 0), `output would be empty: input ${fmtShape(inp.shape)}, kernel ${fmtShape(w.shape.slice(2))}`);
  return [{ shape: [inp.shape[0], O, ...spatial], dtype: sameType(x) }];
}

function convAttrs(a: Attrs): ConvAttrs {
  return { strides: ints(a, 'strides'), pads: ints(a, 'pads'), dilations: ints(a, 'dilations'), group: int(a, 'group') };
}

const biasGrad = (dy: Tensor) => F.reduceSum(dy, [0, ...range(dy.rank - 2, 2)]);

const RESIZE_MODES = ['nearest', 'linear'];

export const OPS: Record<string, OpDef> = {
  // ------------------------------------------------------------ element-wise
  Add: binary(({ x, dy, needs }) => [needs[0] ? unbroadcast(dy, x[0].shape) : undefined, needs[1] ? unbroadcast(dy, x[1].shape) : undefined]),
  Sub: binary(({ x, dy, needs }) => [needs[0] ? unbroadcast(dy, x[0].shape) : undefined, needs[1] ? unbroadcast(F.neg(dy), x[1].shape) : undefined]),
  Mul: binary(({ x, dy, needs }) => [
    needs[0] ? unbroadcast(F.mul(dy, x[1]), x[0].shape) : undefined,
    needs[1] ? unbroadcast(F.mul(dy, x[0]), x[1].shape) : undefined,
  ]),
  Div: binary(({ x, y, dy, needs }) => [
    needs[0] ? unbroadcast(F.div(dy, x[1]), x[0].shape) : undefined,
    needs[1] ? unbroadcast(F.neg(F.div(F.mul(dy, y), x[1])), x[1].shape) : undefined,
  ]),
  Max: binary(({ x, dy, needs }) => {
    const gA = F.where(F.greater(x[0], x[1]), dy, 0);
    return [needs[0] ? unbroadcast(gA, x[0].shape) : undefined, needs[1] ? unbroadcast(F.sub(dy, gA), x[1].shape) : undefined];
  }),
  Min: binary(({ x, dy, needs }) => {
    const gA = F.where(F.greater(x[1], x[0]), dy, 0);
    return [needs[0] ? unbroadcast(gA, x[0].shape) : undefined, needs[1] ? unbroadcast(F.sub(dy, gA), x[1].shape) : undefined];
  }),
  Where: {
    infer: (x) => {
      arity(x, 3);
      check(x[0].dtype === 'bool', `condition must be bool, got ${x[0].dtype}`);
      return [{ shape: broadcastShapes(x[0].shape, broadcastShapes(x[1].shape, x[2].shape)), dtype: sameType(x.slice(1)) }];
    },
    grad: ({ x, dy, needs }) => [
      undefined,
      needs[1] ? unbroadcast(F.where(x[0], dy, 0), x[1].shape) : undefined,
      needs[2] ? unbroadcast(F.where(x[0], 0, dy), x[2].shape) : undefined,
    ],
  },
  Greater: comparison,
  Equal: comparison,
  Cast: {
    infer: (x, a) => {
      arity(x, 1);
      return [{ shape: x[0].shape, dtype: str(a, 'to') as DType }];
    },
    onnx: (n, e) => e.node('Cast', [e.name(n.inputs[0])], [e.name(n.outputs[0])], { to: ONNX_DTYPE[str(n.attrs, 'to') as DType] }),
  },
  Sign: unary(),
  Identity: unary(({ dy }) => [dy]),
  Neg: unary(({ dy }) => [F.neg(dy)]),
  Exp: unary(({ y, dy }) => [F.mul(dy, y)]),
  Log: unary(({ x, dy }) => [F.div(dy, x[0])]),
  Sqrt: unary(({ y, dy }) => [F.div(F.mul(dy, 0.5), y)]),
  Abs: unary(({ x, dy }) => [F.mul(dy, F.sign(x[0]))]),
  Relu: unary(({ x, dy }) => [F.where(F.greater(x[0], 0), dy, 0)]),
  LeakyRelu: unary(({ x, dy, attrs }) => [F.where(F.greater(x[0], 0), dy, F.mul(dy, num(attrs, 'alpha')))]),
  Tanh: unary(({ y, dy }) => [F.mul(dy, F.sub(1, F.mul(y, y)))]),
  Sigmoid: unary(({ y, dy }) => [F.mul(dy, F.mul(y, F.sub(1, y)))]),
  Pow: {
    ...unary(({ x, dy, attrs }) => {
      const p = num(attrs, 'exponent');
      if (p === 1) return [dy];
      if (p === 2) return [F.mul(dy, F.mul(x[0], 2))];
      return [F.mul(dy, F.mul(F.pow(x[0], p - 1), p))];
    }),
    onnx: (n, e) => e.node('Pow', [e.name(n.inputs[0]), e.scalar(num(n.attrs, 'exponent'), n.inputs[0].dtype)], [e.name(n.outputs[0])]),
  },

  // ------------------------------------------------------------ linear algebra
  MatMul: {
    infer: (x) => {
      arity(x, 2);
      const [a, b] = x;
      check(a.rank >= 2 && b.rank >= 2, `MatMul needs inputs of rank >= 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
      check(a.shape[a.rank - 1] === b.shape[b.rank - 2], `inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
      return [{ shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]], dtype: sameType(x) }];
    },
    grad: ({ x, dy, needs }) => {
      const [a, b] = x;
      const T = (t: Tensor) => F.transpose(t, [...range(t.rank - 2), t.rank - 1, t.rank - 2]);
      if (a.rank === 2 && b.rank === 2) {
        return [needs[0] ? F.gemm(dy, b, { transB: true }) : undefined, needs[1] ? F.gemm(a, dy, { transA: true }) : undefined];
      }
      return [needs[0] ? unbroadcast(F.matmul(dy, T(b)), a.shape) : undefined, needs[1] ? unbroadcast(F.matmul(T(a), dy), b.shape) : undefined];
    },
  },
  Gemm: {
    infer: (x, at) => {
      arity(x, 2);
      const [a, b] = x;
      check(a.rank === 2 && b.rank === 2, `Gemm needs 2-D inputs, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
      const [m, k] = int(at, 'transA') ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const [k2, n] = int(at, 'transB') ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
      check(k === k2, `inner dimensions differ: ${fmtShape(a.shape)} (transA=${at.transA}) x ${fmtShape(b.shape)} (transB=${at.transB})`);
      return [{ shape: [m, n], dtype: sameType(x) }];
    },
    grad: ({ x, dy, needs, attrs }) => {
      const [a, b] = x;
      const tA = !!int(attrs, 'transA'), tB = !!int(attrs, 'transB');
      const dA = !needs[0] ? undefined : tA ? F.gemm(b, dy, { transA: tB, transB: true }) : F.gemm(dy, b, { transB: !tB });
      const dB = !needs[1] ? undefined : tB ? F.gemm(dy, a, { transA: true, transB: tA }) : F.gemm(a, dy, { transA: !tA });
      return [dA, dB];
    },
  },
  Conv: {
    infer: (x, a) => convShape(x, a, false),
    grad: ({ x, dy, needs, attrs }) => {
      const a = convAttrs(attrs);
      return [
        needs[0] ? convInputGrad(dy, x[1], x[0].shape, a) : undefined,
        needs[1] ? convWeightGrad(x[0], dy, x[1].shape, a) : undefined,
        x[2] && needs[2] ? biasGrad(dy) : undefined,
      ];
    },
  },
  ConvTranspose: {
    infer: (x, a) => convShape(x, a, true),
    grad: ({ x, dy, needs, attrs }) => {
      const a = convAttrs(attrs);
      return [
        needs[0] ? F.conv(dy, x[1], undefined, a) : undefined,
        // ConvTranspose is the adjoint of Conv: its weight gradient is Conv's with input and output swapped.
        needs[1] ? convWeightGrad(dy, x[0], x[1].shape, a) : undefined,
        x[2] && needs[2] ? biasGrad(dy) : undefined,
      ];
    },
  },

  // ------------------------------------------------------------ shape
  Reshape: {
    infer: (x, a) => {
      arity(x, 1);
      const shape = ints(a, 'shape');
      check(sizeOf(shape) === x[0].size && shape.every((d) => Number.isInteger(d) && d >= 0), `cannot reshape ${fmtShape(x[0].shape)} to ${fmtShape(shape)}`);
      return [{ shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy }) => [F.reshape(dy, x[0].shape)],
    onnx: (n, e) => e.node('Reshape', [e.name(n.inputs[0]), e.int64(ints(n.attrs, 'shape'))], [e.name(n.outputs[0])]),
  },
  Transpose: {
    infer: (x, a) => {
      arity(x, 1);
      const perm = ints(a, 'perm');
      check(perm.length === x[0].rank && [...perm].sort().every((p, k) => p === k), `perm ${fmtShape(perm)} does not fit ${fmtShape(x[0].shape)}`);
      return [{ shape: perm.map((p) => x[0].shape[p]), dtype: x[0].dtype }];
    },
    grad: ({ dy, attrs }) => {
      const perm = ints(attrs, 'perm');
      return [F.transpose(dy, perm.map((_, k) => perm.indexOf(k)))];
    },
  },
  Concat: {
    infer: (x, a) => {
      check(x.length >= 1, 'Concat of no inputs');
      const axis = int(a, 'axis');
      const r = x[0].rank;
      check(axis >= 0 && axis < r, `axis ${axis} out of range for rank ${r}`);
      for (const t of x) {
        check(t.rank === r && t.shape.every((d, k) => k === axis || d === x[0].shape[k]), `cannot concatenate ${x.map((t) => fmtShape(t.shape)).join(' and ')} on axis ${axis}`);
      }
      const shape = [...x[0].shape];
      shape[axis] = x.reduce((s, t) => s + t.shape[axis], 0);
      return [{ shape, dtype: sameType(x) }];
    },
    grad: ({ x, dy, needs, attrs }) => {
      const axis = int(attrs, 'axis');
      let off = 0;
      return x.map((t, k) => {
        const start = off;
        off += t.shape[axis];
        return needs[k] ? F.narrow(dy, axis, start, start + t.shape[axis]) : undefined;
      });
    },
  },
  Slice: {
    infer: (x, a) => {
      arity(x, 1);
      const shape = [...x[0].shape];
      ints(a, 'axes').forEach((ax, k) => {
        check(ax >= 0 && ax < shape.length, `axis ${ax} out of range for ${fmtShape(x[0].shape)}`);
        shape[ax] = ints(a, 'counts')[k];
      });
      return [{ shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs }) => {
      const [axes, starts, steps, counts] = [ints(attrs, 'axes'), ints(attrs, 'starts'), ints(attrs, 'steps'), ints(attrs, 'counts')];
      const r = x[0].rank;
      const pads = new Array(2 * r).fill(0);
      let g = dy;
      axes.forEach((ax, k) => {
        const n = counts[k];
        const dim = x[0].shape[ax];
        let first = starts[k], step = steps[k];
        if (n === 0) return;
        if (step < 0) {
          g = F.flip(g, [ax]);
          first = starts[k] + (n - 1) * step;
          step = -step;
        }
        if (step > 1) {
          // Spread the n values `step` apart: [.., n, ..] -> [.., n, step, ..] padded with zeros -> trim.
          const s = [...g.shape];
          s.splice(ax + 1, 0, 1);
          const p = new Array(2 * (r + 1)).fill(0);
          p[r + 1 + ax + 1] = step - 1;
          const spread = F.pad(F.reshape(g, s), p);
          const flat = [...g.shape];
          flat[ax] = n * step;
          g = F.narrow(F.reshape(spread, flat), ax, 0, (n - 1) * step + 1);
        }
        pads[ax] = first;
        pads[r + ax] = dim - first - ((n - 1) * step + 1);
      });
      return [pads.some((p) => p !== 0) ? F.pad(g, pads) : g];
    },
    onnx: (n, e) => {
      const [axes, starts, steps, counts] = [ints(n.attrs, 'axes'), ints(n.attrs, 'starts'), ints(n.attrs, 'steps'), ints(n.attrs, 'counts')];
      // A negative end would wrap around; -2^53 means "before index 0".
      const ends = starts.map((s, k) => {
        const end = s + counts[k] * steps[k];
        return end < 0 ? Number.MIN_SAFE_INTEGER : end;
      });
      e.node('Slice', [e.name(n.inputs[0]), e.int64(starts), e.int64(ends), e.int64(axes), e.int64(steps)], [e.name(n.outputs[0])]);
    },
  },
  Pad: {
    infer: (x, a) => {
      arity(x, 1);
      const pads = ints(a, 'pads');
      const r = x[0].rank;
      check(pads.length === 2 * r && pads.every((p) => p >= 0), `pads ${fmtShape(pads)} do not fit rank ${r} (non-negative, begins then ends)`);
      check(a.mode === 'constant' || a.mode === 'reflect', `unsupported pad mode '${a.mode}'`);
      if (a.mode === 'reflect') check(x[0].shape.every((d, k) => pads[k] < d && pads[k + r] < d), `reflect pads ${fmtShape(pads)} must be smaller than ${fmtShape(x[0].shape)}`);
      return [{ shape: x[0].shape.map((d, k) => d + pads[k] + pads[k + r]), dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs }) => {
      const pads = ints(attrs, 'pads');
      const r = x[0].rank;
      const inner = F.slice(dy, pads.slice(0, r), x[0].shape.map((d, k) => pads[k] + d));
      if (attrs.mode === 'constant') return [inner];
      // Reflect: fold the mirrored borders back onto the rows they copied, one axis at a time.
      let g = dy;
      for (let ax = 0; ax < r; ax++) {
        const [b, e, n] = [pads[ax], pads[ax + r], x[0].shape[ax]];
        const L = g.shape[ax];
        let c = F.narrow(g, ax, b, b + n);
        const padAxis = (t: Tensor, before: number, after: number) => {
          const p = new Array(2 * r).fill(0);
          p[ax] = before;
          p[ax + r] = after;
          return F.pad(t, p);
        };
        if (b > 0) c = F.add(c, padAxis(F.flip(F.narrow(g, ax, 0, b), [ax]), 1, n - 1 - b));
        if (e > 0) c = F.add(c, padAxis(F.flip(F.narrow(g, ax, L - e, L), [ax]), n - 1 - e, 1));
        g = c;
      }
      return [g];
    },
    onnx: (n, e) => {
      const x = n.inputs[0];
      const inputs = [e.name(x), e.int64(ints(n.attrs, 'pads'))];
      if (n.attrs.mode === 'constant') inputs.push(e.scalar(num(n.attrs, 'value'), x.dtype));
      e.node('Pad', inputs, [e.name(n.outputs[0])], { mode: str(n.attrs, 'mode') });
    },
  },
  Expand: {
    infer: (x, a) => {
      arity(x, 1);
      const shape = ints(a, 'shape');
      const out = broadcastShapes(x[0].shape, shape);
      check(shapeEq(out, shape), `cannot expand ${fmtShape(x[0].shape)} to ${fmtShape(shape)}`);
      return [{ shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy }) => [unbroadcast(dy, x[0].shape)],
    onnx: (n, e) => e.node('Expand', [e.name(n.inputs[0]), e.int64(ints(n.attrs, 'shape'))], [e.name(n.outputs[0])]),
  },
  Resize: {
    infer: (x, a) => {
      arity(x, 1);
      const sizes = ints(a, 'sizes');
      check(sizes.length === x[0].rank && sizes.every((s) => s > 0), `sizes ${fmtShape(sizes)} do not fit ${fmtShape(x[0].shape)}`);
      check(RESIZE_MODES.includes(str(a, 'mode')), `mode must be nearest or linear, got '${a.mode}'`);
      check(sizes.slice(0, -2).every((s, k) => s === x[0].shape[k]), `only the last two axes can be resized (${fmtShape(x[0].shape)} -> ${fmtShape(sizes)})`);
      return [{ shape: sizes, dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs }) => [resizeGrad(dy, x[0].shape, str(attrs, 'mode') as 'nearest' | 'linear', !!int(attrs, 'align_corners'))],
    onnx: (n, e) => {
      const linear = n.attrs.mode === 'linear';
      const ctm = linear ? (int(n.attrs, 'align_corners') ? 'align_corners' : 'half_pixel') : 'asymmetric';
      e.node('Resize', [e.name(n.inputs[0]), '', '', e.int64(ints(n.attrs, 'sizes'))], [e.name(n.outputs[0])], {
        mode: str(n.attrs, 'mode'),
        coordinate_transformation_mode: ctm,
        nearest_mode: 'floor',
      });
    },
  },

  // ------------------------------------------------------------ reductions
  ReduceSum: reduction(({ x, dy, attrs }) => [F.expand(F.reshape(dy, keptShape(x[0], ints(attrs, 'axes'))), x[0].shape)]),
  ReduceMean: reduction(({ x, dy, attrs }) => {
    const axes = ints(attrs, 'axes');
    const count = axes.reduce((n, a) => n * x[0].shape[a], 1);
    return [F.expand(F.reshape(F.div(dy, count), keptShape(x[0], axes)), x[0].shape)];
  }),
  ReduceMax: reduction(({ x, y, dy, attrs }) => {
    const kept = keptShape(x[0], ints(attrs, 'axes'));
    const hit = F.equal(x[0], F.reshape(y, kept));
    return [F.where(hit, F.reshape(dy, kept), 0)];
  }),
};

export const ONNX_DTYPE: Record<DType, number> = { float32: 1, float64: 11, int64: 7, bool: 9 };
