import { useEditor } from '../editor-context';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { fitView } from '../state/timeline-view';
import { addBlinkAtPlayhead, addKeyAtPlayhead, smoothRange, togglePlay } from './actions';
import { buildJobRequest } from '../state/job-requests';
import { channelLabel } from '../../engine/common/curves/channels';

export function TimelineToolbar({ curvesId, loadError }: { curvesId?: string; loadError?: string }) {
  const ctx = useEditor();
  const { api, session, report } = useApp();
  const { editor, view } = ctx;
  const snap = useStore(session, (s) => s.project)!;
  const doc = useStore(editor, (s) => s.doc);
  const rate = useStore(editor, (s) => s.rate);
  const loopOn = useStore(editor, (s) => s.loopOn);
  const loop = useStore(editor, (s) => s.loop);
  const selection = useStore(editor, (s) => s.selection);
  const advanced = useStore(editor, (s) => s.advanced);
  const active = useStore(editor, (s) => s.activeChannel);
  const p = snap.project;
  const persona = p.personas.find((x) => x.id === p.activePersonaId) ?? p.personas[0];
  const voice = p.media.find((m) => m.id === p.activeVoiceoverId);
  const gen = buildJobRequest(persona && voice ? [{ kind: 'curves.generate', projectDir: snap.dir, personaId: persona.id, mediaId: voice.id }] : []);
  const genReason = !voice ? 'Import a voice-over first' : !persona ? 'Build a persona first' : gen.reason;
  const width = (document.querySelector('[data-testid="ruler"]') as HTMLElement | null)?.clientWidth ?? 800;

  return (
    <div className="tl-toolbar">
      <button className={`btn btn--small tl-play${rate !== 0 ? ' is-on' : ''}`} disabled={!doc} onClick={() => togglePlay(ctx)} data-testid="play-toggle" data-playing={rate !== 0} title="Play / pause (Space); J, K, L">
        {rate !== 0 ? '❚❚ Pause' : '▶ Play'}
      </button>
      <button
        className={`btn btn--small${loopOn ? ' is-on' : ''}`}
        disabled={!doc || (!loop && selection.kind !== 'range')}
        onClick={() => (selection.kind === 'range' ? editor.dispatch({ type: 'loop', range: selection, on: !(loopOn && loop?.start === selection.start && loop?.end === selection.end) }) : editor.dispatch({ type: 'loop', on: !loopOn }))}
        title="Loop the selected range (Shift+drag on the ruler to select)"
        data-testid="loop-toggle"
      >
        Loop
      </button>
      <span className="toolbar__sep" />
      <button className="btn btn--small" disabled={!doc} onClick={() => addKeyAtPlayhead(ctx)} data-testid="add-key" title={`Add a key on ${channelLabel(active)} at the playhead (K)`}>
        + Key
      </button>
      <button className="btn btn--small" disabled={!doc} onClick={() => addBlinkAtPlayhead(ctx)} data-testid="add-blink" title="Add a blink at the playhead">
        + Blink
      </button>
      <button className="btn btn--small" disabled={!doc} onClick={() => smoothRange(ctx)} data-testid="smooth" title={`Smooth ${channelLabel(active)} over the selected range (or ±1 s)`}>
        Smooth
      </button>
      <span className="toolbar__sep" />
      <label className="tl-check">
        <input type="checkbox" checked={advanced} disabled={!doc} onChange={(e) => editor.dispatch({ type: 'advanced', on: e.target.checked })} data-testid="advanced-toggle" />
        Raw expression (64)
      </label>
      <button className="btn btn--small" disabled={!doc} onClick={() => doc && view.dispatch(fitView(doc.frameCount, width))} title="Show the whole timeline">
        Fit
      </button>
      <div className="tl-toolbar__right">
        {loadError && <span className="inline-error small">{loadError}</span>}
        {doc && (
          <span className="muted small" data-testid="curves-info" title={doc.generator ? JSON.stringify(doc.generator) : undefined}>
            {p.curves.length > 1 ? (
              <select
                className="input tl-curves"
                value={curvesId}
                onChange={async (e) => {
                  try {
                    session.dispatch({ type: 'project/changed', snapshot: await api.call('project.update', { dir: snap.dir, patch: { activeCurvesId: e.target.value } }) });
                  } catch (err) {
                    report('Could not switch curves', err);
                  }
                }}
              >
                {p.curves.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.id}
                  </option>
                ))}
              </select>
            ) : (
              curvesId
            )}{' '}
            · {doc.source === 'facial-gan' ? 'FACIAL-GAN' : 'prior (untrained)'} · {doc.frameCount} frames @ {doc.fps} fps
          </span>
        )}
        <button
          className="btn btn--small btn--primary"
          disabled={!gen.request}
          title={gen.request ? 'Generate pose, blink and expression curves from the voice-over' : genReason}
          data-testid="generate-curves"
          onClick={async () => {
            if (!gen.request) return;
            try {
              session.dispatch({ type: 'jobs/update', job: await api.call('job.start', gen.request) });
            } catch (err) {
              report('Could not start generating curves', err);
            }
          }}
        >
          Generate curves
        </button>
      </div>
    </div>
  );
}
