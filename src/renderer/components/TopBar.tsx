import { useState, type ReactNode } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { LAST_PROJECT_KEY } from '../app-context';

export function TopBar({ children, saveState }: { children?: ReactNode; saveState?: string }) {
  const { api, session, report } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(snap.project.name);

  async function rename() {
    setEditing(false);
    const next = name.trim();
    if (!next || next === snap.project.name) return setName(snap.project.name);
    try {
      session.dispatch({ type: 'project/changed', snapshot: await api.call('project.update', { dir: snap.dir, patch: { name: next } }) });
    } catch (err) {
      report('Could not rename the project', err);
      setName(snap.project.name);
    }
  }

  return (
    <header className="topbar">
      <div className="topbar__brand" aria-hidden>
        ◐
      </div>
      <div className="topbar__project">
        {editing ? (
          <input
            className="input input--title"
            value={name}
            autoFocus
            onChange={(e) => setName(e.target.value)}
            onBlur={() => void rename()}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void rename();
              if (e.key === 'Escape') {
                setName(snap.project.name);
                setEditing(false);
              }
            }}
            aria-label="Project name"
          />
        ) : (
          <button className="topbar__name" onDoubleClick={() => setEditing(true)} title={`${snap.dir} (double-click to rename)`} data-testid="project-name">
            {snap.project.name}
          </button>
        )}
        <span className="muted small topbar__dir">{snap.dir}</span>
      </div>
      <div className="topbar__center">{children}</div>
      <div className="topbar__right">
        {saveState && (
          <span className="muted small" data-testid="save-state">
            {saveState}
          </span>
        )}
        <button
          className="btn btn--small"
          onClick={async () => {
            localStorage.removeItem(LAST_PROJECT_KEY);
            session.dispatch({ type: 'project/closed' });
            session.dispatch({ type: 'recent', recent: await api.call('project.recent', {}).catch(() => []) });
          }}
          data-testid="close-project"
          title="Back to the start screen: create, open or pick a recent project"
        >
          Projects
        </button>
      </div>
    </header>
  );
}
