import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startStudio, screenshot, publishScreenshot, skipNoChromium, ARTIFACTS, type Studio } from './harness';
import { openProjectFromStart } from './editing-steps';
import { decodePng, encodePng } from '../../src/engine/io/png';
import { ffmpegPath, runProcess } from '../../src/engine/media/ffmpeg';
import { hasSharedData, sharedData } from '../helpers/repo';

/**
 * Issue 11, "blinks that show": in the studio's 3D preview the persona's eyes close where
 * the blink lane is high, in the Textured, Shaded and Blink views. A person builds the
 * persona from the AOC clip, generates the motion, double-clicks the blink lane to add a
 * blink, clicks the ruler at its middle, and looks at the eyes; undo takes the blink away
 * at the same frame, so the two pictures differ by the blink alone.
 */
type Shot = { width: number; height: number; lum: Float32Array; rgb: Uint8Array };

async function canvasShot(page: Page): Promise<Shot> {
  await page.waitForTimeout(400);
  const png = decodePng(new Uint8Array(await page.locator('.viewport__stage canvas').screenshot()));
  const lum = new Float32Array(png.width * png.height);
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < lum.length; i++) {
    const o = i * png.channels;
    lum[i] = (png.data[o] + png.data[o + 1] + png.data[o + 2]) / 3;
    rgb.set(png.data.subarray(o, o + 3), i * 3);
  }
  return { width: png.width, height: png.height, lum, rgb };
}

/** Where the two pictures differ (the eyes, if only the blink changed), and the eyes' contrast in each. */
function compare(closed: Shot, open: Shot) {
  const { width: W, height: H } = open;
  let changed = 0, x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (Math.abs(closed.lum[y * W + x] - open.lum[y * W + x]) <= 20) continue;
      changed++;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
  }
  // Contrast in the changed region: spread (p90 - p10) of luminance and its darkest tenth.
  const stats = (s: Shot) => {
    const v: number[] = [];
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) v.push(s.lum[y * W + x]);
    v.sort((a, b) => a - b);
    const at = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))] ?? 0;
    return { spread: at(0.9) - at(0.1), dark: at(0.1), mean: v.reduce((a, b) => a + b, 0) / Math.max(1, v.length) };
  };
  return { changed, box: { x0, y0, x1, y1, w: x1 - x0 + 1, h: y1 - y0 + 1 }, closed: stats(closed), open: stats(open), canvas: { W, H } };
}

async function playheadFrame(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { __facialEditor: { editor: { getState(): { playhead: number } } } }).__facialEditor.editor.getState().playhead);
}

/** The eye band of each pair (open | closed), one row per view: docs/images/blink-preview.png. */
function eyeStrip(pairs: { open: Shot; closed: Shot; box: { x0: number; y0: number; w: number; h: number } }[]): string {
  const pad = 12;
  const w = Math.max(...pairs.map((p) => p.box.w)) + 2 * pad, h = Math.max(...pairs.map((p) => p.box.h)) + 2 * pad;
  const W = 2 * w, H = h * pairs.length;
  const data = new Uint8Array(W * H * 3);
  pairs.forEach((p, r) => [p.open, p.closed].forEach((s, c) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = Math.min(s.width - 1, Math.max(0, p.box.x0 - pad + x)), sy = Math.min(s.height - 1, Math.max(0, p.box.y0 - pad + y));
        data.set(s.rgb.subarray((sy * s.width + sx) * 3, (sy * s.width + sx) * 3 + 3), ((r * h + y) * W + c * w + x) * 3);
      }
    }
  }));
  const file = path.join(ARTIFACTS, 'blink-preview.png');
  writeFileSync(file, encodePng({ width: W, height: H, channels: 3, data }));
  return file;
}

const realSkip = skipNoChromium || (!hasSharedData ? '../shared/data is absent' : '');
describe.skipIf(Boolean(realSkip))(`blinks in the 3D preview${realSkip ? ` (skipped: ${realSkip})` : ''}`, () => {
  let studio: Studio;
  let page: Page;

  beforeAll(async () => {
    studio = await startStudio();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'facial-e2e-blink-'));
    const voice = path.join(tmp, 'obama2-4s.wav');
    const cut = await runProcess(ffmpegPath(), ['-v', 'error', '-y', '-i', path.join(sharedData, 'obama2.wav'), '-t', '4', voice], { timeoutMs: 60_000 });
    if (cut.code !== 0) throw new Error(cut.stderr);
    const projectDir = (await studio.host.call('project.create', { dir: path.join(studio.projectsDir, 'Blinks'), name: 'Blinks' })).dir;
    await studio.host.call('media.import', { projectDir, path: path.join(sharedData, 'aoc_hdtf_8s.mp4'), role: 'reference' });
    const v = await studio.host.call('media.import', { projectDir, path: voice, role: 'voiceover' });
    await studio.host.call('project.update', { dir: projectDir, patch: { activeVoiceoverId: v.media.id } });
    page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'Blinks');
    await page.getByTestId('persona-build').click();
    await page.locator('[data-testid="job"][data-job-kind="persona.build"][data-job-state="done"]').waitFor({ timeout: 280_000 });
    await page.getByTestId('generate-curves').click();
    await page.locator('[data-testid="job"][data-job-kind="curves.generate"][data-job-state="done"]').waitFor({ timeout: 280_000 });
    await page.getByTestId('lane-yaw').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="viewport-3d"][data-state="persona"]').waitFor({ timeout: 30_000 });
  }, 600_000);
  afterAll(async () => {
    await studio?.close();
  });

  it('a blink set on the blink lane closes the persona\'s eyes at the playhead, in the Textured, Shaded and Blink views', async () => {
    // Add a full blink on a stretch without generated ones: double-click the blink lane.
    await page.getByTestId('lane-blink').scrollIntoViewIfNeeded();
    const lane = (await page.getByTestId('lane-blink').locator('.tl-track').boundingBox())!;
    const tl = page.getByTestId('timeline');
    const viewStart = Number(await tl.getAttribute('data-view-start'));
    const fpp = Number(await tl.getAttribute('data-frames-per-px'));
    const frames = Number(await tl.getAttribute('data-frame-count'));
    const starts = await page.getByTestId('blink-event').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-start'))));
    let free = 20;
    while (starts.some((s) => Math.abs(s - free) < 16) && free < frames - 20) free += 4;
    await page.mouse.dblclick(lane.x + (free + 2 - viewStart) / fpp, lane.y + lane.height / 2);
    const blink = page.locator('[data-testid="blink-event"].is-selected');
    await blink.waitFor();
    const middle = Number(await blink.getAttribute('data-start')) + Math.floor(Number(await blink.getAttribute('data-duration')) / 2);
    // Move the playhead there: click the ruler at that frame.
    const ruler = (await page.getByTestId('ruler').boundingBox())!;
    await page.mouse.click(ruler.x + (middle + 0.2 - viewStart) / fpp, ruler.y + ruler.height / 2);
    await expect.poll(() => playheadFrame(page)).toBe(middle);

    const pairs: Parameters<typeof eyeStrip>[0] = [];
    for (const mode of ['textured', 'shaded', 'eyes'] as const) {
      await page.getByTestId(`preview-mode-${mode}`).click();
      expect(await page.getByTestId('viewport-3d').getAttribute('data-preview-mode')).toBe(mode);
      const closed = await canvasShot(page);
      if (mode === 'textured') await screenshot(page, 'blink-preview-closed');
      await page.getByTestId('undo').click(); // the blink goes; the playhead stays
      await expect.poll(() => page.getByTestId('blink-event').count()).toBe(starts.length);
      const open = await canvasShot(page);
      await page.getByTestId('redo').click();
      await expect.poll(() => page.getByTestId('blink-event').count()).toBe(starts.length + 1);
      expect(await playheadFrame(page)).toBe(middle);

      const c = compare(closed, open);
      console.log(`${mode}: ${c.changed} px changed in a ${c.box.w}x${c.box.h} box of the ${c.canvas.W}x${c.canvas.H} canvas; eyes' spread open ${c.open.spread.toFixed(0)} -> closed ${c.closed.spread.toFixed(0)}, darkest tenth ${c.open.dark.toFixed(0)} -> ${c.closed.dark.toFixed(0)}`);
      // The eyes change, visibly...
      expect(c.changed).toBeGreaterThan(40);
      // ...and nothing else: the change is a band across the eyes, not the whole face.
      expect(c.box.h).toBeLessThan(0.25 * c.canvas.H);
      expect(c.box.w).toBeLessThan(0.6 * c.canvas.W);
      // Closed eyes: less contrast (no dark iris against the white, no dark opening), the dark gone.
      expect(c.closed.spread).toBeLessThan(0.9 * c.open.spread);
      expect(c.closed.dark).toBeGreaterThan(c.open.dark + 5);
      pairs.push({ open, closed, box: c.box });
      if (mode === 'eyes') {
        // The blink view still lights the eyes as much as the blink closes them (first-use item 4).
        const orange = (sh: Shot) => {
          let n = 0;
          for (let i = 0; i < sh.width * sh.height; i++) if (sh.rgb[i * 3] > 180 && sh.rgb[i * 3] - sh.rgb[i * 3 + 2] > 90) n++;
          return n;
        };
        console.log(`blink view: ${orange(closed)} lit pixels closed, ${orange(open)} open`);
        expect(orange(closed)).toBeGreaterThan(Math.max(40, 2 * orange(open)));
      }
    }
    publishScreenshot(eyeStrip(pairs), 'blink-preview.png');
    await page.getByTestId('preview-mode-textured').click();
  });
});
