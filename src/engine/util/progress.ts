/**
 * Progress of a long operation. Engine functions take an optional `onProgress`
 * and an optional AbortSignal; the job runner turns these into API events and the
 * CLI into a progress bar.
 */
export interface Progress {
  /** Short name of the current stage, e.g. "decode", "track", "fit", "train". */
  stage: string;
  /** 0..1 over the whole operation (not just the stage). */
  fraction: number;
  /** Optional human text, e.g. "frame 120/201". */
  message?: string;
  /** Optional structured data for the UI (loss curves, preview image paths). */
  data?: Record<string, unknown>;
}

export type ProgressFn = (p: Progress) => void;

export interface RunOptions {
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Maps a sub-operation's 0..1 progress into a slice [from, to] of a parent's range,
 * so a pipeline of stages reports one monotone fraction.
 */
export function subProgress(parent: ProgressFn | undefined, from: number, to: number, stage?: string): ProgressFn | undefined {
  if (!parent) return undefined;
  return (p) => parent({ ...p, stage: stage ?? p.stage, fraction: from + (to - from) * clamp01(p.fraction) });
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0;
}

/** Estimates time remaining from the observed rate since start. */
export class EtaEstimator {
  private readonly start = Date.now();
  private lastFraction = 0;

  update(fraction: number): number | undefined {
    this.lastFraction = clamp01(fraction);
    const elapsed = (Date.now() - this.start) / 1000;
    if (this.lastFraction <= 0.001 || elapsed < 0.5) return undefined;
    return (elapsed * (1 - this.lastFraction)) / this.lastFraction;
  }
}
