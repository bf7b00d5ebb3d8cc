import { useState } from 'react';
import type { MediaItem } from '../../shared/project-schema';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { FileDialog } from './FileDialog';
import { KindIcon } from './Icons';
import { parentOf } from '../state/paths';
import { AUDIO_EXT, VIDEO_EXT } from '../state/file-kinds';
import { footageAdvice } from '../../engine/common/training-presets';

const LAST_DIR_KEY = 'facial-studio.lastMediaDir';

/** Reference videos and voice-overs of the project; imports copy the file into the project. */
export function MediaBin() {
  const { api, session, report } = useApp();
  const project = useStore(session, (s) => s.project)!;
  const [dialog, setDialog] = useState<MediaItem['role']>();
  const [busy, setBusy] = useState(false);
  const media = project.project.media;
  const refs = media.filter((m) => m.role === 'reference');
  const voices = media.filter((m) => m.role === 'voiceover');

  async function importFile(path: string, role: MediaItem['role']) {
    setDialog(undefined);
    localStorage.setItem(LAST_DIR_KEY, parentOf(path));
    setBusy(true);
    try {
      const res = await api.call('media.import', { projectDir: project.dir, path, role });
      let snap = res.snapshot;
      if (role === 'voiceover' && !snap.project.activeVoiceoverId) snap = await api.call('project.update', { dir: project.dir, patch: { activeVoiceoverId: res.media.id } });
      session.dispatch({ type: 'project/changed', snapshot: snap });
    } catch (err) {
      report('Could not import the file', err);
    } finally {
      setBusy(false);
    }
  }

  async function remove(m: MediaItem) {
    if (!window.confirm(`Remove "${m.name}" from the project? The project's copy is deleted; your original file is not touched.`)) return;
    try {
      session.dispatch({ type: 'project/changed', snapshot: await api.call('media.remove', { projectDir: project.dir, mediaId: m.id }) });
    } catch (err) {
      report('Could not remove the media', err);
    }
  }

  async function activate(m: MediaItem) {
    try {
      session.dispatch({ type: 'project/changed', snapshot: await api.call('project.update', { dir: project.dir, patch: { activeVoiceoverId: m.id } }) });
    } catch (err) {
      report('Could not select the voice-over', err);
    }
  }

  return (
    <section className="panel media-bin" data-testid="media-bin" aria-label="Media">
      <header className="panel__head">
        <h2>Media</h2>
        {busy && <span className="muted small">Importing…</span>}
      </header>
      <div className="panel__body">
        <div className="media-group">
          <div className="media-group__head">
            <h3>Reference video</h3>
            <button className="btn btn--small" onClick={() => setDialog('reference')} disabled={busy} data-testid="import-reference">
              Import…
            </button>
          </div>
          {refs.length === 0 ? (
            <p className="muted small empty-note">A video of the person speaking to the camera, 1–5 minutes, face visible. The persona is learned from it.</p>
          ) : (
            refs.map((m) => <ReferenceRow key={m.id} m={m} onRemove={() => void remove(m)} />)
          )}
        </div>
        <div className="media-group">
          <div className="media-group__head">
            <h3>Voice-overs</h3>
            <button className="btn btn--small" onClick={() => setDialog('voiceover')} disabled={busy} data-testid="import-voiceover">
              Import…
            </button>
          </div>
          {voices.length === 0 ? (
            <p className="muted small empty-note">The speech the talking head will say (WAV, MP3, M4A…).</p>
          ) : (
            voices.map((m) => <VoiceRow key={m.id} m={m} active={project.project.activeVoiceoverId === m.id} onActivate={() => void activate(m)} onRemove={() => void remove(m)} />)
          )}
        </div>
      </div>
      {dialog && (
        <FileDialog
          title={dialog === 'reference' ? 'Import a reference video' : 'Import a voice-over'}
          mode="file"
          extensions={dialog === 'reference' ? VIDEO_EXT : [...AUDIO_EXT, ...VIDEO_EXT]}
          startDir={localStorage.getItem(LAST_DIR_KEY) ?? undefined}
          confirmLabel="Import"
          onPick={(p) => void importFile(p, dialog)}
          onCancel={() => setDialog(undefined)}
        />
      )}
    </section>
  );
}

/** The reference video: what it is and whether it is long enough; nothing to click but remove. */
function ReferenceRow({ m, onRemove }: { m: MediaItem; onRemove: () => void }) {
  const advice = footageAdvice(m.durationS);
  return (
    <div className="media-item" data-testid="media-item" data-role={m.role}>
      <div className="media-row">
        <div className="media-row__main" title={`${m.originalPath}${m.width ? ` (${m.width}×${m.height})` : ''}`}>
          <KindIcon kind={m.hasVideo ? 'video' : 'audio'} className="media-row__icon" />
          <span className="media-row__name">{m.name}</span>
          <span className="muted small">{formatDuration(m.durationS)}</span>
          {advice.level === 'short' && <span className="badge badge--warn">short</span>}
        </div>
        <button className="icon-btn" aria-label={`Remove ${m.name}`} onClick={onRemove}>
          ×
        </button>
      </div>
      {advice.brief && (
        <p className="warn-note small" data-testid="footage-advice" title={advice.message}>
          {advice.brief}
        </p>
      )}
    </div>
  );
}

/** A voice-over: click to make it the one the curves and the export use. */
function VoiceRow({ m, active, onActivate, onRemove }: { m: MediaItem; active: boolean; onActivate: () => void; onRemove: () => void }) {
  return (
    <div className={`media-row${active ? ' is-active' : ''}`} data-testid="media-item" data-role={m.role}>
      <button className="media-row__main" onClick={onActivate} title={active ? `${m.originalPath} (the voice-over in use)` : `${m.originalPath}: click to use this voice-over`} aria-pressed={active}>
        <KindIcon kind={m.hasVideo ? 'video' : 'audio'} className="media-row__icon" />
        <span className="media-row__name">{m.name}</span>
        <span className="muted small">{formatDuration(m.durationS)}</span>
        {active && <span className="badge badge--accent">in use</span>}
      </button>
      <button className="icon-btn" aria-label={`Remove ${m.name}`} onClick={onRemove}>
        ×
      </button>
    </div>
  );
}

export function formatDuration(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}
