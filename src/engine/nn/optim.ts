/**
 * Optimisers compiled into the step graph. The graph takes the parameters, their
 * gradients and the optimiser state, and returns the new parameters and state; the
 * per-step scalars (learning rate, bias corrections) are graph inputs computed by
 * the caller in float64, so a schedule needs no recompilation. The update follows
 * PyTorch's Adam/AdamW (the same formula, eps added to the bias-corrected sqrt(v)),
 * rearranged so that the bias corrections are folded into two scalars.
 */
import type { Graph } from './graph';
import type { Tensor } from './ir';
import * as F from './ops/functional';

export interface AdamConfig {
  kind: 'adam' | 'adamw';
  lr: number;
  betas: [number, number];
  eps: number;
  /** adam: L2 penalty added to the gradient; adamw: decoupled decay of the weights. */
  weightDecay: number;
  /** Clip the global gradient norm to this value (none if undefined). */
  clipGradNorm?: number;
}

export type OptimizerConfig = AdamConfig;

export function adam(opts: Partial<Omit<AdamConfig, 'kind'>> = {}): AdamConfig {
  return { kind: 'adam', lr: opts.lr ?? 1e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0, ...(opts.clipGradNorm ? { clipGradNorm: opts.clipGradNorm } : {}) };
}

export function adamw(opts: Partial<Omit<AdamConfig, 'kind'>> = {}): AdamConfig {
  return { ...adam({ weightDecay: 0.01, ...opts }), kind: 'adamw' };
}

/** Names of the per-step scalar inputs of a step graph. */
export const STEP_SCALARS = ['__lr_step', '__eps_step', '__decay'] as const;

/**
 * The scalar feeds for step t (1-based) at learning rate lr. PyTorch's update
 * p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps) is rearranged as
 * p -= (lr·sqrt(bc2)/bc1) · m / (sqrt(v) + eps·sqrt(bc2)): one pass less over every parameter.
 */
export function stepScalars(cfg: AdamConfig, t: number, lr: number): Record<(typeof STEP_SCALARS)[number], number> {
  const [b1, b2] = cfg.betas;
  const bc2Sqrt = Math.sqrt(1 - b2 ** t);
  return {
    __lr_step: (lr * bc2Sqrt) / (1 - b1 ** t),
    __eps_step: cfg.eps * bc2Sqrt,
    __decay: cfg.kind === 'adamw' ? 1 - lr * cfg.weightDecay : 1,
  };
}

export interface OptimizerState {
  /** Per parameter: the state tensor names (graph inputs) and the new values. */
  state: { name: string; input: Tensor; next: Tensor }[];
  params: { name: string; next: Tensor }[];
  gradNorm?: Tensor;
}

/** Optimiser state key in the parameter store. */
export const adamKey = (param: string, which: 'm' | 'v') => `${param}::adam_${which}`;

export function buildAdam(g: Graph, params: { name: string; value: Tensor; grad: Tensor }[], cfg: AdamConfig): OptimizerState {
  const [b1, b2] = cfg.betas;
  const lrStep = g.input('__lr_step', [], 'float32');
  const epsStep = g.input('__eps_step', [], 'float32');
  const decay = g.input('__decay', [], 'float32');
  const out: OptimizerState = { state: [], params: [] };
  let grads = params.map((p) => p.grad);
  if (cfg.clipGradNorm !== undefined) {
    const sq = grads.map((gr) => F.reduceSum(F.mul(gr, gr)));
    const norm = F.sqrt(sq.reduce((a, b) => F.add(a, b)));
    const scale = F.min(F.div(cfg.clipGradNorm, F.add(norm, 1e-6)), 1);
    grads = grads.map((gr) => F.mul(gr, scale));
    out.gradNorm = norm;
  }
  params.forEach((p, k) => {
    g.scope(p.name, () => {
      let grad = grads[k];
      if (cfg.kind === 'adam' && cfg.weightDecay > 0) grad = F.add(grad, F.mul(p.value, cfg.weightDecay));
      const m = g.input(adamKey(p.name, 'm'), p.value.shape, 'float32');
      const v = g.input(adamKey(p.name, 'v'), p.value.shape, 'float32');
      const m2 = F.add(F.mul(m, b1), F.mul(grad, 1 - b1));
      const v2 = F.add(F.mul(v, b2), F.mul(F.mul(grad, grad), 1 - b2));
      const denom = F.add(F.sqrt(v2), epsStep);
      const base = cfg.kind === 'adamw' ? F.mul(p.value, decay) : p.value;
      const next = F.sub(base, F.mul(F.div(m2, denom), lrStep));
      out.state.push({ name: adamKey(p.name, 'm'), input: m, next: m2 }, { name: adamKey(p.name, 'v'), input: v, next: v2 });
      out.params.push({ name: p.name, next });
    });
  });
  return out;
}
