import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { buildJobRequest } from '../state/job-requests';
import { PersonaReport } from './PersonaReport';
import { DeviceSelect } from './DeviceSelect';
import { deviceStore } from '../state/device';

/**
 * The persona of this project: built from the reference video, then trained
 * (FACIAL-GAN, rendering network). Actions appear as the contract offers the jobs.
 */
export function PersonaPanel() {
  const { api, session, report } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  const device = useStore(deviceStore, (s) => s.device);
  const p = snap.project;
  const reference = p.media.find((m) => m.role === 'reference');
  const persona = p.personas.find((x) => x.id === p.activePersonaId) ?? p.personas[0];
  const build = buildJobRequest(reference ? [{ kind: 'persona.build', projectDir: snap.dir, mediaId: reference.id }] : []);
  const train = buildJobRequest(persona ? [{ kind: 'gan.train', projectDir: snap.dir, personaId: persona.id, device }] : []);
  const trainRenderer = buildJobRequest(persona ? [{ kind: 'renderer.train', projectDir: snap.dir, personaId: persona.id, device }] : []);

  async function start(req: NonNullable<typeof build.request>) {
    try {
      session.dispatch({ type: 'jobs/update', job: await api.call('job.start', req) });
    } catch (err) {
      report('Could not start the job', err);
    }
  }

  return (
    <section className="panel persona" data-testid="persona-panel" aria-label="Persona">
      <header className="panel__head">
        <h2>Persona</h2>
      </header>
      <div className="panel__body">
        {persona ? (
          <div className="persona__card" data-testid="persona">
            <div className="persona__name">{persona.name}</div>
            <div className="muted small">Built {new Date(persona.createdAt).toLocaleString()}</div>
            <div className="muted small">From {p.media.find((m) => m.id === persona.sourceMediaId)?.name ?? 'a removed video'}</div>
            <PersonaReport personaId={persona.id} />
          </div>
        ) : (
          <p className="muted small empty-note">{reference ? 'No persona yet: build one from the reference video.' : 'Import a reference video of the person first; the persona (3D face model, texture, motion style) is built from it.'}</p>
        )}
        <div className="persona__actions">
          <button className="btn btn--small" disabled={!build.request} title={build.request ? 'Track the face, fit the 3D model, extract the texture' : (build.reason ?? 'Import a reference video first')} onClick={() => build.request && void start(build.request)} data-testid="persona-build">
            {persona ? 'Rebuild persona' : 'Build persona'}
          </button>
          <button className="btn btn--small" disabled={!train.request} title={train.request ? 'Train FACIAL-GAN on this persona' : (train.reason ?? 'Build a persona first')} onClick={() => train.request && void start(train.request)} data-testid="persona-train">
            Train motion model
          </button>
          <button className="btn btn--small" disabled={!trainRenderer.request} title={trainRenderer.request ? 'Train the rendering network (photoreal video) on this persona' : (trainRenderer.reason ?? 'Build a persona first')} onClick={() => trainRenderer.request && void start(trainRenderer.request)} data-testid="renderer-train">
            Train renderer
          </button>
        </div>
        <DeviceSelect />
        {!build.request && reference && <p className="muted small">{build.reason}</p>}
      </div>
    </section>
  );
}
