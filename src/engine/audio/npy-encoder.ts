import path from 'node:path';
import { readNpyFloat32 } from '../io/npy';
import { UserError } from '../util/errors';
import type { AudioEncoder, EncoderContext } from './encoder';
import { frameCountFor } from './framing';
import { FEATURE_DIM } from './spectral';

/**
 * Importer for precomputed features from the reference implementation: a NumPy
 * array [T, 16, 29] (DeepSpeech logits windowed per video frame). The array is read
 * and validated before the audio is decoded; once the audio's frame count is known
 * it must match (a difference of one frame is padded or trimmed with a warning).
 */
const COMMON_FPS = [24, 25, 29.97, 30, 50, 59.94, 60];

export async function createNpyEncoder(file: string): Promise<AudioEncoder> {
  const arr = await readNpyFloat32(file);
  const shape = arr.shape;
  const shapeStr = `[${shape.join(', ')}]`;
  if (shape.length !== 3 || shape[1] !== 16 || shape[2] !== FEATURE_DIM || shape[0] < 1) {
    throw new UserError('features-shape', `${file} has shape ${shapeStr}; precomputed audio features must be [T, 16, 29] (T frames, 16 steps per window, 29 DeepSpeech logits).`, {
      file,
      hint: 'Export the windowed features of the reference implementation (audio_preprocessing.py output) with numpy.save, one array per audio file.',
    });
  }
  let bad = 0;
  for (let i = 0; i < arr.data.length; i++) if (!Number.isFinite(arr.data[i])) bad++;
  if (bad > 0) {
    throw new UserError('features-not-finite', `${file} holds ${bad} NaN or infinite values.`, {
      file,
      hint: 'Recompute the features; the file is damaged or was produced from invalid audio.',
    });
  }
  const T = shape[0];
  return {
    name: `npy:${path.basename(file)}`,
    async finish(ctx: EncoderContext): Promise<Float32Array> {
      const want = ctx.frameCount;
      if (T === want) return arr.data;
      const diff = T - want;
      if (Math.abs(diff) === 1) {
        ctx.warn(`${path.basename(file)} has ${T} frames, ${path.basename(ctx.file)} at ${ctx.fps} fps has ${want}: the last frame was ${diff > 0 ? 'dropped' : 'repeated'}.`);
        const out = new Float32Array(want * 16 * FEATURE_DIM);
        const per = 16 * FEATURE_DIM;
        out.set(arr.data.subarray(0, Math.min(T, want) * per));
        if (diff < 0) out.set(arr.data.subarray((T - 1) * per, T * per), (want - 1) * per);
        return out;
      }
      const durationS = ctx.totalSamples / 16000;
      const matching = COMMON_FPS.filter((f) => frameCountFor(ctx.totalSamples, f) === T);
      const suggestion = matching.length
        ? `At ${matching.join(' or ')} fps the audio has exactly ${T} frames: pass that frame rate (--fps ${matching[0]}).`
        : `No common frame rate gives ${T} frames for ${durationS.toFixed(2)} s (that would be ${(T / durationS).toFixed(2)} frames/s): the features were probably computed for another audio file.`;
      throw new UserError(
        'features-frame-mismatch',
        `${file} has ${T} frames but ${ctx.file} (${durationS.toFixed(2)} s) has ${want} frames at ${ctx.fps} fps.`,
        { file, hint: `${suggestion} Use the features computed for this audio at this frame rate.` },
      );
    },
  };
}
