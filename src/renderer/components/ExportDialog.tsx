import { useState } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { Modal } from './Modal';
import { buildJobRequest } from '../state/job-requests';
import { formatEta } from '../state/session';
import { PRESETS, EXPORT_FPS, type PresetName } from '../../engine/common/export-timing';

// The export engine's own preset table, so the dialog offers exactly what it renders.
const PRESET_LIST = Object.values(PRESETS);

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const { api, session, report } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  const jobs = useStore(session, (s) => s.jobs);
  const [preset, setPreset] = useState<PresetName>('720p');
  const [fps, setFps] = useState(25);
  const p = snap.project;
  const curvesId = p.activeCurvesId ?? p.curves[p.curves.length - 1]?.id;
  const curves = p.curves.find((c) => c.id === curvesId);
  const personaId = curves?.personaId && p.personas.some((x) => x.id === curves.personaId) ? curves.personaId : (p.activePersonaId ?? p.personas[0]?.id);
  const mediaId = curves?.mediaId && p.media.some((m) => m.id === curves.mediaId) ? curves.mediaId : p.activeVoiceoverId;
  const ready = Boolean(curvesId && personaId && mediaId);
  const req = buildJobRequest(ready ? [{ kind: 'render.export', projectDir: snap.dir, personaId, mediaId, curvesId, preset, fps }] : []);
  const reason = !curvesId ? 'Generate curves first: the export renders them.' : !personaId ? 'Build a persona first: the export renders its face.' : !mediaId ? 'Import a voice-over first: it is the sound of the video.' : (req.reason ?? '');
  const exportJobs = Object.values(jobs).filter((j) => j.projectDir === snap.dir && /export|render/.test(j.kind));

  return (
    <Modal
      title="Export video"
      onClose={onClose}
      testId="export-dialog"
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Close
          </button>
          <button
            className="btn btn--primary"
            disabled={!req.request}
            title={req.request ? undefined : reason}
            data-testid="export-start"
            onClick={async () => {
              if (!req.request) return;
              try {
                session.dispatch({ type: 'jobs/update', job: await api.call('job.start', req.request) });
              } catch (err) {
                report('Could not start the export', err);
              }
            }}
          >
            Export
          </button>
        </>
      }
    >
      <div className="field">
        <span>Preset</span>
        <div className="preset-list">
          {PRESET_LIST.map((x) => (
            <label key={x.name} className={`preset${preset === x.name ? ' is-selected' : ''}`}>
              <input type="radio" name="preset" value={x.name} checked={preset === x.name} onChange={() => setPreset(x.name)} />
              <span className="preset__label">{x.label}</span>
              
            </label>
          ))}
        </div>
      </div>
      <label className="field">
        <span>Frame rate</span>
        <select className="input" value={fps} onChange={(e) => setFps(Number(e.target.value))}>
          {EXPORT_FPS.map((f) => (
            <option key={f} value={f}>
              {f} fps
            </option>
          ))}
        </select>
      </label>
      {!req.request && (
        <p className="muted small" data-testid="export-unavailable">
          {reason}
        </p>
      )}
      {exportJobs.map((j) => (
        <div key={j.id} className="job small">
          <div className="job__top">
            <span className="job__title">{j.title}</span>
            <span className={`badge badge--${j.state}`}>{j.state}</span>
            {(j.state === 'running' || j.state === 'queued') && (
              <button className="btn btn--small" onClick={() => api.call('job.cancel', { jobId: j.id }).catch((e) => report('Could not cancel', e))}>
                Cancel
              </button>
            )}
          </div>
          <div className="progress">
            <div className="progress__bar" style={{ width: `${Math.round(j.fraction * 100)}%` }} />
          </div>
          <div className="muted">
            {j.stage} {j.etaS !== undefined && j.state === 'running' ? `· ETA ${formatEta(j.etaS)}` : ''}
          </div>
        </div>
      ))}
    </Modal>
  );
}
