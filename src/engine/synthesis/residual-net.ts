/**
 * The residual G_r (issue 11, docs/rendering.md "5. G_r"): a small U-Net that sees the
 * retrieval synthesis's mouth crop (real pixels of a donor frame warped into place), the
 * 3D conditioning render of the target parameters (RGB + eye attention map) and the mouth
 * mask, and outputs a *correction* added to the retrieval crop inside the mask only.
 * Its last convolution starts at zero (no bias), so an untrained network gives exactly
 * the retrieval output, and training only has to learn what a donor gets wrong.
 *
 * Input  'input' [N, 8, S, S] in [-1, 1]: retrieval RGB, conditioning RGB, eye map, mask (0..1).
 * Output 'delta' [N, 3, S, S]: the correction in [-1, 1] units (the caller multiplies by the mask);
 * with a flow head (`flow` > 0) [N, 5, S, S]: the correction, then a displacement field
 * (x, y; pre-tanh, `flowDisplacement`) that resamples the retrieval crop before the
 * correction is added: moving real pixels corrects a donor's shape without blurring it.
 */
import { Conv2d, F, Graph, InstanceNorm, l1Loss, ssimLoss, type Tensor } from '../nn';

export interface ResidualNetConfig {
  /** Preset name (recorded in the model's identity). */
  name: string;
  /** Crop side the network works at (the mouth is 1 / CROP_MOUTH_WIDTHS of it). */
  size: number;
  baseFilters: number;
  maxFilters: number;
  downsamplings: number;
  resBlocks: number;
  /**
   * The level the correction is made at (0: the crop's size; k: 1/2^k of it, then
   * bilinearly upsampled). A coarse correction cannot blur the real pixels' fine detail
   * (measured: at full resolution a draft run traded sharpness 1.02x → 0.36x for PSNR);
   * it moves shading, colour and the mouth's dark and light areas.
   */
  outputLevel: number;
  /** Loss: L1 + ssim · (1 − SSIM) of the composite against the real crop … */
  ssimWeight: number;
  /**
   * … + detail · L1 between the local detail (RMS of the luma's Laplacian over 8x8 cells)
   * of the composite and of the real crop: a patch-statistics term that does not need the
   * detail in the same place, only as much of it (L1 and SSIM alone prefer a blur).
   */
  detailWeight: number;
  /**
   * Largest displacement of the flow head, crop pixels (0: no flow head). The field is
   * made at `outputLevel` like the correction, so it is smooth; the warp resamples the
   * real pixels (bilinear), which keeps their detail where a colour correction cannot
   * move an edge.
   */
  flow: number;
  /** The level the displacement is made at (default: `outputLevel`); finer than the correction's, it can move lip edges. */
  flowLevel?: number;
  lr: number;
  batch: number;
  /** Steps a run makes unless told otherwise (it also stops at its time budget). */
  steps: number;
}

/** Channels of the input stack: retrieval RGB (3), conditioning RGB (3), eye map (1), mask (1). */
export const RESIDUAL_INPUT_CHANNELS = 8;

export const RESIDUAL_CONFIGS: Record<'draft' | 'tiny' | 'gpu-full', ResidualNetConfig> = {
  // 160 px crop = 1.6 mouth widths: the mouth is 100 px wide whatever the source resolution.
  // The correction and the displacement at 1/8 (20 px). A displacement at 1/4 scores better
  // on held-out frames but costs the export's mouth sharpness (docs/rendering.md, 5b).
  draft: { name: 'draft', size: 160, baseFilters: 16, maxFilters: 64, downsamplings: 3, resBlocks: 1, outputLevel: 3, ssimWeight: 1, detailWeight: 0, flow: 4, lr: 5e-4, batch: 4, steps: 1200 },
  // For a GPU: 4x the filters, one level deeper, four residual blocks at the bottleneck,
  // the correction and the displacement (flow head, 4 px) made at 1/4 size, with the detail
  // term keeping the correction from blurring; batch 16. Built and stepped at a tiny size on
  // the CPU by a unit test.
  'gpu-full': { name: 'gpu-full', size: 160, baseFilters: 32, maxFilters: 256, downsamplings: 4, resBlocks: 4, outputLevel: 2, ssimWeight: 1, detailWeight: 1, flow: 4, flowLevel: 2, lr: 2e-4, batch: 16, steps: 20000 },
  // For tests: the same architecture, a few seconds per hundred steps.
  tiny: { name: 'tiny', size: 48, baseFilters: 4, maxFilters: 8, downsamplings: 2, resBlocks: 1, outputLevel: 1, ssimWeight: 1, detailWeight: 1, flow: 2, flowLevel: 0, lr: 1e-3, batch: 2, steps: 20 },
};

export type ResidualConfigName = keyof typeof RESIDUAL_CONFIGS;

export function isResidualConfigName(s: string): s is ResidualConfigName {
  return Object.prototype.hasOwnProperty.call(RESIDUAL_CONFIGS, s);
}

/** Architecture and size: a model only loads where it was built for. */
export function residualIdentity(cfg: ResidualNetConfig): string {
  return `facial-residual-gr/1 ${cfg.name} s${cfg.size} f${cfg.baseFilters}-${cfg.maxFilters} d${cfg.downsamplings} r${cfg.resBlocks} o${cfg.outputLevel}${cfg.detailWeight ? ` detail${cfg.detailWeight}` : ''}${cfg.flow ? ` flow${cfg.flow}` : ''}${cfg.flow && flowLevel(cfg) !== cfg.outputLevel ? `@${flowLevel(cfg)}` : ''}`;
}

/**
 * The configuration recorded in a residual.json (untrusted: it sets array sizes), checked
 * field by field; a file from before the flow head gets `flow: 0`. Returns the problem, or
 * the configuration.
 */
export function checkResidualConfig(raw: unknown): ResidualNetConfig | string {
  if (typeof raw !== 'object' || raw === null) return 'no configuration';
  const c = { flow: 0, ...(raw as Record<string, unknown>) } as Record<string, unknown>;
  const int = (k: string, lo: number, hi: number) => (Number.isInteger(c[k]) && (c[k] as number) >= lo && (c[k] as number) <= hi ? undefined : `${k} must be an integer within ${lo}..${hi}`);
  const num = (k: string, lo: number, hi: number) => (typeof c[k] === 'number' && Number.isFinite(c[k]) && (c[k] as number) >= lo && (c[k] as number) <= hi ? undefined : `${k} must be a number within ${lo}..${hi}`);
  const problem = (typeof c.name === 'string' && c.name.length <= 64 ? undefined : 'name must be a short string')
    ?? int('size', 8, 512) ?? int('baseFilters', 1, 256) ?? int('maxFilters', 1, 512) ?? int('downsamplings', 0, 6) ?? int('resBlocks', 0, 16)
    ?? int('outputLevel', 0, c.downsamplings as number) ?? (c.flowLevel === undefined ? undefined : int('flowLevel', 0, c.downsamplings as number)) ?? num('ssimWeight', 0, 100) ?? num('detailWeight', 0, 100) ?? num('flow', 0, 16)
    ?? num('lr', 0, 1) ?? int('batch', 1, 256) ?? int('steps', 0, 10_000_000)
    ?? ((c.size as number) % 2 ** (c.downsamplings as number) === 0 ? undefined : 'size must be divisible by 2^downsamplings');
  return problem ?? (c as unknown as ResidualNetConfig);
}

const flowLevel = (cfg: ResidualNetConfig): number => (cfg.flow > 0 ? cfg.flowLevel ?? cfg.outputLevel : cfg.outputLevel);

const filtersAt = (cfg: ResidualNetConfig, level: number) => Math.min(cfg.maxFilters, cfg.baseFilters * 2 ** level);

function conv3(g: Graph, name: string, x: Tensor, cin: number, cout: number, zero = false): Tensor {
  const xp = F.pad(x, [0, 0, 1, 1, 0, 0, 1, 1], 'reflect');
  return new Conv2d(cin, cout, { kernel: 3, name, ...(zero ? { bias: false, init: { kind: 'constant', value: 0 } as const } : {}) }).forward(g, xp);
}

function normRelu(g: Graph, name: string, x: Tensor, c: number): Tensor {
  return F.relu(new InstanceNorm(c, { name, affine: true }).forward(g, x));
}

/** Channels the network outputs: the correction (3) and, with a flow head, the displacement (2). */
export const residualOutputChannels = (cfg: ResidualNetConfig): number => (cfg.flow > 0 ? 5 : 3);

/** The network's output [N, 3 or 5, S, S] from the input stack [N, 8, S, S]. */
export function buildResidualNet(g: Graph, input: Tensor, cfg: ResidualNetConfig): Tensor {
  return g.scope('residual', () => {
    const S = cfg.size;
    if (input.rank !== 4 || input.shape[1] !== RESIDUAL_INPUT_CHANNELS || input.shape[2] !== S || input.shape[3] !== S) {
      g.fail(`expected [N, ${RESIDUAL_INPUT_CHANNELS}, ${S}, ${S}] input, got [${input.shape.join(', ')}]`);
    }
    if (S % 2 ** cfg.downsamplings !== 0) g.fail(`size ${S} is not divisible by 2^${cfg.downsamplings}`);
    if (!(cfg.outputLevel >= 0 && cfg.outputLevel <= cfg.downsamplings)) g.fail(`output level ${cfg.outputLevel} is not within 0..${cfg.downsamplings}`);
    let h = normRelu(g, 'in_norm', conv3(g, 'in_conv', input, RESIDUAL_INPUT_CHANNELS, cfg.baseFilters), cfg.baseFilters);
    const skips: Tensor[] = [h];
    for (let i = 1; i <= cfg.downsamplings; i++) {
      const a = filtersAt(cfg, i - 1), b = filtersAt(cfg, i);
      h = normRelu(g, `down${i}_norm`, new Conv2d(a, b, { kernel: 3, stride: 2, padding: 1, name: `down${i}` }).forward(g, h), b);
      skips.push(h);
    }
    const cb = filtersAt(cfg, cfg.downsamplings);
    for (let r = 0; r < cfg.resBlocks; r++) {
      const y = normRelu(g, `res${r}_norm`, conv3(g, `res${r}_conv1`, h, cb, cb), cb);
      h = F.add(h, conv3(g, `res${r}_conv2`, y, cb, cb));
    }
    // Up to the finer of the two output levels; the correction is tapped at its own level.
    const fl = flowLevel(cfg);
    const finest = Math.min(cfg.outputLevel, fl);
    const C = residualOutputChannels(cfg);
    const up = (x: Tensor, c: number) => (x.shape[2] === S ? x : F.resize(x, [x.shape[0], c, S, S], { mode: 'linear' }));
    let delta: Tensor | undefined;
    for (let i = cfg.downsamplings; ; i--) {
      // Zero-initialised: the untrained network corrects nothing.
      if (i === cfg.outputLevel) delta = conv3(g, 'out_conv', h, filtersAt(cfg, i), fl === cfg.outputLevel ? C : 3, true);
      if (i === finest) break;
      const a = filtersAt(cfg, i), b = filtersAt(cfg, i - 1);
      const [N, Ch, H, W] = h.shape;
      h = F.concat([F.resize(h, [N, Ch, H * 2, W * 2], { mode: 'nearest' }), skips[i - 1]], 1);
      h = normRelu(g, `up${i}_norm`, conv3(g, `up${i}`, h, a + b, b), b);
    }
    if (fl === cfg.outputLevel) return up(delta!, C);
    return F.concat([up(delta!, 3), up(conv3(g, 'flow_conv', h, filtersAt(cfg, fl), 2, true), 2)], 1);
  });
}

/** The flow head's displacement in crop pixels from its raw output: bounded to ±`flow`. */
export function flowDisplacement(raw: number, flow: number): number {
  return flow * Math.tanh(raw);
}

/**
 * x [N, C, S, S] resampled at p + (fx, fy)(p), bilinear, for displacements within ±R
 * (R integer): the sum over integer offsets of tent weights times shifted copies, which
 * is exactly bilinear sampling there and differentiable in the displacement.
 */
export function warpBilinear(x: Tensor, fx: Tensor, fy: Tensor, R: number): Tensor {
  const [, , H, W] = x.shape;
  const p = F.pad(x, [0, 0, R, R, 0, 0, R, R], 'reflect');
  const wx = tentWeights(fx, R), wy = tentWeights(fy, R);
  let out: Tensor | undefined;
  for (let dy = -R; dy <= R; dy++) {
    let row: Tensor | undefined;
    for (let dx = -R; dx <= R; dx++) {
      const shifted = F.slice(p, [R + dy, R + dx], [R + dy + H, R + dx + W], [2, 3]);
      const term = F.mul(wx[dx + R], shifted);
      row = row ? F.add(row, term) : term;
    }
    const term = F.mul(wy[dy + R], row!);
    out = out ? F.add(out, term) : term;
  }
  return out!;
}

/**
 * Tent weights max(0, 1 − |f − d|) for d = −R..R, written (|u + 1| − 2|u| + |u − 1|) / 2 with
 * u = f − d: the same values, but at an integer displacement (where training starts: f = 0)
 * its gradient is the central difference of the neighbours, where max(0, ·) of |·| has
 * none and the displacement would never move.
 */
function tentWeights(f: Tensor, R: number): Tensor[] {
  // a[k] = |f − (k − R − 1)|, k = 0 .. 2R + 2.
  const a = Array.from({ length: 2 * R + 3 }, (_, k) => F.abs(F.sub(f, k - R - 1)));
  return Array.from({ length: 2 * R + 1 }, (_, k) => F.mul(F.sub(F.add(a[k], a[k + 2]), F.mul(a[k + 1], 2)), 0.5));
}

/**
 * What the frame shows: retrieval + mask · (warp(retrieval) − retrieval + delta), the warp
 * only with a flow head (only inside the mask does anything change).
 */
export function residualComposite(input: Tensor, out: Tensor, cfg: Pick<ResidualNetConfig, 'flow'> = { flow: 0 }): Tensor {
  const [N, , S] = input.shape;
  const retrieval = F.slice(input, [0], [3], [1]);
  const mask = F.slice(input, [7], [8], [1]);
  if (retrieval.shape[0] !== N || mask.shape[2] !== S) throw new Error('residual input has an unexpected layout');
  if (!(cfg.flow > 0)) return F.add(retrieval, F.mul(mask, out));
  // The graph's form of flowDisplacement.
  const displacement = (c: number) => F.mul(F.tanh(F.slice(out, [c], [c + 1], [1])), cfg.flow);
  const moved = F.sub(warpBilinear(retrieval, displacement(3), displacement(4), Math.ceil(cfg.flow)), retrieval);
  return F.add(retrieval, F.mul(mask, F.add(moved, F.slice(out, [0], [3], [1]))));
}

/** Local detail [N, 1, S/8, S/8]: the RMS of the luma's 5-point Laplacian over 8x8 cells. */
export function localDetail(x: Tensor): Tensor {
  const [N, , S, S2] = x.shape;
  const ch = (c: number) => F.slice(x, [c], [c + 1], [1]);
  const y = F.add(F.add(F.mul(ch(0), 0.299), F.mul(ch(1), 0.587)), F.mul(ch(2), 0.114));
  const p = F.pad(y, [0, 0, 1, 1, 0, 0, 1, 1], 'reflect');
  const at = (dy: number, dx: number) => F.slice(p, [1 + dy, 1 + dx], [1 + dy + S, 1 + dx + S2], [2, 3]);
  const lap = F.sub(F.mul(at(0, 0), 4), F.add(F.add(at(0, -1), at(0, 1)), F.add(at(-1, 0), at(1, 0))));
  const energy = F.reduceMean(F.reshape(F.mul(lap, lap), [N, 1, S / 8, 8, S2 / 8, 8]), [3, 5]);
  return F.pow(F.add(energy, 1e-6), 0.5);
}

/** The training graph: L1 + w · (1 − SSIM) (+ the detail term) of the composite against the real crop. */
export function buildResidualTrainGraph(cfg: ResidualNetConfig): { graph: Graph; loss: Tensor; report: Record<string, Tensor> } {
  const g = new Graph('residual-step');
  const S = cfg.size;
  const input = g.input('input', [cfg.batch, RESIDUAL_INPUT_CHANNELS, S, S]);
  const real = g.input('real', [cfg.batch, 3, S, S]);
  const out = residualComposite(input, buildResidualNet(g, input, cfg), cfg);
  const l1 = l1Loss(out, real);
  const ss = ssimLoss(out, real, { dataRange: 2 });
  const detail = l1Loss(localDetail(out), localDetail(real));
  const loss = F.add(F.add(l1, F.mul(ss, cfg.ssimWeight)), F.mul(detail, cfg.detailWeight));
  return { graph: g, loss, report: { l1, ssim: ss, detail } };
}

/** The inference graph (batch 1): 'input' → 'delta'. */
export function buildResidualInferenceGraph(cfg: ResidualNetConfig): Graph {
  const g = new Graph('residual-infer', { training: false });
  const input = g.input('input', [1, RESIDUAL_INPUT_CHANNELS, cfg.size, cfg.size]);
  g.output('delta', buildResidualNet(g, input, cfg));
  return g;
}
