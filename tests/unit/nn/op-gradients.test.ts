import { describe, expect, it } from 'vitest';
import { OPS } from '../../../src/engine/nn/ops/registry';
import * as F from '../../../src/engine/nn/ops/functional';
import { gradCheck, type GradCheckCase } from './gradcheck';

type Build = GradCheckCase['build'];
const f64 = (build: Build): GradCheckCase => ({ dtype: 'float64', build });
// ONNX Runtime's CPU provider implements these ops for float32 only.
const f32 = (build: Build): GradCheckCase => ({ dtype: 'float32', build });

/** Finite-difference cases for every op that has a gradient rule, keyed by op. */
const CASES: Record<string, Record<string, GradCheckCase>> = {
  Add: { broadcast: f64((g, i) => F.add(i('a', [2, 3, 4]), i('b', [3, 1]))) },
  Sub: { broadcast: f64((g, i) => F.sub(i('a', [3, 1]), i('b', [2, 3, 4]))) },
  Mul: { broadcast: f64((g, i) => F.mul(i('a', [2, 3, 4]), i('b', [4]))) },
  Div: { broadcast: f64((g, i) => F.div(i('a', [2, 3]), i('b', [2, 1], { positive: true }))) },
  Max: { broadcast: f64((g, i) => F.max(i('a', [3, 4]), i('b', [4]))) },
  Min: { broadcast: f64((g, i) => F.min(i('a', [3, 4]), i('b', [3, 1]))) },
  Where: { broadcast: f64((g, i) => F.where(F.greater(i('c', [3, 4], { constant: true }), 0), i('a', [3, 4]), i('b', [4]))) },
  Identity: { plain: f64((g, i) => F.identity(i('a', [5]))) },
  Neg: { plain: f64((g, i) => F.neg(i('a', [5]))) },
  Exp: { plain: f64((g, i) => F.exp(i('a', [5]))) },
  Log: { plain: f64((g, i) => F.log(i('a', [5], { positive: true }))) },
  Sqrt: { plain: f64((g, i) => F.sqrt(i('a', [5], { positive: true }))) },
  Abs: { plain: f64((g, i) => F.abs(i('a', [6], { awayFromZero: true }))) },
  Relu: { plain: f64((g, i) => F.relu(i('a', [6], { awayFromZero: true }))) },
  LeakyRelu: { plain: f32((g, i) => F.leakyRelu(i('a', [2, 8], { awayFromZero: true }), 0.2)) },
  Tanh: { plain: f64((g, i) => F.tanh(i('a', [5]))) },
  Sigmoid: { plain: f64((g, i) => F.sigmoid(i('a', [5]))) },
  Pow: {
    square: f64((g, i) => F.pow(i('a', [5]), 2)),
    cube: f64((g, i) => F.pow(i('a', [5]), 3)),
    fractional: f64((g, i) => F.pow(i('a', [5], { positive: true }), 0.3)),
  },
  MatMul: {
    '2d': f64((g, i) => F.matmul(i('a', [3, 4]), i('b', [4, 5]))),
    'batched broadcast': f64((g, i) => F.matmul(i('a', [2, 3, 4]), i('b', [4, 5]))),
    'left 2-D broadcast': f64((g, i) => F.matmul(i('a', [3, 4]), i('b', [2, 4, 5]))),
  },
  Gemm: {
    plain: f64((g, i) => F.gemm(i('a', [3, 4]), i('b', [4, 5]))),
    transA: f64((g, i) => F.gemm(i('a', [4, 3]), i('b', [4, 5]), { transA: true })),
    transB: f64((g, i) => F.gemm(i('a', [3, 4]), i('b', [5, 4]), { transB: true })),
    both: f64((g, i) => F.gemm(i('a', [4, 3]), i('b', [5, 4]), { transA: true, transB: true })),
  },
  Conv: {
    '2d 3x3 pad 1 with bias': f32((g, i) => F.conv(i('x', [2, 3, 6, 5]), i('w', [4, 3, 3, 3]), i('b', [4]), { pads: [1, 1, 1, 1] })),
    '2d stride 2, uneven remainder': f32((g, i) => F.conv(i('x', [2, 2, 8, 7]), i('w', [3, 2, 4, 4]), undefined, { strides: [2, 2], pads: [1, 1, 1, 1] })),
    '2d stride [2,1] kernel [3,1]': f32((g, i) => F.conv(i('x', [2, 3, 9, 4]), i('w', [2, 3, 3, 1]), i('b', [2]), { strides: [2, 1] })),
    '2d dilation 2': f32((g, i) => F.conv(i('x', [1, 2, 9, 9]), i('w', [3, 2, 3, 3]), undefined, { dilations: [2, 2], pads: [2, 2, 2, 2] })),
    '2d groups 2': f32((g, i) => F.conv(i('x', [2, 4, 6, 6]), i('w', [6, 2, 3, 3]), undefined, { pads: [1, 1, 1, 1], group: 2 })),
    '2d pad wider than kernel, asymmetric': f32((g, i) => F.conv(i('x', [1, 2, 5, 5]), i('w', [2, 2, 1, 3]), undefined, { pads: [2, 0, 1, 3] })),
    '1d k3 pad 1': f32((g, i) => F.conv(i('x', [2, 3, 10]), i('w', [4, 3, 3]), i('b', [4]), { pads: [1, 1] })),
    '1d stride 2 k4': f32((g, i) => F.conv(i('x', [2, 3, 11]), i('w', [2, 3, 4]), undefined, { strides: [2], pads: [1, 1] })),
    // 8+ output channels: the weight gradient concatenates the taps for one Gemm (fewer: one Gemm per tap).
    '2d 8 outputs, stride 2 (one Gemm)': f32((g, i) => F.conv(i('x', [3, 2, 7, 6]), i('w', [8, 2, 3, 3]), i('b', [8]), { strides: [2, 2], pads: [1, 1, 1, 1] })),
    '1d 9 outputs, one sample (one Gemm)': f32((g, i) => F.conv(i('x', [1, 3, 9]), i('w', [9, 3, 3]), undefined, { pads: [1, 1] })),
    '2d 1x1, 8 outputs': f32((g, i) => F.conv(i('x', [2, 3, 4, 4]), i('w', [8, 3, 1, 1]), undefined)),
  },
  ConvTranspose: {
    '2d stride 2 pad 1': f32((g, i) => F.convTranspose(i('x', [2, 3, 4, 5]), i('w', [3, 2, 4, 4]), i('b', [2]), { strides: [2, 2], pads: [1, 1, 1, 1] })),
    '2d stride 2 output padding 1': f32((g, i) => F.convTranspose(i('x', [1, 2, 3, 3]), i('w', [2, 3, 3, 3]), undefined, { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] })),
    '1d groups 2': f32((g, i) => F.convTranspose(i('x', [2, 4, 6]), i('w', [4, 3, 3]), undefined, { strides: [2], pads: [1, 1], group: 2 })),
    '1d 8 inputs, k4 stride 2 (one Gemm)': f32((g, i) => F.convTranspose(i('x', [2, 8, 5]), i('w', [8, 3, 4]), i('b', [3]), { strides: [2], pads: [1, 1] })),
  },
  Reshape: { plain: f64((g, i) => F.reshape(i('a', [2, 3, 4]), [4, -1])) },
  Transpose: { plain: f64((g, i) => F.transpose(i('a', [2, 3, 4]), [2, 0, 1])) },
  Concat: { 'axis 1': f64((g, i) => F.concat([i('a', [2, 3, 2]), i('b', [2, 1, 2]), i('c', [2, 2, 2])], 1)) },
  Slice: {
    'step 1': f64((g, i) => F.slice(i('a', [4, 6]), [1, -4], [3, 100], [0, 1])),
    'negative step (flip)': f64((g, i) => F.flip(i('a', [3, 5]), [1])),
    'step 2 and -2': f64((g, i) => F.slice(i('a', [7, 8]), [1, 6], [6, 0], [0, 1], [2, -2])),
  },
  Pad: {
    constant: f64((g, i) => F.pad(i('a', [2, 3, 4]), [0, 1, 2, 0, 2, 1], 'constant', 0.5)),
    reflect: f64((g, i) => F.pad(i('a', [1, 2, 4, 5]), [0, 0, 2, 1, 0, 0, 1, 3], 'reflect')),
  },
  Expand: { plain: f64((g, i) => F.expand(i('a', [3, 1]), [2, 3, 4])) },
  Resize: {
    'nearest 2x': f32((g, i) => F.resize(i('a', [1, 2, 3, 4]), [1, 2, 6, 8], { mode: 'nearest' })),
    'nearest 3 -> 5': f32((g, i) => F.resize(i('a', [1, 2, 3, 4]), [1, 2, 5, 4], { mode: 'nearest' })),
    'linear 2x (half pixel)': f32((g, i) => F.resize(i('a', [2, 2, 3, 4]), [2, 2, 6, 8], { mode: 'linear' })),
    'linear align corners 5 -> 9': f32((g, i) => F.resize(i('a', [1, 2, 5, 3]), [1, 2, 9, 7], { mode: 'linear', alignCorners: true })),
    'linear downsample': f32((g, i) => F.resize(i('a', [1, 1, 8, 6]), [1, 1, 3, 4], { mode: 'linear' })),
    '1d linear 29 -> 128 (temporal)': f32((g, i) => F.resize(i('a', [2, 3, 29]), [2, 3, 128], { mode: 'linear' })),
  },
  BatchNormTrain: {
    '2-D [N,C]': f64((g, i) => F.batchNormTrain(i('x', [6, 3]), i('w', [3]), i('b', [3]), 1e-5)[0]),
    '4-D, no affine': f64((g, i) => F.batchNormTrain(i('x', [2, 3, 2, 3]), undefined, undefined, 1e-3)[0]),
    'through y, mean and variance': f64((g, i) => {
      const [y, mean, v] = F.batchNormTrain(i('x', [3, 2, 4]), i('w', [2]), i('b', [2]), 1e-5);
      return F.concat([F.reshape(y, [24]), mean, v], 0);
    }),
  },
  ScaleShift: { '3-D': f64((g, i) => F.scaleShift(i('x', [2, 3, 4]), i('s', [3]), i('t', [3]))) },
  ReduceSum: { 'axes 0,2 keepdims': f64((g, i) => F.reduceSum(i('a', [2, 3, 4]), [0, 2], true)) },
  ReduceMean: { 'axis 1': f64((g, i) => F.reduceMean(i('a', [2, 3, 4]), [1])) },
  ReduceMax: { 'axis -1': f64((g, i) => F.reduceMax(i('a', [3, 5]), [-1])) },
};

describe('op gradient rules (finite differences)', () => {
  it('every op with a gradient rule has a finite-difference case', () => {
    const withGrad = Object.entries(OPS).filter(([, d]) => d.grad).map(([k]) => k);
    const missing = withGrad.filter((op) => !CASES[op]);
    expect(missing).toEqual([]);
  });

  for (const [op, cases] of Object.entries(CASES)) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${op}: ${name} (${c.dtype})`, async () => {
        const r = await gradCheck(c);
        expect(r.checks).toBeGreaterThan(0);
      });
    }
  }
});
