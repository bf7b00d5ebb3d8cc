/**
 * The audio front end: any voice-over file to FACIAL's per-frame features
 * [T, 16, 29], plus per-frame speech activity and loudness, and waveform peaks for
 * the timeline. One streaming pass of ffmpeg feeds everything.
 */
import { UserError } from '../util/errors';
import { subProgress, type ProgressFn } from '../util/progress';
import { frameRmsDb, frameSpeech, stepSpeechProbability } from './activity';
import { createBuiltinEncoder } from './builtin-encoder';
import { decodeAudioStream, probeAudioSource, type AudioSourceInfo } from './decode';
import { encoderSpecKind, type AudioEncoder, type EncoderSpec } from './encoder';
import { frameCountFor, validateFps, WINDOW_STEPS } from './framing';
import { createNpyEncoder } from './npy-encoder';
import { encoderIdentity } from './encoder-identity';
import { FEATURE_DIM, SpectralAnalyzer } from './spectral';

export { decodeAudio, decodeAudioStream, probeAudioSource, DECODE_SAMPLE_RATE } from './decode';
export type { AudioSourceInfo, DecodeStreamOptions, DecodeResult } from './decode';
export { parseEncoderSpec, describeEncoderSpec } from './encoder';
export { encoderIdentity, describeEncoderIdentity, BUILTIN_ENCODER_IDENTITY, NPY_ENCODER_IDENTITY } from './encoder-identity';
export type { EncoderSpec, AudioEncoder, EncoderContext } from './encoder';
export { frameCountFor, deepSpeechStepCount, windowsFromSteps, resampleToFrames, strideFor, WINDOW_STEPS, WINDOW_CENTRE } from './framing';
export type { StepSequence } from './framing';
export { SpectralAnalyzer, FEATURE_DIM, STEPS_PER_SECOND, builtinFilterbank } from './spectral';
export type { SpectralResult } from './spectral';
export { BUILTIN_ENCODER_NAME } from './builtin-encoder';
export { loadOrComputePeaks, computePeaks, peaksCacheKey, peaksCacheFile } from './peaks';
export { PeaksBuilder, encodePeaks, decodePeaks, levelForWidth, PeaksFormatError } from './peaks-format';
export type { WaveformPeaks, PeaksLevel } from './peaks-format';
export { RMS_FLOOR_DB } from './activity';

export interface AudioFeatures {
  fps: number;
  frameCount: number;
  /** [T, 16, 29] float32: per frame a window of 16 steps centred on the frame (row 8). */
  features: Float32Array;
  /** [T] speech probability 0..1 (>= 0.5: speech). */
  speech: Float32Array;
  /** [T] RMS level in dB full scale (floor -120). */
  rmsDb: Float32Array;
  source: { file: string; durationS: number; sampleRate: number; channels: number; codec: string };
  /** Which encoder produced `features`, e.g. "builtin-logmel29". */
  encoder: string;
  /** Its identity (encoder-identity.ts): recorded by personas and models, compared before features are fed to a model. */
  encoderId: string;
  /** Samples decoded at 16 kHz (the frame count derives from it). */
  totalSamples: number;
  /** Non-fatal findings (e.g. a one-frame length difference of imported features). */
  warnings: string[];
}

export interface ExtractOptions {
  fps: number;
  encoder?: EncoderSpec;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** Creates the encoder for a spec (ONNX Runtime is loaded only for onnx specs). */
export async function createEncoder(spec: EncoderSpec | undefined): Promise<AudioEncoder> {
  const kind = encoderSpecKind(spec);
  if (kind === 'builtin') return createBuiltinEncoder();
  const p = (spec as { path: string; provider?: string }).path;
  if (kind === 'npy') return createNpyEncoder(p);
  const { createOnnxEncoder } = await import('./onnx-encoder');
  return createOnnxEncoder(p);
}

/**
 * Decodes `file` (any audio or video file with sound) and computes, per video
 * frame at `opts.fps`, the [16, 29] feature window, speech probability and RMS dB.
 * Throws UserError for bad input, CancelledError when `opts.signal` fires.
 */
export async function extractAudioFeatures(file: string, opts: ExtractOptions): Promise<AudioFeatures> {
  try {
    validateFps(opts.fps);
  } catch {
    throw new UserError('bad-fps', `Frame rate ${opts.fps} is not valid.`, { hint: 'Use a frame rate such as 25, 29.97, 30 or 60.' });
  }
  const info: AudioSourceInfo = await probeAudioSource(file, { signal: opts.signal });
  const encoder = await createEncoder(opts.encoder);
  const encoderId = await encoderIdentity(opts.encoder);
  const warnings: string[] = [];
  try {
    const analyzer = new SpectralAnalyzer();
    const push = encoder.push?.bind(encoder);
    const { totalSamples } = await decodeAudioStream(file, {
      info,
      signal: opts.signal,
      onProgress: subProgress(opts.onProgress, 0, 0.9, 'decode'),
      onChunk: (s) => {
        analyzer.push(s);
        return push?.(s);
      },
    });
    const analysis = analyzer.finish();
    const frameCount = frameCountFor(totalSamples, opts.fps);
    opts.onProgress?.({ stage: 'features', fraction: 0.9, message: `${frameCount} frames` });
    const features = await encoder.finish({
      file,
      fps: opts.fps,
      frameCount,
      totalSamples,
      analysis,
      signal: opts.signal,
      warn: (m) => warnings.push(m),
    });
    if (features.length !== frameCount * WINDOW_STEPS * FEATURE_DIM) {
      throw new Error(`encoder ${encoder.name} returned ${features.length} values for ${frameCount} frames`);
    }
    const { prob } = stepSpeechProbability(analysis.speechDb, analysis.voicing, analysis.stepCount);
    const speech = frameSpeech(prob, opts.fps, frameCount);
    const rmsDb = frameRmsDb(analysis.blockMs, totalSamples, opts.fps, frameCount);
    opts.onProgress?.({ stage: 'features', fraction: 1, message: `${frameCount} frames` });
    return {
      fps: opts.fps,
      frameCount,
      features,
      speech,
      rmsDb,
      source: { file, durationS: info.durationS, sampleRate: info.sampleRate, channels: info.channels, codec: info.codec },
      encoder: encoder.name,
      encoderId,
      totalSamples,
      warnings,
    };
  } finally {
    await encoder.dispose?.();
  }
}
