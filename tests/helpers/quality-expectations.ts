import { expect } from 'vitest';
import type { RenderQualityReport } from '../../src/shared/render-quality';

/** Issue 11's bars every photoreal export meets: face and mouth as sharp as the footage (0.8x, 0.7x), every blink of the curves seen and no other. */
export function expectSharpWithEveryBlink(q: Pick<RenderQualityReport, 'faceSharpness' | 'mouthSharpness' | 'blinks'>): void {
  expect(q.faceSharpness.ratio).toBeGreaterThanOrEqual(0.8);
  expect(q.mouthSharpness.ratio).toBeGreaterThanOrEqual(0.7);
  expect(q.blinks.curves).toBeGreaterThan(0);
  expect(q.blinks.seen).toBe(q.blinks.curves);
  expect(q.blinks.extra).toBe(0);
}
