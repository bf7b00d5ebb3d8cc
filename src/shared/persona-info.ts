import { z } from 'zod';

/**
 * persona.info: what the persona panel shows about a persona, read from its folder
 * (report.json, gan/training.json, gan/eval.json, renderer/renderer.json,
 * renderer/eval.json). Each schema names only the fields the panel shows, so the
 * engine's files may carry more; the host parses the files with these schemas, and a
 * file that does not match is reported in `problems` rather than failing the call.
 */

const Range = z.object({ min: z.number(), max: z.number() });

export const PersonaReportSummary = z.object({
  tracking: z.object({ framesTotal: z.number(), framesTracked: z.number(), trackedPct: z.number() }),
  fit: z.object({ reprojectionPx: z.object({ median: z.number(), p95: z.number() }) }),
  blink: z.object({ count: z.number(), ratePerMin: z.number() }),
  pose: z.object({ pitchDeg: Range, yawDeg: Range, rollDeg: Range, xMm: Range, yMm: Range, zMm: Range }),
  warnings: z.array(z.string()),
});
export type PersonaReportSummary = z.infer<typeof PersonaReportSummary>;

const Motion = z.object({
  blinkPerMinute: z.number(),
  blinkCount: z.number(),
  rotationSpeedDegS: z.number(),
  rotationRangeDeg: z.number(),
  translationSpeedMmS: z.number(),
  translationRangeMm: z.number(),
});
/** mouthRangeMm / truthMouthRangeMm: absent in reports written before they were measured. */
const GanColumn = Motion.extend({ source: z.enum(['prior', 'facial-gan']), exprMse: z.number(), mouthCorr: z.number(), mouthRangeMm: z.number().optional(), lipDistancePx: z.number() });
/** The default output (the prior refined by the model as its verdict says); absent in reports written before it. */
const GanGeneratedColumn = GanColumn.extend({ implicit: z.object({ pose: z.enum(['model', 'prior']), blink: z.enum(['model', 'prior']), expression: z.number().optional() }).optional() });
export type GanEvalColumn = z.infer<typeof GanColumn>;

export const GanEvalSummary = z.object({
  createdAt: z.string(),
  modelStep: z.number().nullable(),
  test: z.object({ frames: z.number(), seconds: z.number() }),
  truth: Motion,
  fitLipDistancePx: z.number(),
  truthMouthRangeMm: z.number().optional(),
  columns: z.object({ prior: GanColumn, model: GanColumn.nullable(), generated: GanGeneratedColumn.nullable().optional() }),
  notes: z.array(z.string()),
});
export type GanEvalSummary = z.infer<typeof GanEvalSummary>;

/**
 * What the trained motion model adds to the built-in prior, per attribute, judged on
 * held-out frames at the end of training (gan/model.json `implicit`). `expression.weight`:
 * the share of the model's correction kept (0: built-in, 1: learned).
 */
/** What a trained model corrects (gan/model.json): a residual model of another prior version is not used. */
export const GanTargetSummary = z.object({ target: z.string().optional(), priorVersion: z.number().int().positive().optional() });

export const GanVerdictSummary = z.object({
  frames: z.object({ start: z.number(), end: z.number(), seconds: z.number() }),
  expression: z.object({ weight: z.number(), mouthR: z.object({ model: z.number(), refined: z.number(), prior: z.number() }) }).optional(),
  pose: z.object({ learned: z.boolean(), speedRatio: z.number() }),
  blinks: z.object({ learned: z.boolean(), modelPerMinute: z.number(), truthPerMinute: z.number() }),
});
export type GanVerdictSummary = z.infer<typeof GanVerdictSummary>;

export const GanTrainingSummary = z.object({
  done: z.boolean(),
  stopReason: z.string().optional(),
  seconds: z.number(),
  bestStep: z.number(),
  /** Generator steps done (the last loss point). */
  step: z.number(),
});
export type GanTrainingSummary = z.infer<typeof GanTrainingSummary>;

export const RendererEvalSummary = z.object({
  createdAt: z.string(),
  frames: z.number(),
  psnrDb: z.number(),
  ssim: z.number(),
  flicker: z.object({ generated: z.number(), real: z.number(), ratio: z.number() }),
  baseline: z.object({ psnrDb: z.number(), ssim: z.number() }),
});
export type RendererEvalSummary = z.infer<typeof RendererEvalSummary>;

export const RendererTrainingSummary = z.object({ steps: z.number(), size: z.number(), trainSeconds: z.number(), updatedAt: z.string() });
export type RendererTrainingSummary = z.infer<typeof RendererTrainingSummary>;

/**
 * The mouth correction (residual G_r, docs/rendering.md 5b): whether one is trained on the
 * persona, whether exports apply it, and why (or why not) in plain words; the held-out
 * figures it was judged on, when it was measured.
 */
const MouthFiguresSummary = z.object({ psnrDb: z.number(), ssim: z.number(), sharpness: z.number() });
export const ResidualStatusSummary = z.object({
  trained: z.boolean(),
  steps: z.number().optional(),
  applied: z.boolean(),
  code: z.string(),
  why: z.string(),
  heldOut: z.object({ residual: MouthFiguresSummary.extend({ steps: z.number() }), retrieval: MouthFiguresSummary }).optional(),
});
export type ResidualStatusSummary = z.infer<typeof ResidualStatusSummary>;

export const PersonaInfoPayload = z.object({
  personaId: z.string(),
  name: z.string(),
  report: PersonaReportSummary.nullable(),
  gan: z.object({ training: GanTrainingSummary.nullable(), eval: GanEvalSummary.nullable(), verdict: GanVerdictSummary.nullable().optional(), stale: z.string().nullable().optional() }),
  renderer: z.object({ training: RendererTrainingSummary.nullable(), eval: RendererEvalSummary.nullable() }),
  /** Whether exports are built from real frames of the persona's footage (no training needed), and if not, why. */
  synthesis: z.object({ fromFootage: z.boolean(), why: z.string().nullable() }).optional(),
  /** The mouth correction on top of real pixels (absent from hosts before it). */
  residual: ResidualStatusSummary.optional(),
  /** Files that exist but could not be read (damaged, or of another format version), with why. */
  problems: z.array(z.object({ file: z.string(), message: z.string() })),
});
export type PersonaInfoPayload = z.infer<typeof PersonaInfoPayload>;
