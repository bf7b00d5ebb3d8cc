import { useState } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { folderNameFor, joinPath, parentOf } from '../state/paths';
import { FileDialog } from './FileDialog';

/** No project open: create one (name + folder), open one, or pick a recent one. */
export function StartScreen() {
  const { api, session, report } = useApp();
  const info = useStore(session, (s) => s.info);
  const recent = useStore(session, (s) => s.recent);
  const [name, setName] = useState('');
  const [parent, setParent] = useState<string>();
  const [dialog, setDialog] = useState<'parent' | 'open'>();
  const [busy, setBusy] = useState(false);
  const baseDir = parent ?? info?.defaultProjectsDir ?? '';
  const target = name.trim() ? joinPath(baseDir, folderNameFor(name)) : '';

  async function open(dir: string) {
    setBusy(true);
    try {
      const snap = await api.call('project.open', { dir });
      session.dispatch({ type: 'project/opened', snapshot: snap });
    } catch (err) {
      report('Could not open the project', err);
      session.dispatch({ type: 'recent', recent: await api.call('project.recent', {}).catch(() => recent) });
    } finally {
      setBusy(false);
    }
  }

  async function create() {
    if (!name.trim() || !target) return;
    setBusy(true);
    try {
      const snap = await api.call('project.create', { dir: target, name: name.trim() });
      session.dispatch({ type: 'project/opened', snapshot: snap });
    } catch (err) {
      report('Could not create the project', err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="start" data-testid="start-screen">
      <div className="start__brand">
        <div className="logo" aria-hidden>
          ◐
        </div>
        <div>
          <h1>FACIAL Studio</h1>
          <p className="muted">Voice-over in, talking head out: every motion a curve you can edit.</p>
        </div>
      </div>
      <div className="start__cards">
        <section className="card">
          <h2>New project</h2>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void create();
            }}
          >
            <label className="field">
              <span>Name</span>
              <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Product launch" data-testid="new-project-name" autoFocus maxLength={200} />
            </label>
            <label className="field">
              <span>Location</span>
              <div className="field__row">
                <input className="input" value={baseDir} onChange={(e) => setParent(e.target.value)} data-testid="new-project-location" spellCheck={false} />
                <button type="button" className="btn" onClick={() => setDialog('parent')}>
                  Browse…
                </button>
              </div>
            </label>
            <p className="muted small" data-testid="new-project-target">
              {target ? <>Creates the folder <code>{target}</code></> : 'A new folder is created for the project.'}
            </p>
            <button type="submit" className="btn btn--primary" disabled={!target || busy} data-testid="create-project">
              Create project
            </button>
          </form>
        </section>
        <section className="card">
          <h2>Open</h2>
          <p className="muted small">A project is a folder with a project.json.</p>
          <button className="btn" onClick={() => setDialog('open')} disabled={busy} data-testid="open-project">
            Open project folder…
          </button>
          <h3 className="card__sub">Recent</h3>
          {recent.length === 0 ? (
            <p className="muted small">No recent projects yet.</p>
          ) : (
            <ul className="recent" data-testid="recent-projects">
              {recent.map((r) => (
                <li key={r.dir}>
                  <button className="recent__item" onClick={() => void open(r.dir)} disabled={busy} title={r.dir}>
                    <span className="recent__name">{r.name}</span>
                    <span className="recent__dir muted">{r.dir}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {dialog === 'parent' && (
        <FileDialog
          title="Where to create the project"
          mode="dir"
          startDir={baseDir ? parentOf(joinPath(baseDir, 'x')) : undefined}
          onPick={(p) => {
            setParent(p);
            setDialog(undefined);
          }}
          onCancel={() => setDialog(undefined)}
        />
      )}
      {dialog === 'open' && (
        <FileDialog
          title="Open a project folder"
          mode="dir"
          startDir={recent[0] ? parentOf(recent[0].dir) : info?.defaultProjectsDir}
          confirmLabel="Open project"
          onPick={(p) => {
            setDialog(undefined);
            void open(p);
          }}
          onCancel={() => setDialog(undefined)}
        />
      )}
    </div>
  );
}
