import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudio, screenshot, publishScreenshot, skipNoChromium, type Studio } from './harness';
import { openProjectFromStart } from './editing-steps';
import { hasSharedData } from '../helpers/repo';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { aocProject, type AocProject } from '../helpers/aoc-project';
import { trainRenderer } from '../../src/engine/render/train-renderer';
import { decodePng } from '../../src/engine/io/png';

/**
 * Issue 11, "see the real output before exporting": in the editor a person switches the
 * preview to Output and sees the frame the export will have at the playhead, made from
 * the persona's own footage; it follows the playhead when it stops, shows a blink set at
 * the playhead, and "Play 2 s" plays the output around it. The project holds the cached
 * AOC persona and the prior's curves (what Build the persona and Generate motion make).
 */
type Shot = { width: number; height: number; lum: Float32Array };

async function outputShot(page: Page): Promise<Shot> {
  const png = decodePng(new Uint8Array(await page.getByTestId('output-frame').screenshot()));
  const lum = new Float32Array(png.width * png.height);
  for (let i = 0; i < lum.length; i++) lum[i] = (png.data[i * png.channels] + png.data[i * png.channels + 1] + png.data[i * png.channels + 2]) / 3;
  return { width: png.width, height: png.height, lum };
}

function spread(s: Shot): number {
  const v = Array.from(s.lum).sort((a, b) => a - b);
  return v[Math.floor(0.95 * v.length)] - v[Math.floor(0.05 * v.length)];
}

function changedPixels(a: Shot, b: Shot): number {
  let n = 0;
  for (let i = 0; i < Math.min(a.lum.length, b.lum.length); i++) if (Math.abs(a.lum[i] - b.lum[i]) > 20) n++;
  return n;
}

async function editorState(page: Page): Promise<{ playhead: number; rate: number }> {
  return page.evaluate(() => {
    const s = (globalThis as unknown as { __facialEditor: { editor: { getState(): { playhead: number; rate: number } } } }).__facialEditor.editor.getState();
    return { playhead: s.playhead, rate: s.rate };
  });
}

/** Waits until the Output view shows the frame of the playhead, ready. */
async function outputAt(page: Page, frame: number): Promise<void> {
  await page.locator(`[data-testid="output-view"][data-phase="ready"] [data-testid="output-frame"][data-frame="${frame}"]`).waitFor({ timeout: 240_000 });
}

const realSkip = skipNoChromium || (!hasSharedData ? '../shared/data is absent' : '');
describe.skipIf(Boolean(realSkip))(`the output preview in the editor${realSkip ? ` (skipped: ${realSkip})` : ''}`, () => {
  let studio: Studio;
  let page: Page;
  let take: AocProject;

  beforeAll(async () => {
    studio = await startStudio();
    take = await aocProject(studio.host, studio.projectsDir, 'Output');
    page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'Output');
    await page.getByTestId('lane-yaw').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="viewport-3d"][data-state="persona"]').waitFor({ timeout: 60_000 });
  }, 600_000);
  afterAll(async () => {
    await studio?.close();
  });

  it('the Output view shows the exported frame at the playhead: the footage\'s aspect, not blank, following the playhead', async () => {
    // Move the playhead to 2 s (frame 50 at 25 fps): click the ruler there.
    const tl = page.getByTestId('timeline');
    const viewStart = Number(await tl.getAttribute('data-view-start'));
    const fpp = Number(await tl.getAttribute('data-frames-per-px'));
    const ruler = (await page.getByTestId('ruler').boundingBox())!;
    await page.mouse.click(ruler.x + (50.2 - viewStart) / fpp, ruler.y + ruler.height / 2);
    await expect.poll(async () => (await editorState(page)).playhead).toBe(50);

    await page.getByTestId('preview-view-output').click();
    expect(await page.getByTestId('viewport-3d').getAttribute('data-view')).toBe('output');
    // A fresh take is prepared first, with its progress said (or already done on a fast machine).
    await page.locator('[data-testid="output-view"]').waitFor();
    await outputAt(page, 50);
    const img = page.getByTestId('output-frame');
    expect(await img.getAttribute('data-synthesis')).toBe('retrieval');
    const natural = await img.evaluate((el) => [(el as unknown as { naturalWidth: number }).naturalWidth, (el as unknown as { naturalHeight: number }).naturalHeight]);
    expect(natural).toEqual([512, 512]);
    const box = (await img.boundingBox())!;
    expect(Math.abs(box.width / box.height - 1)).toBeLessThan(0.02);
    const atFifty = await outputShot(page);
    expect(spread(atFifty)).toBeGreaterThan(60);
    expect(await page.getByTestId('output-status').textContent()).toMatch(/Output · frame 50 · from your footage/);
    await screenshot(page, 'output-preview');
    publishScreenshot(await screenshot(page, 'output-preview'), 'output-preview.png');

    // Step 12 frames on: the output follows once the playhead stops.
    for (let k = 0; k < 12; k++) await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await editorState(page)).playhead).toBe(62);
    await outputAt(page, 62);
    expect(changedPixels(atFifty, await outputShot(page))).toBeGreaterThan(200);
  });

  it('a blink set at the playhead shows in the output frame; undo brings the open eyes back', async () => {
    const { playhead } = await editorState(page);
    const before = await outputShot(page);
    const blinks = await page.getByTestId('blink-event').count();
    // Double-click the blink lane at the playhead: a blink centred there.
    await page.getByTestId('lane-blink').scrollIntoViewIfNeeded();
    const lane = (await page.getByTestId('lane-blink').locator('.tl-track').boundingBox())!;
    const tl = page.getByTestId('timeline');
    const viewStart = Number(await tl.getAttribute('data-view-start'));
    const fpp = Number(await tl.getAttribute('data-frames-per-px'));
    await page.mouse.dblclick(lane.x + (playhead - 2 - viewStart) / fpp, lane.y + lane.height / 2);
    await expect.poll(() => page.getByTestId('blink-event').count()).toBe(blinks + 1);
    const blink = page.locator('[data-testid="blink-event"].is-selected');
    const start = Number(await blink.getAttribute('data-start')), duration = Number(await blink.getAttribute('data-duration'));
    const middle = start + Math.floor(duration / 2);
    if (middle !== playhead) {
      const ruler = (await page.getByTestId('ruler').boundingBox())!;
      await page.mouse.click(ruler.x + (middle + 0.2 - viewStart) / fpp, ruler.y + ruler.height / 2);
      await expect.poll(async () => (await editorState(page)).playhead).toBe(middle);
    }
    // The new version of the take is prepared again, then shows the blink.
    await page.locator('[data-testid="output-view"][data-phase="ready"]').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    await outputAt(page, middle);
    const closed = await outputShot(page);
    await page.getByTestId('undo').click();
    await expect.poll(() => page.getByTestId('blink-event').count()).toBe(blinks);
    await page.locator('[data-testid="output-view"][data-phase="ready"]').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    await outputAt(page, middle);
    const open = await outputShot(page);
    const changed = changedPixels(closed, open);
    console.log(`blink at frame ${middle}: ${changed} px differ between the output with and without it (${before.width}x${before.height} image)`);
    expect(changed).toBeGreaterThan(40);
  });

  it('"Play 2 s" makes the output around the playhead and plays it', async () => {
    await page.getByTestId('output-play-range').click();
    await page.locator('[data-testid="output-view"][data-range="playing"]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('output-status').textContent()).toMatch(/Playing 50 frames of the output/);
    const first = await page.getByTestId('output-frame').getAttribute('src');
    await expect.poll(() => page.getByTestId('output-frame').getAttribute('src'), { timeout: 5_000 }).not.toBe(first);
    await page.locator('[data-testid="output-view"][data-range="idle"]').waitFor({ timeout: 15_000 });
    // Back to the frame at the playhead, and the 3D view as before.
    await page.getByTestId('preview-view-3d').click();
    expect(await page.getByTestId('viewport-3d').getAttribute('data-view')).toBe('3d');
  });

  it('"Re-voice the clip" makes a take of the clip\'s own motion, and the Output view shows it', async () => {
    await page.getByTestId('revoice-clip').click();
    await page.locator('[data-testid="job"][data-job-kind="curves.generate"][data-job-state="done"]').waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('motion-source').textContent(), { timeout: 30_000 }).toMatch(/^Re-voiced clip: its own head motion and blinks/);
    await page.getByTestId('preview-view-both').click();
    expect(await page.getByTestId('viewport-3d').getAttribute('data-view')).toBe('both');
    const { playhead } = await editorState(page);
    await outputAt(page, playhead);
    expect(spread(await outputShot(page))).toBeGreaterThan(60);
    await screenshot(page, 'output-preview-both');
    await page.getByTestId('preview-view-3d').click();
  });

  it('with a trained renderer the export dialog asks how the video is made, and the export does as chosen', async () => {
    // A real (tiny) renderer: two training steps are enough to make it a choice.
    const project = JSON.parse(readFileSync(path.join(take.projectDir, 'project.json'), 'utf8')) as { personas: { path: string }[] };
    await trainRenderer(path.join(take.projectDir, project.personas[0].path), { steps: 2 });
    await page.getByTestId('export-open').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.getByTestId('synthesis-auto').waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('synthesis-retrieval').textContent()).toBe('From your footage (sharp)');
    expect(await dialog.getByTestId('synthesis-renderer').textContent()).toBe('Trained renderer');
    expect(await dialog.getByTestId('synthesis-auto').textContent()).toBe('Automatic: whichever measured better');
    expect(await dialog.locator('input[name="synthesis"][value="auto"]').isChecked()).toBe(true);
    await dialog.getByTestId('synthesis-renderer').click();
    await expect.poll(() => page.getByTestId('export-quality').getAttribute('data-level')).not.toBe('footage');
    await page.getByTestId('export-start').click();
    await page.locator('[data-testid="export-job"][data-job-state="done"]').waitFor({ timeout: 400_000 });
    const job = studio.host.jobs.list().find((j) => j.kind === 'render.export' && j.state === 'done');
    expect((job?.result as { synthesis?: string } | undefined)?.synthesis).toBe('renderer');
    await page.getByTestId('export-close').click();
    // The Output view offers the same choice: the trained renderer's frame at the playhead.
    await page.getByTestId('preview-view-output').click();
    await page.getByTestId('output-synthesis').selectOption('renderer');
    await page.locator('[data-testid="output-view"][data-phase="ready"] [data-testid="output-frame"][data-synthesis="renderer"]').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('output-status').textContent()).toMatch(/trained renderer/);
    await page.getByTestId('output-synthesis').selectOption('retrieval');
    await page.locator('[data-testid="output-view"][data-phase="ready"] [data-testid="output-frame"][data-synthesis="retrieval"]').waitFor({ timeout: 240_000 });
  }, 600_000);
});
