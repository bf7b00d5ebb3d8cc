import { describe, it, expect, afterAll } from 'vitest';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDemo } from '../../src/engine/demo/run-demo';
import { probeMedia } from '../../src/engine/media/ffmpeg';

/**
 * `npm run demo` in small: the built-in sample input (synthetic talking head and
 * speech-like voice-over, no downloads, nothing from ../shared) through the whole
 * chain to an MP4.
 */
describe('demo on the built-in sample input', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'facial-demo-it-'));
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('tracks the synthetic face, trains briefly and writes an MP4 as long as the voice-over', async () => {
    const r = await runDemo({ out: root, videoSeconds: 6, audioSeconds: 4, steps: 12 });
    expect(r.inputs.synthetic).toBe(true);
    expect(r.persona.trackedPct).toBeGreaterThan(95);
    expect(r.persona.frameCount).toBe(150);
    expect(r.export.kind).toBe('photoreal');
    expect(r.mp4).toBe(path.join(root, 'demo.mp4'));
    const info = await probeMedia(r.mp4);
    expect(info.video?.codec).toBe('h264');
    expect(info.audio).toBeDefined();
    expect(Math.abs(info.durationS - 4)).toBeLessThanOrEqual(1 / 25);
  });
});
