import type { QualityStatus } from '../../shared/render-quality';

/**
 * Thresholds that turn a figure into a verdict in plain words. They follow the
 * "done when" figures of issues 11 and 12 (face >= 0.8x and mouth >= 0.7x the real
 * footage's sharpness, every blink seen and none extra, mouth r >= 0.8, lip-audio r
 * 0.3-0.7 with real people at 0.2-0.45) and, where the issues say nothing, what the
 * real footage scores against itself (docs/quality.md).
 */
export const THRESHOLDS = {
  /** Fraction of frames with the face tracked. */
  faceFound: { good: 0.98, fair: 0.9 },
  /** Sharpness of the video over the real footage's. */
  faceSharpness: { good: 0.8, fair: 0.5 },
  mouthSharpness: { good: 0.7, fair: 0.4 },
  /** Above this the video is much sharper than the footage: noise or over-sharpening. */
  oversharp: 2.0,
  /** Seam: edge energy across the region's boundary over the real footage's (worst ring). */
  seam: { good: 1.25, fair: 1.6 },
  /** Seam: how many times more the detail changes across the boundary than in the real footage (worst ring). */
  seamDetail: { good: 1.5, fair: 2.0 },
  /** Mouth opening in the video vs the curves, r at lag 0. */
  mouth: { good: 0.8, fair: 0.5 },
  /** Head rotation: mean absolute error (degrees) and r (when the curves move more than `moving` degrees, std). */
  pose: { goodMaeDeg: 2, fairMaeDeg: 5, goodR: 0.7, fairR: 0.4, movingStdDeg: 1 },
  /** Flicker over the real footage's. */
  flicker: { good: 1.3, fair: 2.0 },
  /** Lip-audio r (best lag within +-5 frames): real people 0.2-0.45. */
  lipAudio: { low: 0.2, fairLow: 0.1, high: 0.7 },
  /** Fraction of pauses (>= 0.3 s) in which the mouth closes. */
  silenceClosure: { good: 0.7, fair: 0.4 },
} as const;

export function higherIsBetter(x: number, t: { good: number; fair: number }): QualityStatus {
  return x >= t.good ? 'good' : x >= t.fair ? 'fair' : 'poor';
}

export function lowerIsBetter(x: number, t: { good: number; fair: number }): QualityStatus {
  return x <= t.good ? 'good' : x <= t.fair ? 'fair' : 'poor';
}

const RANK: Record<QualityStatus, number> = { good: 0, unmeasured: 0, fair: 1, poor: 2 };

export function worst(statuses: QualityStatus[]): QualityStatus {
  const measured = statuses.filter((s) => s !== 'unmeasured');
  if (measured.length === 0) return 'unmeasured';
  return measured.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
}

export function sharpnessLabel(ratio: number, t: { good: number; fair: number }): { status: QualityStatus; label: string } {
  if (ratio > THRESHOLDS.oversharp) return { status: 'fair', label: 'sharper than the footage (noise or over-sharpening)' };
  const status = higherIsBetter(ratio, t);
  return { status, label: status === 'good' ? 'sharp' : status === 'fair' ? 'soft' : 'blurry' };
}

/** "0.21x" */
export function times(x: number): string {
  return `${x.toFixed(2)}x`;
}

export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}
