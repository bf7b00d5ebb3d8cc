import path from 'node:path';
import type { SpectralResult } from './spectral';

/**
 * One interface for the three ways to get FACIAL's [T, 16, 29] audio windows:
 * the built-in spectral front end, a user-supplied ONNX speech encoder, and
 * precomputed DeepSpeech features from the reference implementation.
 */
export type EncoderSpec = 'builtin' | { kind: 'builtin' } | { kind: 'onnx'; path: string } | { kind: 'npy'; path: string };

/** The file an encoder spec reads (an ONNX model or precomputed features), if any. */
export function encoderFile(spec: EncoderSpec | undefined): string | undefined {
  return spec && typeof spec === 'object' && spec.kind !== 'builtin' ? spec.path : undefined;
}

export interface EncoderContext {
  /** The audio file (for messages). */
  file: string;
  fps: number;
  /** Frames the output must have (frameCountFor(totalSamples, fps)). */
  frameCount: number;
  /** Decoded samples at 16 kHz. */
  totalSamples: number;
  /** The built-in analysis of the same audio (always computed: loudness and speech activity need it). */
  analysis: SpectralResult;
  signal?: AbortSignal;
  /** Non-fatal findings to show the user. */
  warn: (message: string) => void;
}

export interface AudioEncoder {
  /** What produced the features, e.g. "builtin-logmel29", "onnx:my-model.onnx", "npy:obama2.npy". */
  readonly name: string;
  /** Streaming input: 16 kHz mono chunks (reused by the caller after the call: copy what you keep). A promise pauses decoding until it settles. */
  push?(samples: Float32Array): void | Promise<void>;
  /** After the last chunk: the window tensor [frameCount, 16, 29], float32. */
  finish(ctx: EncoderContext): Promise<Float32Array>;
  dispose?(): Promise<void>;
}

/** 'builtin' | 'onnx:PATH' | 'npy:PATH' (a bare path ending in .onnx or .npy is accepted too). */
export function parseEncoderSpec(s: string): EncoderSpec {
  const v = s.trim();
  if (v === '' || v === 'builtin') return 'builtin';
  const m = /^(onnx|npy):(.+)$/i.exec(v);
  if (m) return { kind: m[1].toLowerCase() as 'onnx' | 'npy', path: m[2] };
  if (/\.onnx$/i.test(v)) return { kind: 'onnx', path: v };
  if (/\.npy$/i.test(v)) return { kind: 'npy', path: v };
  throw new Error(`Unknown audio encoder "${s}": use builtin, onnx:PATH (a speech-encoder model with its JSON contract beside it) or npy:PATH (precomputed [T,16,29] features).`);
}

export function encoderSpecKind(spec: EncoderSpec | undefined): 'builtin' | 'onnx' | 'npy' {
  if (spec === undefined || spec === 'builtin') return 'builtin';
  return spec.kind;
}

export function describeEncoderSpec(spec: EncoderSpec | undefined): string {
  if (spec === undefined || spec === 'builtin' || spec.kind === 'builtin') return 'builtin';
  return `${spec.kind}:${path.basename(spec.path)}`;
}
