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
import { ShapeError, broadcastShapes, fmtShape, sizeOf, shapeEq } from '../shape';
import { defineOp, type DType, type OpDef, type OpTable, type Tensor, type TensorInfo } from '../ir';
import * as F from './functional';
import { convInputGrad, convWeightGrad, resizeGrad, unbroadcast, type ConvAttrs } from './lowering';

export { ONNX_DTYPE } from '../ir';
export type { OpDef, GradArgs, OnnxEmitter, Attrs, AttrValue, AttrSchema } from '../ir';

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

const NO_ATTRS = {} as const;

const unary = (grad?: OpDef<typeof NO_ATTRS>['grad']): OpDef =>
  defineOp({
    attrs: NO_ATTRS,
    infer: (x) => {
      arity(x, 1);
      check(isFloat(x[0]), `expected a float tensor, got ${x[0].dtype}`);
      return [{ shape: x[0].shape, dtype: x[0].dtype }];
    },
    grad,
  });

const binary = (grad: OpDef<typeof NO_ATTRS>['grad']): OpDef =>
  defineOp({
    attrs: NO_ATTRS,
    infer: (x) => {
      arity(x, 2);
      return [{ shape: broadcastShapes(x[0].shape, x[1].shape), dtype: sameType(x) }];
    },
    grad,
  });

const comparison: OpDef = defineOp({
  attrs: NO_ATTRS,
  infer: (x) => {
    arity(x, 2);
    sameType(x);
    return [{ shape: broadcastShapes(x[0].shape, x[1].shape), dtype: 'bool' }];
  },
});

/** The kept-dims shape of a reduction, to broadcast a gradient back. */
function keptShape(x: Tensor, axes: readonly number[]): number[] {
  return x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
}

const REDUCE = { axes: 'ints', keepdims: 'int' } as const;

const reduction = (grad: OpDef<typeof REDUCE>['grad']): OpDef =>
  defineOp({
    attrs: REDUCE,
    infer: (x, a) => {
      arity(x, 1);
      for (const ax of a.axes) check(ax >= 0 && ax < x[0].rank, `axis ${ax} out of range for ${fmtShape(x[0].shape)}`);
      const shape = a.keepdims ? keptShape(x[0], a.axes) : x[0].shape.filter((_, k) => !a.axes.includes(k));
      return [{ shape, dtype: x[0].dtype }];
    },
    grad,
    onnx: (n, a, e) => e.node(n.op, [e.name(n.inputs[0]), e.int64(a.axes)], [e.name(n.outputs[0])], { keepdims: { int: a.keepdims } }),
  });

const CONV = { strides: 'ints', pads: 'ints', dilations: 'ints', group: 'int' } as const;
const CONV_TRANSPOSE = { ...CONV, output_padding: 'ints' } as const;

function convShape(x: Tensor[], a: ConvAttrs & { output_padding?: readonly number[] }, transposed: boolean): TensorInfo[] {
  arity(x, [2, 3]);
  const [inp, w, b] = x;
  const d = inp.rank - 2;
  check(d >= 1 && d <= 3, `expected a 3-D to 5-D input [N,C,...], got ${fmtShape(inp.shape)}`);
  check(w.rank === inp.rank, `weight ${fmtShape(w.shape)} does not match input ${fmtShape(inp.shape)}`);
  const g = a.group;
  const [s, p, dl] = [a.strides, a.pads, a.dilations];
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
  const op = transposed ? a.output_padding ?? [] : new Array<number>(d).fill(0);
  check(op.length === d, `output_padding ${fmtShape(op)} does not fit ${d} spatial dims`);
  const spatial = range(d).map((i) => {
    const S = inp.shape[i + 2];
    const span = dl[i] * (w.shape[i + 2] - 1) + 1;
    return transposed ? (S - 1) * s[i] + op[i] + span - p[i] - p[i + d] : Math.floor((S + p[i] + p[i + d] - span) / s[i]) + 1;
  });
  check(spatial.every((v) => v > 0), `output would be empty: input ${fmtShape(inp.shape)}, kernel ${fmtShape(w.shape.slice(2))}`);
  return [{ shape: [inp.shape[0], O, ...spatial], dtype: sameType(x) }];
}

/**
 * Gradients of BatchNormTrain (x, weight, bias -> y, mean, var) in closed form: with
 * r = 1/sqrt(var + eps), n values per channel, dgamma = r (sum(dy x) - mean sum(dy)) and
 * dx = k1 dy + k2 x + k3 per channel (k1 = w r, k2 = -k1 r dgamma / n, k3 = -k1 sum(dy)/n - k2 mean):
 * two reductions, and dx in three passes (one Mul, one ScaleShift, one Add).
 */
function batchNormGrad(x: Tensor, w: Tensor, mean: Tensor, variance: Tensor, dys: (Tensor | undefined)[], needs: boolean[], eps: number): (Tensor | undefined)[] {
  const [dyIn, dMean, dVar] = dys;
  const C = x.shape[1];
  const n = x.size / C;
  const axes = x.shape.map((_, k) => k).filter((k) => k !== 1);
  const cs = x.shape.map((d, k) => (k === 1 ? d : 1));
  const r = F.div(1, F.sqrt(F.add(variance, eps)));
  let dx: Tensor | undefined, dgamma: Tensor | undefined, sumDy: Tensor | undefined;
  let k2: Tensor | undefined, k3: Tensor | undefined;
  if (dyIn) {
    sumDy = F.reduceSum(dyIn, axes);
    dgamma = F.mul(r, F.sub(F.reduceSum(F.mul(dyIn, x), axes), F.mul(mean, sumDy)));
    if (needs[0]) {
      const k1 = F.mul(w, r);
      k2 = F.neg(F.mul(F.mul(k1, r), F.div(dgamma, n)));
      k3 = F.sub(F.neg(F.mul(k1, F.div(sumDy, n))), F.mul(k2, mean));
      dx = F.mul(dyIn, F.reshape(k1, cs));
    }
  }
  if (needs[0] && (dMean || dVar)) {
    // mean = sum(x)/n adds dMean/n everywhere; var = sum((x - mean)^2)/n adds 2 dVar (x - mean)/n.
    const zero = F.mul(mean, 0);
    let a = k2 ?? zero, c = k3 ?? zero;
    if (dMean) c = F.add(c, F.div(dMean, n));
    if (dVar) {
      a = F.add(a, F.mul(dVar, 2 / n));
      c = F.sub(c, F.mul(F.mul(dVar, 2 / n), mean));
    }
    [k2, k3] = [a, c];
  }
  if (needs[0] && k2 && k3) {
    const affine = F.scaleShift(x, k2, k3);
    dx = dx ? F.add(dx, affine) : affine;
  }
  return [needs[0] ? dx : undefined, needs[1] ? dgamma : undefined, needs[2] ? sumDy : undefined];
}

const biasGrad = (dy: Tensor) => F.reduceSum(dy, [0, ...range(dy.rank - 2, 2)]);

const RESIZE_MODES = ['nearest', 'linear'];
const PAD_MODES = ['constant', 'reflect'];

/** The op table (one per process; graphs look ops up here unless given another table). */
export const OPS: OpTable = {
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
  Where: defineOp({
    attrs: NO_ATTRS,
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
  }),
  Greater: comparison,
  Equal: comparison,
  Cast: defineOp({
    attrs: { to: 'dtype' },
    infer: (x, a) => {
      arity(x, 1);
      return [{ shape: x[0].shape, dtype: a.to }];
    },
  }),
  Sign: unary(),
  Identity: unary(({ dy }) => [dy]),
  Neg: unary(({ dy }) => [F.neg(dy)]),
  Exp: unary(({ y, dy }) => [F.mul(dy, y)]),
  Log: unary(({ x, dy }) => [F.div(dy, x[0])]),
  Sqrt: unary(({ y, dy }) => [F.div(F.mul(dy, 0.5), y)]),
  Abs: unary(({ x, dy }) => [F.mul(dy, F.sign(x[0]))]),
  Relu: unary(({ x, dy }) => [F.where(F.greater(x[0], 0), dy, 0)]),
  LeakyRelu: defineOp({
    attrs: { alpha: 'float' },
    infer: (x) => {
      arity(x, 1);
      check(isFloat(x[0]), `expected a float tensor, got ${x[0].dtype}`);
      return [{ shape: x[0].shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs }) => [F.where(F.greater(x[0], 0), dy, F.mul(dy, attrs.alpha))],
  }),
  Tanh: unary(({ y, dy }) => [F.mul(dy, F.sub(1, F.mul(y, y)))]),
  Sigmoid: unary(({ y, dy }) => [F.mul(dy, F.mul(y, F.sub(1, y)))]),
  Pow: defineOp({
    attrs: { exponent: 'float' },
    infer: (x) => {
      arity(x, 1);
      check(isFloat(x[0]), `expected a float tensor, got ${x[0].dtype}`);
      return [{ shape: x[0].shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs }) => {
      const p = attrs.exponent;
      if (p === 1) return [dy];
      if (p === 2) return [F.mul(dy, F.mul(x[0], 2))];
      return [F.mul(dy, F.mul(F.pow(x[0], p - 1), p))];
    },
    onnx: (n, a, e) => e.node('Pow', [e.name(n.inputs[0]), e.scalar(a.exponent, n.inputs[0].dtype)], [e.name(n.outputs[0])]),
  }),

  // ------------------------------------------------------------ linear algebra
  MatMul: defineOp({
    attrs: NO_ATTRS,
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
  }),
  Gemm: defineOp({
    attrs: { transA: 'int', transB: 'int' },
    infer: (x, at) => {
      arity(x, 2);
      const [a, b] = x;
      check(a.rank === 2 && b.rank === 2, `Gemm needs 2-D inputs, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
      const [m, k] = at.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const [k2, n] = at.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
      check(k === k2, `inner dimensions differ: ${fmtShape(a.shape)} (transA=${at.transA}) x ${fmtShape(b.shape)} (transB=${at.transB})`);
      return [{ shape: [m, n], dtype: sameType(x) }];
    },
    grad: ({ x, dy, needs, attrs }) => {
      const [a, b] = x;
      const tA = !!attrs.transA, tB = !!attrs.transB;
      const dA = !needs[0] ? undefined : tA ? F.gemm(b, dy, { transA: tB, transB: true }) : F.gemm(dy, b, { transB: !tB });
      const dB = !needs[1] ? undefined : tB ? F.gemm(dy, a, { transA: true, transB: tA }) : F.gemm(a, dy, { transA: !tA });
      return [dA, dB];
    },
  }),
  Conv: defineOp({
    attrs: CONV,
    infer: (x, a) => convShape(x, a, false),
    grad: ({ x, dy, needs, attrs: a }) => [
      needs[0] ? convInputGrad(dy, x[1], x[0].shape, a) : undefined,
      needs[1] ? convWeightGrad(x[0], dy, x[1].shape, a) : undefined,
      x[2] && needs[2] ? biasGrad(dy) : undefined,
    ],
  }),
  ConvTranspose: defineOp({
    attrs: CONV_TRANSPOSE,
    infer: (x, a) => convShape(x, a, true),
    grad: ({ x, dy, needs, attrs: a }) => [
      needs[0] ? F.conv(dy, x[1], undefined, { strides: a.strides, pads: a.pads, dilations: a.dilations, group: a.group }) : undefined,
      // ConvTranspose is the adjoint of Conv: its weight gradient is Conv's with input and output swapped.
      needs[1] ? convWeightGrad(dy, x[0], x[1].shape, a) : undefined,
      x[2] && needs[2] ? biasGrad(dy) : undefined,
    ],
  }),

  // ------------------------------------------------------------ shape
  Reshape: defineOp({
    attrs: { shape: 'ints' },
    infer: (x, a) => {
      arity(x, 1);
      check(sizeOf(a.shape) === x[0].size && a.shape.every((d) => d >= 0), `cannot reshape ${fmtShape(x[0].shape)} to ${fmtShape(a.shape)}`);
      return [{ shape: a.shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy }) => [F.reshape(dy, x[0].shape)],
    onnx: (n, a, e) => e.node('Reshape', [e.name(n.inputs[0]), e.int64(a.shape)], [e.name(n.outputs[0])]),
  }),
  Transpose: defineOp({
    attrs: { perm: 'ints' },
    infer: (x, a) => {
      arity(x, 1);
      check(a.perm.length === x[0].rank && [...a.perm].sort().every((p, k) => p === k), `perm ${fmtShape(a.perm)} does not fit ${fmtShape(x[0].shape)}`);
      return [{ shape: a.perm.map((p) => x[0].shape[p]), dtype: x[0].dtype }];
    },
    grad: ({ dy, attrs: a }) => [F.transpose(dy, a.perm.map((_, k) => a.perm.indexOf(k)))],
  }),
  Concat: defineOp({
    attrs: { axis: 'int' },
    infer: (x, a) => {
      check(x.length >= 1, 'Concat of no inputs');
      const r = x[0].rank;
      check(a.axis >= 0 && a.axis < r, `axis ${a.axis} out of range for rank ${r}`);
      for (const t of x) {
        check(t.rank === r && t.shape.every((d, k) => k === a.axis || d === x[0].shape[k]), `cannot concatenate ${x.map((t) => fmtShape(t.shape)).join(' and ')} on axis ${a.axis}`);
      }
      const shape = [...x[0].shape];
      shape[a.axis] = x.reduce((s, t) => s + t.shape[a.axis], 0);
      return [{ shape, dtype: sameType(x) }];
    },
    grad: ({ x, dy, needs, attrs: a }) => {
      let off = 0;
      return x.map((t, k) => {
        const start = off;
        off += t.shape[a.axis];
        return needs[k] ? F.narrow(dy, a.axis, start, start + t.shape[a.axis]) : undefined;
      });
    },
  }),
  Slice: defineOp({
    // IR form: normalised start, step and element count per axis (exact shapes); ONNX gets ends.
    attrs: { axes: 'ints', starts: 'ints', steps: 'ints', counts: 'ints' },
    infer: (x, a) => {
      arity(x, 1);
      check(a.starts.length === a.axes.length && a.steps.length === a.axes.length && a.counts.length === a.axes.length, 'axes, starts, steps and counts differ in length');
      const shape = [...x[0].shape];
      a.axes.forEach((ax, k) => {
        check(ax >= 0 && ax < shape.length, `axis ${ax} out of range for ${fmtShape(x[0].shape)}`);
        shape[ax] = a.counts[k];
      });
      return [{ shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs: a }) => {
      const r = x[0].rank;
      const pads = new Array<number>(2 * r).fill(0);
      let g = dy;
      a.axes.forEach((ax, k) => {
        const n = a.counts[k];
        const dim = x[0].shape[ax];
        let first = a.starts[k], step = a.steps[k];
        if (n === 0) return;
        if (step < 0) {
          g = F.flip(g, [ax]);
          first = a.starts[k] + (n - 1) * step;
          step = -step;
        }
        if (step > 1) {
          // Spread the n values `step` apart: [.., n, ..] -> [.., n, step, ..] padded with zeros -> trim.
          const s = [...g.shape];
          s.splice(ax + 1, 0, 1);
          const p = new Array<number>(2 * (r + 1)).fill(0);
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
    onnx: (n, a, e) => {
      // A negative end would wrap around; -2^53 means "before index 0".
      const ends = a.starts.map((s, k) => {
        const end = s + a.counts[k] * a.steps[k];
        return end < 0 ? Number.MIN_SAFE_INTEGER : end;
      });
      e.node('Slice', [e.name(n.inputs[0]), e.int64(a.starts), e.int64(ends), e.int64(a.axes), e.int64(a.steps)], [e.name(n.outputs[0])]);
    },
  }),
  Pad: defineOp({
    attrs: { pads: 'ints', mode: 'string', value: 'float' },
    infer: (x, a) => {
      arity(x, 1);
      const r = x[0].rank;
      check(a.pads.length === 2 * r && a.pads.every((p) => p >= 0), `pads ${fmtShape(a.pads)} do not fit rank ${r} (non-negative, begins then ends)`);
      check(PAD_MODES.includes(a.mode), `unsupported pad mode '${a.mode}'`);
      if (a.mode === 'reflect') check(x[0].shape.every((d, k) => a.pads[k] < d && a.pads[k + r] < d), `reflect pads ${fmtShape(a.pads)} must be smaller than ${fmtShape(x[0].shape)}`);
      return [{ shape: x[0].shape.map((d, k) => d + a.pads[k] + a.pads[k + r]), dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs: a }) => {
      const r = x[0].rank;
      const inner = F.slice(dy, a.pads.slice(0, r), x[0].shape.map((d, k) => a.pads[k] + d));
      if (a.mode === 'constant') return [inner];
      // Reflect: fold the mirrored borders back onto the rows they copied, one axis at a time.
      let g = dy;
      for (let ax = 0; ax < r; ax++) {
        const [b, e, n] = [a.pads[ax], a.pads[ax + r], x[0].shape[ax]];
        const L = g.shape[ax];
        let c = F.narrow(g, ax, b, b + n);
        const padAxis = (t: Tensor, before: number, after: number) => {
          const p = new Array<number>(2 * r).fill(0);
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
    onnx: (n, a, e) => {
      const x = n.inputs[0];
      const inputs = [e.name(x), e.int64(a.pads)];
      if (a.mode === 'constant') inputs.push(e.scalar(a.value, x.dtype));
      e.node('Pad', inputs, [e.name(n.outputs[0])], { mode: { string: a.mode } });
    },
  }),
  Expand: defineOp({
    attrs: { shape: 'ints' },
    infer: (x, a) => {
      arity(x, 1);
      const out = broadcastShapes(x[0].shape, a.shape);
      check(shapeEq(out, a.shape), `cannot expand ${fmtShape(x[0].shape)} to ${fmtShape(a.shape)}`);
      return [{ shape: a.shape, dtype: x[0].dtype }];
    },
    grad: ({ x, dy }) => [unbroadcast(dy, x[0].shape)],
    onnx: (n, a, e) => e.node('Expand', [e.name(n.inputs[0]), e.int64(a.shape)], [e.name(n.outputs[0])]),
  }),
  Resize: defineOp({
    attrs: { sizes: 'ints', mode: 'string', align_corners: 'int' },
    infer: (x, a) => {
      arity(x, 1);
      check(a.sizes.length === x[0].rank && a.sizes.every((s) => s > 0), `sizes ${fmtShape(a.sizes)} do not fit ${fmtShape(x[0].shape)}`);
      check(RESIZE_MODES.includes(a.mode), `mode must be nearest or linear, got '${a.mode}'`);
      check(a.sizes.slice(0, -2).every((s, k) => s === x[0].shape[k]), `only the last two axes can be resized (${fmtShape(x[0].shape)} -> ${fmtShape(a.sizes)})`);
      return [{ shape: a.sizes, dtype: x[0].dtype }];
    },
    grad: ({ x, dy, attrs: a }) => [resizeGrad(dy, x[0].shape, a.mode as 'nearest' | 'linear', !!a.align_corners)],
    onnx: (n, a, e) => {
      const ctm = a.mode === 'linear' ? (a.align_corners ? 'align_corners' : 'half_pixel') : 'asymmetric';
      e.node('Resize', [e.name(n.inputs[0]), '', '', e.int64(a.sizes)], [e.name(n.outputs[0])], {
        mode: { string: a.mode },
        coordinate_transformation_mode: { string: ctm },
        nearest_mode: { string: 'floor' },
      });
    },
  }),

  // ------------------------------------------------------------ normalisation
  BatchNormTrain: defineOp({
    // Outputs y, the batch mean and the batch (biased) variance per channel (axis 1).
    attrs: { epsilon: 'float' },
    infer: (x) => {
      arity(x, 3);
      const [inp, w, b] = x;
      check(inp.rank >= 2, `expected an input [N,C,...], got ${fmtShape(inp.shape)}`);
      const C = inp.shape[1];
      check(shapeEq(w.shape, [C]) && shapeEq(b.shape, [C]), `weight ${fmtShape(w.shape)} and bias ${fmtShape(b.shape)} should be [${C}]`);
      check(inp.size / C > 1, `needs more than one value per channel, got ${fmtShape(inp.shape)}`);
      const dtype = sameType(x);
      return [{ shape: inp.shape, dtype }, { shape: [C], dtype }, { shape: [C], dtype }];
    },
    grad: ({ x, ys, dys, needs, attrs }) => batchNormGrad(x[0], x[1], ys[1], ys[2], dys, needs, attrs.epsilon),
    // ONNX BatchNormalization in training mode with momentum 0 returns the batch statistics as its
    // "running" outputs: one fused kernel for the statistics and the normalisation. ONNX Runtime
    // writes those outputs into the buffers of the input mean and variance (it aliases them), so
    // they must not be shared constants (its optimiser merges equal initializers): they are made
    // here from a slice of this node's own input, which nothing else reads.
    onnx: (n, a, e) => {
      const [x] = n.inputs;
      const C = x.shape[1];
      const r = x.rank;
      const first = e.temp('bn_first');
      e.node('Slice', [e.name(x), e.int64(new Array<number>(r).fill(0)), e.int64(x.shape.map((d, k) => (k === 1 ? d : 1)))], [first]);
      const flat = e.temp('bn_first_c');
      e.node('Reshape', [first, e.int64([C])], [flat]);
      const zeros = e.temp('bn_mean_in');
      e.node('Mul', [flat, e.scalar(0, x.dtype)], [zeros]);
      const ones = e.temp('bn_var_in');
      e.node('Add', [zeros, e.scalar(1, x.dtype)], [ones]);
      e.node('BatchNormalization', [...n.inputs.map((t) => e.name(t)), zeros, ones], n.outputs.map((t) => e.name(t)), {
        epsilon: { float: a.epsilon },
        momentum: { float: 0 },
        training_mode: { int: 1 },
      });
    },
  }),
  ScaleShift: defineOp({
    // y = x * scale + shift per channel (axis 1), in one pass (ONNX BatchNormalization, inference form).
    attrs: NO_ATTRS,
    infer: (x) => {
      arity(x, 3);
      const C = x[0].shape[1];
      check(x[0].rank >= 2 && shapeEq(x[1].shape, [C]) && shapeEq(x[2].shape, [C]), `expected x [N,C,...] with scale and shift [C], got ${x.map((t) => fmtShape(t.shape)).join(', ')}`);
      return [{ shape: x[0].shape, dtype: sameType(x) }];
    },
    grad: ({ x, dy, needs }) => {
      const axes = x[0].shape.map((_, k) => k).filter((k) => k !== 1);
      const cs = x[0].shape.map((d, k) => (k === 1 ? d : 1));
      return [
        needs[0] ? F.mul(dy, F.reshape(x[1], cs)) : undefined,
        needs[1] ? F.reduceSum(F.mul(dy, x[0]), axes) : undefined,
        needs[2] ? F.reduceSum(dy, axes) : undefined,
      ];
    },
    onnx: (n, _a, e) => {
      const [x] = n.inputs;
      const C = x.shape[1];
      e.node('BatchNormalization', [...n.inputs.map((t) => e.name(t)), e.filled(0, C, x.dtype), e.filled(1, C, x.dtype)], [e.name(n.outputs[0])], { epsilon: { float: 0 } });
    },
  }),

  // ------------------------------------------------------------ reductions
  ReduceSum: reduction(({ x, dy, attrs: a }) => [F.expand(F.reshape(dy, keptShape(x[0], a.axes)), x[0].shape)]),
  ReduceMean: reduction(({ x, dy, attrs: a }) => {
    const count = a.axes.reduce((n, ax) => n * x[0].shape[ax], 1);
    return [F.expand(F.reshape(F.div(dy, count), keptShape(x[0], a.axes)), x[0].shape)];
  }),
  ReduceMax: reduction(({ x, y, dy, attrs: a }) => {
    const kept = keptShape(x[0], a.axes);
    const hit = F.equal(x[0], F.reshape(y, kept));
    return [F.where(hit, F.reshape(dy, kept), 0)];
  }),
};

