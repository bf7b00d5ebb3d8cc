import { z } from 'zod';

/**
 * The quality report of a rendered video (src/engine/quality): what the exported MP4
 * itself shows when it is tracked again, measure by measure, each with a status, a
 * verdict in plain words and its figures. Written beside the MP4 as X.quality.json,
 * carried by the `render.export` job's result, shown by the studio's quality panel.
 * Definitions and thresholds: docs/quality.md.
 */

export const QUALITY_REPORT_VERSION = 1;

/** good: as the real footage / as intended; fair: visible flaws; poor: clearly wrong; unmeasured: could not be measured (see `detail`). */
export const QualityStatus = z.enum(['good', 'fair', 'poor', 'unmeasured']);
export type QualityStatus = z.infer<typeof QualityStatus>;

const num = z.number();
const optNum = z.number().nullable();

/** What every measure carries: a status, a short verdict ("sharp", "blurry"), one line with the figures behind it. */
const MeasureBase = z.object({
  status: QualityStatus,
  /** Short verdict in plain words, e.g. "sharp", "2 of 3 blinks missing". */
  label: z.string(),
  /** One line with the figures behind the verdict. */
  detail: z.string(),
});

/** A figure of the video beside the same figure of the persona's own footage. */
const VersusReal = z.object({ video: optNum, real: optNum, ratio: optNum });

const BlinkEventFig = z.object({ start: z.number().int(), end: z.number().int(), peak: z.number().int() });

const AngleFig = z.object({ r: optNum, maeDeg: optNum, curvesStdDeg: optNum, videoStdDeg: optNum });

export const RenderQualityReport = z.object({
  formatVersion: z.literal(QUALITY_REPORT_VERSION),
  createdAt: z.string(),
  /** Seconds the analysis took. */
  seconds: num,
  video: z.object({ file: z.string(), width: z.number().int(), height: z.number().int(), fps: num, frames: z.number().int(), durationS: num, hasAudio: z.boolean() }),
  persona: z.object({ id: z.string(), name: z.string() }),
  /** Whether curves were given (blinks, mouth and pose are compared with them only then). */
  curves: z.object({ given: z.boolean(), frames: z.number().int() }),
  /** How video pixels map to the persona's source pixels: source = offset + scale * video. */
  framing: z.object({ scale: num, offsetX: num, offsetY: num, origin: z.enum(['given', 'same-size', 'estimated', 'assumed']) }),
  overall: z.object({ status: QualityStatus, label: z.string(), problems: z.array(z.string()) }),
  faceFound: MeasureBase.extend({ trackedFrames: z.number().int(), frames: z.number().int(), fraction: num, longestGapFrames: z.number().int() }),
  faceSharpness: MeasureBase.extend(VersusReal.shape),
  mouthSharpness: MeasureBase.extend(VersusReal.shape),
  seam: MeasureBase.extend({
    /** Worst ring: brightness step across the boundary, video over real footage. */
    ratio: optNum,
    /** Worst ring: exp|detail balance of the video − that of the real footage| (1: the detail changes across the boundary as in the footage). */
    detailFactor: optNum,
    regions: z.array(z.string()),
    rings: z.array(z.object({
      region: z.string(), grow: num, video: optNum, real: optNum, ratio: optNum,
      detailVideo: optNum, detailReal: optNum, detailFactor: optNum,
    })),
  }),
  blinks: MeasureBase.extend({
    video: z.number().int(),
    curves: z.number().int().nullable(),
    seen: z.number().int().nullable(),
    missed: z.number().int().nullable(),
    extra: z.number().int().nullable(),
    ratePerMin: num,
    videoEvents: z.array(BlinkEventFig),
    curveEvents: z.array(BlinkEventFig),
  }),
  mouth: MeasureBase.extend({ r: optNum, bestLag: z.number().int().nullable(), rBest: optNum, videoRangeMm: optNum, curvesRangeMm: optNum }),
  pose: MeasureBase.extend({ pitch: AngleFig, yaw: AngleFig, roll: AngleFig }),
  flicker: MeasureBase.extend(VersusReal.shape),
  lipAudio: MeasureBase.extend({ r: optNum, lag: z.number().int().nullable() }),
  silenceClosure: MeasureBase.extend({
    silences: z.number().int(),
    closed: z.number().int(),
    fraction: optNum,
    openingSilenceMm: optNum,
    openingSpeechMm: optNum,
    closedBelowMm: optNum,
    /** The same count on the persona's own footage (through its tracked curves and its clip's sound). */
    realSilences: z.number().int().nullable(),
    realClosed: z.number().int().nullable(),
  }),
  notes: z.array(z.string()),
});
export type RenderQualityReport = z.infer<typeof RenderQualityReport>;

/** The measures of a report, in the order a person reads them, with their titles. */
export const QUALITY_MEASURES = [
  ['faceFound', 'Face found'],
  ['faceSharpness', 'Face sharpness'],
  ['mouthSharpness', 'Mouth sharpness'],
  ['seam', 'Seams'],
  ['blinks', 'Blinks'],
  ['mouth', 'Mouth follows the curves'],
  ['lipAudio', 'Lips follow the voice'],
  ['silenceClosure', 'Mouth closes on pauses'],
  ['pose', 'Head pose'],
  ['flicker', 'Flicker'],
] as const satisfies readonly (readonly [keyof RenderQualityReport, string])[];
export type QualityMeasureId = (typeof QUALITY_MEASURES)[number][0];
