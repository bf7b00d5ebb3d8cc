import { useEffect, useMemo } from 'react';
import type { ApiClient } from '../api/client';
import { AppContext, createSessionStore, reportTo, LAST_PROJECT_KEY, type AppContextValue } from '../app-context';
import { useStore } from '../state/use-store';
import { StartScreen } from './StartScreen';
import { Workspace } from './Workspace';
import { Notices } from './Notices';
import { ConnectionBanner } from './ConnectionBanner';

export function BootError({ message, hint }: { message: string; hint: string }) {
  return (
    <div className="boot-error" role="alert">
      <h1>FACIAL Studio</h1>
      <p className="boot-error__message">{message}</p>
      <p className="muted">{hint}</p>
    </div>
  );
}

export function App({ api }: { api: ApiClient }) {
  const ctx = useMemo<AppContextValue>(() => {
    const session = createSessionStore();
    return { api, session, report: reportTo(session) };
  }, [api]);
  const { session } = ctx;

  useEffect(() => {
    const offs = [
      api.onStatus((s) => {
        session.dispatch({ type: 'connection', connection: s.state === 'reconnecting' ? { state: 'reconnecting', attempt: s.attempt, reason: s.reason } : s });
        if (s.state === 'open') void onConnected();
      }),
      api.onProblem((message) => session.dispatch({ type: 'notice', notice: { level: 'error', title: 'Message from the studio server not understood', message } })),
      api.on('job.update', (job) => session.dispatch({ type: 'jobs/update', job })),
      api.on('project.changed', (snapshot) => session.dispatch({ type: 'project/changed', snapshot })),
    ];
    let first = true;
    async function onConnected() {
      try {
        const [info, recent, jobs] = await Promise.all([api.call('app.info', {}), api.call('project.recent', {}), api.call('job.list', {})]);
        session.dispatch({ type: 'info', info });
        session.dispatch({ type: 'recent', recent });
        session.dispatch({ type: 'jobs/list', jobs });
      } catch (err) {
        ctx.report('Could not load the studio state', err);
      }
      // After a reload (or a reconnect) the project that was open is opened again.
      const current = session.getState().project?.dir;
      const last = current ?? localStorage.getItem(LAST_PROJECT_KEY);
      if (last && (first || current)) {
        session.dispatch({ type: 'restoring', restoring: true });
        try {
          const snap = await api.call('project.open', { dir: last });
          session.dispatch({ type: 'project/opened', snapshot: snap });
        } catch (err) {
          localStorage.removeItem(LAST_PROJECT_KEY);
          ctx.report('Could not re-open the last project', err);
        } finally {
          session.dispatch({ type: 'restoring', restoring: false });
        }
      }
      first = false;
    }
    return () => offs.forEach((off) => off());
  }, [api, session, ctx]);

  const project = useStore(session, (s) => s.project);
  const restoring = useStore(session, (s) => s.restoring);

  useEffect(() => {
    if (project) localStorage.setItem(LAST_PROJECT_KEY, project.dir);
  }, [project]);

  return (
    <AppContext.Provider value={ctx}>
      <div className="app">
        <ConnectionBanner />
        {project ? <Workspace key={project.dir} /> : restoring ? <div className="center-note">Opening the last project…</div> : <StartScreen />}
        <Notices />
      </div>
    </AppContext.Provider>
  );
}
