import type { ReactNode } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';

/** Preview, inspector and timeline of the open project. */
export function EditorArea(props: {
  topBar: (center: ReactNode, saveState?: string) => ReactNode;
  left: ReactNode;
  leftSplitter: ReactNode;
  rightSplitter: ReactNode;
  rightWidth: number;
  jobs: ReactNode;
  bottomSplitter: ReactNode;
}) {
  const { session } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  return (
    <>
      {props.topBar(
        <div className="toolbar">
          <button className="btn btn--small" disabled data-testid="undo" title="Undo (Ctrl+Z)">
            Undo
          </button>
          <button className="btn btn--small" disabled data-testid="redo" title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
          <button className="btn btn--small" data-testid="export-open">
            Export…
          </button>
        </div>,
      )}
      <div className="upper">
        {props.left}
        {props.leftSplitter}
        <section className="panel viewport-panel" aria-label="Preview">
          <div className="viewport-3d" data-testid="viewport-3d">
            <div className="empty-state">
              <div className="empty-state__title">No persona to preview</div>
              <div className="muted small">{snap.project.media.some((m) => m.role === 'reference') ? 'Build the persona from the reference video to see the 3D face here.' : 'Import a reference video and build a persona; its 3D face, driven by the curves, appears here.'}</div>
            </div>
          </div>
        </section>
        {props.rightSplitter}
        <div className="column" style={{ width: props.rightWidth }}>
          <section className="panel inspector" aria-label="Inspector" data-testid="inspector">
            <header className="panel__head">
              <h2>Inspector</h2>
            </header>
            <div className="panel__body">
              <p className="muted small empty-note">Select a keyframe, blink or range on the timeline to edit it here.</p>
            </div>
          </section>
          {props.jobs}
        </div>
      </div>
      {props.bottomSplitter}
      <section className="panel timeline-panel" aria-label="Timeline">
        <div className="timeline" data-testid="timeline">
          <div className="timeline__empty empty-state">
            <div className="empty-state__title">Empty timeline</div>
            <div className="muted small">Generate curves from a voice-over to see head pose, blink and expression lanes here.</div>
          </div>
        </div>
      </section>
    </>
  );
}
