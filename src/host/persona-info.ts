import path from 'node:path';
import type { z } from 'zod';
import { ResidualStatusSummary, PersonaReportSummary, GanEvalSummary, GanTargetSummary, GanTrainingSummary, GanVerdictSummary, RendererEvalSummary, RendererTrainingSummary, type PersonaInfoPayload } from '../shared/persona-info';
import { readProject } from './project-store';
import { projectPath } from './project-paths';
import { UserError } from '../engine/util/errors';
import { reasonOf } from '../engine/util/system-errors';
import { readRegularFile } from '../engine/util/read-file';
import { footageSynthesisProblem } from '../engine/synthesis';
import { staleResidual } from '../engine/gan';
import { residualStatus } from '../engine/export/residual-status';

/**
 * persona.info: the persona's build report, training state and evaluations for the
 * persona panel. Missing files are normal (not trained yet) and give null; a damaged
 * file gives null plus a problem naming it, so one bad file does not hide the rest.
 */
export async function personaInfo(projectDir: string, personaId: string): Promise<PersonaInfoPayload> {
  const project = await readProject(projectDir);
  const ref = project.personas.find((p) => p.id === personaId);
  if (!ref) throw new UserError('persona-not-found', `The project has no persona "${personaId}".`, { hint: 'Build the persona from the reference video.' });
  const dir = await projectPath(projectDir, 'persona', ref.path);
  const problems: PersonaInfoPayload['problems'] = [];

  async function read<S extends z.ZodTypeAny>(rel: string, schema: S, pick: (raw: Record<string, unknown>) => unknown = (r) => r): Promise<z.infer<S> | null> {
    const file = path.join(dir, rel);
    let text: string;
    try {
      text = await readRegularFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      problems.push({ file, message: `cannot be read (${reasonOf(err)})` });
      return null;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      problems.push({ file, message: 'is damaged: it is not valid JSON' });
      return null;
    }
    const parsed = schema.safeParse(raw && typeof raw === 'object' ? pick(raw as Record<string, unknown>) : raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push({ file, message: `does not have the expected content (${issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : 'unknown'})` });
      return null;
    }
    return parsed.data as z.infer<S>;
  }

  const footageProblem = await footageSynthesisProblem(dir);
  const [report, ganTraining, ganEval, rendererTraining, rendererEval, ganVerdict, ganTarget] = await Promise.all([
    read('report.json', PersonaReportSummary),
    // The step count is that of the last loss point; the file keeps the whole curve.
    read('gan/training.json', GanTrainingSummary, (r) => ({ ...r, step: Array.isArray(r.points) && r.points.length ? (r.points[r.points.length - 1] as { step?: unknown }).step : 0 })),
    read('gan/eval.json', GanEvalSummary),
    read('renderer/renderer.json', RendererTrainingSummary),
    read('renderer/eval.json', RendererEvalSummary),
    // The verdict per attribute recorded with the trained model (null: none, or a model saved before the check).
    read('gan/model.json', GanVerdictSummary.nullable(), (r) => r.implicit ?? null),
    // A model that corrects another version of the built-in motion is not used (generate.ts).
    read('gan/model.json', GanTargetSummary, (r) => ({ target: r.target, priorVersion: r.priorVersion })),
  ]);
  const residual = await mouthCorrection(dir, footageProblem, problems);
  const stale = ganTarget ? (staleResidual({ target: ganTarget.target === 'residual-expression' ? 'residual-expression' : undefined, priorVersion: ganTarget.priorVersion }) ?? null) : null;
  return {
    personaId: ref.id,
    name: ref.name,
    report,
    gan: { training: ganTraining, eval: ganEval, verdict: stale ? null : ganVerdict, stale },
    renderer: { training: rendererTraining, eval: rendererEval },
    synthesis: { fromFootage: footageProblem === undefined, why: footageProblem ?? null },
    residual,
    // The reads run in parallel: list problems by file so the order never depends on timing.
    problems: problems.sort((a, b) => a.file.localeCompare(b.file)),
  };
}

/** The mouth correction's state in plain words; a damaged residual.json is named in `problems`. */
async function mouthCorrection(dir: string, footageProblem: string | undefined, problems: PersonaInfoPayload['problems']): Promise<ResidualStatusSummary> {
  const { readResidualInfo } = await import('../engine/synthesis');
  await readResidualInfo(dir).catch((err: unknown) => problems.push({ file: path.join(dir, 'residual', 'residual.json'), message: `cannot be read (${reasonOf(err)})` }));
  const v = await residualStatus(dir);
  const heldOut = v.heldOut && {
    residual: { psnrDb: v.heldOut.residual.psnrDb, ssim: v.heldOut.residual.ssim, sharpness: v.heldOut.residual.sharpness, steps: v.heldOut.residual.steps },
    retrieval: { psnrDb: v.heldOut.retrieval.psnrDb, ssim: v.heldOut.retrieval.ssim, sharpness: v.heldOut.retrieval.sharpness },
  };
  // Without the footage, exports are not made of real pixels: nothing to correct.
  const why = footageProblem && v.applied ? `Not applied: exports cannot use the footage (${footageProblem}), and the correction works on real pixels.` : v.sentence;
  return { trained: Boolean(v.own), ...(v.own ? { steps: v.own.steps } : {}), applied: v.applied && !footageProblem, code: v.code, why, ...(heldOut ? { heldOut } : {}) };
}
