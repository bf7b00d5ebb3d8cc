import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { createStore } from '../state/store';
import { editorReducer, initialEditor, saveLabel } from '../state/editor';
import { AudioHolder, EditorContext, makeEvaluator, type EditorContextValue } from '../editor-context';
import type { TimelineView } from '../state/timeline-view';
import { fitView, placeholderFrames } from '../state/timeline-view';
import { parseCurveDocument, toCurveDocumentFile } from '../../engine/common/curves/document';
import { decodePeaksPayload, type Peaks } from '../timeline/peaks';
import { PlaybackClock } from '../timeline/playback';
import { Timeline } from '../timeline/Timeline';
import { TimelineToolbar } from '../timeline/TimelineToolbar';
import { useEditorKeyboard } from '../timeline/keyboard';
import { Inspector } from './Inspector';
import { Viewport } from '../viewport/Viewport';
import { ExportDialog } from './ExportDialog';
import { joinPath } from '../state/paths';
import { canRedo, canUndo, redoLabel, undoLabel } from '../../engine/common/curves/history';

const AUTOSAVE_MS = 700;

/** Preview, inspector and timeline of the open project, around one curve editor. */
export function EditorArea(props: {
  topBar: (center: ReactNode, saveState?: string) => ReactNode;
  left: ReactNode;
  leftSplitter: ReactNode;
  rightSplitter: ReactNode;
  rightWidth: number;
  jobs: ReactNode;
  bottomSplitter: ReactNode;
}) {
  const { api, session, report } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  const ctx = useMemo<EditorContextValue>(
    () => ({
      editor: createStore(editorReducer, initialEditor),
      view: createStore<TimelineView, TimelineView>((_, next) => next, fitView(1, 800)),
      evaluator: makeEvaluator(),
      peaks: createStore<Peaks | undefined, Peaks | undefined>((_, next) => next, undefined),
      audio: new AudioHolder(),
    }),
    [],
  );
  const { editor, peaks } = ctx;
  const doc = useStore(editor, (s) => s.doc);
  const curvesId = useStore(editor, (s) => s.curvesId);
  const history = useStore(editor, (s) => s.history);
  const save = useStore(editor, (s) => s.save);
  const [exportOpen, setExportOpen] = useState(false);
  const [loadError, setLoadError] = useState<string>();
  const project = snap.project;

  // Load the active curve document (and again when another one becomes active).
  const activeId = project.activeCurvesId ?? project.curves[project.curves.length - 1]?.id;
  const activeRef = project.curves.find((c) => c.id === activeId);
  useEffect(() => {
    if (!activeId || !activeRef) {
      if (editor.getState().curvesId) editor.dispatch({ type: 'unload' });
      return;
    }
    if (editor.getState().curvesId === activeId) return;
    let cancelled = false;
    void (async () => {
      try {
        const res = await api.call('curves.get', { projectDir: snap.dir, curvesId: activeId });
        const d = parseCurveDocument(res.doc, activeRef.path);
        if (!cancelled) {
          editor.dispatch({ type: 'load', curvesId: activeId, doc: d });
          setLoadError(undefined);
        }
      } catch (err) {
        if (cancelled) return;
        setLoadError((err as Error).message);
        report('Could not open the curves', err);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [activeId, activeRef, api, editor, snap.dir, report]);

  // Autosave of the edits, debounced; one write at a time.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let writing = false;
    const flush = async () => {
      const s = editor.getState();
      if (writing || !s.doc || !s.curvesId || s.revision === s.savedRevision) return;
      writing = true;
      const revision = s.revision;
      editor.dispatch({ type: 'save', save: { state: 'saving' } });
      try {
        // Edits alone are small: send just them, unless a re-generated range changed the base.
        const base = s.doc.base;
        let savedAt: string;
        if (base === s.savedBase) {
          savedAt = (await api.call('curves.saveEdits', { projectDir: snap.dir, curvesId: s.curvesId, edits: s.history.present.edits, semantic: s.doc.semantic })).savedAt;
        } else {
          await api.call('curves.save', { projectDir: snap.dir, curvesId: s.curvesId, doc: toCurveDocumentFile(s.doc), activate: false });
          savedAt = new Date().toISOString();
        }
        const now = editor.getState();
        editor.dispatch({ type: 'save', save: now.revision === revision ? { state: 'saved', at: savedAt } : { state: 'dirty' }, revision, base });
      } catch (err) {
        editor.dispatch({ type: 'save', save: { state: 'error', message: (err as Error).message } });
        report('Could not save the curve edits', err);
      } finally {
        writing = false;
        const now = editor.getState();
        if (now.revision !== now.savedRevision) schedule();
      }
    };
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void flush(), AUTOSAVE_MS);
    };
    let lastRevision = editor.getState().revision;
    const off = editor.subscribe(() => {
      const s = editor.getState();
      if (s.revision !== lastRevision) {
        lastRevision = s.revision;
        schedule();
      }
    });
    const onHide = () => void flush();
    window.addEventListener('pagehide', onHide);
    return () => {
      off();
      clearTimeout(timer);
      window.removeEventListener('pagehide', onHide);
      void flush();
    };
  }, [api, editor, snap.dir, report]);

  // Voice-over: audio for playback, peaks for the waveform.
  const voice = project.media.find((m) => m.id === (doc?.mediaId ?? project.activeVoiceoverId)) ?? project.media.find((m) => m.id === project.activeVoiceoverId);
  const audioUrl = voice?.hasAudio ? api.fileUrl(joinPath(snap.dir, voice.path)) : undefined;
  useEffect(() => {
    peaks.dispatch(undefined);
    if (!voice?.hasAudio) return;
    let cancelled = false;
    let off: (() => void) | undefined;
    const fetchPeaks = async () => {
      try {
        const r = await api.call('media.peaks', { projectDir: snap.dir, mediaId: voice.id });
        if (cancelled) return;
        if (r.state === 'ready') peaks.dispatch(decodePeaksPayload(r));
        else {
          off?.();
          off = api.on('job.update', (job) => {
            if (job.id !== r.jobId) return;
            if (job.state === 'done') void fetchPeaks();
            if (job.state === 'failed') report('Could not compute the waveform', new Error(job.error ?? 'the waveform job failed'));
          });
        }
      } catch (err) {
        if (!cancelled) report('Could not load the waveform', err);
      }
    };
    void fetchPeaks();
    return () => {
      cancelled = true;
      off?.();
    };
  }, [api, peaks, snap.dir, voice?.id, voice?.hasAudio, report]);

  useEffect(() => {
    const clock = new PlaybackClock(editor, ctx.audio);
    return () => clock.dispose();
  }, [editor, ctx.audio]);

  useEditorKeyboard(ctx);

  // Debugging and benchmark hook (bench/timeline.bench.ts drives pan and zoom through it).
  useEffect(() => {
    (window as unknown as { __facialEditor?: EditorContextValue }).__facialEditor = ctx;
  }, [ctx]);

  const undo = useCallback(() => editor.dispatch({ type: 'undo' }), [editor]);
  const redo = useCallback(() => editor.dispatch({ type: 'redo' }), [editor]);

  return (
    <EditorContext.Provider value={ctx}>
      {props.topBar(
        <div className="toolbar">
          <button className="btn btn--small" disabled={!canUndo(history)} onClick={undo} data-testid="undo" title={canUndo(history) ? `Undo ${undoLabel(history)} (Ctrl+Z)` : 'Nothing to undo'}>
            Undo
          </button>
          <button className="btn btn--small" disabled={!canRedo(history)} onClick={redo} data-testid="redo" title={canRedo(history) ? `Redo ${redoLabel(history)} (Ctrl+Shift+Z)` : 'Nothing to redo'}>
            Redo
          </button>
          <span className="toolbar__sep" />
          <button className="btn btn--small" onClick={() => setExportOpen(true)} data-testid="export-open">
            Export…
          </button>
        </div>,
        doc ? saveLabel(save) : undefined,
      )}
      <div className="upper">
        {props.left}
        {props.leftSplitter}
        <section className="panel viewport-panel" aria-label="Preview">
          <Viewport />
        </section>
        {props.rightSplitter}
        <div className="column" style={{ width: props.rightWidth }}>
          <Inspector />
          {props.jobs}
        </div>
      </div>
      {props.bottomSplitter}
      <section className="panel timeline-panel" aria-label="Timeline">
        <Timeline toolbar={<TimelineToolbar curvesId={curvesId} loadError={loadError} />} emptyFrames={placeholderFrames(voice?.durationS, project.fps)} fps={project.fps} />
      </section>
      {audioUrl && <audio src={audioUrl} preload="auto" data-testid="voiceover-audio" />}
      {exportOpen && <ExportDialog onClose={() => setExportOpen(false)} />}
    </EditorContext.Provider>
  );
}
