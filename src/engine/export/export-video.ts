/**
 * Synthesis and export (method doc sections 5 and 6): curves → conditioning frames →
 * G_r → face crops blended back with a soft mask into the reference video's frames
 * (played ping-pong to cover the audio) → ffmpeg (H.264 yuv420p, CRF, AAC, MP4 with
 * +faststart). Frames are produced and piped one at a time.
 *
 * Without a trained renderer the textured 3D render itself is composited instead: a
 * preview, labelled as such in the file name, the MP4's `comment` tag and the result.
 * The output is written to a temp file beside the target and renamed at the end, so a
 * failure or a cancel leaves nothing half-written.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadPersona, loadPersonaHull, type Persona } from '../persona';
import { projectVertices } from '../common/face-model';
import { parseCurveDocument, evaluateAll, CurveDocumentError } from '../common/curves';
import { readNpyFloat32 } from '../io/npy';
import { checkCurveValues } from '../io/value-checks';
import { checkOutput, createFolders } from '../util/output-path';
import { probeMedia } from '../media/ffmpeg';
import { PARAM_COUNT } from '../../shared/facial-params';
import { UserError, isCancelled, throwIfCancelled } from '../util/errors';
import { EtaEstimator, subProgress, type RunOptions } from '../util/progress';
import type { ProviderChoice } from '../nn';
import { ConditioningRenderer, type RenderView } from '../render/conditioning';
import { ConditioningWindow, loadPersonaTexture, personaView } from '../render/dataset';
import { loadRendererRunner, type RendererRunner } from '../render/train-renderer';
import { blendPatch, resizeRgb } from './compose';
import { ReferenceFrames } from './reference-frames';
import { fillPolygon, growMask, softenMask, squareFeather } from './mask';
import { PRESETS, frameCountForDuration, geometryFilter, geometryFraming, isFraming, outputGeometry, referenceFrameFor, resampleCurves, type Framing, type PresetName } from './timing';
import { faceFocus, previewFileName } from '../common/export-timing';
import { analyseRender, writeQualityReport, type VideoFraming } from '../quality';
import type { RenderQualityReport } from '../../shared/render-quality';
import { VideoWriter } from './video-writer';

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
  /** auto: the trained renderer when there is one, else the preview. */
  mode?: 'auto' | ExportKind;
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
export async function readCurvesFile(persona: Persona, file: string): Promise<{ curves: Float32Array; fps: number }> {
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
    return { curves, fps: doc.fps };
  } catch (err) {
    if (err instanceof CurveDocumentError) throw new UserError('curves-invalid', err.message, { file, hint: 'Export the curves again from the studio or with facial-studio generate.' });
    throw err;
  }
}

/** Curves [T*71] and their frame rate, from the options. */
async function resolveCurves(persona: Persona, opts: ExportVideoOptions): Promise<{ curves: Float32Array; fps: number; origin: CurvesOrigin; note?: string }> {
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
  const { result, curves, framing, persona } = await renderVideo({ ...opts, onProgress: subProgress(opts.onProgress, 0, RENDER_SHARE) });
  try {
    const quality = await analyseRender(result.path, {
      persona, curves, framing, seamRegions: ['face'],
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

async function renderVideo(opts: ExportVideoOptions): Promise<{ result: ExportVideoResult; curves: Float32Array; framing: VideoFraming; persona: Persona }> {
  const t0 = performance.now();
  const signal = opts.signal;
  const notes: string[] = [];
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
  const persona = await loadPersona(opts.persona);
  // Before any work: the output is none of the inputs, and its folder is writable.
  await checkOutput(opts.out, {
    label: 'The output',
    kind: 'file',
    inputs: [{ label: 'the audio', path: opts.audio }, { label: 'the curves', path: typeof opts.curves === 'string' ? opts.curves : undefined }, { label: "the persona's footage", path: persona.meta.source.file }],
  });
  const audioInfo = await probeMedia(opts.audio, { signal });
  if (!audioInfo.audio) throw new UserError('audio-missing', `${opts.audio} has no audio track.`, { file: opts.audio, hint: 'Choose a voice-over file with sound (WAV, MP3, M4A, ...).' });
  const audioDurationS = audioInfo.audio.durationS ?? audioInfo.durationS;
  if (!(audioDurationS > 0)) throw new UserError('audio-empty', `${opts.audio} is empty (duration 0).`, { file: opts.audio, hint: 'Choose a voice-over with sound in it.' });
  const N = frameCountForDuration(audioDurationS, fps);

  // Curves at the output rate.
  opts.onProgress?.({ stage: 'curves', fraction: 0, message: opts.curves ? 'reading curves' : 'generating curves from the audio' });
  const c = await resolveCurves(persona, opts);
  if (c.note) notes.push(c.note);
  const curvesSeconds = c.curves.length / PARAM_COUNT / c.fps;
  if (curvesSeconds + 1 / c.fps < audioDurationS) notes.push(`the curves cover ${curvesSeconds.toFixed(2)} s of the ${audioDurationS.toFixed(2)} s audio; the last pose is held`);
  const curves = resampleCurves(c.curves, PARAM_COUNT, c.fps, N, fps);
  throwIfCancelled(signal);

  // Renderer.
  const mode = opts.mode ?? 'auto';
  let net: RendererRunner | undefined;
  if (mode !== 'preview') {
    net = await loadRendererRunner(persona.dir, { device: opts.device, threads: opts.threads, persona });
    if (!net && mode === 'photoreal') {
      throw new UserError('renderer-not-trained', `${persona.meta.name} has no trained renderer yet.`, { hint: 'Train it (facial-studio train renderer --persona DIR), or export a preview.' });
    }
  }
  const kind: ExportKind = net ? 'photoreal' : 'preview';
  // Written exactly at opts.out: a preview says so in its metadata and label, not by another name.
  const out = path.resolve(opts.out);
  await createFolders(path.dirname(out));
  const label = kind === 'photoreal'
    ? `photoreal (renderer ${net!.info.config.name}, ${net!.info.size}px, ${net!.info.steps} steps)`
    : 'preview (textured 3D render; no renderer trained)';

  const W = persona.camera.width, H = persona.camera.height;
  const crop = persona.meta.crop;
  const T = persona.frameCount;
  const texture = loadPersonaTexture(persona);
  const renderer = new ConditioningRenderer(persona.model, texture);
  const hulls = await loadPersonaHull(persona);
  const hullN = persona.meta.paste.hullVertexCount;
  const oval = persona.modelJson.faceOval;
  const side = crop.size;
  const border = squareFeather(side, Math.max(4, Math.round(side * 0.05)));
  const netSize = net?.info.size ?? 0;
  const window = net ? new ConditioningWindow(renderer, personaView(persona, netSize), curves, net.info.config.window, 8) : undefined;
  const condBuf = net ? new Float32Array(window!.channels * netSize * netSize) : undefined;
  const genCrop = new Uint8Array(netSize * netSize * 3);
  const patch = new Uint8Array(side * side * 3);
  // Preview: the textured render at the crop's own resolution (at most 1024 px, then scaled).
  const previewSize = Math.min(side, 1024);
  const previewView: RenderView = { camera: persona.camera, crop: { x: crop.x, y: crop.y, size: side }, size: previewSize };
  const featherPx = Math.max(2, persona.meta.paste.featherPx * (side / Math.max(W, H)) * 2);
  // The face's place in the footage (its mean tracked position) centres a crop that fills another aspect.
  const meanPose = new Float64Array(6);
  for (let f = 0; f < T; f++) for (let k = 0; k < 6; k++) meanPose[k] += persona.params[f * PARAM_COUNT + k] / T;
  const geometry = outputGeometry(preset, opts.framing, W, H, faceFocus(persona.camera, meanPose));

  const writer = new VideoWriter({
    out,
    width: W,
    height: H,
    fps,
    audio: opts.audio,
    filter: geometryFilter(geometry, W, H),
    crf: opts.crf ?? 18,
    x264Preset: opts.x264Preset,
    metadata: {
      title: `${persona.meta.name}: FACIAL Studio ${kind}`,
      comment: kind === 'preview'
        ? `FACIAL Studio PREVIEW: textured 3D face render composited into the reference video (no rendering network trained for this persona yet). Curves: ${c.origin}.`
        : `FACIAL Studio photoreal render: ${label}. Curves: ${c.origin}.`,
    },
    signal,
    ffmpegBinary: opts.ffmpegBinary,
  });
  const ref = new ReferenceFrames(persona.meta.source.file, W, H, persona.meta.fps, T, signal);
  const eta = new EtaEstimator();
  const mask = new Float32Array(side * side);
  const t1 = performance.now();
  try {
    for (let i = 0; i < N; i++) {
      throwIfCancelled(signal);
      const j = referenceFrameFor(i, fps, persona.meta.fps, T);
      const frame = (await ref.get(j)).slice();
      const p = curves.subarray(i * PARAM_COUNT, (i + 1) * PARAM_COUNT);
      if (net) {
        window!.fill(i, condBuf!);
        await net.infer(condBuf!, genCrop);
        resizeRgb(genCrop, netSize, netSize, side, side, patch);
        // Replace the union of the new face and the reference frame's own face
        // (grown to take in hair line and jaw), feathered, inside a feathered square.
        mask.fill(0);
        const proj = projectVertices(persona.model, p, persona.camera);
        const newHull = new Float32Array(oval.length * 2);
        oval.forEach((v, k) => {
          newHull[k * 2] = proj[v * 2] - crop.x;
          newHull[k * 2 + 1] = proj[v * 2 + 1] - crop.y;
        });
        fillPolygon(newHull, side, side, mask);
        const refHull = new Float32Array(hullN * 2);
        for (let k = 0; k < hullN; k++) {
          refHull[k * 2] = hulls[(j * hullN + k) * 2] - crop.x;
          refHull[k * 2 + 1] = hulls[(j * hullN + k) * 2 + 1] - crop.y;
        }
        fillPolygon(refHull, side, side, mask);
        const grown = growMask(mask, side, side, Math.round(side * 0.06));
        softenMask(grown, side, side, side * 0.06);
        for (let k = 0; k < grown.length; k++) grown[k] *= border[k];
        blendPatch(frame, W, H, patch, grown, side, crop.x, crop.y);
      } else {
        const f = renderer.render(p, previewView);
        const rgb = previewSize === side ? f.rgb : resizeRgb(f.rgb, previewSize, previewSize, side, side, patch);
        if (previewSize === side) patch.set(rgb);
        const cov = new Float32Array(previewSize * previewSize);
        for (let k = 0; k < cov.length; k++) cov[k] = f.coverage[k] ? 1 : 0;
        let m = growMask(cov, previewSize, previewSize, -Math.round(featherPx * (previewSize / side)));
        m = softenMask(m, previewSize, previewSize, featherPx * (previewSize / side));
        const full = previewSize === side ? m : resizeMask(m, previewSize, side);
        blendPatch(frame, W, H, patch, full, side, crop.x, crop.y);
      }
      await writer.write(frame);
      if (i % 5 === 0 || i === N - 1) {
        const fraction = 0.1 + 0.88 * ((i + 1) / N);
        const etaS = eta.update((i + 1) / N);
        opts.onProgress?.({ stage: 'render', fraction, message: `frame ${i + 1}/${N}`, data: { frame: i + 1, frames: N, ...(etaS !== undefined ? { etaS: Math.round(etaS) } : {}) } });
      }
    }
    opts.onProgress?.({ stage: 'encode', fraction: 0.99, message: 'finishing the MP4' });
    await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await ref.close();
    await net?.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  opts.onProgress?.({ stage: 'done', fraction: 1, message: out });
  const result: ExportVideoResult = {
    path: out,
    kind,
    label,
    preset: presetName,
    framing: geometry.framing,
    width: geometry.width,
    height: geometry.height,
    fps,
    frames: N,
    durationS: N / fps,
    audioDurationS,
    curves: c.origin,
    ...(net ? { renderer: { config: net.info.config.name, size: net.info.size, steps: net.info.steps } } : {}),
    seconds,
    msPerFrame: ((performance.now() - t1) / N),
    notes,
  };
  return { result, curves, framing: geometryFraming(geometry), persona };
}

/** Nearest-neighbour-free bilinear resize of a square mask. */
function resizeMask(m: Float32Array, from: number, to: number): Float32Array {
  const out = new Float32Array(to * to);
  const s = from / to;
  for (let y = 0; y < to; y++) {
    const fy = Math.min(from - 1, Math.max(0, (y + 0.5) * s - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(from - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < to; x++) {
      const fx = Math.min(from - 1, Math.max(0, (x + 0.5) * s - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(from - 1, x0 + 1), wx = fx - x0;
      const a = m[y0 * from + x0] + (m[y0 * from + x1] - m[y0 * from + x0]) * wx;
      const b = m[y1 * from + x0] + (m[y1 * from + x1] - m[y1 * from + x0]) * wx;
      out[y * to + x] = a + (b - a) * wy;
    }
  }
  return out;
}
