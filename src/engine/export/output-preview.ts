/**
 * The export's frames one at a time, for the studio's output preview: the same curves
 * (resampled to the export's frames), the same choice of synthesis and the same painter
 * as `exportVideo`, so frame i here is frame i of the MP4 (before the preset's scaling).
 * Preparing (the plan over the whole take and the donor crops read from the footage) is
 * the slow part and is done once; each frame after it is one source frame decoded and
 * painted.
 */
import { loadPersona, type Persona } from '../persona';
import { PARAM_COUNT } from '../../shared/facial-params';
import { UserError, throwIfCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { probeMedia } from '../media/ffmpeg';
import { checkCurveValues } from '../io/value-checks';
import type { RendererRunner } from '../render/train-renderer';
import type { ProviderChoice } from '../nn';
import { chooseSynthesis, makePainter, takeSource, type SynthesisMethod } from './export-video';
import { ResidualPainter, RetrievalPainter, type FramePainter } from './frame-painters';
import type { ResidualRunner, RetrievalSynthesizer } from '../synthesis';
import { ReferenceFrames } from './reference-frames';
import { seekableFootage } from './seekable-footage';
import { frameCountForDuration, resampleCurves } from './timing';
import { StageRunner } from '../util/stages';

export interface OutputPreviewOptions extends RunOptions {
  /** Persona folder. */
  persona: string;
  /** The voice-over (its length sets the frame count, as in the export). */
  audio: string;
  /** Curves [T*71] at `curvesFps` (a curve document evaluated with its edits). */
  curves: Float32Array;
  curvesFps: number;
  /** Output frame rate (the export's default: 25). */
  fps?: 25 | 30;
  synthesis?: 'auto' | 'retrieval' | 'renderer';
  /** Re-voice the take as filmed (CLI --revoice). */
  revoice?: boolean;
  /** The curves are a re-voiced take of the studio (played as filmed while its pose and blink lanes are unedited). */
  revoicedDocument?: boolean;
  /** An earlier preview of this persona: its donor crops are reused, so an edited take reads only the frames it lacks. */
  reuse?: OutputPreview;
  device?: ProviderChoice;
}

export class OutputPreview {
  private readonly frames: ReferenceFrames;
  /** Frames are painted one at a time (the footage reader is a stream). */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly persona: Persona,
    readonly method: SynthesisMethod,
    readonly fps: number,
    readonly frameCount: number,
    readonly notes: string[],
    /** Seconds spent preparing, per stage. */
    readonly prepareSeconds: Partial<Record<string, number>>,
    private readonly painter: FramePainter,
    private readonly source: Int32Array,
    footage: string,
    private readonly net?: RendererRunner,
    private readonly residual?: ResidualRunner,
  ) {
    const W = persona.camera.width, H = persona.camera.height;
    // It stays open while the take is previewed (two versions at a time): small caches; a step back seeks.
    this.frames = new ReferenceFrames(footage, W, H, persona.meta.fps, persona.frameCount, undefined, footage === persona.meta.source.file ? undefined : 12, { chunks: 24, recent: 24 });
  }

  get width(): number {
    return this.persona.camera.width;
  }

  get height(): number {
    return this.persona.camera.height;
  }

  /** This preview's synthesizer, when it is of the same build of that persona (its donor crops are then valid there). */
  synthesizerFor(persona: Persona): RetrievalSynthesizer | undefined {
    const a = this.persona.meta, b = persona.meta;
    const same = this.persona.dir === persona.dir && a.id === b.id && a.createdAt === b.createdAt;
    return same && (this.painter instanceof RetrievalPainter || this.painter instanceof ResidualPainter) ? this.painter.synth : undefined;
  }

  /** The output frame shown at `timeS` seconds (clamped to the take). */
  frameAt(timeS: number): number {
    return Math.max(0, Math.min(this.frameCount - 1, Math.round(timeS * this.fps)));
  }

  /** Output frame i (RGB24, width x height), painted exactly as the export paints it. */
  paint(i: number, signal?: AbortSignal): Promise<Uint8Array> {
    const run = this.queue.then(async () => {
      if (this.closed) throw new UserError('preview-closed', 'The output preview was replaced by a newer one.', { hint: 'Ask for the frame again.' });
      throwIfCancelled(signal);
      const k = Math.max(0, Math.min(this.frameCount - 1, Math.round(i)));
      const frame = (await this.frames.get(this.source[k])).slice();
      await this.painter.paint(k, this.source[k], frame);
      return frame;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.frames.close();
    await this.net?.dispose();
    await this.residual?.dispose();
  }

  /** Plans the whole take and reads what the painter needs from the footage (the slow part). */
  static async prepare(opts: OutputPreviewOptions): Promise<OutputPreview> {
    const run = new StageRunner(opts, { load: 1, choose: 1, plan: 8, footage: 1 });
    const notes: string[] = [];
    const { persona, curves, fps, frames } = await run.stage('load', (ctx) => loadTake(opts, ctx.runOptions.signal));
    // The residual G_r too, where the export applies it: the preview shows the exported frame.
    const { method, net, residual } = await run.stage('choose', () => chooseSynthesis(persona, { synthesis: opts.synthesis, device: opts.device }, notes));
    try {
      const take = takeSource(persona, curves, fps, { forced: opts.revoice, document: opts.revoicedDocument }, notes);
      const { painter, source } = await run.stage('plan', (ctx) => makePainter(method, persona, curves, fps, net, {
        signal: ctx.runOptions.signal, reuse: opts.reuse?.synthesizerFor(persona),
        // makePainter reports the export's share of the bar (0.1-0.2): this stage is all of it.
        onProgress: (p) => ctx.progress(Math.max(0, Math.min(1, (p.fraction - 0.1) / 0.1)), p.message),
      }, notes, take, residual));
      const footage = await run.stage('footage', (ctx) => {
        ctx.progress(0, 'preparing the footage');
        return seekableFootage(persona, ctx.runOptions.signal);
      });
      return new OutputPreview(persona, method, fps, frames, notes, run.seconds, painter, source, footage, net, residual);
    } catch (err) {
      await net?.dispose();
      await residual?.dispose();
      throw err;
    }
  }
}

/** The persona, and the curves resampled to the export's frames over the voice-over's length. */
async function loadTake(opts: OutputPreviewOptions, signal?: AbortSignal): Promise<{ persona: Persona; curves: Float32Array; fps: 25 | 30; frames: number }> {
  const fps = opts.fps ?? 25;
  if (opts.curves.length === 0 || opts.curves.length % PARAM_COUNT !== 0) throw new UserError('curves-invalid', `The curves hold ${opts.curves.length} values, not whole frames of ${PARAM_COUNT}.`);
  checkCurveValues(opts.curves, 'the curves');
  const persona = await loadPersona(opts.persona);
  const info = await probeMedia(opts.audio, { signal });
  if (!info.audio) throw new UserError('audio-missing', `${opts.audio} has no audio track.`, { file: opts.audio, hint: 'Choose a voice-over file with sound.' });
  const durationS = info.audio.durationS ?? info.durationS;
  if (!(durationS > 0)) throw new UserError('audio-empty', `${opts.audio} is empty (duration 0).`, { file: opts.audio, hint: 'Choose a voice-over with sound in it.' });
  const frames = frameCountForDuration(durationS, fps);
  return { persona, curves: resampleCurves(opts.curves, PARAM_COUNT, opts.curvesFps, frames, fps), fps, frames };
}
