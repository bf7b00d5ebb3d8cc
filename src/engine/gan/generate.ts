/**
 * Curves from any voice-over: the persona's trained FACIAL-GAN when it has one (or
 * the zero-training prior when asked, or when none is trained), in persona space
 * [T, 71] at the persona's frame rate.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BUILTIN_ENCODER_IDENTITY, describeEncoderIdentity, extractAudioFeatures, type AudioFeatures, type EncoderSpec } from '../audio';
import { createCurveDocument, semanticControls, serializeCurveDocument, type CurveDocument } from '../common/curves';
import { writeFileAtomic } from '../util/atomic-file';
import type { ProviderChoice } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { UserError } from '../util/errors';
import { subProgress, type RunOptions } from '../util/progress';
import { ganPath, generatorFiles, readGanModelInfo, type GanModelInfo } from './files';
import { runWindows } from './infer';
import { denormalizeParams, restState } from './normalize';
import { acquireWindowModel } from './runner-cache';
import { loadGanPersona, priorInputOf, type GanPersona } from './persona-data';
import { fitPrior, generatePrior, PRIOR_VERSION, type PriorModel } from './prior';
import { chooseImplicit, expressionOrigin, substituteImplicit, type ImplicitChannels, type ImplicitMode } from './implicit';
import { EXPR_COUNT, EXPR_OFFSET } from '../../shared/facial-params';
import { postFilter } from './post-filter';
import { movingAverage } from '../common/numeric';

export type CurveSource = 'prior' | 'facial-gan';

export interface GenerateOptions extends RunOptions {
  /** Use the zero-training prior even when a trained model exists. */
  prior?: boolean;
  /** Refuse to fall back to the prior when no model is trained. */
  requireModel?: boolean;
  seed?: number;
  /**
   * Where a trained model's blinks and head pose come from: 'model', 'prior' (the
   * zero-training prior for the same audio and seed), or 'auto' (default): the prior for
   * what the model did not learn (its gan/model.json verdict), the model otherwise.
   */
  implicit?: ImplicitMode;
  device?: ProviderChoice;
  encoder?: EncoderSpec;
  threads?: number;
  /** The project's media id of the voice-over (recorded in the curve document). */
  mediaId?: string;
}

export interface GeneratedCurves {
  source: CurveSource;
  /** The curve document (blinks as editable events, semantic controls of the persona). */
  document: CurveDocument;
  personaId: string;
  personaName: string;
  fps: number;
  frameCount: number;
  /** [T*71] persona space. */
  base: Float32Array;
  audio: { file: string; durationS: number; encoder: string };
  /** Window length used (facial-gan only). */
  window?: number;
  /** Why the prior was used, when it was (wholly, or for blinks / head pose of a trained model). */
  note?: string;
  /** facial-gan only: where expression, blinks and head pose come from. */
  implicit?: ImplicitChannels;
  seconds: { features: number; generate: number };
  provider?: string;
}

/**
 * Persona-space curves [T*71] for features [T*16*29] from a trained model: its raw
 * output (for a residual model, the correction to the prior's expression: see
 * `modelCurves`).
 */
export async function runGanModel(personaDir: string, info: GanModelInfo, features: Float32Array, T: number, opts: RunOptions & { device?: ProviderChoice; threads?: number; initialState?: Float32Array } = {}): Promise<{ base: Float32Array; provider: string }> {
  const files = await generatorFiles(personaDir);
  const { runner, release } = await acquireWindowModel(files, info.arch, opts.device ?? 'cpu', opts.threads).catch((err: unknown) => {
    throw new UserError('gan-model-unreadable', `The trained model in ${files.audioPath} / ${path.basename(files.statePath)} cannot be opened: ${(err as Error).message}`, {
      file: files.audioPath,
      hint: 'Train it again (facial-studio train gan --persona DIR --restart).',
      cause: err,
    });
  });
  try {
    const norm = await runWindows(features, T, info.arch.window, runner.model, {
      initialState: opts.initialState ?? restState(info.norm),
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    return { base: denormalizeParams(norm, info.norm), provider: runner.provider };
  } finally {
    release();
  }
}

/**
 * The model's own full curves (a copy): the network's output through the reference's
 * post-filter (post-filter.ts); for a residual model, the correction added to the prior's
 * expression, faded out where there is no speech (so the mouth rests closed in silence,
 * as the prior's does).
 */
export function modelCurves(raw: Float32Array, info: Pick<GanModelInfo, 'target'>, prior: Float32Array | undefined, audio: { fps: number; speech?: Float32Array }): Float32Array {
  const out = postFilter(raw, audio.fps);
  if (info.target !== 'residual-expression') return out;
  if (!prior || prior.length !== raw.length) throw new Error('modelCurves: a residual model needs the prior\'s curves for the same frames');
  const T = raw.length / PARAM_COUNT;
  const gate = audio.speech ? movingAverage(audio.speech.subarray(0, T).map((v) => Math.min(1, Math.max(0, v))), 1) : undefined;
  for (let t = 0; t < T; t++) {
    const g = gate ? gate[t] : 1;
    for (let k = EXPR_OFFSET; k < EXPR_OFFSET + EXPR_COUNT; k++) out[t * PARAM_COUNT + k] = prior[t * PARAM_COUNT + k] + g * out[t * PARAM_COUNT + k];
  }
  return out;
}

/** Why a residual model cannot correct today's prior (it learnt the corrections of another version), or undefined. */
export function staleResidual(info: Pick<GanModelInfo, 'target' | 'priorVersion'>): string | undefined {
  if (info.target !== 'residual-expression') return undefined;
  const v = info.priorVersion ?? 1;
  return v === PRIOR_VERSION ? undefined : `corrects version ${v} of the built-in motion, and this FACIAL Studio's is version ${PRIOR_VERSION}`;
}

/** Fitted priors of loaded personas (whole clip): generating again for the same persona refits nothing. */
const wholeClipPriors = new WeakMap<GanPersona, PriorModel>();

/** The prior fitted on a persona (frames [0, end) of its clip; all by default). */
export function personaPrior(p: GanPersona, end?: number): PriorModel {
  if (end !== undefined) return fitPrior(priorInputOf(p), { start: 0, end });
  let m = wholeClipPriors.get(p);
  if (!m) {
    m = fitPrior(priorInputOf(p));
    wholeClipPriors.set(p, m);
  }
  return m;
}

/** Refuses features of another audio encoder than the model (or persona) learnt from. */
export function checkEncoder(expected: string, got: string | undefined, what: string, file: string): void {
  const have = got ?? BUILTIN_ENCODER_IDENTITY;
  if (have === expected) return;
  throw new UserError('gan-encoder-mismatch', `${what} learnt from ${describeEncoderIdentity(expected)}, but the voice-over's features come from ${describeEncoderIdentity(have)}: the numbers mean different things, so the motion would be meaningless.`, {
    file,
    hint: expected === BUILTIN_ENCODER_IDENTITY ? 'Generate without --encoder (the built-in features), or train the model on features of that encoder.' : 'Generate with the encoder the model was trained with, or train it again.',
  });
}

type FeatureAudio = Pick<AudioFeatures, 'frameCount' | 'features' | 'speech' | 'rmsDb'> & { encoderId?: string };

/** Curves for already-extracted audio features (at the persona's fps). */
export async function generateFromFeatures(persona: GanPersona, audio: FeatureAudio, opts: GenerateOptions = {}): Promise<{ base: Float32Array; source: CurveSource; info?: GanModelInfo; note?: string; provider?: string; implicit?: ImplicitChannels }> {
  if (audio.frameCount < 1) {
    throw new UserError('audio-empty', 'The voice-over is empty (no frame of audio).', { hint: 'Choose a voice-over with sound.' });
  }
  const found = opts.prior ? undefined : await readGanModelInfo(persona.dir, persona);
  const stale = found ? staleResidual(found) : undefined;
  if (stale && opts.requireModel) throw new UserError('gan-prior-changed', `The trained FACIAL-GAN of "${persona.name}" ${stale}.`, { file: ganPath(persona.dir, 'info'), hint: 'Train it again: facial-studio train gan --persona DIR --restart.' });
  const info = stale ? undefined : found;
  if (!info) {
    if (opts.requireModel) {
      throw new UserError('gan-not-trained', `The persona "${persona.name}" has no trained FACIAL-GAN model (${ganPath(persona.dir, 'info')} is missing).`, {
        file: persona.dir,
        hint: 'Train it first (facial-studio train gan --persona DIR), or generate with the zero-training prior (--prior).',
      });
    }
    const prior = personaPrior(persona);
    // The loudness mapping reads no features; the audio regressor of long clips does.
    if (prior.mouthRegressor) checkEncoder(persona.encoder, audio.encoderId, `The persona "${persona.name}"'s zero-training prior`, persona.dir);
    const base = generatePrior(prior, { ...audio, encoder: audio.encoderId ?? persona.encoder }, { seed: opts.seed });
    const note = opts.prior ? 'prior requested' : stale ? `zero-training prior: the trained FACIAL-GAN ${stale}; train it again to use it` : 'no trained FACIAL-GAN model: zero-training prior';
    return { base, source: 'prior', note };
  }
  if (info.fps !== persona.fps) {
    throw new UserError('gan-fps-mismatch', `The trained model of "${persona.name}" expects ${info.fps} fps, the persona has ${persona.fps} fps.`, {
      file: ganPath(persona.dir, 'info'),
      hint: 'Train the model again (--restart).',
    });
  }
  checkEncoder(info.encoder ?? BUILTIN_ENCODER_IDENTITY, audio.encoderId, `The trained FACIAL-GAN of "${persona.name}"`, ganPath(persona.dir, 'info'));
  const r = await runGanModel(persona.dir, info, audio.features, audio.frameCount, opts);
  const implicit = chooseImplicit(opts.implicit ?? 'auto', info.implicit);
  const needsPrior = implicit.pose === 'prior' || implicit.blink === 'prior' || implicit.expression !== 1 || info.target === 'residual-expression';
  const prior = needsPrior ? generatePrior(personaPrior(persona), { ...audio, encoder: audio.encoderId ?? persona.encoder }, { seed: opts.seed }) : undefined;
  const own = modelCurves(r.base, info, prior, { fps: persona.fps, speech: audio.speech });
  const base = prior ? substituteImplicit(own, prior, implicit) : own;
  return { base, source: 'facial-gan', info, provider: r.provider, implicit, note: implicit.note };
}

/** Curves for a voice-over file. */
export async function generateCurves(personaDir: string, audioFile: string, opts: GenerateOptions = {}): Promise<GeneratedCurves> {
  const persona = await loadGanPersona(personaDir);
  const t0 = performance.now();
  const audio = await extractAudioFeatures(audioFile, { fps: persona.fps, encoder: opts.encoder, signal: opts.signal, onProgress: subProgress(opts.onProgress, 0, 0.5, 'features') });
  const t1 = performance.now();
  const r = await generateFromFeatures(persona, audio, { ...opts, onProgress: subProgress(opts.onProgress, 0.5, 1, 'generate') });
  const t2 = performance.now();
  opts.onProgress?.({ stage: 'generate', fraction: 1, message: `${audio.frameCount} frames (${r.source})` });
  const document = createCurveDocument({
    source: r.source,
    personaId: persona.id,
    fps: persona.fps,
    base: r.base,
    mediaId: opts.mediaId,
    semantic: semanticControls(persona.model),
    generator: {
      name: r.source,
      label: r.source === 'prior' ? 'Zero-training prior' : 'FACIAL-GAN',
      audio: path.basename(audioFile),
      encoder: audio.encoder,
      ...(r.source === 'prior' ? { seed: opts.seed ?? 1, note: r.note } : {
        window: r.info!.arch.window,
        modelStep: r.info!.training.step,
        modelSavedAt: r.info!.savedAt,
        implicit: { expression: expressionOrigin(r.implicit!.expression), expressionWeight: r.implicit!.expression, pose: r.implicit!.pose, blink: r.implicit!.blink },
        ...priorRecord(r.implicit!, opts.seed ?? 1),
        ...(r.note ? { note: r.note } : {}),
      }),
    },
  });
  return {
    source: r.source,
    document,
    personaId: persona.id,
    personaName: persona.name,
    fps: persona.fps,
    frameCount: audio.frameCount,
    base: r.base,
    audio: { file: audioFile, durationS: audio.source.durationS, encoder: audio.encoder },
    window: r.info?.arch.window,
    note: r.note,
    implicit: r.implicit,
    seconds: { features: (t1 - t0) / 1000, generate: (t2 - t1) / 1000 },
    provider: r.provider,
  };
}

/** What the curve document records of the prior's part in a model's curves (its seed and channels). */
function priorRecord(ch: ImplicitChannels, seed: number): { seed?: number; priorChannels?: string[] } {
  const channels = [...(ch.expression < 1 ? ['expression'] : []), ...(ch.pose === 'prior' ? ['pose'] : []), ...(ch.blink === 'prior' ? ['blink'] : [])];
  return channels.length ? { seed, priorChannels: channels } : {};
}

/** Checks a [T*71] array (no NaN, right length). */
export function checkCurves(base: Float32Array, T: number): void {
  if (base.length !== T * PARAM_COUNT) throw new Error(`curves: ${base.length} values for ${T} frames`);
  for (let i = 0; i < base.length; i++) if (!Number.isFinite(base[i])) throw new Error(`curves: value ${i} is not finite`);
}


/** Writes the curve document of a generation to `file` (atomically, folders created). */
export async function writeCurves(file: string, curves: GeneratedCurves): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, serializeCurveDocument(curves.document));
}
