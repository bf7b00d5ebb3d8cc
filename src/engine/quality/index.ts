/**
 * Render quality (floor above render, below export): the exported video tracked again
 * and measured against the persona's own footage and the curves it was rendered from.
 * See docs/quality.md.
 */
import { QUALITY_MEASURES, type QualityStatus, type RenderQualityReport } from '../../shared/render-quality';

export { analyseRender, compare, qualityReportPath, writeQualityReport, type AnalyseRenderOptions } from './analyse-render';
export { IDENTITY_FRAMING, type VideoFraming } from './face-geometry';
export { SEAM_REGION_NAMES, SEAM_REGIONS, type SeamRegionName } from './frame-measures';
export { referenceProfile, REFERENCE_FILE, QUALITY_MEASURE_VERSION, type ReferenceProfile } from './reference-profile';
export { THRESHOLDS } from './verdicts';

const MARK: Record<QualityStatus, string> = { good: 'ok  ', fair: 'fair', poor: 'POOR', unmeasured: ' -- ' };

/** A short summary for a terminal: the overall verdict, then one line per measure. */
export function qualitySummaryLines(r: RenderQualityReport, opts: { detail?: boolean } = {}): string[] {
  const lines = [`quality: ${r.overall.label}${r.overall.problems.length ? ` (${r.overall.problems.length} problem${r.overall.problems.length > 1 ? 's' : ''})` : ''}`];
  const width = Math.max(...QUALITY_MEASURES.map(([, t]) => t.length));
  for (const [id, title] of QUALITY_MEASURES) {
    const m = r[id];
    lines.push(`  [${MARK[m.status]}] ${title.padEnd(width)}  ${m.label}${opts.detail ? `: ${m.detail}` : ''}`);
  }
  if (opts.detail) for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines;
}
