import { useEditor } from '../editor-context';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { fitView } from '../state/timeline-view';
import { addBlinkAtPlayhead, goToAdjacentKey, smoothRange, toggleKeyAtPlayhead, togglePlay } from './actions';
import { buildJobRequest } from '../state/job-requests';
import { keyAt, adjacentKeyFrame } from '../state/editor';
import { laneDisplay, stepLaneHeight, LANE_HEIGHTS } from '../state/lane-display';
import { motionProvenance, takeLabel } from '../state/motion-label';

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
  const laneHeight = useStore(editor, (s) => s.laneHeight);
  const playhead = useStore(editor, (s) => Math.round(s.playhead));
  const edits = useStore(editor, (s) => s.history.present.edits);
  const p = snap.project;
  const persona = p.personas.find((x) => x.id === p.activePersonaId) ?? p.personas[0];
  const voice = p.media.find((m) => m.id === p.activeVoiceoverId);
  const gen = buildJobRequest(persona && voice ? [{ kind: 'curves.generate', projectDir: snap.dir, personaId: persona.id, mediaId: voice.id }] : []);
  const revoice = buildJobRequest(persona && voice ? [{ kind: 'curves.generate', projectDir: snap.dir, personaId: persona.id, mediaId: voice.id, revoice: true }] : []);
  const genReason = !voice ? 'Import a voice-over first: the motion is generated from it.' : !persona ? 'Build the persona first (Persona panel): the motion is generated for it.' : gen.reason;
  const width = (document.querySelector('[data-testid="ruler"]') as HTMLElement | null)?.clientWidth ?? 800;
  const labels = Object.fromEntries((doc?.semantic ?? []).map((x) => [x.name, x.label]));
  const lane = laneDisplay(active, labels).label;
  const keyHere = doc ? keyAt(edits, active, playhead) : undefined;
  const prevKey = doc ? adjacentKeyFrame(edits, active, playhead, -1) : undefined;
  const nextKey = doc ? adjacentKeyFrame(edits, active, playhead, 1) : undefined;
  const motion = doc ? motionProvenance(doc) : undefined;

  return (
    <div className="tl-toolbar">
      <button className={`btn btn--small tl-play${rate !== 0 ? ' is-on' : ''}`} disabled={!doc} onClick={() => togglePlay(ctx)} data-testid="play-toggle" data-playing={rate !== 0} title="Play / pause (Space). J plays backwards, K pauses, L plays forwards (again: faster).">
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
      <div className="tl-keynav" role="group" aria-label={`Keys on ${lane}`}>
        <button className="btn btn--small" disabled={prevKey === undefined} onClick={() => goToAdjacentKey(ctx, -1)} data-testid="key-prev" title={`Previous key on ${lane} ([)`} aria-label="Previous key">
          ‹
        </button>
        <button className={`btn btn--small tl-keynav__key${keyHere ? ' is-on' : ''}`} disabled={!doc} onClick={() => toggleKeyAtPlayhead(ctx)} data-testid="add-key" title={`${keyHere ? 'Remove the key' : 'Add a key'} on ${lane} at the playhead (Alt+K)`}>
          ◆ {keyHere ? 'Remove key' : 'Add key'}
        </button>
        <button className="btn btn--small" disabled={nextKey === undefined} onClick={() => goToAdjacentKey(ctx, 1)} data-testid="key-next" title={`Next key on ${lane} (])`} aria-label="Next key">
          ›
        </button>
      </div>
      <button className="btn btn--small" disabled={!doc} onClick={() => addBlinkAtPlayhead(ctx)} data-testid="add-blink" title="Add a blink at the playhead">
        + Blink
      </button>
      <button className="btn btn--small" disabled={!doc} onClick={() => smoothRange(ctx)} data-testid="smooth" title={`Smooth ${lane} over the selected range (or ±1 s around the playhead)`}>
        Smooth
      </button>
      <span className="toolbar__sep" />
      <label className="tl-check" title="Show the 64 raw face-shape components of the persona's model as lanes">
        <input type="checkbox" checked={advanced} disabled={!doc} onChange={(e) => editor.dispatch({ type: 'advanced', on: e.target.checked })} data-testid="advanced-toggle" />
        All face shapes
      </label>
      <div className="tl-zoom" role="group" aria-label="Lane height">
        <button className="btn btn--small" disabled={laneHeight <= LANE_HEIGHTS[0]} onClick={() => editor.dispatch({ type: 'lane-height', height: stepLaneHeight(laneHeight, -1) })} data-testid="lanes-shorter" title="Shorter lanes: see more of them (Alt+wheel)" aria-label="Shorter lanes">
          ⇣
        </button>
        <button className="btn btn--small" disabled={laneHeight >= LANE_HEIGHTS[LANE_HEIGHTS.length - 1]} onClick={() => editor.dispatch({ type: 'lane-height', height: stepLaneHeight(laneHeight, 1) })} data-testid="lanes-taller" title="Taller lanes: finer values (Alt+wheel)" aria-label="Taller lanes">
          ⇡
        </button>
      </div>
      <button className="btn btn--small" disabled={!doc} onClick={() => doc && view.dispatch(fitView(doc.frameCount, width))} title="Show the whole timeline">
        Fit
      </button>
      <div className="tl-toolbar__right">
        {loadError && <span className="inline-error small">{loadError}</span>}
        {doc && motion && (
          <span className="muted small tl-motion" data-testid="curves-info" title={`${motion.detail} ${doc.frameCount} frames at ${doc.fps} fps.`}>
            {p.curves.length > 1 && curvesId ? (
              <select
                className="input tl-curves"
                value={curvesId}
                aria-label="Take"
                data-testid="take-select"
                onChange={async (e) => {
                  try {
                    session.dispatch({ type: 'project/changed', snapshot: await api.call('project.update', { dir: snap.dir, patch: { activeCurvesId: e.target.value } }) });
                  } catch (err) {
                    report('Could not switch takes', err);
                  }
                }}
              >
                {p.curves.map((c) => (
                  <option key={c.id} value={c.id}>
                    {takeLabel(p.curves, c.id)}
                  </option>
                ))}
              </select>
            ) : null}{' '}
            <span data-testid="motion-source">{motion.short}</span>
          </span>
        )}
        <button
          className="btn btn--small"
          disabled={!revoice.request}
          title={revoice.request ? 'A take of your own clip with new words: its head motion and blinks as filmed, only the mouth follows the voice-over (the head and blink lanes can still be edited)' : genReason}
          data-testid="revoice-clip"
          onClick={async () => {
            if (!revoice.request) return;
            try {
              session.dispatch({ type: 'jobs/update', job: await api.call('job.start', revoice.request) });
            } catch (err) {
              report('Could not start re-voicing the clip', err);
            }
          }}
        >
          Re-voice the clip
        </button>
        <button
          className="btn btn--small btn--primary"
          disabled={!gen.request}
          title={gen.request ? 'Generate head motion, blinks and expressions from the voice-over' : genReason}
          data-testid="generate-curves"
          onClick={async () => {
            if (!gen.request) return;
            try {
              session.dispatch({ type: 'jobs/update', job: await api.call('job.start', gen.request) });
            } catch (err) {
              report('Could not start generating the motion', err);
            }
          }}
        >
          Generate motion
        </button>
      </div>
    </div>
  );
}
