import type { AudioEncoder, EncoderContext } from './encoder';
import { FEATURE_DIM, HOP, STEPS_PER_SECOND } from './spectral';
import { deepSpeechStepCount, normalizeColumns, windowsFromSteps } from './framing';

/**
 * The built-in front end: 29 log-mel energies per 20 ms step (see spectral.ts),
 * z-scored per band over the track, windowed to [T, 16, 29] (see framing.ts).
 * It reads the shared analysis, so it costs nothing while decoding.
 */
export const BUILTIN_ENCODER_NAME = 'builtin-logmel29';

export function createBuiltinEncoder(): AudioEncoder {
  return {
    name: BUILTIN_ENCODER_NAME,
    async finish(ctx: EncoderContext): Promise<Float32Array> {
      const { analysis, totalSamples, fps, frameCount } = ctx;
      const steps = analysis.logMel.slice();
      // Statistics over the steps centred inside the track.
      const inside = Math.max(1, Math.min(analysis.stepCount, Math.ceil(totalSamples / HOP)));
      normalizeColumns(steps, analysis.stepCount, FEATURE_DIM, inside);
      return windowsFromSteps(
        { data: steps, count: analysis.stepCount, dim: FEATURE_DIM, stepsPerSecond: STEPS_PER_SECOND, offsetS: 0 },
        fps,
        frameCount,
        deepSpeechStepCount(totalSamples),
      );
    },
  };
}
