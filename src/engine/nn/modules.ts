/**
 * Composable modules with named parameters. A module has a name; calling
 * `forward(g, x)` pushes it on the graph's module path, so its parameters are named
 * `<path>.weight` and shape errors read `generator.temporal.conv2: expected 4-D input,
 * got [16,128,29]`. Parameters live in the graph (and later the ParameterStore) by
 * that path: building the same module at the same path in two graphs shares weights.
 */
import type { Graph } from './graph';
import type { Tensor } from './ir';
import { fmtShape } from './shape';
import { fanInUniform, type Init } from './init';
import * as F from './ops/functional';

export abstract class Module {
  /** Set by the parent (Sequential numbers unnamed children) or by the caller. */
  name: string;
  /** Forces train/eval behaviour regardless of the graph's mode (e.g. a frozen BatchNorm). */
  mode?: 'train' | 'eval';

  constructor(name = '') {
    this.name = name;
  }

  forward(g: Graph, x: Tensor): Tensor {
    if (!this.name) g.fail(`${this.constructor.name} has no name; give it one or put it in a Sequential`);
    return g.scope(this.name, () => this.build(g, x));
  }

  protected abstract build(g: Graph, x: Tensor): Tensor;

  protected training(g: Graph): boolean {
    return this.mode ? this.mode === 'train' : g.training;
  }
}

/** Checks rank and channel count; the error names the module path. */
export function expectInput(g: Graph, x: Tensor, rank: number, channels?: number, axis = 1): void {
  if (x.rank !== rank) g.fail(`expected ${rank}-D input, got ${fmtShape(x.shape)}`);
  if (channels !== undefined && x.shape[axis] !== channels) g.fail(`expected ${channels} channels on axis ${axis}, got ${fmtShape(x.shape)}`);
}

const tuple = (v: number | readonly number[], n: number): number[] => (typeof v === 'number' ? new Array(n).fill(v) : [...v]);

export interface ConvOpts {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  /** Symmetric padding per spatial axis (or [begin..., end...] with 2*d values). */
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  name?: string;
  /** Weight init (default: PyTorch's U(+-1/sqrt(fan_in))). */
  init?: Init;
}

function pads(padding: number | readonly number[] | undefined, d: number): number[] {
  const p = tuple(padding ?? 0, d);
  return p.length === 2 * d ? p : [...p, ...p];
}

class ConvNd extends Module {
  readonly kernel: number[];
  constructor(readonly d: number, readonly inChannels: number, readonly outChannels: number, readonly opts: ConvOpts, readonly transposed = false, readonly outputPadding: number[] = []) {
    super(opts.name);
    this.kernel = tuple(opts.kernel, d);
    const groups = opts.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) throw new Error(`${this.constructor.name}: channels ${inChannels}->${outChannels} not divisible by groups ${groups}`);
  }

  protected build(g: Graph, x: Tensor): Tensor {
    expectInput(g, x, this.d + 2, this.inChannels);
    const groups = this.opts.groups ?? 1;
    const k = this.kernel.reduce((a, b) => a * b, 1);
    const wShape = this.transposed ? [this.inChannels, this.outChannels / groups, ...this.kernel] : [this.outChannels, this.inChannels / groups, ...this.kernel];
    // PyTorch computes fan_in from weight dim 1 for both conv kinds.
    const fanIn = wShape[1] * k;
    const w = g.param('weight', wShape, this.opts.init ?? fanInUniform(fanIn));
    const b = this.opts.bias === false ? undefined : g.param('bias', [this.outChannels], fanInUniform(fanIn));
    const conv = {
      strides: tuple(this.opts.stride ?? 1, this.d),
      pads: pads(this.opts.padding, this.d),
      dilations: tuple(this.opts.dilation ?? 1, this.d),
      group: groups,
    };
    return this.transposed ? F.convTranspose(x, w, b, { ...conv, outputPadding: this.outputPadding }) : F.conv(x, w, b, conv);
  }
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, opts: ConvOpts) {
    super(1, inChannels, outChannels, opts);
  }
}

export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, opts: ConvOpts) {
    super(2, inChannels, outChannels, opts);
  }
}

export class ConvTranspose1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, opts: ConvOpts & { outputPadding?: number }) {
    super(1, inChannels, outChannels, opts, true, tuple(opts.outputPadding ?? 0, 1));
  }
}

export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, opts: ConvOpts & { outputPadding?: number | readonly number[] }) {
    super(2, inChannels, outChannels, opts, true, tuple(opts.outputPadding ?? 0, 2));
  }
}

/** y = x W^T + b over the last axis (any leading shape). */
export class Linear extends Module {
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly opts: { bias?: boolean; name?: string; init?: Init } = {}) {
    super(opts.name);
  }

  protected build(g: Graph, x: Tensor): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) g.fail(`expected input [..., ${this.inFeatures}], got ${fmtShape(x.shape)}`);
    const w = g.param('weight', [this.outFeatures, this.inFeatures], this.opts.init ?? fanInUniform(this.inFeatures));
    const lead = x.shape.slice(0, -1);
    const x2 = x.rank === 2 ? x : F.reshape(x, [-1, this.inFeatures]);
    let y = F.gemm(x2, w, { transB: true });
    if (this.opts.bias !== false) y = F.add(y, g.param('bias', [this.outFeatures], fanInUniform(this.inFeatures)));
    return x.rank === 2 ? y : F.reshape(y, [...lead, this.outFeatures]);
  }
}

export interface NormOpts {
  eps?: number;
  /** Running-average momentum (PyTorch convention: new = (1-m) old + m batch). */
  momentum?: number;
  affine?: boolean;
  name?: string;
}

/** Per-channel (axis 1) shape for broadcasting a [C] vector against x. */
function channelShape(x: Tensor): number[] {
  return x.shape.map((d, k) => (k === 1 ? d : 1));
}

/**
 * Batch normalisation over all axes but the channel axis. Training: batch statistics,
 * running mean/var updated as graph outputs (unbiased variance, like PyTorch).
 * Eval: running statistics folded into one scale and shift.
 */
class BatchNormNd extends Module {
  constructor(readonly ranks: number[], readonly channels: number, readonly opts: NormOpts = {}) {
    super(opts.name);
  }

  protected build(g: Graph, x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank)) g.fail(`expected ${this.ranks.join(' or ')}-D input, got ${fmtShape(x.shape)}`);
    if (x.shape[1] !== this.channels) g.fail(`expected ${this.channels} channels on axis 1, got ${fmtShape(x.shape)}`);
    const C = this.channels;
    const eps = this.opts.eps ?? 1e-5;
    const affine = this.opts.affine !== false;
    const weight = affine ? g.param('weight', [C], { kind: 'constant', value: 1 }) : undefined;
    const bias = affine ? g.param('bias', [C], { kind: 'constant', value: 0 }) : undefined;
    const runMean = g.buffer('running_mean', [C], { kind: 'constant', value: 0 });
    const runVar = g.buffer('running_var', [C], { kind: 'constant', value: 1 });
    const cs = channelShape(x);
    if (!this.training(g)) {
      // Inference: y = x * scale + shift with scale = w / sqrt(var + eps), shift = b - mean * scale.
      let scale = F.div(1, F.sqrt(F.add(runVar, eps)));
      if (weight) scale = F.mul(scale, weight);
      let shift = F.neg(F.mul(runMean, scale));
      if (bias) shift = F.add(shift, bias);
      return F.add(F.mul(x, F.reshape(scale, cs)), F.reshape(shift, cs));
    }
    const n = x.size / C;
    if (n < 2) g.fail(`BatchNorm in training needs more than one value per channel, got ${fmtShape(x.shape)}`);
    // One fused op for the batch statistics and the normalisation; its gradient is in closed form.
    const [y, mean, varB] = F.batchNormTrain(x, weight, bias, eps);
    const m = this.opts.momentum ?? 0.1;
    g.updateBuffer(runMean, F.add(F.mul(runMean, 1 - m), F.mul(mean, m)));
    g.updateBuffer(runVar, F.add(F.mul(runVar, 1 - m), F.mul(varB, (m * n) / (n - 1))));
    return y;
  }
}

export class BatchNorm1d extends BatchNormNd {
  constructor(channels: number, opts: NormOpts = {}) {
    super([2, 3], channels, opts);
  }
}

export class BatchNorm2d extends BatchNormNd {
  constructor(channels: number, opts: NormOpts = {}) {
    super([4], channels, opts);
  }
}

/** Instance normalisation (statistics per sample and channel); affine off by default, like PyTorch. */
export class InstanceNorm extends Module {
  constructor(readonly channels: number, readonly opts: NormOpts = {}) {
    super(opts.name);
  }

  protected build(g: Graph, x: Tensor): Tensor {
    if (x.rank < 3) g.fail(`expected input [N,C,...spatial], got ${fmtShape(x.shape)}`);
    if (x.shape[1] !== this.channels) g.fail(`expected ${this.channels} channels on axis 1, got ${fmtShape(x.shape)}`);
    const [N, C, ...S] = x.shape;
    const eps = this.opts.eps ?? 1e-5;
    const weight = this.opts.affine ? g.param('weight', [C], { kind: 'constant', value: 1 }) : undefined;
    const bias = this.opts.affine ? g.param('bias', [C], { kind: 'constant', value: 0 }) : undefined;
    if (S.reduce((a, b) => a * b, 1) > 1) {
      // Instance statistics are batch statistics of [1, N·C, ...]: the fused BatchNormTrain op
      // (one kernel forward, closed-form gradient) with the affine parameters tiled over N.
      const tile = (p: Tensor | undefined) => (p ? F.reshape(F.expand(F.reshape(p, [1, C]), [N, C]), [N * C]) : undefined);
      const [y] = F.batchNormTrain(F.reshape(x, [1, N * C, ...S]), tile(weight), tile(bias), eps);
      return F.reshape(y, x.shape);
    }
    // One value per instance and channel: normalised to 0 (then the bias).
    const axes = x.shape.map((_, k) => k).filter((k) => k >= 2);
    const mean = F.reduceMean(x, axes, true);
    const xc = F.sub(x, mean);
    const inv = F.div(1, F.sqrt(F.add(F.reduceMean(F.mul(xc, xc), axes, true), eps)));
    let y = F.mul(xc, inv);
    if (weight && bias) {
      const cs = channelShape(x);
      y = F.add(F.mul(y, F.reshape(weight, cs)), F.reshape(bias, cs));
    }
    return y;
  }
}

export class ReLU extends Module {
  protected build(_g: Graph, x: Tensor): Tensor {
    return F.relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01, name = '') {
    super(name);
  }
  protected build(_g: Graph, x: Tensor): Tensor {
    return F.leakyRelu(x, this.slope);
  }
}

export class Tanh extends Module {
  protected build(_g: Graph, x: Tensor): Tensor {
    return F.tanh(x);
  }
}

export class Sigmoid extends Module {
  protected build(_g: Graph, x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** Resizes the last one or two axes by a factor or to a size (nearest or linear). */
export class Upsample extends Module {
  constructor(readonly opts: { scale?: number; size?: readonly number[]; mode?: 'nearest' | 'linear'; alignCorners?: boolean; name?: string }) {
    super(opts.name);
  }
  protected build(g: Graph, x: Tensor): Tensor {
    const spatial = x.shape.slice(2);
    if (spatial.length < 1 || spatial.length > 2) g.fail(`expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`);
    const size = this.opts.size ? [...this.opts.size] : spatial.map((d) => Math.floor(d * (this.opts.scale ?? 2)));
    if (size.length !== spatial.length) g.fail(`size ${fmtShape(size)} does not fit input ${fmtShape(x.shape)}`);
    return F.resize(x, [...x.shape.slice(0, 2), ...size], { mode: this.opts.mode ?? 'nearest', alignCorners: this.opts.alignCorners });
  }
}

/** Wraps a function of tensors as a module (for reshapes and other glue). */
export class Lambda extends Module {
  constructor(name: string, readonly fn: (x: Tensor, g: Graph) => Tensor) {
    super(name);
  }
  protected build(g: Graph, x: Tensor): Tensor {
    return this.fn(x, g);
  }
}

/** Runs children in order; unnamed children are named by their index (PyTorch-style `0`, `1`, ...). */
export class Sequential extends Module {
  readonly children: Module[];
  constructor(name: string, children: Module[]) {
    super(name);
    this.children = children;
    children.forEach((c, k) => {
      if (!c.name) c.name = String(k);
    });
    const seen = new Set<string>();
    for (const c of children) {
      if (seen.has(c.name)) throw new Error(`Sequential '${name}': two children named '${c.name}'`);
      seen.add(c.name);
    }
  }
  protected build(g: Graph, x: Tensor): Tensor {
    return this.children.reduce((h, c) => c.forward(g, h), x);
  }
}

/** x + body(x) (shapes must match). */
export class Residual extends Module {
  constructor(name: string, readonly body: Module) {
    super(name);
    if (!body.name) body.name = 'body';
  }
  protected build(g: Graph, x: Tensor): Tensor {
    const y = this.body.forward(g, x);
    if (fmtShape(y.shape) !== fmtShape(x.shape)) g.fail(`residual body changed the shape ${fmtShape(x.shape)} -> ${fmtShape(y.shape)}`);
    return F.add(x, y);
  }
}
