/**
 * The rendering-to-video network G_r of FACIAL (method doc, section 6) on the neural
 * engine, with its three conditional PatchGAN discriminators and the eq. 10 loss
 * (adversarial + feature matching + a weight-free perceptual term + L1; section 8
 * replaces the VGG term with multi-scale SSIM).
 *
 * Input: a window of 2·N_w conditioning frames (RGB + eye channel each, method doc
 * section 6) stacked on the channel axis, values in [-1, 1]: [N, 8·N_w, S, S].
 * Output: the real frame crop, [N, 3, S, S] in [-1, 1] (tanh).
 *
 * Two configurations:
 * - `cpu-small`: a U-Net-style encoder/decoder, 3x3 convolutions only, 16 base
 *   filters, 3 downsamplings, 2 residual blocks, nearest upsampling + conv (no
 *   transposed convs), skip connections: an order of magnitude lighter than
 *   pix2pixHD at full resolution (docs/engine-notes), trains in minutes on a CPU.
 * - `gpu-full`: near the reference's pix2pixHD global generator: 7x7 in/out convs,
 *   64 base filters, 4 downsamplings, 9 residual blocks, transposed-conv upsampling,
 *   discriminators of 64 filters.
 */
import {
  Conv2d, ConvTranspose2d, InstanceNorm, F, Graph, l1Loss, lsganLoss, featureMatchingLoss, msSsimLoss, ssimLoss, MS_SSIM_WEIGHTS,
  type Tensor,
} from '../nn';

export interface RendererNetConfig {
  /** Preset name (recorded in checkpoints). */
  name: string;
  /** N_w: the window holds 2·N_w conditioning frames at offsets −N_w … N_w − 1 around t. */
  window: number;
  baseFilters: number;
  maxFilters: number;
  downsamplings: number;
  resBlocks: number;
  /** Kernel of the first and last convolution (3 or 7). */
  outerKernel: number;
  upsample: 'resize-conv' | 'transposed';
  /** U-Net skip connections from the encoder to the decoder. */
  skips: boolean;
  discriminator: { scales: number; layers: number; baseFilters: number };
  /** Loss weights: feature matching (λ1), perceptual 1 − MS-SSIM (λ2), L1 (λ3); the adversarial term has weight 1. */
  lambda: { featureMatching: number; perceptual: number; l1: number };
  /** Adam (pix2pixHD: lr 2e-4, betas 0.5/0.999). */
  lr: number;
  batch: number;
}

export const RENDERER_CONFIGS: Record<'cpu-small' | 'gpu-full', RendererNetConfig> = {
  'cpu-small': {
    name: 'cpu-small',
    window: 1,
    baseFilters: 16,
    maxFilters: 96,
    downsamplings: 3,
    resBlocks: 2,
    outerKernel: 3,
    upsample: 'resize-conv',
    skips: true,
    discriminator: { scales: 3, layers: 3, baseFilters: 16 },
    lambda: { featureMatching: 10, perceptual: 10, l1: 10 },
    lr: 2e-4,
    batch: 1,
  },
  'gpu-full': {
    name: 'gpu-full',
    window: 3,
    baseFilters: 64,
    maxFilters: 1024,
    downsamplings: 4,
    resBlocks: 9,
    outerKernel: 7,
    upsample: 'transposed',
    skips: false,
    discriminator: { scales: 3, layers: 3, baseFilters: 64 },
    lambda: { featureMatching: 10, perceptual: 10, l1: 10 },
    lr: 2e-4,
    batch: 4,
  },
};

export type RendererConfigName = keyof typeof RENDERER_CONFIGS;

export function isRendererConfigName(s: string): s is RendererConfigName {
  return Object.prototype.hasOwnProperty.call(RENDERER_CONFIGS, s);
}

/** Channels per conditioning frame: R, G, B, eye. */
export const COND_CHANNELS = 4;

export function inputChannels(cfg: RendererNetConfig): number {
  return COND_CHANNELS * 2 * cfg.window;
}

/** Frame offsets of the window around t: −N_w … N_w − 1. */
export function windowOffsets(cfg: Pick<RendererNetConfig, 'window'>): number[] {
  return Array.from({ length: 2 * cfg.window }, (_, k) => k - cfg.window);
}

/** A checkpoint identity: architecture and size, so a checkpoint never loads into another net. */
export function rendererIdentity(cfg: RendererNetConfig, size: number): string {
  const d = cfg.discriminator;
  return `facial-face2vid/2 ${cfg.name} w${cfg.window} f${cfg.baseFilters}-${cfg.maxFilters} d${cfg.downsamplings} r${cfg.resBlocks} k${cfg.outerKernel} ${cfg.upsample}${cfg.skips ? ' skips' : ''} D${d.scales}x${d.layers}x${d.baseFilters} s${size}`;
}

const filtersAt = (cfg: RendererNetConfig, level: number) => Math.min(cfg.maxFilters, cfg.baseFilters * 2 ** level);

/** Conv with reflection padding ("same" size for stride 1). */
function convSame(g: Graph, name: string, x: Tensor, cin: number, cout: number, k: number): Tensor {
  const p = (k - 1) / 2;
  const xp = p > 0 ? F.pad(x, [0, 0, p, p, 0, 0, p, p], 'reflect') : x;
  return new Conv2d(cin, cout, { kernel: k, name }).forward(g, xp);
}

function normRelu(g: Graph, name: string, x: Tensor, c: number): Tensor {
  return F.relu(new InstanceNorm(c, { name, affine: true }).forward(g, x));
}

/** G_r: conditioning stack [N, 8·N_w, S, S] → frame [N, 3, S, S] in [-1, 1]. */
export function buildGenerator(g: Graph, cond: Tensor, cfg: RendererNetConfig): Tensor {
  return g.scope('generator', () => {
    const cin = inputChannels(cfg);
    if (cond.rank !== 4 || cond.shape[1] !== cin) g.fail(`expected [N, ${cin}, S, S] conditioning, got [${cond.shape.join(', ')}]`);
    const S = cond.shape[2];
    if (S % 2 ** cfg.downsamplings !== 0) g.fail(`size ${S} is not divisible by 2^${cfg.downsamplings}`);
    // Two coordinate channels (x, y in [-1, 1], CoordConv): the background and the hair
    // sit at fixed places of the crop, which a convolution alone can only infer from
    // the image border; with these it learns them in a few hundred steps.
    const N = cond.shape[0];
    const coords = new Float32Array(2 * S * S);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      coords[y * S + x] = ((x + 0.5) / S) * 2 - 1;
      coords[S * S + y * S + x] = ((y + 0.5) / S) * 2 - 1;
    }
    const xy = F.expand(g.constant(coords, [1, 2, S, S]), [N, 2, S, S]);
    const input = F.concat([cond, xy], 1);
    let h = normRelu(g, 'in_norm', convSame(g, 'in_conv', input, cin + 2, cfg.baseFilters, cfg.outerKernel), cfg.baseFilters);
    const skips: Tensor[] = [h];
    for (let i = 1; i <= cfg.downsamplings; i++) {
      const a = filtersAt(cfg, i - 1), b = filtersAt(cfg, i);
      h = new Conv2d(a, b, { kernel: 3, stride: 2, padding: 1, name: `down${i}` }).forward(g, h);
      h = normRelu(g, `down${i}_norm`, h, b);
      skips.push(h);
    }
    const cb = filtersAt(cfg, cfg.downsamplings);
    for (let r = 0; r < cfg.resBlocks; r++) {
      const x0 = h;
      let y = normRelu(g, `res${r}_norm1`, convSame(g, `res${r}_conv1`, h, cb, cb, 3), cb);
      y = new InstanceNorm(cb, { name: `res${r}_norm2`, affine: true }).forward(g, convSame(g, `res${r}_conv2`, y, cb, cb, 3));
      h = F.add(x0, y);
    }
    for (let i = cfg.downsamplings; i >= 1; i--) {
      const a = filtersAt(cfg, i), b = filtersAt(cfg, i - 1);
      if (cfg.upsample === 'transposed') {
        h = new ConvTranspose2d(a, b, { kernel: 3, stride: 2, padding: 1, outputPadding: 1, name: `up${i}` }).forward(g, h);
      } else {
        const [N, C, H, W] = h.shape;
        h = F.resize(h, [N, C, H * 2, W * 2], { mode: 'nearest' });
        let cinUp = a;
        if (cfg.skips) {
          h = F.concat([h, skips[i - 1]], 1);
          cinUp += b;
        }
        h = convSame(g, `up${i}`, h, cinUp, b, 3);
      }
      h = normRelu(g, `up${i}_norm`, h, b);
    }
    const out = convSame(g, 'out_conv', h, cfg.baseFilters, 3, cfg.outerKernel);
    return F.tanh(out);
  });
}

/** 2x2 average pooling (sizes must be even). */
export function avgPool2(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape;
  return F.reduceMean(F.reshape(x, [N, C, H / 2, 2, W / 2, 2]), [3, 5]);
}

/**
 * One PatchGAN discriminator (pix2pixHD's NLayerDiscriminator): 4x4 convs, stride 2
 * for `layers` layers then stride 1, instance norm, LeakyReLU 0.2, a 1-channel map.
 * Returns the intermediate features (for feature matching) and the output map.
 */
function buildPatchD(g: Graph, name: string, x: Tensor, cfg: RendererNetConfig): { features: Tensor[]; out: Tensor } {
  return g.scope(name, () => {
    const { layers, baseFilters } = cfg.discriminator;
    const features: Tensor[] = [];
    let c = x.shape[1];
    let h = x;
    let nf = baseFilters;
    for (let l = 0; l <= layers; l++) {
      const stride = l < layers ? 2 : 1;
      h = new Conv2d(c, nf, { kernel: 4, stride, padding: 2, name: `conv${l}` }).forward(g, h);
      if (l > 0) h = new InstanceNorm(nf, { name: `norm${l}` }).forward(g, h);
      h = F.leakyRelu(h, 0.2);
      features.push(h);
      c = nf;
      nf = Math.min(nf * 2, 512);
    }
    const out = new Conv2d(c, 1, { kernel: 4, stride: 1, padding: 2, name: 'out' }).forward(g, h);
    return { features, out };
  });
}

/** The three (or `scales`) discriminators on (conditioning, frame) pairs at full, 1/2, 1/4 resolution. */
export function buildDiscriminators(g: Graph, cond: Tensor, frame: Tensor, cfg: RendererNetConfig): { features: Tensor[]; out: Tensor }[] {
  return g.scope('discriminator', () => {
    let x = F.concat([cond, frame], 1);
    const res: { features: Tensor[]; out: Tensor }[] = [];
    for (let s = 0; s < cfg.discriminator.scales; s++) {
      if (s > 0) x = avgPool2(x);
      res.push(buildPatchD(g, `d${s}`, x, cfg));
    }
    return res;
  });
}

/** MS-SSIM weights usable at size S (each scale needs at least the 11-pixel window). */
export function msSsimWeights(size: number): number[] {
  let n = 0;
  while (n < MS_SSIM_WEIGHTS.length && size / 2 ** n >= 11) n++;
  return MS_SSIM_WEIGHTS.slice(0, Math.max(1, n));
}

export interface RendererGraphs {
  gStep: { graph: Graph; loss: Tensor; report: Record<string, Tensor> };
  dStep: { graph: Graph; loss: Tensor; report: Record<string, Tensor> };
}

/**
 * The two training graphs of one GAN iteration (batch B, size S): the G step (G
 * trainable, D frozen: adversarial + λ1 FM + λ2 (1 − MS-SSIM) + λ3 L1) and the D step
 * (D trainable: LSGAN on real pairs vs generated pairs; G runs frozen inside).
 */
export function buildRendererTrainGraphs(cfg: RendererNetConfig, size: number, batch: number): RendererGraphs {
  const cin = inputChannels(cfg);
  const weights = msSsimWeights(size);
  // G step.
  const gg = new Graph('renderer-g-step');
  const cond = gg.input('cond', [batch, cin, size, size]);
  const real = gg.input('real', [batch, 3, size, size]);
  const fake = buildGenerator(gg, cond, cfg);
  const dFake = buildDiscriminators(gg, cond, fake, cfg);
  const dReal = buildDiscriminators(gg, cond, real, cfg);
  const adv = dFake.map((d) => lsganLoss(d.out, true)).reduce((a, b) => F.add(a, b));
  const fm = dFake.map((d, s) => featureMatchingLoss(dReal[s].features, d.features)).reduce((a, b) => F.add(a, b));
  const perceptual = weights.length > 1 ? msSsimLoss(fake, real, { dataRange: 2, weights }) : ssimLoss(fake, real, { dataRange: 2 });
  const l1 = l1Loss(fake, real);
  const gLoss = F.add(F.add(adv, F.mul(fm, cfg.lambda.featureMatching)), F.add(F.mul(perceptual, cfg.lambda.perceptual), F.mul(l1, cfg.lambda.l1)));
  // D step.
  const dg = new Graph('renderer-d-step');
  const dcond = dg.input('cond', [batch, cin, size, size]);
  const dreal = dg.input('real', [batch, 3, size, size]);
  const dfake = buildGenerator(dg, dcond, cfg);
  const onFake = buildDiscriminators(dg, dcond, dfake, cfg);
  const onReal = buildDiscriminators(dg, dcond, dreal, cfg);
  const lossFake = onFake.map((d) => lsganLoss(d.out, false)).reduce((a, b) => F.add(a, b));
  const lossReal = onReal.map((d) => lsganLoss(d.out, true)).reduce((a, b) => F.add(a, b));
  const dLoss = F.mul(F.add(lossFake, lossReal), 0.5);
  return {
    gStep: { graph: gg, loss: gLoss, report: { adv, fm, perceptual, l1 } },
    dStep: { graph: dg, loss: dLoss, report: { d_real: lossReal, d_fake: lossFake } },
  };
}

/** The inference graph of G_r (batch N, size S): input 'cond', output 'frame'. */
export function buildRendererInferenceGraph(cfg: RendererNetConfig, size: number, batch = 1): Graph {
  const g = new Graph('renderer-infer', { training: false });
  const cond = g.input('cond', [batch, inputChannels(cfg), size, size]);
  g.output('frame', buildGenerator(g, cond, cfg));
  return g;
}
