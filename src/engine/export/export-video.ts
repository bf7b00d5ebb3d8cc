/**
 * Synthesis and export (docs/rendering.md): curves → for each output frame a source
 * frame of the footage chosen by head pose (a smooth path, src/engine/synthesis) →
 * mouth and eyes from real frames warped onto the curves' shapes (or G_r's face, or the
 * textured preview) → ffmpeg (H.264 yuv420p, CRF, AAC, MP4 with +faststart). Frames are
 * produced and piped one at a time, as named stages.
 *
 * Without a trained renderer the textured 3D render itself is composited instead: a
 * preview, labelled as such in the file name, the MP4's `comment` tag and the result.
 * The output is written to a temp file beside the target and renamed at the end, so a
 * failure or a cancel leaves nothing half-written.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadPersona, loadPersonaHull, type Persona } from '../persona';
import { parseCurveDocument, evaluateAll, CurveDocumentError, isRevoicedTake, isTakeAsFilmed } from '../common/curves';
import { readNpyFloat32 } from '../io/npy';
import { checkCurveValues } from '../io/value-checks';
import { checkOutput, createFolders } from '../util/output-path';
import { probeMedia } from '../media/ffmpeg';
import { BLINK_INDEX, PARAM_COUNT } from '../../shared/facial-params';
import { UserError, isCancelled, throwIfCancelled } from '../util/errors';
import { EtaEstimator, subProgress, type RunOptions } from '../util/progress';
import type { ProviderChoice } from '../nn';
import { ConditioningRenderer } from '../render/conditioning';
import { loadPersonaTexture } from '../render/dataset';
import { loadRendererRunner, readRendererInfo, type RendererRunner } from '../render/train-renderer';
import { loadResidualRunner, planSourcePath, prepareRetrieval, readResidualInfo, retrievalUnavailable, ResidualRefiner, type PlanWeights, type ResidualRunner, type RetrievalSynthesizer } from '../synthesis';
import { PreviewPainter, RendererPainter, ResidualPainter, RetrievalPainter, type FramePainter } from './frame-painters';
import { ReferenceFrames } from './reference-frames';
import { FootagePathReader } from './footage-path-reader';
import { seekableFootage } from './seekable-footage';
import { beats, type MouthFigures, type SynthesisEval } from './evaluate-synthesis';
import { readSynthesisEval, residualVerdict } from './residual-status';
import { PRESETS, frameCountForDuration, geometryFilter, geometryFraming, isFraming, outputGeometry, referenceFrameFor, resampleCurves, type ExportPreset, type Framing, type PresetName } from './timing';
import { faceFocus, previewFileName } from '../common/export-timing';
import { analyseRender, writeQualityReport, type SeamRegionName as SeamRegion, type VideoFraming } from '../quality';
import type { RenderQualityReport } from '../../shared/render-quality';
import { VideoWriter } from './video-writer';
import { OffThreadVideoWriter } from './off-thread-video-writer';
import { followingShortfall } from './heldout-following';

export type ExportKind = 'photoreal' | 'preview';
export type CurvesOrigin = 'file' | 'array' | 'prior' | 'facial-gan';

export interface ExportVideoOptions extends RunOptions {
  /** Persona folder. */
  persona: string;
  /** Voice-over (any audio or video file with sound). */
  audio: string;
  /** Target .mp4. */
  out: string;
  /** A curve document (.json), an .npy [T, 71], or curves [T*71] at the persona's fps; absent: generated from the audio (FACIAL-GAN when trained, else the prior). */
  curves?: string | Float32Array;
  preset?: PresetName;
  /** For a preset of another aspect than the source: the whole frame with bars (fit) or a crop around the face (fill); default: the preset's. */
  framing?: Framing;
  fps?: 25 | 30;
  crf?: number;
  /** auto: photoreal when the persona can be synthesised (see `synthesis`), else the preview. */
  mode?: 'auto' | ExportKind;
  /**
   * How photoreal frames are made: `retrieval`, real pixels of the footage (frames chosen
   * by head pose, mouth and eyes from real frames, no training); `renderer`, the trained
   * G_r; `auto` (default): retrieval when the persona allows it, else G_r when trained.
   */
  synthesis?: 'auto' | 'retrieval' | 'renderer';
  /** Retrieval tuning (costs of cuts, speed changes, donor choice); defaults: DEFAULT_PLAN_WEIGHTS. */
  planWeights?: Partial<PlanWeights>;
  /**
   * Decode the footage and feed the encoder on worker threads while frames are painted
   * (default true); false: on this thread, in turns with the painting (measured slower,
   * docs/rendering.md).
   */
  ioWorkers?: boolean;
  /**
   * Re-voice the persona's own take: the footage plays as filmed (forwards, then backwards
   * where the audio is longer), its head motion and blinks kept frame for frame; only the
   * mouth follows the curves (their pose and blink channels are replaced by the take's).
   */
  revoice?: boolean;
  device?: ProviderChoice;
  threads?: number;
  x264Preset?: string;
  /** Substitute ffmpeg binary (tests). */
  ffmpegBinary?: string;
  /**
   * Track the finished MP4 again and measure it (src/engine/quality, docs/quality.md):
   * the report is written beside it as X.quality.json and returned in `quality`.
   */
  quality?: boolean;
}

export interface ExportVideoResult {
  path: string;
  kind: ExportKind;
  /** Human label, e.g. "preview (textured 3D render; no renderer trained)". */
  label: string;
  /** How the frames were made. */
  synthesis: SynthesisMethod;
  preset: PresetName;
  /** How the source was framed: as filmed (same aspect), cropped around the face, or whole with bars. */
  framing: 'source' | Framing;
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** frames / fps. */
  durationS: number;
  audioDurationS: number;
  curves: CurvesOrigin;
  renderer?: { config: string; size: number; steps: number };
  seconds: number;
  msPerFrame: number;
  notes: string[];
  /** With `quality`: the video's quality report and where it was written. */
  quality?: RenderQualityReport;
  qualityPath?: string;
}

/** `name.mp4` → `name.preview.mp4` (unless the name already says preview). */
export function previewPathFor(out: string): string {
  return path.join(path.dirname(out), previewFileName(path.basename(out)));
}

/**
 * Curves [T*71] and their frame rate from a file: a curve document (.json, evaluated
 * with its edits; it must be this persona's) or an .npy [T, 71] at the persona's rate.
 */
export async function readCurvesFile(persona: Persona, file: string): Promise<{ curves: Float32Array; fps: number; revoiced?: boolean }> {
  if (file.toLowerCase().endsWith('.npy')) {
    const a = await readNpyFloat32(file);
    if (a.shape.length !== 2 || a.shape[1] !== PARAM_COUNT) throw new UserError('curves-invalid', `${file} has shape [${a.shape.join(', ')}]; curves are [T, ${PARAM_COUNT}].`, { file, hint: 'Export curves from the studio or with facial-studio generate.' });
    checkCurveValues(a.data, file);
    return { curves: a.data, fps: persona.meta.fps };
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new UserError('curves-not-found', `Cannot read the curves file ${file}.`, { file, hint: 'Check the path.' });
  }
  try {
    const doc = parseCurveDocument(text, file);
    if (doc.personaId !== persona.meta.id) {
      throw new UserError('curves-other-persona', `${file} was made for another persona (${doc.personaId}), not ${persona.meta.name} (${persona.meta.id}).`, { file, hint: 'Generate curves for this persona (facial-studio generate --persona DIR ...).' });
    }
    const curves = evaluateAll(doc);
    checkCurveValues(curves, file);
    return { curves, fps: doc.fps, ...(isRevoicedTake(doc.generator) ? { revoiced: true } : {}) };
  } catch (err) {
    if (err instanceof CurveDocumentError) throw new UserError('curves-invalid', err.message, { file, hint: 'Export the curves again from the studio or with facial-studio generate.' });
    throw err;
  }
}

/** Curves [T*71] and their frame rate, from the options. */
async function resolveCurves(persona: Persona, opts: ExportVideoOptions): Promise<{ curves: Float32Array; fps: number; origin: CurvesOrigin; note?: string; revoiced?: boolean }> {
  const c = opts.curves;
  if (c instanceof Float32Array) {
    if (c.length % PARAM_COUNT !== 0 || c.length === 0) throw new UserError('curves-invalid', `The curves hold ${c.length} values, not whole frames of ${PARAM_COUNT}.`);
    return { curves: c, fps: persona.meta.fps, origin: 'array' };
  }
  if (typeof c === 'string') return { ...(await readCurvesFile(persona, c)), origin: 'file' };
  const { generateCurves } = await import('../gan/generate');
  const g = await generateCurves(persona.dir, opts.audio, { signal: opts.signal, device: opts.device, onProgress: subProgress(opts.onProgress, 0, 0.1, 'curves') });
  return { curves: g.base, fps: g.fps, origin: g.source, note: g.note };
}

/** Share of the progress bar the rendering takes when the quality analysis follows it. */
const RENDER_SHARE = 0.7;

export async function exportVideo(opts: ExportVideoOptions): Promise<ExportVideoResult> {
  if (!opts.quality) return (await renderVideo(opts)).result;
  const t0 = performance.now();
  const { result, curves, framing, persona, seamRegions } = await renderVideo({ ...opts, onProgress: subProgress(opts.onProgress, 0, RENDER_SHARE) });
  try {
    const quality = await analyseRender(result.path, {
      persona, curves, framing, seamRegions,
      signal: opts.signal, onProgress: subProgress(opts.onProgress, RENDER_SHARE, 1, 'quality'),
    });
    const qualityPath = await writeQualityReport(result.path, quality);
    opts.onProgress?.({ stage: 'done', fraction: 1, message: result.path });
    return { ...result, quality, qualityPath, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    // A cancelled export leaves nothing behind, even when only its report was left to do.
    if (isCancelled(err) || opts.signal?.aborted) {
      await fs.rm(result.path, { force: true });
      throw err;
    }
    return { ...result, notes: [...result.notes, `the quality report could not be made: ${err instanceof UserError ? err.describe() : (err as Error).message}`] };
  }
}

/** What the options ask for, checked: preset, frame rate, persona, the audio's length and the frame count. */
interface ExportSettings {
  presetName: PresetName;
  preset: ExportPreset;
  fps: 25 | 30;
  persona: Persona;
  audioDurationS: number;
  frames: number;
}

async function checkSettings(opts: ExportVideoOptions): Promise<ExportSettings> {
  if (path.extname(opts.out).toLowerCase() !== '.mp4') {
    throw new UserError('export-not-mp4', `The output ${opts.out} must be an .mp4 file.`, { file: opts.out, hint: 'Name the output something.mp4.' });
  }
  // By default the footage's own size and aspect (a vertical phone video stays vertical).
  const presetName = opts.preset ?? 'source';
  const preset = PRESETS[presetName];
  if (!preset) throw new UserError('export-preset', `Unknown preset "${presetName}".`, { hint: `Use one of: ${Object.keys(PRESETS).join(', ')}.` });
  if (opts.framing !== undefined && !isFraming(opts.framing)) throw new UserError('export-framing', `Unknown framing "${String(opts.framing)}".`, { hint: 'Use fit (the whole frame, with bars) or fill (cropped around the face).' });
  const fps = opts.fps ?? 25;
  if (fps !== 25 && fps !== 30) throw new UserError('export-fps', `Frame rate ${fps} is not offered.`, { hint: 'Use 25 or 30.' });
  if (opts.synthesis !== undefined && !['auto', 'retrieval', 'renderer'].includes(opts.synthesis)) throw new UserError('export-synthesis', `Unknown synthesis "${String(opts.synthesis)}".`, { hint: 'Use auto, retrieval (real pixels of the footage) or renderer (the trained G_r).' });
  const persona = await loadPersona(opts.persona);
  // Before any work: the output is none of the inputs, and its folder is writable.
  await checkOutput(opts.out, {
    label: 'The output',
    kind: 'file',
    inputs: [{ label: 'the audio', path: opts.audio }, { label: 'the curves', path: typeof opts.curves === 'string' ? opts.curves : undefined }, { label: "the persona's footage", path: persona.meta.source.file }],
  });
  const audioInfo = await probeMedia(opts.audio, { signal: opts.signal });
  if (!audioInfo.audio) throw new UserError('audio-missing', `${opts.audio} has no audio track.`, { file: opts.audio, hint: 'Choose a voice-over file with sound (WAV, MP3, M4A, ...).' });
  const audioDurationS = audioInfo.audio.durationS ?? audioInfo.durationS;
  if (!(audioDurationS > 0)) throw new UserError('audio-empty', `${opts.audio} is empty (duration 0).`, { file: opts.audio, hint: 'Choose a voice-over with sound in it.' });
  return { presetName, preset, fps, persona, audioDurationS, frames: frameCountForDuration(audioDurationS, fps) };
}

/** The curves resampled to the output's frames. */
async function outputCurves(s: ExportSettings, opts: ExportVideoOptions, notes: string[]): Promise<{ curves: Float32Array; origin: CurvesOrigin; revoiced?: boolean }> {
  opts.onProgress?.({ stage: 'curves', fraction: 0, message: opts.curves ? 'reading curves' : 'generating curves from the audio' });
  const c = await resolveCurves(s.persona, opts);
  if (c.note) notes.push(c.note);
  const curvesSeconds = c.curves.length / PARAM_COUNT / c.fps;
  if (curvesSeconds + 1 / c.fps < s.audioDurationS) notes.push(`the curves cover ${curvesSeconds.toFixed(2)} s of the ${s.audioDurationS.toFixed(2)} s audio; the last pose is held`);
  return { curves: resampleCurves(c.curves, PARAM_COUNT, c.fps, s.frames, s.fps), origin: c.origin, revoiced: c.revoiced };
}

export type SynthesisMethod = 'retrieval' | 'renderer' | 'preview';
/** What `chooseSynthesis` and `makePainter` read of the export's options (the studio's output preview passes the same). */
export type SynthesisChoiceOptions = Pick<ExportVideoOptions, 'mode' | 'synthesis' | 'device' | 'threads'>;
export type PainterOptions = Pick<ExportVideoOptions, 'planWeights' | 'signal' | 'onProgress'> & {
  /** Donor crops of an earlier synthesizer of the same persona to reuse (the studio's output preview of an edited take). */
  reuse?: RetrievalSynthesizer;
};

/**
 * Re-voicing the persona's take: output frame i shows footage frame j (as filmed, played
 * back and forth where the audio is longer), and the curves take that frame's head pose
 * and blink (in place), so only the mouth changes. Returns the source frames.
 */
export function revoiceTake(persona: Persona, curves: Float32Array, fps: number, notes: string[]): Int32Array {
  const N = curves.length / PARAM_COUNT, T = persona.frameCount;
  const source = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const j = referenceFrameFor(i, fps, persona.meta.fps, T);
    source[i] = j;
    for (let c = 0; c <= BLINK_INDEX; c++) curves[i * PARAM_COUNT + c] = persona.params[j * PARAM_COUNT + c];
  }
  notes.push(`re-voiced take: the footage's own head motion and blinks, frame for frame${N > T * (fps / persona.meta.fps) ? ' (played back and forth: the audio is longer than the take)' : ''}`);
  return source;
}

/**
 * The source frames of a re-voiced take: as filmed when asked for (`forced`, CLI
 * --revoice), or when the curve document is a re-voiced take (the studio's "Re-voice the
 * clip") whose head pose and blink lanes are not edited. An edited one is planned by
 * head pose like any take (the filmed frames stay wherever the pose is unchanged).
 */
export function takeSource(persona: Persona, curves: Float32Array, fps: number, revoice: { forced?: boolean; document?: boolean }, notes: string[]): Int32Array | undefined {
  if (revoice.forced) return revoiceTake(persona, curves, fps, notes);
  if (!revoice.document) return undefined;
  if (isTakeAsFilmed(curves, fps, { params: persona.params, fps: persona.meta.fps, frameCount: persona.frameCount })) return revoiceTake(persona, curves, fps, notes);
  notes.push('re-voiced take with edited head pose or blinks: source frames chosen by head pose (the filmed ones wherever the pose is unchanged)');
  return undefined;
}

/**
 * How the frames are made. The real-pixel path (retrieval) is the default: on this
 * project's measurements a G_r trained minutes on a CPU is far blurrier (docs/rendering.md),
 * so G_r is used when asked for (`synthesis: 'renderer'`), or, in auto mode, when the
 * persona cannot be synthesised from its footage. Without either: the textured preview.
 */
export async function chooseSynthesis(persona: Persona, opts: SynthesisChoiceOptions, notes: string[]): Promise<{ method: SynthesisMethod; net?: RendererRunner; residual?: ResidualRunner }> {
  const mode = opts.mode ?? 'auto';
  if (mode === 'preview') return { method: 'preview' };
  const want = opts.synthesis ?? 'auto';
  const unavailable = retrievalUnavailable(persona);
  if (want === 'retrieval' && unavailable) throw new UserError('retrieval-unavailable', `${persona.meta.name} cannot be synthesised from its footage: ${unavailable}.`, { hint: 'Rebuild the persona from its video (facial-studio persona build).' });
  if (want !== 'renderer' && !unavailable) {
    const info = await readRendererInfo(persona.dir);
    const ev = info ? await readSynthesisEval(persona.dir) : undefined;
    if (info && want === 'auto' && ev?.rendererWins && ev.renderer?.steps === info.steps) {
      const net = await loadRendererRunner(persona.dir, { device: opts.device, threads: opts.threads, persona });
      if (net) {
        notes.push(`the trained renderer beats real-pixel synthesis on held-out frames (${describeEval(ev)})`);
        return { method: 'renderer', net };
      }
    }
    if (info) notes.push(`the trained renderer (G_r) is not used: ${ev?.renderer ? `on held-out frames it does not beat real pixels of the footage (${describeEval(ev)})` : 'real pixels of the footage are sharper (docs/rendering.md; facial-studio eval --synthesis compares them)'}; choose it with synthesis "renderer"`);
    const residual = want === 'auto' ? await residualIfItWins(persona, info ? ev : await readSynthesisEval(persona.dir), opts, notes) : undefined;
    return { method: 'retrieval', ...(residual ? { residual } : {}) };
  }
  const net = await loadRendererRunner(persona.dir, { device: opts.device, threads: opts.threads, persona });
  if (net) {
    if (want === 'auto') notes.push(`not synthesised from the footage (${unavailable}): the trained renderer paints the face`);
    return { method: 'renderer', net };
  }
  if (mode === 'photoreal' || want === 'renderer') {
    throw new UserError('renderer-not-trained', `${persona.meta.name} has no trained renderer yet${unavailable ? `, and cannot be synthesised from its footage (${unavailable})` : ''}.`, { hint: 'Train it (facial-studio train renderer --persona DIR), or export a preview.' });
  }
  notes.push(`preview: ${unavailable}, and no renderer is trained`);
  return { method: 'preview' };
}

/**
 * The residual G_r on top of real pixels, in auto mode only where the held-out evaluation
 * (`eval --synthesis`, with a residual trained on the evaluation persona) says it beats
 * real pixels alone, and a residual of the same configuration is trained on this persona.
 */
async function residualIfItWins(persona: Persona, ev: SynthesisEval | undefined, opts: SynthesisChoiceOptions, notes: string[]): Promise<ResidualRunner | undefined> {
  const v = residualVerdict(await readResidualInfo(persona.dir).catch(() => undefined), ev);
  const f = (m: MouthFigures) => `${m.psnrDb.toFixed(2)} dB, SSIM ${m.ssim.toFixed(3)}, sharpness ${m.sharpness.toFixed(2)}x`;
  const versus = v.heldOut ? `residual ${f(v.heldOut.residual)} vs real pixels ${f(v.heldOut.retrieval)}` : '';
  switch (v.code) {
    case 'not-trained':
      return undefined;
    case 'not-evaluated':
      notes.push('the residual G_r is not applied: it has no held-out evaluation (train one on the evaluation persona and run facial-studio eval --synthesis)');
      return undefined;
    case 'loses':
      if (v.own) {
        const shortfall = ev && ev.residual && beats(ev.residual, ev.retrieval) ? followingShortfall(ev.following) : undefined;
        notes.push(shortfall
          ? `the residual G_r is not applied: it beats real pixels alone in the held-out lip box (${versus}), but ${shortfall}`
          : `the residual G_r is not applied: on held-out frames it does not beat real pixels alone (mouth: ${versus})`);
      }
      return undefined;
    case 'own-missing':
    case 'other-configuration':
      notes.push(`the residual G_r beats real pixels alone on held-out frames (mouth: ${versus}) but none of that configuration is trained on this persona: facial-studio train residual --persona DIR`);
      return undefined;
  }
  // One thread: the network is small, and the export's decoder, encoder and painting want the other cores
  // (ONNX Runtime's default pool spins on them; measured 56 → 47-49 s for 24 s of the vertical clip).
  const net = await loadResidualRunner(persona.dir, { device: opts.device, threads: opts.threads ?? 1, personaId: persona.meta.id });
  if (net) notes.push(`the residual G_r corrects the mouth on top of real pixels: it beats them on held-out frames (mouth: ${versus})`);
  return net;
}


function describeEval(ev: SynthesisEval): string {
  const f = (m: { psnrDb: number; ssim: number; sharpness: number }) => `${m.psnrDb.toFixed(1)} dB, SSIM ${m.ssim.toFixed(3)}, sharpness ${m.sharpness.toFixed(2)}x`;
  return `mouth: renderer ${ev.renderer ? f(ev.renderer) : '—'} vs real pixels ${f(ev.retrieval)}`;
}

const LABELS: Record<SynthesisMethod, string> = {
  retrieval: 'photoreal (the person\'s own footage: frames chosen by head pose, mouth and eyes from real frames)',
  renderer: 'photoreal (renderer)',
  preview: 'preview (textured 3D render; no renderer trained)',
};

function labelFor(method: SynthesisMethod, net?: RendererRunner): string {
  if (method === 'renderer' && net) return `photoreal (renderer ${net.info.config.name}, ${net.info.size}px, ${net.info.steps} steps)`;
  return LABELS[method];
}

/** The source frame of every output frame and the painter that draws on it (the export's, and the studio's output preview's). */
export async function makePainter(method: SynthesisMethod, persona: Persona, curves: Float32Array, fps: number, net: RendererRunner | undefined, opts: PainterOptions, notes: string[], take?: Int32Array, residual?: ResidualRunner): Promise<{ painter: FramePainter; source: Int32Array }> {
  if (method === 'retrieval') {
    const r = await prepareRetrieval(persona, curves, { fps, weights: opts.planWeights, source: take, reuse: opts.reuse, signal: opts.signal, onProgress: subProgress(opts.onProgress, 0.1, 0.2, 'plan') });
    const eyes = new Set(Array.from(r.plan.eyes).filter((_, i) => r.plan.eyeGain[i] > 0)).size;
    notes.push(`${take ? 'source frames: the take as filmed' : `source frames chosen by head pose: ${r.plan.sourceJumps} cut(s)`}; mouths from ${new Set(r.plan.mouth).size} and eyes from ${eyes} footage frame(s)`);
    const painter = residual ? new ResidualPainter(r.synth, new ResidualRefiner(persona, r.synth, curves, residual)) : new RetrievalPainter(r.synth);
    return { painter, source: r.plan.source };
  }
  const { source, jumps } = take ? { source: take, jumps: 0 } : planSourcePath(persona, curves, fps, opts.planWeights);
  if (!take) notes.push(`source frames chosen by head pose: ${jumps} cut(s)`);
  const renderer = new ConditioningRenderer(persona.model, loadPersonaTexture(persona));
  if (method === 'renderer') return { painter: new RendererPainter(persona, renderer, net!, curves, await loadPersonaHull(persona)), source };
  return { painter: new PreviewPainter(persona, renderer, curves), source };
}

/** A source of the path's footage frames in order: decoded ahead on a worker thread, or on this thread (`ioWorkers` false). */
function footagePath(persona: Persona, footage: string, source: Int32Array, opts: ExportVideoOptions): { next(i: number): Promise<Uint8Array>; close(): Promise<void> } {
  const W = persona.camera.width, H = persona.camera.height;
  // The seekable copy has a keyframe every 10 frames: a seek beats reading more than that through.
  const readThrough = footage === persona.meta.source.file ? undefined : 12;
  if (opts.ioWorkers ?? true) {
    const reader = new FootagePathReader({ file: footage, width: W, height: H, fps: persona.meta.fps, frameCount: persona.frameCount, readThrough, path: source }, { ahead: 3, signal: opts.signal });
    return { next: () => reader.next(), close: () => reader.close() };
  }
  const ref = new ReferenceFrames(footage, W, H, persona.meta.fps, persona.frameCount, opts.signal, readThrough);
  return { next: async (i) => (await ref.get(source[i])).slice(), close: () => ref.close() };
}

/** Decodes the source frames along the path, paints each and pipes it into the writer; returns ms per frame spent in each. */
async function writeFrames(persona: Persona, footage: string, source: Int32Array, painter: FramePainter, writer: VideoWriter | OffThreadVideoWriter, opts: ExportVideoOptions, from: number): Promise<{ decode: number; paint: number; encode: number }> {
  const N = source.length;
  const frames = footagePath(persona, footage, source, opts);
  const eta = new EtaEstimator();
  const ms = { decode: 0, paint: 0, encode: 0 };
  try {
    for (let i = 0; i < N; i++) {
      throwIfCancelled(opts.signal);
      const t0 = performance.now();
      const frame = await frames.next(i);
      const t1 = performance.now();
      await painter.paint(i, source[i], frame);
      const t2 = performance.now();
      await writer.write(frame);
      ms.decode += t1 - t0;
      ms.paint += t2 - t1;
      ms.encode += performance.now() - t2;
      if (i % 5 === 0 || i === N - 1) {
        const etaS = eta.update((i + 1) / N);
        opts.onProgress?.({ stage: 'render', fraction: from + (0.98 - from) * ((i + 1) / N), message: `frame ${i + 1}/${N}`, data: { frame: i + 1, frames: N, ...(etaS !== undefined ? { etaS: Math.round(etaS) } : {}) } });
      }
    }
    opts.onProgress?.({ stage: 'encode', fraction: 0.99, message: 'finishing the MP4' });
    const t3 = performance.now();
    await writer.finish();
    ms.encode += performance.now() - t3;
    return { decode: ms.decode / N, paint: ms.paint / N, encode: ms.encode / N };
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await frames.close();
  }
}

async function renderVideo(opts: ExportVideoOptions): Promise<{ result: ExportVideoResult; curves: Float32Array; framing: VideoFraming; persona: Persona; seamRegions: SeamRegion[] }> {
  const t0 = performance.now();
  const notes: string[] = [];
  const s = await checkSettings(opts);
  const { persona, fps } = s;
  const { curves, origin, revoiced } = await outputCurves(s, opts, notes);
  throwIfCancelled(opts.signal);
  const { method, net, residual } = await chooseSynthesis(persona, opts, notes);
  const take = takeSource(persona, curves, fps, { forced: opts.revoice, document: revoiced }, notes);
  try {
    const kind: ExportKind = method === 'preview' ? 'preview' : 'photoreal';
    // Written exactly at opts.out: a preview says so in its metadata and label, not by another name.
    const out = path.resolve(opts.out);
    await createFolders(path.dirname(out));
    const label = labelFor(method, net) + (residual ? ` + residual G_r (${residual.info.config.name}, ${residual.info.steps} steps)` : '');
    const { painter, source } = await makePainter(method, persona, curves, fps, net, opts, notes, take, residual);
    opts.onProgress?.({ stage: 'footage', fraction: 0.2, message: 'preparing the footage' });
    const footage = await seekableFootage(persona, opts.signal);
    const W = persona.camera.width, H = persona.camera.height;
    // The face's place in the footage (its mean tracked position) centres a crop that fills another aspect.
    const meanPose = new Float64Array(6);
    for (let f = 0; f < persona.frameCount; f++) for (let k = 0; k < 6; k++) meanPose[k] += persona.params[f * PARAM_COUNT + k] / persona.frameCount;
    const geometry = outputGeometry(s.preset, opts.framing, W, H, faceFocus(persona.camera, meanPose));
    const writer = new (opts.ioWorkers ?? true ? OffThreadVideoWriter : VideoWriter)({
      out, width: W, height: H, fps, audio: opts.audio, filter: geometryFilter(geometry, W, H), crf: opts.crf ?? 18, x264Preset: opts.x264Preset,
      metadata: {
        title: `${persona.meta.name}: FACIAL Studio ${kind}`,
        comment: kind === 'preview'
          ? `FACIAL Studio PREVIEW: textured 3D face render composited into the reference video (no rendering network trained for this persona yet). Curves: ${origin}.`
          : `FACIAL Studio photoreal render: ${label}. Curves: ${origin}.`,
      },
      signal: opts.signal, ffmpegBinary: opts.ffmpegBinary,
    });
    const t1 = performance.now();
    const perFrame = await writeFrames(persona, footage, source, painter, writer, opts, 0.2);
    notes.push(`per frame: ${perFrame.decode.toFixed(0)} ms reading the footage, ${perFrame.paint.toFixed(0)} ms synthesis, ${perFrame.encode.toFixed(0)} ms waiting for the encoder`);
    opts.onProgress?.({ stage: 'done', fraction: 1, message: out });
    const result: ExportVideoResult = {
      path: out, kind, label, synthesis: method, preset: s.presetName, framing: geometry.framing, width: geometry.width, height: geometry.height,
      fps, frames: s.frames, durationS: s.frames / fps, audioDurationS: s.audioDurationS, curves: origin,
      ...(net ? { renderer: { config: net.info.config.name, size: net.info.size, steps: net.info.steps } } : {}),
      seconds: (performance.now() - t0) / 1000, msPerFrame: (performance.now() - t1) / s.frames, notes,
    };
    const seamRegions: SeamRegion[] = method === 'retrieval' ? ['mouth', 'eyes'] : ['face'];
    return { result, curves, framing: geometryFraming(geometry), persona, seamRegions };
  } finally {
    await net?.dispose();
    await residual?.dispose();
  }
}
