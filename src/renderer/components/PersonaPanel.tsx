import { useState } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { personaActions } from '../state/persona-actions';
import { PersonaReport } from './PersonaReport';
import { DeviceSelect } from './DeviceSelect';
import { TrainDialog } from './TrainDialog';
import type { TrainingJob } from '../../engine/common/training-presets';

/**
 * The persona of this project: built from the reference video, then trained (the
 * motion model and the renderer, each with a choice of how long). Each action says,
 * when it is not possible yet, which step comes first.
 */
export function PersonaPanel() {
  const { api, session, report } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  const jobs = useStore(session, (s) => s.jobs);
  const [training, setTraining] = useState<TrainingJob>();
  const p = snap.project;
  const persona = p.personas.find((x) => x.id === p.activePersonaId) ?? p.personas[0];
  const building = Object.values(jobs).some((j) => j.projectDir === snap.dir && j.kind === 'persona.build' && (j.state === 'running' || j.state === 'queued'));
  const actions = personaActions(snap, { building });

  async function build() {
    if (!actions.build.request) return;
    try {
      session.dispatch({ type: 'jobs/update', job: await api.call('job.start', actions.build.request) });
    } catch (err) {
      report('Could not start building the persona', err);
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
            <div className="muted small">
              Built {new Date(persona.createdAt).toLocaleString()} from {p.media.find((m) => m.id === persona.sourceMediaId)?.name ?? 'a removed video'}
            </div>
            <PersonaReport personaId={persona.id} />
          </div>
        ) : (
          <p className="muted small empty-note">The persona is the person as the studio learns them: a 3D face, its texture and how it moves.</p>
        )}
        {/* Before the build: later the training dialog repeats it where it matters. */}
        {!persona && actions.footage?.message && (
          <p className="warn-note small" data-testid="persona-footage-advice">
            {actions.footage.message}
          </p>
        )}
        <div className="persona__actions">
          <button className="btn btn--small" disabled={!actions.build.request} title={actions.build.request ? 'Find the face in every frame, fit the 3D face, take its texture' : actions.build.reason} onClick={() => void build()} data-testid="persona-build">
            {persona ? 'Rebuild persona' : 'Build persona'}
          </button>
          <button className="btn btn--small" disabled={!actions.trainMotion.request} title={actions.trainMotion.request ? 'Learn how this person moves (choose how long)' : actions.trainMotion.reason} onClick={() => setTraining('gan')} data-testid="persona-train">
            Train motion…
          </button>
          <button className="btn btn--small" disabled={!actions.trainRenderer.request} title={actions.trainRenderer.request ? 'Learn to paint this person’s face for realistic video (choose how long)' : actions.trainRenderer.reason} onClick={() => setTraining('renderer')} data-testid="renderer-train">
            Train renderer…
          </button>
          <button className="btn btn--small" disabled={!actions.trainMouth.request} title={actions.trainMouth.request ? 'Learn to correct the mouths borrowed from your footage; used only if it beats them on frames it did not learn from (choose how long)' : actions.trainMouth.reason} onClick={() => setTraining('residual')} data-testid="residual-train">
            Train mouth correction…
          </button>
        </div>
        <DeviceSelect />
        {(actions.next ?? (!actions.trainMotion.request ? actions.trainMotion.reason : undefined)) && (
          <p className="muted small persona__next" data-testid="persona-next">
            {actions.next ?? actions.trainMotion.reason}
          </p>
        )}
      </div>
      {training && persona && <TrainDialog job={training} personaId={persona.id} onClose={() => setTraining(undefined)} />}
    </section>
  );
}
