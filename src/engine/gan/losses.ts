/**
 * FACIAL-GAN's losses (method doc section 4, eq. 4-8), with the weights of the
 * reference fine-tuning script as defaults. Layout of a frame: [pose 0-5 | blink 6 |
 * expression 7-70], all in network space.
 */
import { F, l1Loss, lsganLoss, mseLoss, type Tensor } from '../nn';
import { motion } from './model';

export interface LossWeights {
  /** Initial-state L1 (first frame vs the given state). */
  initial: number;
  expr: number;
  exprMotion: number;
  blink: number;
  blinkMotion: number;
  pose: number;
  poseMotion: number;
  gan: number;
}

export const DEFAULT_LOSS_WEIGHTS: LossWeights = {
  initial: 10,
  expr: 20,
  exprMotion: 200,
  blink: 0.5,
  blinkMotion: 1,
  pose: 1,
  poseMotion: 10,
  gan: 0.1,
};

const part = (y: Tensor, from: number, to: number) => F.narrow(y, 2, from, to);

export interface GeneratorLossTerms {
  total: Tensor;
  initial: Tensor;
  expr: Tensor;
  exprMotion: Tensor;
  blink: Tensor;
  blinkMotion: Tensor;
  pose: Tensor;
  poseMotion: Tensor;
  /** Regression terms only (what validation tracks). */
  regression: Tensor;
  gan?: Tensor;
}

/**
 * Generator losses of a prediction [B, L, 71] against the target [B, L, 71] and the
 * initial state [B, 71]; `dFake` (the discriminator's scores of the prediction) adds the
 * least-squares adversarial term.
 */
export function generatorLoss(pred: Tensor, target: Tensor, state: Tensor, w: LossWeights, dFake?: Tensor): GeneratorLossTerms {
  const [B] = pred.shape;
  const first = F.reshape(F.narrow(pred, 1, 0, 1), [B, 71]);
  const sPose = l1Loss(F.narrow(first, 1, 0, 6), F.narrow(state, 1, 0, 6));
  const sBlink = l1Loss(F.narrow(first, 1, 6, 7), F.narrow(state, 1, 6, 7));
  const sExpr = l1Loss(F.narrow(first, 1, 7, 71), F.narrow(state, 1, 7, 71));
  const initial = F.add(F.add(sPose, sBlink), sExpr);
  const mp = motion(pred);
  const mt = motion(target);
  const expr = mseLoss(part(pred, 7, 71), part(target, 7, 71));
  const exprMotion = mseLoss(part(mp, 7, 71), part(mt, 7, 71));
  const blink = mseLoss(part(pred, 6, 7), part(target, 6, 7));
  const blinkMotion = mseLoss(part(mp, 6, 7), part(mt, 6, 7));
  const pose = mseLoss(part(pred, 0, 6), part(target, 0, 6));
  const poseMotion = mseLoss(part(mp, 0, 6), part(mt, 0, 6));
  const terms: [Tensor, number][] = [
    [initial, w.initial],
    [expr, w.expr],
    [exprMotion, w.exprMotion],
    [blink, w.blink],
    [blinkMotion, w.blinkMotion],
    [pose, w.pose],
    [poseMotion, w.poseMotion],
  ];
  let regression = F.mul(terms[0][0], terms[0][1]);
  for (const [t, k] of terms.slice(1)) regression = F.add(regression, F.mul(t, k));
  let total = regression;
  let gan: Tensor | undefined;
  if (dFake) {
    gan = lsganLoss(dFake, true);
    total = F.add(total, F.mul(gan, w.gan));
  }
  return { total, initial, expr, exprMotion, blink, blinkMotion, pose, poseMotion, regression, gan };
}

/** Least-squares discriminator loss: real → 1, fake → 0. */
export function discriminatorLoss(dReal: Tensor, dFake: Tensor): Tensor {
  return F.add(lsganLoss(dReal, true), lsganLoss(dFake, false));
}

/**
 * The same regression loss on plain arrays (validation, tests): prediction and target
 * [T, 71] (one sequence), initial state [71]. Returns the weighted sum and its terms.
 */
export function regressionLossArrays(pred: Float32Array, target: Float32Array, state: ArrayLike<number>, w: LossWeights = DEFAULT_LOSS_WEIGHTS): Record<string, number> {
  const C = 71;
  const T = pred.length / C;
  const m = (from: number, to: number, motionTerm: boolean) => {
    let s = 0, n = 0;
    for (let t = motionTerm ? 1 : 0; t < T; t++) {
      for (let c = from; c < to; c++) {
        const d = motionTerm ? pred[t * C + c] - pred[(t - 1) * C + c] - (target[t * C + c] - target[(t - 1) * C + c]) : pred[t * C + c] - target[t * C + c];
        s += d * d;
        n++;
      }
    }
    return n ? s / n : 0;
  };
  const l1 = (from: number, to: number) => {
    let s = 0;
    for (let c = from; c < to; c++) s += Math.abs(pred[c] - state[c]);
    return s / (to - from);
  };
  const r = {
    initial: l1(0, 6) + l1(6, 7) + l1(7, 71),
    expr: m(7, 71, false),
    exprMotion: m(7, 71, true),
    blink: m(6, 7, false),
    blinkMotion: m(6, 7, true),
    pose: m(0, 6, false),
    poseMotion: m(0, 6, true),
  };
  const total =
    w.initial * r.initial + w.expr * r.expr + w.exprMotion * r.exprMotion + w.blink * r.blink + w.blinkMotion * r.blinkMotion + w.pose * r.pose + w.poseMotion * r.poseMotion;
  return { total, ...r };
}
