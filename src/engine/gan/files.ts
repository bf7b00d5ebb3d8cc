/**
 * The persona's `gan/` folder:
 *
 * ```
 * gan/model.json              GanModelInfo: format version, persona id + params hash, fps,
 *                             implicit-attribute verdict (blinks, head-pose speed on validation),
 *                             architecture (window, width), normalisation statistics, training summary
 * gan/audio-path.onnx         the generator's audio path (best validation weights), standalone ONNX, 4 windows per call
 * gan/state-path.onnx         the generator's state path (initial state joins here), one window per call
 *                             (models saved before 2026-12 named them encoder.onnx / decoder.onnx: still read;
 *                             renamed so they are not taken for the audio encoder)
 * gan/checkpoint.safetensors  latest generator + discriminator + Adam state (resume)
 * gan/training.json           TrainingLog: loss curve points, early-stopping state
 * gan/eval.json               GanEvalReport (evaluate.ts)
 * ```
 * Every file is written atomically. A model.json of another persona (or of the same
 * persona rebuilt: different parameters), or of another format version, is refused
 * with a UserError that says what to do.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors';
import { writeJsonAtomic } from '../util/atomic-file';
import { isNormStats, type NormStats } from './normalize';
import type { GanArchitecture } from './model';
import type { LossWeights } from './losses';
import type { ImplicitVerdict } from './implicit';
import { readRegularFile } from '../util/read-file';

export const GAN_FORMAT_VERSION = 1;
export const GAN_DIR = 'gan';
export const GAN_FILES = {
  info: 'model.json',
  audioPath: 'audio-path.onnx',
  statePath: 'state-path.onnx',
  checkpoint: 'checkpoint.safetensors',
  training: 'training.json',
  eval: 'eval.json',
} as const;

/** The names the two generator files had before: read when the new ones are absent. */
export const LEGACY_GAN_FILES = { audioPath: 'encoder.onnx', statePath: 'decoder.onnx' } as const;

export function ganPath(personaDir: string, file: keyof typeof GAN_FILES): string {
  return path.join(personaDir, GAN_DIR, GAN_FILES[file]);
}

/** The generator's two files of a saved model: the current names, or the legacy ones when only those exist. */
export async function generatorFiles(personaDir: string): Promise<{ audioPath: string; statePath: string }> {
  const current = { audioPath: ganPath(personaDir, 'audioPath'), statePath: ganPath(personaDir, 'statePath') };
  if (await fileExists(current.audioPath)) return current;
  const legacy = { audioPath: path.join(personaDir, GAN_DIR, LEGACY_GAN_FILES.audioPath), statePath: path.join(personaDir, GAN_DIR, LEGACY_GAN_FILES.statePath) };
  return (await fileExists(legacy.audioPath)) ? legacy : current;
}

export interface GanModelInfo {
  formatVersion: number;
  kind: 'facial-gan';
  personaId: string;
  personaName: string;
  paramsHash: string;
  fps: number;
  arch: GanArchitecture;
  norm: NormStats;
  weights: LossWeights;
  training: {
    /** Generator steps done when these weights were saved. */
    step: number;
    /** Validation loss of these weights. */
    val: number;
    batch: number;
    lr: number;
    seed: number;
    provider: string;
    /** The clip's frame split used: [train end, val end). */
    split: { trainEnd: number; valEnd: number; frames: number };
    /** Fine-tuned from this base model folder (train gan --init). */
    init?: string;
  };
  /**
   * Whether the best weights learnt the implicit attributes (blinks, head-pose speed),
   * judged on the validation part at the end of training (implicit.ts). Optional within
   * format version 1: a model saved before the check (or a training run cancelled before
   * its end) has none, which generation reads as "not checked" and keeps the model's own
   * channels (the behaviour such models had).
   */
  implicit?: ImplicitVerdict;
  /**
   * 'residual-expression': the network predicts the correction to the zero-training
   * prior's expression (the prior fitted on the training and validation frames at
   * training time; at generation, the persona's prior), pose and blink directly. Absent
   * (models saved before): the network predicts the full expression.
   */
  target?: 'residual-expression';
  /** PRIOR_VERSION of the prior a residual model corrects (absent: 1). A correction of another prior's curves is not applied to this one's. */
  priorVersion?: number;
  /** Identity of the audio encoder of the training features (audio/encoder-identity.ts); absent: the built-in one. */
  encoder?: string;
  savedAt: string;
}

export interface LossPoint {
  step: number;
  g: number;
  d: number;
  /** Validation loss (only at evaluation steps). */
  val?: number;
  /** Regression part of the generator loss (without the adversarial term). */
  reg?: number;
}

export interface TrainingLog {
  formatVersion: number;
  personaId: string;
  paramsHash: string;
  arch: GanArchitecture;
  /** As GanModelInfo.target: a checkpoint of another target is not resumed. */
  target?: 'residual-expression';
  /** As GanModelInfo.priorVersion: a checkpoint correcting another prior starts over. */
  priorVersion?: number;
  points: LossPoint[];
  bestVal: number;
  bestStep: number;
  evalsSinceBest: number;
  /** Seconds of training over all runs. */
  seconds: number;
  done: boolean;
  stopReason?: string;
}

/** The identity string stored in checkpoints (architecture and format). */
export function checkpointIdentity(arch: GanArchitecture): string {
  // "nb": the U-Net's outermost down conv has no bias (as the reference); older checkpoints had one and are not resumed.
  return `facial-gan/${GAN_FORMAT_VERSION}/L${arch.window}/w${arch.width}/nb`;
}

async function readJsonIfExists(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readRegularFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError('gan-file-corrupt', `${file} is damaged (not valid JSON).`, { file, hint: 'Delete the persona\'s gan/ folder and train again.' });
  }
}

/**
 * The trained model of a persona, checked against it; undefined when none was trained.
 * Throws UserError for another persona's model, another format version, or a damaged file.
 */
export async function readGanModelInfo(personaDir: string, persona: { id: string; paramsHash: string; name: string }): Promise<GanModelInfo | undefined> {
  const file = ganPath(personaDir, 'info');
  const raw = (await readJsonIfExists(file)) as Partial<GanModelInfo> | undefined;
  if (raw === undefined) return undefined;
  if (raw.kind !== 'facial-gan' || typeof raw.formatVersion !== 'number') {
    throw new UserError('gan-file-corrupt', `${file} is not a FACIAL-GAN model description.`, { file, hint: 'Delete the persona\'s gan/ folder and train again.' });
  }
  if (raw.formatVersion !== GAN_FORMAT_VERSION) {
    throw new UserError(
      'gan-version',
      `${file} holds a FACIAL-GAN model of format version ${raw.formatVersion}; this FACIAL Studio reads version ${GAN_FORMAT_VERSION}.`,
      { file, hint: raw.formatVersion > GAN_FORMAT_VERSION ? 'Update FACIAL Studio, or train the model again with this version.' : 'Train the model again (facial-studio train gan --persona DIR --restart).' },
    );
  }
  checkSamePersona(file, raw.personaId, raw.paramsHash, raw.personaName, persona);
  if (!raw.arch || !isNormStats(raw.norm)) {
    throw new UserError('gan-file-corrupt', `${file} is incomplete (architecture or normalisation missing).`, { file, hint: 'Train the model again with --restart.' });
  }
  const parts = await generatorFiles(personaDir);
  for (const part of ['audioPath', 'statePath'] as const) {
    try {
      await fs.access(parts[part]);
    } catch {
      throw new UserError('gan-file-missing', `The trained model's ${part === 'audioPath' ? 'audio path' : 'state path'} ${parts[part]} is missing (its description ${file} is there).`, {
        file: parts[part],
        hint: 'Train again (facial-studio train gan --persona DIR), or delete the gan/ folder to use the prior.',
      });
    }
  }
  return raw as GanModelInfo;
}

export function checkSamePersona(file: string, personaId: string | undefined, paramsHash: string | undefined, otherName: string | undefined, persona: { id: string; paramsHash: string; name: string }): void {
  if (personaId !== persona.id) {
    throw new UserError(
      'gan-other-persona',
      `${file} belongs to another persona ("${otherName ?? personaId ?? 'unknown'}", id ${personaId ?? 'missing'}), not to "${persona.name}" (id ${persona.id}).`,
      { file, hint: 'Train FACIAL-GAN on this persona (facial-studio train gan --persona DIR --restart), or use the persona the model was trained on.' },
    );
  }
  if (paramsHash !== persona.paramsHash) {
    throw new UserError(
      'gan-persona-changed',
      `${file} was trained on an earlier build of the persona "${persona.name}": its per-frame parameters have changed since.`,
      { file, hint: 'Train again on the rebuilt persona (facial-studio train gan --persona DIR --restart).' },
    );
  }
}

export async function readTrainingLog(personaDir: string): Promise<TrainingLog | undefined> {
  return (await readJsonIfExists(ganPath(personaDir, 'training'))) as TrainingLog | undefined;
}

export async function writeGanJson(personaDir: string, file: 'info' | 'training' | 'eval', value: unknown): Promise<void> {
  await fs.mkdir(path.join(personaDir, GAN_DIR), { recursive: true });
  await writeJsonAtomic(ganPath(personaDir, file), value);
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
