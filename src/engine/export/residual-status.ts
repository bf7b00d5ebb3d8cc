import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readResidualInfo, type ResidualInfo } from '../synthesis';
import { SYNTHESIS_EVAL_FILE, type MouthFigures, type SynthesisEval } from './evaluate-synthesis';
import { followingShortfall } from './heldout-following';

/**
 * Whether exports apply a persona's residual G_r (the mouth correction on top of real
 * pixels, docs/rendering.md 5b), and why not: one decision read by the export
 * (export-video.ts), the studio's mouth-correction run (residual-flow.ts) and the persona
 * panel (host/persona-info.ts). It is applied only where the held-out evaluation
 * (`<persona>/synthesis/eval.json`) says a residual beats real pixels alone, and a
 * residual of that same configuration is trained on the persona itself.
 */
export type ResidualVerdictCode = 'not-trained' | 'not-evaluated' | 'loses' | 'own-missing' | 'other-configuration' | 'applied';

export interface ResidualVerdict {
  code: ResidualVerdictCode;
  applied: boolean;
  /** The persona's own residual, when trained. */
  own?: Pick<ResidualInfo, 'identity' | 'steps' | 'trainSeconds' | 'createdAt'> & { config: string };
  /** The held-out figures it was judged on, when there are some. */
  heldOut?: { residual: MouthFigures & { steps: number; identity: string }; retrieval: MouthFigures };
  /** Plain words for the persona panel and the studio's job. */
  sentence: string;
}

/** The synthesis evaluation of a persona (undefined when none was written or it cannot be read). */
export async function readSynthesisEval(personaDir: string): Promise<SynthesisEval | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(personaDir, SYNTHESIS_EVAL_FILE), 'utf8')) as SynthesisEval;
  } catch {
    return undefined;
  }
}

/** "+1.1", "−0.2", "±0.0" (a difference that rounds to nothing has no sign). */
function signed(x: number, d: number): string {
  const r = Number(x.toFixed(d));
  return `${r > 0 ? '+' : r < 0 ? '−' : '±'}${Math.abs(r).toFixed(d)}`;
}

/** "+1.1 dB, SSIM +0.012 and 0.95x the sharpness": the residual against real pixels alone. */
export function describeResidualGain(r: MouthFigures, real: MouthFigures): string {
  const sharp = real.sharpness > 0 ? r.sharpness / real.sharpness : 1;
  return `${signed(r.psnrDb - real.psnrDb, 1)} dB, SSIM ${signed(r.ssim - real.ssim, 3)} and ${sharp.toFixed(2)}x the sharpness`;
}

/** Which of the four bars (clearer, more alike, as sharp, following the curves as well) a losing residual missed, in words. */
function missedBars(r: MouthFigures, real: MouthFigures, following: SynthesisEval['following']): string {
  const missed = [
    r.psnrDb > real.psnrDb ? '' : 'no closer to the real frames (PSNR)',
    r.ssim > real.ssim ? '' : 'no more alike in structure (SSIM)',
    r.sharpness >= 0.8 * real.sharpness ? '' : 'blurrier than 0.8x the real mouths',
    followingShortfall(following) ?? '',
  ].filter(Boolean);
  return missed.join(', ');
}

/** The decision from what is on disk: the persona's residual.json (or none) and its synthesis eval (or none). */
export function residualVerdict(info: ResidualInfo | undefined, ev: SynthesisEval | undefined): ResidualVerdict {
  const own = info ? { identity: info.identity, steps: info.steps, trainSeconds: info.trainSeconds, createdAt: info.createdAt, config: info.config.name } : undefined;
  const base = { ...(own ? { own } : {}), ...(ev?.residual ? { heldOut: { residual: ev.residual, retrieval: ev.retrieval } } : {}) };
  const action = 'Train mouth correction checks it on frames it did not learn from and trains it only if it wins.';
  if (!ev?.residual) {
    return info
      ? { ...base, code: 'not-evaluated', applied: false, sentence: `Trained (${info.steps} steps), but never measured on frames it did not learn from, so exports do not apply it. ${action}` }
      : { ...base, code: 'not-trained', applied: false, sentence: `Not trained: exports use your footage’s own mouths. ${action}` };
  }
  const gain = describeResidualGain(ev.residual, ev.retrieval);
  if (!ev.residualWins) {
    return { ...base, code: 'loses', applied: false, sentence: `Measured on held-out frames: ${gain} against your footage’s own mouths — ${missedBars(ev.residual, ev.retrieval, ev.following)}, so not applied. Longer training (Standard or Best) or longer footage may change that.` };
  }
  if (!info) return { ...base, code: 'own-missing', applied: false, sentence: `It beats your footage’s own mouths on held-out frames (${gain}), but this persona’s own correction is not trained yet, so exports do not apply it. Train mouth correction finishes it.` };
  if (info.identity !== ev.residual.identity) {
    return { ...base, code: 'other-configuration', applied: false, sentence: `This persona’s correction was trained for another configuration (${info.config.name}) than the one measured on held-out frames, so exports do not apply it. Train mouth correction again.` };
  }
  const g = ev.following?.generated?.residual ? `; generated curves: r ${ev.following.generated.residual.r.toFixed(2)} (${ev.following.generated.retrieval.r.toFixed(2)})` : '';
  const f = ev.following?.residual ? `, and made as an export makes them its mouth follows the curves at r ${ev.following.residual.r.toFixed(2)} (your footage’s own mouths: ${ev.following.retrieval.r.toFixed(2)}${g})` : '';
  return { ...base, code: 'applied', applied: true, sentence: `Applied to exports: on held-out frames it beats your footage’s own mouths (${gain})${f}; trained ${info.steps} steps.` };
}

/** residualVerdict of a persona folder; a damaged residual.json counts as none (the export then uses real pixels). */
export async function residualStatus(personaDir: string): Promise<ResidualVerdict> {
  const [info, ev] = await Promise.all([readResidualInfo(personaDir).catch(() => undefined), readSynthesisEval(personaDir)]);
  return residualVerdict(info, ev);
}
