import { evaluationPersona, loadPersona } from '../persona';
import {
  RESIDUAL_CONFIGS, readResidualInfo, residualIdentity, retrievalUnavailable, trainResidual, type ResidualConfigName, type ResidualInfo, type TrainResidualResult,
} from '../synthesis';
import type { ProviderChoice } from '../nn';
import { UserError } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { StageRunner } from '../util/stages';
import {
  EVALUATION_PERSONA_SECONDS_PER_FRAME, RESIDUAL_EVAL_SECONDS_PER_FRAME, RESIDUAL_PAIR_SECONDS_PER_FRAME, RUN_OVERHEAD_SECONDS, TRAINING_PRESETS, TYPICAL_SECONDS_PER_STEP, type TrainingPresetName,
} from '../common/training-presets';
import { evaluateSynthesis, type SynthesisEval } from './evaluate-synthesis';
import { readSynthesisEval, residualStatus, type ResidualVerdict } from './residual-status';

/**
 * The mouth correction as one honest run (the studio's "Train mouth correction", job kind
 * residual.train), the CLI's four commands as named stages:
 *   evaluationPersona  the persona fitted on the first part of the clip only (built once);
 *   heldOutTraining    a residual G_r trained on it;
 *   heldOutCheck       the held-out evaluation (eval --synthesis): does it beat real pixels alone, and does its mouth follow the curves as well in export-like frames?
 *   ownTraining        only if it does: the persona's own residual, the one exports apply.
 * Both trainings get the whole preset (same network, steps and time cap), so the model
 * applied is trained as the one that was checked. Resumable by stage: a finished stage
 * whose output is on disk for the same budget is reused; a cancelled training writes
 * nothing (trainResidual writes its files atomically at the end), so what was there stays.
 */
export interface MouthCorrectionOptions extends RunOptions {
  preset?: TrainingPresetName;
  /** The network (default draft, every preset's; gpu-full for a GPU; tiny for tests). */
  config?: ResidualConfigName;
  /** Steps / time cap of each training (default: the preset's; for another network than draft without a preset, its own steps). */
  steps?: number;
  maxSeconds?: number;
  device?: ProviderChoice;
  /** Held-out frames to score at most (default: the whole test part). */
  maxEvalFrames?: number;
}

export interface MouthCorrectionResult {
  preset: TrainingPresetName;
  config: ResidualConfigName;
  /** Whether exports now apply the persona's correction. */
  applied: boolean;
  verdict: ResidualVerdict;
  /** What happened, in plain words (the job's last message). */
  message: string;
  heldOut: { steps: number; trainSeconds: number; reused: boolean };
  own?: { steps: number; trainSeconds: number; reused: boolean };
  evaluation: Pick<SynthesisEval, 'retrieval' | 'residual' | 'following' | 'residualWins' | 'frames'>;
  /** Wall seconds per stage that ran. */
  seconds: Record<string, number>;
}

export type MouthCorrectionStage = 'evaluationPersona' | 'heldOutTraining' | 'heldOutCheck' | 'ownTraining';

/** Stage weights from this machine's typical figures, so the job's fraction (and its ETA) moves with time. */
export function mouthCorrectionWeights(frames: number, steps: number, maxSeconds: number): Record<MouthCorrectionStage, number> {
  const train = RUN_OVERHEAD_SECONDS.residual + Math.min(steps * TYPICAL_SECONDS_PER_STEP.residual, maxSeconds);
  return {
    evaluationPersona: EVALUATION_PERSONA_SECONDS_PER_FRAME * frames + 1,
    heldOutTraining: train + RESIDUAL_PAIR_SECONDS_PER_FRAME * 0.6 * frames,
    heldOutCheck: RESIDUAL_EVAL_SECONDS_PER_FRAME * frames,
    ownTraining: train + RESIDUAL_PAIR_SECONDS_PER_FRAME * frames,
  };
}

/** The persona must be synthesisable from its footage: the correction is trained on and applied to real pixels. */
async function checkPersona(personaDir: string): Promise<number> {
  const persona = await loadPersona(personaDir);
  const why = retrievalUnavailable(persona);
  if (why) {
    throw new UserError('residual-needs-footage', `The mouth correction of ${persona.meta.name} cannot be trained: ${why}.`, {
      hint: 'It corrects mouths made from the persona’s own footage: rebuild the persona from its reference video (Persona panel: Rebuild persona, or facial-studio persona build).',
    });
  }
  return persona.frameCount;
}

/** A residual already on disk that was trained with this network and budget (a finished stage to reuse). */
function sameBudget(info: ResidualInfo | undefined, identity: string, steps: number, maxSeconds: number): info is ResidualInfo {
  return Boolean(info && info.identity === identity && info.budget && info.budget.steps === steps && info.budget.maxSeconds === maxSeconds);
}

/** The held-out evaluation already written for exactly this held-out residual. */
function evaluatedFor(ev: SynthesisEval | undefined, info: ResidualInfo): ev is SynthesisEval {
  // An evaluation from before the mouth-following check does not decide: it is run again.
  return Boolean(ev?.residual && ev.following?.residual && ev.residual.identity === info.identity && ev.residual.steps === info.steps && ev.residual.trainSeconds === info.trainSeconds && ev.createdAt >= info.createdAt);
}

export async function trainMouthCorrection(personaDir: string, opts: MouthCorrectionOptions = {}): Promise<MouthCorrectionResult> {
  const presetName = opts.preset ?? 'draft';
  const preset = TRAINING_PRESETS.residual[presetName];
  const configName = opts.config ?? 'draft';
  const cfg = RESIDUAL_CONFIGS[configName];
  const identity = residualIdentity(cfg);
  // The presets are budgets of the draft network; another one (gpu-full, tiny) without a named preset keeps its own steps, uncapped (a day).
  const ownBudget = configName !== 'draft' && !opts.preset;
  const steps = Math.max(1, Math.round(opts.steps ?? (ownBudget ? cfg.steps : preset.steps)));
  const maxSeconds = opts.maxSeconds ?? (ownBudget ? 86_400 : preset.maxSeconds ?? 540);
  const frames = await checkPersona(personaDir);
  const run = new StageRunner<MouthCorrectionStage>(opts, mouthCorrectionWeights(frames, steps, maxSeconds));
  const train = async (dir: string, ctx: { runOptions: RunOptions }): Promise<{ info: ResidualInfo; reused: boolean }> => {
    const had = await readResidualInfo(dir).catch(() => undefined);
    if (sameBudget(had, identity, steps, maxSeconds)) return { info: had, reused: true };
    const r: TrainResidualResult = await trainResidual(dir, { config: cfg, steps, maxSeconds, device: opts.device, ...ctx.runOptions });
    return { info: r.info, reused: false };
  };
  const evp = await run.stage('evaluationPersona', (ctx) => evaluationPersona(personaDir, ctx.runOptions));
  const heldOut = await run.stage('heldOutTraining', (ctx) => train(evp.dir, ctx));
  const ev = await run.stage('heldOutCheck', async (ctx) => {
    const had = await readSynthesisEval(personaDir);
    return evaluatedFor(had, heldOut.info) ? had : evaluateSynthesis(personaDir, { device: opts.device, maxFrames: opts.maxEvalFrames, ...ctx.runOptions });
  });
  const brief = (i: { info: ResidualInfo; reused: boolean }) => ({ steps: i.info.steps, trainSeconds: i.info.trainSeconds, reused: i.reused });
  const base = {
    preset: presetName, config: configName, heldOut: brief(heldOut),
    evaluation: { retrieval: ev.retrieval, residual: ev.residual, following: ev.following, residualWins: ev.residualWins, frames: ev.frames },
  };
  if (!ev.residualWins) {
    const verdict = await residualStatus(personaDir);
    const message = `Stopped after the check on ${ev.frames} frames it did not learn from: it does not beat your footage’s own mouths, so this persona’s own correction was not trained. ${verdict.sentence}`;
    // The rest of the run is skipped: the whole operation is done.
    opts.onProgress?.({ stage: 'heldOutCheck', fraction: 1, message });
    return { ...base, applied: false, verdict, message, seconds: { ...run.seconds } };
  }
  const own = await run.stage('ownTraining', (ctx) => train(personaDir, ctx));
  const verdict = await residualStatus(personaDir);
  const message = verdict.applied ? `Done: ${verdict.sentence}` : `Trained, but not applied: ${verdict.sentence}`;
  return { ...base, own: brief(own), applied: verdict.applied, verdict, message, seconds: { ...run.seconds } };
}
