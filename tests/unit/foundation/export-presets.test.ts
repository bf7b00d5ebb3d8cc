import { describe, it, expect } from 'vitest';
import { JobRequest } from '../../../src/shared/contract';
import { PRESETS, EXPORT_FPS, referenceFrameFor } from '../../../src/engine/common/export-timing';
import * as timing from '../../../src/engine/export/timing';

/** One preset table: the export engine, the export dialog and the contract agree. */
describe('export presets', () => {
  it('the engine re-exports the shared table and mapping', () => {
    expect(timing.PRESETS).toBe(PRESETS);
    expect(timing.referenceFrameFor).toBe(referenceFrameFor);
  });

  it('the contract accepts exactly the presets and frame rates of the table', () => {
    const req = { kind: 'render.export', projectDir: '/p', personaId: 'a', mediaId: 'm' };
    for (const preset of Object.keys(PRESETS)) for (const fps of EXPORT_FPS) expect(JobRequest.safeParse({ ...req, preset, fps }).success).toBe(true);
    expect(JobRequest.safeParse({ ...req, preset: '4k' }).success).toBe(false);
    expect(JobRequest.safeParse({ ...req, fps: 24 }).success).toBe(false);
  });

  it('maps curve frames to reference frames ping-pong (as the preview shows them)', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => referenceFrameFor(i, 25, 25, 4))).toEqual([0, 1, 2, 3, 2, 1, 0]);
    expect(referenceFrameFor(10, 25, 50, 100)).toBe(20);
  });
});
