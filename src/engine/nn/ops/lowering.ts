/**
 * Gradient lowerings that decide the engine's speed (measured in docs/engine-notes.md):
 * - conv input gradient: a stride-1 Conv with the weights flipped and transposed
 *   (ConvTranspose only where stride > 1 needs it),
 * - conv weight gradient: im2col (Pad + strided Slices + Concat) in the layout
 *   [C, *S, N] then ONE Gemm over the whole batch (no batched MatMul + ReduceSum),
 * - resize gradient: the transpose of the interpolation matrix, as MatMul (or a
 *   sum-pool for integer-factor nearest upsampling).
 */
import type { Tensor } from '../ir';
import { sizeOf, shapeEq, type Shape } from '../shape';
import * as F from './functional';

export interface ConvAttrs {
  readonly strides: readonly number[];
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
  readonly group: number;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, k) => k + from);

/** Sums `g` down to `shape` (undoes NumPy broadcasting). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapeEq(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = range(lead);
  shape.forEach((d, k) => {
    if (d === 1 && g.shape[k + lead] !== 1) axes.push(k + lead);
  });
  const r = axes.length > 0 ? F.reduceSum(g, axes, true) : g;
  return F.reshape(r, shape);
}

/** Conv weight [O, C/g, *K] as the weight of its adjoint conv: [C, O/g, *K], spatially flipped. */
function flippedTransposedWeight(w: Tensor, group: number): Tensor {
  const [O, Cg, ...K] = w.shape;
  const d = K.length;
  let wt: Tensor;
  if (group === 1) wt = F.transpose(w, [1, 0, ...range(d, 2)]);
  else {
    const r = F.reshape(w, [group, O / group, Cg, ...K]);
    wt = F.reshape(F.transpose(r, [0, 2, 1, ...range(d, 3)]), [Cg * group, O / group, ...K]);
  }
  const kp = sizeOf(K);
  if (kp === 1) return wt;
  // Flipping every spatial axis reverses the flattened kernel index; a MatMul by the
  // exchange matrix does that about twice as fast as a negative-step Slice (and exactly).
  const J = new Float64Array(kp * kp);
  for (let i = 0; i < kp; i++) J[i * kp + (kp - 1 - i)] = 1;
  const flat = F.reshape(wt, [wt.shape[0] * wt.shape[1], kp]);
  return F.reshape(F.matmul(flat, w.graph.constant(J, [kp, kp], w.dtype)), wt.shape);
}

/** dL/dx of y = Conv(x, w) given dy. */
export function convInputGrad(dy: Tensor, w: Tensor, xShape: Shape, a: ConvAttrs): Tensor {
  const d = xShape.length - 2;
  const K = w.shape.slice(2);
  const S = xShape.slice(2);
  // Rows/columns of x that no output reads (when (S + pads - span) % stride != 0).
  const rem = range(d).map((i) => (S[i] + a.pads[i] + a.pads[i + d] - a.dilations[i] * (K[i] - 1) - 1) % a.strides[i]);
  if (a.strides.some((s) => s > 1)) {
    return F.convTranspose(dy, w, undefined, { strides: a.strides, pads: a.pads, dilations: a.dilations, group: a.group, outputPadding: rem });
  }
  const wt = flippedTransposedWeight(w, a.group);
  const want = range(d).map((i) => a.dilations[i] * (K[i] - 1) - a.pads[i]);
  const wantEnd = range(d).map((i) => a.dilations[i] * (K[i] - 1) - a.pads[i + d] + rem[i]);
  const pads = [...want.map((p) => Math.max(0, p)), ...wantEnd.map((p) => Math.max(0, p))];
  let dx = F.conv(dy, wt, undefined, { pads, dilations: a.dilations, group: a.group });
  // Padding wider than the kernel span makes the adjoint conv's pads negative: crop instead.
  if (want.some((p) => p < 0) || wantEnd.some((p) => p < 0)) {
    dx = F.slice(dx, want.map((p) => Math.max(0, -p)), range(d).map((i) => Math.max(0, -want[i]) + S[i]), range(d, 2));
  }
  return dx;
}

/**
 * dL/dw of y = Conv(x, w): im2col of x, then Gemm with dy, all in the layout [C, *S, N]
 * (batch last): every kernel tap is then a Slice with long contiguous runs (N values,
 * or whole rows at stride 1) and dy as [O, So·N] is one Transpose. Usually the taps are
 * concatenated into cols [K·C, So·N] for ONE Gemm; with a handful of output channels the
 * Gemm is memory-bound, and one small Gemm per tap saves copying the taps again.
 * `x` [N, C, *S], `dy` [N, O, *So]; returns [O, C/g, *K].
 */
export function convWeightGrad(x: Tensor, dy: Tensor, wShape: Shape, a: ConvAttrs): Tensor {
  const g = a.group;
  if (g > 1) {
    const Cg = x.shape[1] / g;
    const Og = dy.shape[1] / g;
    const parts = range(g).map((k) =>
      convWeightGrad(F.narrow(x, 1, k * Cg, (k + 1) * Cg), F.narrow(dy, 1, k * Og, (k + 1) * Og), [Og, ...wShape.slice(1)], { ...a, group: 1 }),
    );
    return F.concat(parts, 0);
  }
  const [O, C, ...K] = wShape;
  const d = K.length;
  const N = x.shape[0];
  const So = dy.shape.slice(2);
  const cols = sizeOf(So) * N;
  // Batch last: [C, *S, N] and [O, *So, N] (with one sample only a reshape).
  const batchLast = (t: Tensor) => (N === 1 ? F.reshape(t, [...t.shape.slice(1), 1]) : F.transpose(t, [...range(d + 1, 1), 0]));
  const xt = batchLast(x);
  const xp = a.pads.some((p) => p > 0) ? F.pad(xt, [0, ...a.pads.slice(0, d), 0, 0, ...a.pads.slice(d), 0]) : xt;
  const dyt = F.reshape(batchLast(dy), [O, cols]);
  const positions: number[][] = [[]];
  for (const k of K) {
    const next: number[][] = [];
    for (const p of positions) for (let i = 0; i < k; i++) next.push([...p, i]);
    positions.splice(0, positions.length, ...next);
  }
  const taps = positions.map((pos) => {
    const starts = pos.map((k, i) => k * a.dilations[i]);
    const ends = pos.map((k, i) => k * a.dilations[i] + (So[i] - 1) * a.strides[i] + 1);
    const full = starts.every((s, i) => s === 0 && ends[i] === xp.shape[i + 1] && a.strides[i] === 1);
    return full ? xp : F.slice(xp, starts, ends, range(d, 1), a.strides);
  });
  if (positions.length === 1) return F.reshape(F.gemm(dyt, F.reshape(taps[0], [C, cols]), { transB: true }), wShape);
  if (O < 8) {
    const parts = taps.map((t) => F.reshape(F.gemm(dyt, F.reshape(t, [C, cols]), { transB: true }), [O, C, 1]));
    return F.reshape(F.concat(parts, 2), wShape);
  }
  const gw = F.gemm(dyt, F.reshape(F.concat(taps, 0), [positions.length * C, cols]), { transB: true }); // [O, Kprod*C], position-major
  return F.transpose(F.reshape(gw, [O, ...K, C]), [0, d + 1, ...range(d, 1)]);
}

/** Interpolation matrix M [out, in] of one axis, matching ONNX Runtime's Resize. */
export function interpolationMatrix(inSize: number, outSize: number, mode: 'nearest' | 'linear', alignCorners: boolean): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const scale = Math.fround(outSize / inSize);
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      const i = Math.min(inSize - 1, Math.floor(Math.fround(o / scale)));
      m[o * inSize + i] += 1;
      continue;
    }
    let x = alignCorners ? (outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1)) : (o + 0.5) / scale - 0.5;
    x = Math.max(0, Math.min(inSize - 1, x));
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const w1 = x - i0;
    m[o * inSize + i0] += 1 - w1;
    m[o * inSize + i1] += w1;
  }
  return m;
}

/** dL/dx of y = Resize(x): apply M^T along each resized axis. */
export function resizeGrad(dy: Tensor, xShape: Shape, mode: 'nearest' | 'linear', alignCorners: boolean): Tensor {
  let g = dy;
  const r = xShape.length;
  for (let axis = r - 1; axis >= 0; axis--) {
    const inSize = xShape[axis];
    const outSize = g.shape[axis];
    if (inSize === outSize) continue;
    if (mode === 'nearest' && outSize % inSize === 0) {
      // Integer upsampling: each input feeds a run of `f` outputs, so sum those runs.
      const f = outSize / inSize;
      const s = [...g.shape];
      s.splice(axis, 1, inSize, f);
      g = F.reduceSum(F.reshape(g, s), [axis + 1], false);
      continue;
    }
    const m = interpolationMatrix(inSize, outSize, mode, alignCorners);
    if (axis === r - 1) {
      g = F.matmul(g, g.graph.constant(m, [outSize, inSize], g.dtype));
    } else if (axis === r - 2) {
      const mt = new Float64Array(inSize * outSize);
      for (let o = 0; o < outSize; o++) for (let i = 0; i < inSize; i++) mt[i * outSize + o] = m[o * inSize + i];
      g = F.matmul(g.graph.constant(mt, [inSize, outSize], g.dtype), g);
    } else {
      const perm = range(r).filter((k) => k !== axis).concat([axis]);
      const inv = perm.map((_, k) => perm.indexOf(k));
      g = F.transpose(F.matmul(F.transpose(g, perm), g.graph.constant(m, [outSize, inSize], g.dtype)), inv);
    }
  }
  return g;
}
