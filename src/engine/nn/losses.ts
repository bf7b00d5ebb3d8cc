/**
 * Losses, composed from registered ops (their gradients come from the registry).
 * All return a scalar (0-d) tensor: the mean over every element unless said otherwise.
 */
import type { Tensor } from './ir';
import { fmtShape, shapeEq } from './shape';
import * as F from './ops/functional';

function same(name: string, a: Tensor, b: Tensor): void {
  if (!shapeEq(a.shape, b.shape)) a.graph.fail(`${name}: prediction ${fmtShape(a.shape)} and target ${fmtShape(b.shape)} differ`);
}

export function l1Loss(pred: Tensor, target: Tensor): Tensor {
  same('l1Loss', pred, target);
  return F.mean(F.abs(F.sub(pred, target)));
}

export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  same('mseLoss', pred, target);
  const d = F.sub(pred, target);
  return F.mean(F.mul(d, d));
}

/** Least-squares GAN: mean((D(x) - 1)^2) for real targets, mean(D(x)^2) for fake. */
export function lsganLoss(pred: Tensor, real: boolean): Tensor {
  const d = real ? F.sub(pred, 1) : pred;
  return F.mean(F.mul(d, d));
}

/** Binary cross-entropy on logits, in the overflow-free form max(x,0) - x z + log(1 + exp(-|x|)). */
export function bceWithLogits(logits: Tensor, target: Tensor | number): Tensor {
  if (typeof target !== 'number') same('bceWithLogits', logits, target);
  const xz = F.mul(logits, target);
  const softplus = F.log(F.add(F.exp(F.neg(F.abs(logits))), 1));
  return F.mean(F.add(F.sub(F.relu(logits), xz), softplus));
}

/** Feature matching (pix2pixHD): mean L1 between matching discriminator features, averaged over layers. */
export function featureMatchingLoss(real: Tensor[], fake: Tensor[]): Tensor {
  if (real.length !== fake.length || real.length === 0) throw new Error(`featureMatchingLoss: ${real.length} real vs ${fake.length} fake features`);
  const terms = real.map((r, k) => l1Loss(fake[k], r));
  return F.div(terms.reduce((a, b) => F.add(a, b)), terms.length);
}

export interface SsimOptions {
  /** Gaussian window size (odd), default 11. */
  window?: number;
  sigma?: number;
  /** Value range of the images (1 for [0,1], 2 for [-1,1]). */
  dataRange?: number;
  k1?: number;
  k2?: number;
}

function gaussian(size: number, sigma: number): number[] {
  const c = (size - 1) / 2;
  const g = Array.from({ length: size }, (_, k) => Math.exp(-((k - c) ** 2) / (2 * sigma * sigma)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / s);
}

/** Per-(sample, channel) SSIM and contrast-structure means, each [N, C]. */
function ssimParts(x: Tensor, y: Tensor, o: SsimOptions): { ssim: Tensor; cs: Tensor } {
  same('ssim', x, y);
  const g = x.graph;
  if (x.rank !== 4) g.fail(`ssim: expected [N,C,H,W] images, got ${fmtShape(x.shape)}`);
  const [, C, H, W] = x.shape;
  const win = o.window ?? 11;
  if (H < win || W < win) g.fail(`ssim: images ${fmtShape(x.shape)} are smaller than the ${win}x${win} window`);
  const L = o.dataRange ?? 1;
  const c1 = ((o.k1 ?? 0.01) * L) ** 2;
  const c2 = ((o.k2 ?? 0.03) * L) ** 2;
  // One separable Gaussian blur, grouped per channel, over the five maps stacked on the channel axis.
  const maps = F.concat([x, y, F.mul(x, x), F.mul(y, y), F.mul(x, y)], 1);
  const k = gaussian(win, o.sigma ?? 1.5);
  const groups = 5 * C;
  const kh = g.constant(Array.from({ length: groups }, () => k).flat(), [groups, 1, 1, win], x.dtype);
  const kv = g.constant(Array.from({ length: groups }, () => k).flat(), [groups, 1, win, 1], x.dtype);
  const blurred = F.conv(F.conv(maps, kh, undefined, { group: groups }), kv, undefined, { group: groups });
  const part = (i: number) => F.narrow(blurred, 1, i * C, (i + 1) * C);
  const [mx, my, exx, eyy, exy] = [0, 1, 2, 3, 4].map(part);
  const mx2 = F.mul(mx, mx), my2 = F.mul(my, my), mxy = F.mul(mx, my);
  const vx = F.sub(exx, mx2), vy = F.sub(eyy, my2), cxy = F.sub(exy, mxy);
  const csMap = F.div(F.add(F.mul(cxy, 2), c2), F.add(F.add(vx, vy), c2));
  const lum = F.div(F.add(F.mul(mxy, 2), c1), F.add(F.add(mx2, my2), c1));
  const ssimMap = F.mul(lum, csMap);
  return { ssim: F.reduceMean(ssimMap, [2, 3]), cs: F.reduceMean(csMap, [2, 3]) };
}

/** Mean SSIM (Gaussian window, valid filtering, like pytorch_msssim). 1 means identical. */
export function ssim(x: Tensor, y: Tensor, opts: SsimOptions = {}): Tensor {
  return F.mean(ssimParts(x, y, opts).ssim);
}

/** 2x2 average pooling (odd sizes drop the last row/column). */
function avgPool2(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape;
  const h = H - (H % 2), w = W - (W % 2);
  const t = h !== H || w !== W ? F.slice(x, [0, 0], [h, w], [2, 3]) : x;
  return F.reduceMean(F.reshape(t, [N, C, h / 2, 2, w / 2, 2]), [3, 5]);
}

export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/**
 * Multi-scale SSIM (Wang et al. 2003): product over scales of cs^w, and ssim^w at the
 * coarsest. Fewer `weights` means fewer scales (for small images). Values are clamped
 * at 1e-6 before the power so the gradient stays finite.
 */
export function msSsim(x: Tensor, y: Tensor, opts: SsimOptions & { weights?: number[] } = {}): Tensor {
  const weights = opts.weights ?? MS_SSIM_WEIGHTS;
  let a = x, b = y;
  let prod: Tensor | undefined;
  weights.forEach((w, level) => {
    const last = level === weights.length - 1;
    const parts = ssimParts(a, b, opts);
    const term = F.pow(F.max(last ? parts.ssim : parts.cs, 1e-6), w);
    prod = prod ? F.mul(prod, term) : term;
    if (!last) {
      a = avgPool2(a);
      b = avgPool2(b);
    }
  });
  return F.mean(prod!);
}

export function ssimLoss(x: Tensor, y: Tensor, opts: SsimOptions = {}): Tensor {
  return F.sub(1, ssim(x, y, opts));
}

export function msSsimLoss(x: Tensor, y: Tensor, opts: SsimOptions & { weights?: number[] } = {}): Tensor {
  return F.sub(1, msSsim(x, y, opts));
}
