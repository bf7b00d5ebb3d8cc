import { useEffect, useMemo, useRef, useState } from 'react';
import { useApp } from '../app-context';
import { useEditor } from '../editor-context';
import { useStore } from '../state/use-store';
import { createStore } from '../state/store';
import { Modal } from './Modal';
import { FileDialog } from './FileDialog';
import { formatEta } from '../state/session';
import { deviceStore } from '../state/device';
import { qualityReportOf } from '../state/quality-report';
import { QualityReportPanel } from './QualityReportPanel';
import { PRESET_NAMES, PRESETS, EXPORT_FPS, previewFileName, referenceFrameFor, type OutputGeometry } from '../../engine/common/export-timing';
import { expectedQuality } from '../../engine/common/training-presets';
import { defaultSaveAs, exportPlan, exportResult, exportSettingsReducer, initialExportSettings, SYNTHESIS_CHOICES, type ExportSource } from '../state/export-dialog';
import { baseName, parentOf } from '../state/paths';
import { jobProgressText } from '../state/job-text';
import { useReferenceFrame } from '../viewport/use-reference-frame';
import { exportFramingStore } from '../state/output-framing';

const LAST_EXPORT_DIR = 'facial-studio.lastExportDir';

/** Export: size and framing (with a thumbnail of the result), what quality to expect, where to save, and the export's progress and file. */
export function ExportDialog({ onClose }: { onClose: () => void }) {
  const { api, session, report } = useApp();
  const { editor } = useEditor();
  const snap = useStore(session, (s) => s.project)!;
  const jobs = useStore(session, (s) => s.jobs);
  const settings = useMemo(() => {
    const d = defaultSaveAs(snap, localStorage.getItem(LAST_EXPORT_DIR));
    return createStore(exportSettingsReducer, initialExportSettings(d.folder, d.name, exportFramingStore.getState()));
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  const s = useStore(settings, (x) => x);
  // The size and framing outlive the dialog: the Output view shows the picture framed by them.
  useEffect(() => exportFramingStore.dispatch({ type: 'choose', preset: s.preset, framing: s.framing }), [s.preset, s.framing]);
  const device = useStore(deviceStore, (x) => x.device);
  const [source, setSource] = useState<ExportSource>();
  const [rendererSteps, setRendererSteps] = useState<number>();
  const [fromFootage, setFromFootage] = useState<boolean>();
  const [mouthCorrected, setMouthCorrected] = useState(false);
  const [picking, setPicking] = useState(false);
  const p = snap.project;
  const persona = p.personas.find((x) => x.id === p.activePersonaId) ?? p.personas[0];
  const footage = p.media.find((m) => m.id === persona?.sourceMediaId);

  // The persona's footage (size, where the face is) and whether its renderer is trained.
  useEffect(() => {
    if (!persona) return;
    let cancelled = false;
    void Promise.all([api.call('persona.model', { projectDir: snap.dir, personaId: persona.id }), api.call('persona.info', { projectDir: snap.dir, personaId: persona.id })]).then(
      ([model, info]) => {
        if (cancelled) return;
        setRendererSteps(info.renderer.training?.steps);
        setFromFootage(info.synthesis?.fromFootage ?? false);
        setMouthCorrected(info.residual?.applied ?? false);
        setSource({
          width: model.camera.width, height: model.camera.height, camera: model.camera, meanPose: model.meanPose,
          photoreal: Boolean(info.renderer.training) || Boolean(info.synthesis?.fromFootage),
          synthesisChoice: Boolean(info.renderer.training) && Boolean(info.synthesis?.fromFootage),
        });
      },
      (err) => {
        if (cancelled) return;
        setFromFootage(false);
        report('Could not read the persona for the export', err);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, snap.dir, persona?.id, report]); // eslint-disable-line react-hooks/exhaustive-deps

  const plan = exportPlan(snap, s, source, device);
  // With the trained renderer chosen, the renderer's quality is what to expect.
  const quality = expectedQuality({ rendererSteps, fromFootage: fromFootage && !(source?.synthesisChoice && s.synthesis === 'renderer'), footageS: footage?.durationS, pending: Boolean(persona) && fromFootage === undefined });
  const job = s.jobId ? jobs[s.jobId] : undefined;
  const running = job && (job.state === 'running' || job.state === 'queued');
  const result = exportResult(job);

  // The thumbnail: the reference frame at the playhead, framed as the export will frame it.
  const playhead = useStore(editor, (x) => Math.round(x.playhead));
  const fps = useStore(editor, (x) => x.doc?.fps ?? p.fps);
  const refFrame = footage?.fps && footage.durationS ? referenceFrameFor(playhead, fps, footage.fps, Math.max(1, Math.round(footage.durationS * footage.fps))) : undefined;
  const ref = useReferenceFrame(api, snap.dir, footage?.hasVideo ? footage.id : undefined, refFrame, 320);

  async function start(overwrite = s.overwrite) {
    const req = exportPlan(snap, { ...s, overwrite }, source, device).request;
    if (!req || req.kind !== 'render.export') return;
    // Never replace a file without asking: look for it first.
    if (!overwrite) {
      try {
        const listing = await api.call('fs.list', { dir: s.folder, extensions: ['.mp4'] });
        if (listing.entries.some((e) => e.kind === 'file' && e.name === plan.fileName)) {
          settings.dispatch({ type: 'confirm-replace', file: plan.fileName });
          return;
        }
      } catch {
        /* the host checks again and says why it cannot write there */
      }
    }
    try {
      const started = await api.call('job.start', req);
      session.dispatch({ type: 'jobs/update', job: started });
      settings.dispatch({ type: 'started', jobId: started.id });
      localStorage.setItem(LAST_EXPORT_DIR, s.folder);
    } catch (err) {
      report('Could not start the export', err);
    }
  }

  async function chooseLocation() {
    const native = api.nativeSaveDialog;
    if (native) {
      const chosen = await native({ title: 'Save the video', defaultPath: plan.file }).catch((err) => report('Could not open the save dialog', err));
      // The system dialog asked before replacing that name; a preview's name (".preview") is checked again on export.
      if (chosen) settings.dispatch({ type: 'save-as', folder: parentOf(chosen), name: baseName(chosen), overwrite: Boolean(source?.photoreal) });
      return;
    }
    setPicking(true);
  }

  async function reveal(action: 'open' | 'folder') {
    if (!result) return;
    try {
      await api.call('render.reveal', { projectDir: snap.dir, renderId: result.renderId, action });
    } catch (err) {
      report(action === 'open' ? 'Could not open the video' : 'Could not show the video in its folder', err);
    }
  }

  return (
    <Modal
      title="Export video"
      onClose={onClose}
      testId="export-dialog"
      wide
      footer={
        <>
          {result && (
            <span className="export-foot__result">
              <button className="btn btn--small" onClick={() => void reveal('open')} data-testid="export-open-file" title={`Open ${result.file} in your video player`}>
                Open
              </button>
              <button className="btn btn--small" onClick={() => void reveal('folder')} data-testid="export-show-folder" title={`Show ${result.file} in its folder`}>
                Show in folder
              </button>
            </span>
          )}
          <button className="btn" onClick={onClose} data-testid="export-close">
            Close
          </button>
          <button className="btn btn--primary" disabled={!plan.request || Boolean(running)} title={plan.request ? `Save ${plan.file}` : plan.reason} data-testid="export-start" onClick={() => void start()}>
            {running ? 'Exporting…' : 'Export'}
          </button>
        </>
      }
    >
      <div className={`export-quality export-quality--${quality.level}`} data-testid="export-quality" data-level={quality.level}>
        <div className="export-quality__head">{quality.headline}</div>
        <div className="small">{quality.detail}</div>
        {quality.advice && <div className="small muted">{quality.advice}</div>}
        {/* The export applies it in automatic mode only (export-video.ts chooseSynthesis). */}
        {mouthCorrected && quality.level === 'footage' && (!source?.synthesisChoice || s.synthesis === 'auto') && (
          <div className="small muted" data-testid="export-mouth-correction">
            The trained mouth correction is applied: it beat your footage’s own mouths on frames it did not learn from.
          </div>
        )}
      </div>
      <div className="export-grid">
        <div>
          <div className="field">
            <span>Size</span>
            <div className="preset-list">
              {PRESET_NAMES.map((name) => {
                const x = PRESETS[name];
                const size = name === 'source' ? (source ? `${source.width & ~1} × ${source.height & ~1}` : '') : `${x.width} × ${x.height}`;
                return (
                  <label key={name} className={`preset${s.preset === name ? ' is-selected' : ''}`}>
                    <input type="radio" name="preset" value={name} checked={s.preset === name} onChange={() => settings.dispatch({ type: 'preset', preset: name })} />
                    <span className="preset__label">{x.label}</span>
                    <span className="muted small">{name === 'source' ? size : ''}</span>
                  </label>
                );
              })}
            </div>
          </div>
          {plan.framingChoice && (
            <div className="field">
              <span>This size has another shape than your footage</span>
              <div className="segmented" role="radiogroup" aria-label="Framing">
                {(
                  [
                    ['fill', 'Fill', 'Crop around the face: no bars'],
                    ['fit', 'Fit', 'The whole picture, with black bars'],
                  ] as const
                ).map(([value, label, help]) => (
                  <label key={value} className={`segmented__item${s.framing === value ? ' is-selected' : ''}`} title={help} data-testid={`framing-${value}`}>
                    <input type="radio" name="framing" value={value} checked={s.framing === value} onChange={() => settings.dispatch({ type: 'framing', framing: value })} />
                    <span>{label}</span>
                    <span className="muted small">{help}</span>
                  </label>
                ))}
              </div>
            </div>
          )}
          {source?.synthesisChoice && (
            <div className="field">
              <span>How the video is made</span>
              <div className="preset-list" role="radiogroup" aria-label="How the video is made">
                {SYNTHESIS_CHOICES.map((c) => (
                  <label key={c.value} className={`preset${s.synthesis === c.value ? ' is-selected' : ''}`} title={c.help} data-testid={`synthesis-${c.value}`}>
                    <input type="radio" name="synthesis" value={c.value} checked={s.synthesis === c.value} onChange={() => settings.dispatch({ type: 'synthesis', synthesis: c.value })} />
                    <span className="preset__label">{c.label}</span>
                  </label>
                ))}
              </div>
            </div>
          )}
          <label className="field">
            <span>Frame rate</span>
            <select className="input" value={s.fps} onChange={(e) => settings.dispatch({ type: 'fps', fps: Number(e.target.value) as 25 | 30 })}>
              {EXPORT_FPS.map((f) => (
                <option key={f} value={f}>
                  {f} fps
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="export-thumb">
          <FramingThumb geometry={plan.geometry} srcW={source?.width} srcH={source?.height} url={ref.url} />
          <div className="muted small" data-testid="export-framing-note">
            {plan.note ?? (persona ? 'Reading the footage…' : 'No persona yet.')}
          </div>
        </div>
      </div>
      <div className="field">
        <span>Save as</span>
        <div className="save-as">
          <span className="save-as__path" title={plan.file} data-testid="export-path">
            <span className="save-as__folder">
              <span>{s.folder}</span>
            </span>
            <span className="save-as__name">{plan.fileName}</span>
          </span>
          <button className="btn btn--small" onClick={() => void chooseLocation()} data-testid="export-choose-location">
            Change…
          </button>
        </div>
        {source && !source.photoreal && <span className="muted small">This export is a preview (the footage cannot be used and no renderer is trained): the file name says “preview”.</span>}
      </div>
      {s.confirmReplace && (
        <div className="warn-box" role="alert" data-testid="export-replace">
          <span>“{s.confirmReplace}” already exists in that folder.</span>
          <button className="btn btn--small" onClick={() => void start(true)} data-testid="export-replace-confirm">
            Replace it
          </button>
          <button className="btn btn--small" onClick={() => void chooseLocation()}>
            Choose another name…
          </button>
        </div>
      )}
      {!plan.request && plan.reason && (
        <p className="muted small" data-testid="export-unavailable">
          {plan.reason}
        </p>
      )}
      {job && (
        <div className={`job job--${job.state} export-job`} data-testid="export-job" data-job-state={job.state}>
          <div className="job__top">
            <span className="job__title">{job.title}</span>
            <span className={`badge badge--${job.state}`}>{job.state}</span>
            {running && (
              <button className="btn btn--small" onClick={() => api.call('job.cancel', { jobId: job.id }).catch((e) => report('Could not cancel', e))}>
                Cancel
              </button>
            )}
          </div>
          <div className="progress">
            <div className="progress__bar" style={{ width: `${Math.round(job.fraction * 100)}%` }} />
          </div>
          <div className="muted small">
            {jobProgressText(job).stage} {job.etaS !== undefined && running ? `· about ${formatEta(job.etaS)} left` : ''}
          </div>
          {job.error && <div className="inline-error small">{job.error}</div>}
          {result && (
            <div className="export-result" data-testid="export-result">
              <div>
                Saved <strong>{baseName(result.file)}</strong>
                {result.width && result.height ? ` (${result.width} × ${result.height})` : ''}
              </div>
              <div className="muted small export-result__path" data-testid="export-result-path">
                {result.file}
              </div>
            </div>
          )}
          {job.state === 'done' && qualityReportOf(job.result) && <QualityReportPanel key={job.id} report={qualityReportOf(job.result)!} />}
        </div>
      )}
      {picking && (
        <FileDialog
          title="Save the video as"
          mode="save"
          extensions={['.mp4']}
          startDir={s.folder}
          defaultName={s.name}
          finalName={source && !source.photoreal ? previewFileName : undefined}
          confirmLabel="Save here"
          onPick={(path, { overwrite }) => {
            setPicking(false);
            settings.dispatch({ type: 'save-as', folder: parentOf(path), name: baseName(path), overwrite });
          }}
          onCancel={() => setPicking(false)}
        />
      )}
    </Modal>
  );
}

/** The output frame, drawn from the export's own geometry over the reference frame: bars where `fit` leaves them, the crop of `fill`. */
function FramingThumb({ geometry, srcW, srcH, url }: { geometry?: OutputGeometry; srcW?: number; srcH?: number; url?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const BOX = 220;
  useEffect(() => {
    const c = canvas.current;
    if (!c || !geometry || !srcW || !srcH) return;
    const k = Math.min(BOX / geometry.width, BOX / geometry.height);
    c.width = Math.max(2, Math.round(geometry.width * k));
    c.height = Math.max(2, Math.round(geometry.height * k));
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, c.width, c.height);
    if (!url) return;
    const img = new Image();
    img.onload = () => {
      const s = img.naturalWidth / srcW;
      const { crop, place } = geometry;
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, crop.x * s, crop.y * s, crop.w * s, crop.h * s, place.x * k, place.y * k, place.w * k, place.h * k);
      c.dataset.drawn = 'true';
    };
    img.src = url;
  }, [geometry, srcW, srcH, url]);
  return (
    <div className="export-thumb__box" style={{ width: BOX, height: BOX }}>
      <canvas ref={canvas} data-testid="export-thumbnail" data-framing={geometry?.framing} data-width={geometry?.width} data-height={geometry?.height} />
    </div>
  );
}
