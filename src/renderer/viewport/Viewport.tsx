import { useEffect, useRef, useState } from 'react';
import * as THREE from 'three';
import { useApp } from '../app-context';
import { useEditor } from '../editor-context';
import { useStore } from '../state/use-store';
import { PreviewScene, PREVIEW_MODES, type PersonaGeometry, type PreviewMode } from './scene';
import { base64ToFloat32 } from '../../engine/common/curves/base64';
import { semanticControls } from '../../engine/common/curves/semantic';
import type { FaceModel } from '../../engine/common/face-model';
import type { PersonaModelPayload } from '../../shared/contract';
import { markPreviewDrawn } from '../perf';
import { timecode } from '../state/timeline-view';
import { faceFocus, referenceFrameFor } from '../../engine/common/export-timing';
import { useReferenceFrame } from './use-reference-frame';
import { useOutputPreview } from './use-output-preview';
import { OutputView } from './OutputView';
import { PREVIEW_VIEWS, type PreviewView } from '../state/output-preview';
import { joinPath } from '../state/paths';
import { ToggleGroup } from '../components/ToggleGroup';

/** The drawing modes' button labels and tooltips. */
const MODE_LABELS: Record<PreviewMode, [string, string]> = {
  textured: ['Textured', 'The face with its skin texture'],
  shaded: ['Shaded', 'The face shape alone, shaded: motion and eyelids read best'],
  eyes: ['Blink view', 'The eye regions light up as much as the blink curve closes the eyes'],
};

const VIEW_TITLES: Record<PreviewView, string> = {
  '3d': 'The 3D face driven by the curves (instant)',
  output: 'The video as it will be exported: made from your footage at the playhead, when the playhead stops',
  both: 'The 3D face and the exported frame side by side',
};

export function faceModelFrom(p: PersonaModelPayload): FaceModel {
  const eyeMask = new Uint8Array(p.vertexCount);
  for (const i of p.eyeVertices) eyeMask[i] = 1;
  const neutral = base64ToFloat32(p.neutral);
  const basis = base64ToFloat32(p.basis);
  if (neutral.length !== p.vertexCount * 3) throw new Error(`persona model: neutral has ${neutral.length} values for ${p.vertexCount} vertices`);
  if (basis.length !== p.expressionCount * p.vertexCount * 3) throw new Error(`persona model: basis has ${basis.length} values, expected ${p.expressionCount * p.vertexCount * 3}`);
  const blink = p.blink ? base64ToFloat32(p.blink) : undefined;
  if (blink && blink.length !== p.vertexCount * 3) throw new Error(`persona model: the blink field has ${blink.length} values for ${p.vertexCount} vertices`);
  return { vertexCount: p.vertexCount, neutral, basis, triangles: Uint32Array.from(p.triangles), uvs: Float32Array.from(p.uvs), eyeMask, landmarkToVertex: Int32Array.from(p.landmarkToVertex), ...(blink ? { blink } : {}) };
}

/** The 3D preview of the face at the playhead, with the reference video's frame beside it. */
export function Viewport() {
  const { api, session, report } = useApp();
  const ctx = useEditor();
  const { editor, evaluator } = ctx;
  const snap = useStore(session, (s) => s.project)!;
  const doc = useStore(editor, (s) => s.doc);
  const playhead = useStore(editor, (s) => Math.round(s.playhead));
  const rate = useStore(editor, (s) => s.rate);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const sceneRef = useRef<PreviewScene | null>(null);
  const [loaded, setLoaded] = useState<{ payload: PersonaModelPayload; model: FaceModel } | undefined>();
  const [loadError, setLoadError] = useState<{ id: string; message: string }>();
  const [wireframe, setWireframe] = useState(false);
  const [eyes, setEyes] = useState(false);
  const [mode, setMode] = useState<PreviewMode>('textured');
  const [showRef, setShowRef] = useState(true);
  const [glError, setGlError] = useState<string>();
  // The Output view: the export's own frame at the playhead, beside or instead of the 3D face.
  const output = useOutputPreview(api, snap.dir, editor);
  const view = useStore(output.store, (s) => s.view);
  // Whether the output can be made both ways (footage and a trained renderer): then it is a choice, as in the export dialog.
  const [synthesisChoice, setSynthesisChoice] = useState(false);
  const p = snap.project;
  const personaRef = p.personas.find((x) => x.id === doc?.personaId) ?? p.personas.find((x) => x.id === p.activePersonaId) ?? p.personas[0];
  const persona = loaded && loaded.payload.personaId === personaRef?.id ? loaded : undefined;
  const personaError = loadError && loadError.id === personaRef?.id ? loadError.message : undefined;

  // The persona's face model, when the project has one.
  useEffect(() => {
    if (!personaRef) return;
    let cancelled = false;
    void (async () => {
      try {
        const payload = await api.call('persona.model', { projectDir: snap.dir, personaId: personaRef.id });
        if (!cancelled) setLoaded({ payload, model: faceModelFrom(payload) });
      } catch (err) {
        if (cancelled) return;
        setLoadError({ id: personaRef.id, message: (err as Error).message });
        report('Could not load the persona for the preview', err);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, snap.dir, personaRef?.id, report]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!personaRef || view === '3d') return;
    let cancelled = false;
    api.call('persona.info', { projectDir: snap.dir, personaId: personaRef.id }).then(
      (info) => !cancelled && setSynthesisChoice(Boolean(info.renderer.training) && Boolean(info.synthesis?.fromFootage)),
      () => !cancelled && setSynthesisChoice(false),
    );
    return () => {
      cancelled = true;
    };
  }, [api, snap.dir, personaRef?.id, view]); // eslint-disable-line react-hooks/exhaustive-deps

  // Semantic controls come from the persona: add them to a document that has none.
  useEffect(() => {
    const s = editor.getState();
    if (!persona || !s.doc || s.doc.semantic.length || s.doc.personaId !== persona.payload.personaId) return;
    const semantic = semanticControls(persona.model);
    if (semantic.length) editor.dispatch({ type: 'semantic', doc: { ...s.doc, semantic } });
  }, [persona, doc?.personaId, editor, doc]);

  // The three.js scene.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !doc) return;
    let scene: PreviewScene;
    try {
      scene = new PreviewScene(canvas);
    } catch (err) {
      const message = `The 3D preview needs WebGL, which is not available here (${(err as Error).message}).`;
      queueMicrotask(() => setGlError(message));
      return;
    }
    sceneRef.current = scene;
    scene.onRendered = markPreviewDrawn;
    const box = boxRef.current!;
    const ro = new ResizeObserver(() => scene.resize(box.clientWidth, box.clientHeight));
    ro.observe(box);
    scene.resize(box.clientWidth, box.clientHeight);
    return () => {
      ro.disconnect();
      scene.dispose();
      sceneRef.current = null;
    };
  }, [doc !== undefined]); // eslint-disable-line react-hooks/exhaustive-deps

  // Persona or stand-in.
  useEffect(() => {
    const scene = sceneRef.current;
    if (!scene || !doc) return;
    if (!persona) {
      let z = 0;
      for (let f = 0; f < doc.frameCount; f += Math.max(1, Math.floor(doc.frameCount / 200))) z += doc.base[f * 71 + 5];
      z /= Math.ceil(doc.frameCount / Math.max(1, Math.floor(doc.frameCount / 200)));
      scene.setPersona(undefined, z > 50 ? z : 600);
      return;
    }
    const geo: PersonaGeometry = { model: persona.model, camera: persona.payload.camera, meanPose: persona.payload.meanPose };
    if (persona.payload.textureFile) {
      new THREE.TextureLoader().load(
        api.fileUrl(persona.payload.textureFile),
        (tex) => {
          tex.colorSpace = THREE.SRGBColorSpace;
          scene.setPersona({ ...geo, texture: tex });
        },
        undefined,
        () => scene.setPersona(geo),
      );
    }
    scene.setPersona(geo);
  }, [persona, doc !== undefined, api]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => sceneRef.current?.setOverlays({ wireframe, eyes }), [wireframe, eyes, persona]);
  useEffect(() => sceneRef.current?.setMode(mode), [mode, persona, doc !== undefined]); // eslint-disable-line react-hooks/exhaustive-deps

  // Drive the preview from the curves at the playhead: on every playhead move or edit.
  useEffect(() => {
    const row = new Float32Array(71);
    let lastDoc: unknown;
    let lastFrame = -1;
    const update = () => {
      const s = editor.getState();
      const scene = sceneRef.current;
      if (!s.doc || !scene) return;
      const f = Math.round(s.playhead);
      if (s.doc === lastDoc && f === lastFrame) return;
      lastDoc = s.doc;
      lastFrame = f;
      scene.setParams(evaluator(s.doc).frame(f, row));
    };
    update();
    return editor.subscribe(update);
  }, [editor, evaluator, persona, doc !== undefined]); // eslint-disable-line react-hooks/exhaustive-deps

  // The reference video's frame behind this curve frame: the same ping-pong mapping as the export.
  const refMediaId = persona?.payload.referenceVideoFile ? personaRef?.sourceMediaId : undefined;
  const refFrame = persona && doc && persona.payload.frameCount ? referenceFrameFor(playhead, doc.fps, persona.payload.fps, persona.payload.frameCount) : undefined;
  const ref = useReferenceFrame(api, snap.dir, showRef && view === '3d' ? refMediaId : undefined, refFrame);
  const voice = p.media.find((m) => m.id === doc?.mediaId);
  // The footage's size and the face's place in it, as the export frames a crop around it.
  const cam = persona?.payload.camera;
  const footage = cam ? { width: cam.width, height: cam.height, focus: faceFocus(cam, persona.payload.meanPose) } : undefined;
  const outputView = (cover: boolean) =>
    doc && (
      <OutputView
        store={output.store}
        fps={doc.fps}
        durationS={doc.frameCount / doc.fps}
        audioUrl={voice?.hasAudio ? api.fileUrl(joinPath(snap.dir, voice.path)) : undefined}
        cover={cover}
        synthesisChoice={synthesisChoice}
        footage={footage}
        timelinePlaying={rate !== 0}
        onCancel={output.cancel}
        onRetry={output.retry}
        onPlayRange={(d) => void output.playRange(d)}
      />
    );

  if (!doc) {
    return (
      <div className="viewport-3d" data-testid="viewport-3d" data-state="empty">
        <div className="empty-state">
          <div className="empty-state__title">{p.personas.length ? 'No curves to preview' : 'No persona to preview'}</div>
          <div className="muted small">
            {p.personas.length
              ? 'Generate the motion from a voice-over (Generate motion, below): the 3D face, driven by it, appears here.'
              : p.media.some((m) => m.role === 'reference')
                ? 'Build the persona from the reference video to see the 3D face here.'
                : 'Import a reference video and build a persona; its 3D face, driven by the curves, appears here.'}
          </div>
        </div>
      </div>
    );
  }
  return (
    <div className="viewport-3d" data-testid="viewport-3d" data-state={persona ? 'persona' : 'stand-in'} data-preview-mode={mode} data-view={view}>
      <div className="viewport__stage" ref={boxRef}>
        <canvas ref={canvasRef} />
        {view === 'output' && outputView(true)}
        {glError && <div className="viewport__note inline-error">{glError}</div>}
        <div className="viewport__hud">
          <span>{persona ? persona.payload.name : 'Stand-in head (pose and blink)'}</span>
          <span className="muted">{timecode(playhead, doc.fps)}</span>
        </div>
        {!persona && (
          <div className="viewport__note muted small">
            {personaError ? `Persona not loaded: ${personaError}` : personaRef ? 'Loading the persona…' : 'No persona in this project: the stand-in shows head pose and blinks. Build a persona to see the face and expressions.'}
          </div>
        )}
        <div className="viewport__tools">
          <ToggleGroup
            label="What the preview shows"
            options={PREVIEW_VIEWS.map((v) => ({ value: v as PreviewView, label: v === '3d' ? '3D' : v === 'output' ? 'Output' : '3D + Output', title: VIEW_TITLES[v], disabled: !persona && v !== '3d' }))}
            value={view}
            onChange={(v) => output.store.dispatch({ type: 'view', view: v })}
            testIdPrefix="preview-view-"
          />
          {view !== 'output' && (
            <>
              <ToggleGroup
                label="How the face is drawn"
                options={PREVIEW_MODES.map((m) => ({ value: m, label: MODE_LABELS[m][0], title: MODE_LABELS[m][1], disabled: !persona }))}
                value={mode}
                onChange={setMode}
                testIdPrefix="preview-mode-"
              />
              <button className={`btn btn--small${wireframe ? ' is-on' : ''}`} disabled={!persona} onClick={() => setWireframe(!wireframe)} data-testid="overlay-wireframe">
                Wireframe
              </button>
              <button className={`btn btn--small${eyes ? ' is-on' : ''}`} disabled={!persona} onClick={() => setEyes(!eyes)} data-testid="overlay-eyes" title="Mark the eye regions with dots">
                Eye dots
              </button>
              <button className={`btn btn--small${showRef ? ' is-on' : ''}`} disabled={!refMediaId || view !== '3d'} onClick={() => setShowRef(!showRef)} title="The reference video beside the preview">
                Reference
              </button>
            </>
          )}
        </div>
      </div>
      {view === 'both' && <div className="viewport__ref viewport__ref--output">{outputView(false)}</div>}
      {view === '3d' && refMediaId && showRef && (
        <div className="viewport__ref">
          {ref.url ? <img src={ref.url} alt={`Reference frame ${ref.frame ?? ''}`} data-testid="reference-frame" data-frame={ref.frame} /> : <div className="muted small">{ref.error ? `Reference frame unavailable: ${ref.error}` : 'Loading the reference frame…'}</div>}
          <div className="viewport__hud muted small">Reference · frame {ref.frame ?? refFrame}</div>
        </div>
      )}
    </div>
  );
}
