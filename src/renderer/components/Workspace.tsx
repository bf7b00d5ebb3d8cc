import { useEffect, useMemo, useRef } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { createStore } from '../state/store';
import { layoutReducer, panesFrom, samePanes, type PaneKey } from '../state/layout';
import { TopBar } from './TopBar';
import { MediaBin } from './MediaBin';
import { PersonaPanel } from './PersonaPanel';
import { JobsPanel } from './JobsPanel';
import { Splitter } from './Splitter';
import { EditorArea } from './EditorArea';

const LAYOUT_KEY = 'facial-studio.panes';

function storedPanes(): unknown {
  try {
    return JSON.parse(localStorage.getItem(LAYOUT_KEY) ?? 'null');
  } catch {
    return null;
  }
}

/** The open project: media and persona (left), preview (centre), inspector and jobs (right), timeline (bottom). */
export function Workspace() {
  const { api, session, report } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  // The project's remembered layout wins; the last layout used anywhere is the default.
  const layout = useMemo(() => createStore(layoutReducer, panesFrom(snap.project.ui.panes, panesFrom(storedPanes()))), [snap.dir]); // eslint-disable-line react-hooks/exhaustive-deps
  const panes = useStore(layout, (s) => s);
  const saveTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const persist = () => {
    const p = layout.getState();
    localStorage.setItem(LAYOUT_KEY, JSON.stringify(p));
    clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(async () => {
      const cur = session.getState().project;
      if (!cur || samePanes(p, cur.project.ui.panes)) return;
      try {
        const next = await api.call('project.update', { dir: cur.dir, patch: { ui: { ...cur.project.ui, panes: { ...cur.project.ui.panes, ...p } } } });
        session.dispatch({ type: 'project/changed', snapshot: next });
      } catch (err) {
        report('Could not save the layout', err);
      }
    }, 400);
  };
  useEffect(() => () => clearTimeout(saveTimer.current), []);

  const drag = (key: PaneKey) => (px: number) => layout.dispatch({ type: 'resize', key, px });

  return (
    <div className="workspace" data-testid="workspace" style={{ gridTemplateRows: `auto minmax(0, 1fr) 5px ${panes.bottom}px` }}>
      <EditorArea
        topBar={(center, saveState) => <TopBar saveState={saveState}>{center}</TopBar>}
        left={
          <div className="column" style={{ width: panes.left }}>
            <MediaBin />
            <PersonaPanel />
          </div>
        }
        leftSplitter={<Splitter orientation="vertical" size={panes.left} onDrag={drag('left')} onDone={persist} label="Left pane" />}
        rightSplitter={<Splitter orientation="vertical" size={panes.right} invert onDrag={drag('right')} onDone={persist} label="Right pane" />}
        rightWidth={panes.right}
        jobs={
          <>
            <Splitter orientation="horizontal" size={panes.jobs} invert onDrag={drag('jobs')} onDone={persist} label="Jobs pane" />
            <div style={{ height: panes.jobs, minHeight: 0, display: 'flex' }}>
              <JobsPanel />
            </div>
          </>
        }
        bottomSplitter={<Splitter orientation="horizontal" size={panes.bottom} invert onDrag={drag('bottom')} onDone={persist} label="Timeline pane" />}
      />
    </div>
  );
}
