import { QUALITY_MEASURES, RenderQualityReport, type QualityMeasureId, type QualityStatus } from '../../shared/render-quality';

/**
 * The render quality panel's state and what it shows: the report comes from an export
 * job's result (untrusted: validated here), the panel lists one row per measure with
 * its verdict, and a row opens to show the figures behind it.
 */

/** The report in a `render.export` job's result, when there is a valid one. */
export function qualityReportOf(result: unknown): RenderQualityReport | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const parsed = RenderQualityReport.safeParse((result as { quality?: unknown }).quality);
  return parsed.success ? parsed.data : undefined;
}

export interface QualityRow {
  id: QualityMeasureId;
  title: string;
  status: QualityStatus;
  label: string;
  detail: string;
}

export interface QualityView {
  status: QualityStatus;
  label: string;
  problems: string[];
  rows: QualityRow[];
  notes: string[];
  /** "512x512, 609 frames at 25 fps, measured in 48 s" */
  subtitle: string;
}

export function qualityView(r: RenderQualityReport): QualityView {
  return {
    status: r.overall.status,
    label: r.overall.label,
    problems: r.overall.problems,
    rows: QUALITY_MEASURES.map(([id, title]) => ({ id, title, status: r[id].status, label: r[id].label, detail: r[id].detail })),
    notes: r.notes,
    subtitle: `${r.video.width}x${r.video.height}, ${r.video.frames} frames at ${r.video.fps} fps, measured in ${Math.round(r.seconds)} s${r.curves.given ? '' : ' (no curves: blinks, mouth and pose not compared)'}`,
  };
}

export interface QualityPanelState {
  /** Rows showing their figures. */
  open: QualityMeasureId[];
}

export type QualityPanelAction = { type: 'toggle'; id: QualityMeasureId } | { type: 'close-all' };

/** A new panel opens the rows with a problem (fair or poor), so what is wrong shows at once. */
export function initialQualityPanel(report: RenderQualityReport): QualityPanelState {
  return { open: QUALITY_MEASURES.map(([id]) => id).filter((id) => report[id].status === 'fair' || report[id].status === 'poor') };
}

export function qualityPanelReducer(state: QualityPanelState, action: QualityPanelAction): QualityPanelState {
  switch (action.type) {
    case 'toggle':
      return { open: state.open.includes(action.id) ? state.open.filter((x) => x !== action.id) : [...state.open, action.id] };
    case 'close-all':
      return state.open.length ? { open: [] } : state;
  }
}
