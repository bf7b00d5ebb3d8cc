import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { encoderSpecKind, type EncoderSpec } from './encoder';

/**
 * Which audio encoder made a set of features, as recorded by a persona (persona.json
 * `audio.encoder`) and a trained FACIAL-GAN (gan/model.json `encoder`): a model learnt on
 * one encoder's features must never be fed another's (the numbers mean different things).
 *
 * - `builtin-logmel29/v1`: the built-in log-mel front end (bump the version when its
 *   output changes);
 * - `onnx:<sha256 of the model file, 16 hex>`: a user's speech-encoder plug-in, whatever
 *   its file is called;
 * - `npy:external`: precomputed features of unknown origin.
 */
export const BUILTIN_ENCODER_IDENTITY = 'builtin-logmel29/v1';
export const NPY_ENCODER_IDENTITY = 'npy:external';

export async function encoderIdentity(spec: EncoderSpec | undefined): Promise<string> {
  const kind = encoderSpecKind(spec);
  if (kind === 'builtin') return BUILTIN_ENCODER_IDENTITY;
  if (kind === 'npy') return NPY_ENCODER_IDENTITY;
  const file = (spec as { path: string }).path;
  const bytes = await fs.readFile(file);
  return `onnx:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
}

/** A plain description for messages: "the built-in log-mel features (v1)", "the ONNX encoder 0123abcd…". */
export function describeEncoderIdentity(id: string): string {
  if (id === BUILTIN_ENCODER_IDENTITY) return 'the built-in log-mel features (v1)';
  if (id.startsWith('builtin-')) return `built-in features "${id}"`;
  if (id.startsWith('onnx:')) return `the ONNX speech encoder with file hash ${id.slice(5)}`;
  if (id === NPY_ENCODER_IDENTITY) return 'precomputed .npy features (encoder unknown)';
  return `"${id}"`;
}
