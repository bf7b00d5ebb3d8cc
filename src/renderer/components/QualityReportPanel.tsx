import { useState } from 'react';
import { createStore } from '../state/store';
import { useStore } from '../state/use-store';
import { initialQualityPanel, qualityPanelReducer, qualityView } from '../state/quality-report';
import type { RenderQualityReport } from '../../shared/render-quality';

const STATUS_TEXT = { good: 'good', fair: 'fair', poor: 'poor', unmeasured: 'n/a' } as const;

/**
 * The quality report of an exported video (docs/quality.md): the overall verdict, then
 * one row per measure; the rows with a problem start open, a click shows or hides the
 * figures behind a verdict.
 */
export function QualityReportPanel({ report }: { report: RenderQualityReport }) {
  // One panel per report (the caller keys it by job): its rows start as initialQualityPanel says.
  const [store] = useState(() => createStore(qualityPanelReducer, initialQualityPanel(report)));
  const open = useStore(store, (s) => s.open);
  const view = qualityView(report);
  return (
    <section className="quality" data-testid="quality-report" data-status={view.status}>
      <div className="quality__head">
        <span className={`badge quality--${view.status}`}>{STATUS_TEXT[view.status]}</span>
        <strong>Quality: {view.label}</strong>
      </div>
      <div className="muted small">{view.subtitle}</div>
      <ul className="quality__rows">
        {view.rows.map((r) => (
          <li key={r.id} data-testid={`quality-${r.id}`} data-status={r.status}>
            <button className="quality__row" onClick={() => store.dispatch({ type: 'toggle', id: r.id })} aria-expanded={open.includes(r.id)}>
              <span className={`quality__dot quality--${r.status}`} aria-label={STATUS_TEXT[r.status]} />
              <span className="quality__title">{r.title}</span>
              <span className="quality__label">{r.label}</span>
            </button>
            {open.includes(r.id) && <div className="quality__detail muted small">{r.detail}</div>}
          </li>
        ))}
      </ul>
      {view.notes.map((n) => (
        <p key={n} className="muted small">
          Note: {n}
        </p>
      ))}
    </section>
  );
}
