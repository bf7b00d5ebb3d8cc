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
const GanColumn = Motion.extend({ source: z.enum(['prior', 'facial-gan']), exprMse: z.number(), mouthCorr: z.number(), lipDistancePx: z.number() });
export type GanEvalColumn = z.infer<typeof GanColumn>;

export const GanEvalSummary = z.object({
  createdAt: z.string(),
  modelStep: z.number().nullable(),
  test: z.object({ frames: z.number(), seconds: z.number() }),
  truth: Motion,
  fitLipDistancePx: z.number(),
  columns: z.object({ prior: GanColumn, model: GanColumn.nullable() }),
  notes: z.array(z.string()),
});
export type GanEvalSummary = z.infer<typeof GanEvalSummary>;

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

export const PersonaInfoPayload = z.object({
  personaId: z.string(),
  name: z.string(),
  report: PersonaReportSummary.nullable(),
  gan: z.object({ training: GanTrainingSummary.nullable(), eval: GanEvalSummary.nullable() }),
  renderer: z.object({ training: RendererTrainingSummary.nullable(), eval: RendererEvalSummary.nullable() }),
  /** Files that exist but could not be read (damaged, or of another format version), with why. */
  problems: z.array(z.object({ file: z.string(), message: z.string() })),
});
export type PersonaInfoPayload = z.infer<typeof PersonaInfoPayload>;
