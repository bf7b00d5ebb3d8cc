/**
 * Base-model weights for fine-tuning (`train gan --init BASE`): where a base model's
 * weights are, and loading them into a fresh parameter store (generator and
 * discriminator; the optimiser starts fresh). Pretraining itself is in base-model.ts.
 *
 * A base model folder holds `model.json` (GanBaseInfo) and `checkpoint.safetensors`;
 * a trained persona's own `gan/` folder serves as a base too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeSafetensors, type ParameterStore } from '../nn';
import { UserError } from '../util/errors';
import { BUILTIN_ENCODER_IDENTITY, describeEncoderIdentity } from '../audio';
import { checkpointIdentity, fileExists, GAN_FILES } from './files';
import type { GanArchitecture } from './model';

/** The reference's fine-tuning learning rate. */
export const FINE_TUNE_LR = 1e-5;

export interface GanBaseInfo {
  formatVersion: number;
  kind: 'facial-gan-base';
  arch: GanArchitecture;
  target: 'residual-expression';
  encoder: string;
  personas: { id: string; name: string; frames: number }[];
  training: { step: number; val: number; lr: number; batch: number; seed: number; provider: string };
  savedAt: string;
}

/** The checkpoint and description of a base model folder (a base model, or a persona's gan/ folder). */
export async function readBaseModel(dir: string): Promise<{ checkpoint: string; arch: GanArchitecture; encoder: string; target?: string; kind: string }> {
  const infoFile = path.join(dir, GAN_FILES.info);
  const checkpoint = path.join(dir, GAN_FILES.checkpoint);
  let raw: { kind?: string; arch?: GanArchitecture; encoder?: string; target?: string };
  try {
    raw = JSON.parse(await fs.readFile(infoFile, 'utf8')) as typeof raw;
  } catch (err) {
    throw new UserError('gan-init-unreadable', `${infoFile} cannot be read as a FACIAL-GAN base model (${(err as Error).message}).`, {
      file: infoFile,
      hint: 'Give --init the folder of a base model (made by `train gan --personas A,B --out BASE`) or a trained persona\'s gan/ folder.',
    });
  }
  if ((raw.kind !== 'facial-gan' && raw.kind !== 'facial-gan-base') || !raw.arch || !(await fileExists(checkpoint))) {
    throw new UserError('gan-init-unreadable', `${dir} holds no FACIAL-GAN weights (model.json of kind facial-gan or facial-gan-base with checkpoint.safetensors beside it).`, {
      file: dir,
      hint: 'Give --init the folder of a base model or a trained persona\'s gan/ folder.',
    });
  }
  return { checkpoint, arch: raw.arch, encoder: raw.encoder ?? BUILTIN_ENCODER_IDENTITY, target: raw.target, kind: raw.kind };
}

/**
 * Sets the store's weights (generator and discriminator, not the optimiser's moments)
 * from the base model in `dir`; refuses a base of another window, width, target or audio encoder.
 */
export async function initFromBase(params: ParameterStore, dir: string, expect: { arch: GanArchitecture; encoder: string }): Promise<{ tensors: number }> {
  const base = await readBaseModel(dir);
  if (base.arch.window !== expect.arch.window || base.arch.width !== expect.arch.width || base.target !== 'residual-expression') {
    throw new UserError('gan-init-mismatch', `The base model in ${dir} has window ${base.arch.window}, width ${base.arch.width}${base.target === 'residual-expression' ? '' : ', full-expression target'}; this training uses window ${expect.arch.window}, width ${expect.arch.width}, refining the prior.`, {
      file: dir,
      hint: `Train with the base model's window (--window ${base.arch.window}), or pretrain a base model with this one.`,
    });
  }
  if (base.encoder !== expect.encoder) {
    throw new UserError('gan-encoder-mismatch', `The base model in ${dir} learnt from ${describeEncoderIdentity(base.encoder)}, the persona's features come from ${describeEncoderIdentity(expect.encoder)}.`, {
      file: dir,
      hint: 'Use a base model trained on features of the same audio encoder.',
    });
  }
  const file = decodeSafetensors(new Uint8Array(await fs.readFile(base.checkpoint)));
  if (file.metadata.identity !== checkpointIdentity(expect.arch)) {
    throw new UserError('gan-init-mismatch', `${base.checkpoint} is a checkpoint of '${file.metadata.identity ?? 'unknown'}', expected '${checkpointIdentity(expect.arch)}'.`, { file: base.checkpoint, hint: 'Use a base model of this FACIAL Studio version.' });
  }
  let n = 0;
  for (const key of params.keys()) {
    if (key.includes('::adam_')) continue;
    const t = file.tensors.get(key);
    if (!t) continue;
    params.set(key, t.data as Float32Array, t.shape);
    n++;
  }
  if (n === 0) throw new UserError('gan-init-mismatch', `${base.checkpoint} holds none of the model's weights.`, { file: base.checkpoint, hint: 'Use a base model of this FACIAL Studio version.' });
  return { tensors: n };
}

