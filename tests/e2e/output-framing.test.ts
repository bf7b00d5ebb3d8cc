import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudio, screenshot, publishScreenshot, skipNoChromium, type Studio } from './harness';
import { openProjectFromStart } from './editing-steps';
import { hasSharedData } from '../helpers/repo';
import { aocProject } from '../helpers/aoc-project';
import { decodePng } from '../../src/engine/io/png';

/**
 * Issue 11, "see the real output before exporting" with "output framing like the
 * source": a person chooses in the export dialog a size of another shape than the
 * footage (HD 16:9 from the square AOC clip) and fit or fill, closes the dialog, and the
 * Output view shows the exported frame framed that way: black bars left and right with
 * fit, the face-centred crop with fill, and on request the whole frame with the crop
 * outlined.
 */

/** Mean brightness of the left and right tenth of the Output view's framed picture, and of its middle. */
async function sides(page: Page): Promise<{ left: number; middle: number; right: number }> {
  const png = decodePng(new Uint8Array(await page.getByTestId('output-framed').screenshot()));
  const band = (x0: number, x1: number) => {
    let sum = 0, n = 0;
    for (let y = 0; y < png.height; y++)
      for (let x = Math.floor(x0 * png.width); x < Math.floor(x1 * png.width); x++) {
        const i = (y * png.width + x) * png.channels;
        sum += (png.data[i] + png.data[i + 1] + png.data[i + 2]) / 3;
        n++;
      }
    return sum / Math.max(1, n);
  };
  return { left: band(0.01, 0.1), middle: band(0.45, 0.55), right: band(0.9, 0.99) };
}

async function box(page: Page, testId: string): Promise<{ x: number; y: number; width: number; height: number }> {
  return (await page.getByTestId(testId).boundingBox())!;
}

/** Opens the export dialog, chooses HD 1280 × 720 and `framing` as a person does, and closes it. */
async function chooseInExportDialog(page: Page, framing: 'fit' | 'fill'): Promise<void> {
  await page.getByTestId('export-open').click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.locator('input[name="preset"][value="720p"]').check();
  await dialog.getByTestId(`framing-${framing}`).click();
  expect(await dialog.locator(`input[name="framing"][value="${framing}"]`).isChecked()).toBe(true);
  await dialog.getByTestId('export-close').click();
  await dialog.waitFor({ state: 'detached' });
}

const realSkip = skipNoChromium || (!hasSharedData ? '../shared/data is absent' : '');
describe.skipIf(Boolean(realSkip))(`the Output view frames the picture as the export will${realSkip ? ` (skipped: ${realSkip})` : ''}`, () => {
  let studio: Studio;
  let page: Page;

  beforeAll(async () => {
    studio = await startStudio();
    await aocProject(studio.host, studio.projectsDir, 'Framing');
    page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'Framing');
    await page.getByTestId('lane-yaw').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="viewport-3d"][data-state="persona"]').waitFor({ timeout: 60_000 });
  }, 600_000);
  afterAll(async () => {
    await studio?.close();
  });

  it('by default the Output view shows the footage\'s own framing, and says so', async () => {
    await page.getByTestId('preview-view-output').click();
    await page.locator('[data-testid="output-view"][data-phase="ready"] [data-testid="output-frame"]').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('output-framing').textContent()).toBe("Export framing: same as the footage, 512 × 512, the source's own framing");
    const framed = await box(page, 'output-framed');
    expect(Math.abs(framed.width / framed.height - 1)).toBeLessThan(0.02);
    expect(await page.getByTestId('output-whole-frame').count()).toBe(0);
  }, 300_000);

  it('HD 16:9 with fit, chosen in the export dialog: the whole square picture between black bars left and right', async () => {
    await chooseInExportDialog(page, 'fit');
    await page.getByTestId('preview-view-output').click();
    await page.locator('[data-testid="output-view"][data-phase="ready"] [data-testid="output-framed"][data-framing="fit"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('output-framing').textContent()).toBe('Export framing: HD 1280 × 720, fit (the whole picture, black bars left and right)');
    const framed = await box(page, 'output-framed');
    const img = await box(page, 'output-frame');
    expect(Math.abs(framed.width / framed.height - 16 / 9)).toBeLessThan(0.02);
    // The whole frame: the image as tall as the output, a square in its middle.
    expect(Math.abs(img.height - framed.height)).toBeLessThan(2);
    expect(Math.abs(img.width / img.height - 1)).toBeLessThan(0.02);
    expect(Math.abs(img.x + img.width / 2 - (framed.x + framed.width / 2))).toBeLessThan(2);
    const lum = await sides(page);
    expect(lum.left).toBeLessThan(3);
    expect(lum.right).toBeLessThan(3);
    expect(lum.middle).toBeGreaterThan(20);
    await screenshot(page, 'output-framing-fit');
  });

  it('the dialog opens again with that choice; fill shows the 16:9 crop around the face, without bars, and the whole frame with the crop outlined', async () => {
    await page.getByTestId('export-open').click();
    const dialog = page.getByTestId('export-dialog');
    expect(await dialog.locator('input[name="preset"][value="720p"]').isChecked()).toBe(true);
    expect(await dialog.locator('input[name="framing"][value="fit"]').isChecked()).toBe(true);
    await dialog.getByTestId('export-close').click();
    await chooseInExportDialog(page, 'fill');
    await page.locator('[data-testid="output-view"][data-phase="ready"] [data-testid="output-framed"][data-framing="fill"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('output-framing').textContent()).toBe('Export framing: HD 1280 × 720, fill (cropped to 16:9 around the face; your footage is 1:1)');
    const framed = await box(page, 'output-framed');
    const img = await box(page, 'output-frame');
    expect(Math.abs(framed.width / framed.height - 16 / 9)).toBeLessThan(0.02);
    // The square image spans the output's width and overflows above and below: only the crop is seen.
    expect(Math.abs(img.width - framed.width)).toBeLessThan(2);
    expect(img.height).toBeGreaterThan(framed.height * 1.7);
    const lum = await sides(page);
    expect(lum.left).toBeGreaterThan(10);
    expect(lum.right).toBeGreaterThan(10);
    publishScreenshot(await screenshot(page, 'output-framing-fill'), 'output-framing.png');

    await page.getByTestId('output-whole-frame').click();
    await page.getByTestId('output-crop-outline').waitFor();
    const whole = await box(page, 'output-framed');
    const outline = await box(page, 'output-crop-outline');
    expect(Math.abs(whole.width / whole.height - 1)).toBeLessThan(0.02);
    expect(Math.abs(outline.width / outline.height - 16 / 9)).toBeLessThan(0.03);
    expect(Math.abs(outline.width - whole.width)).toBeLessThan(2);
    expect(await page.getByTestId('output-framing').textContent()).toMatch(/fill \(cropped to 16:9 around the face.*whole footage shown, the export’s crop outlined$/);
    await screenshot(page, 'output-framing-whole');
    await page.getByTestId('output-whole-frame').click();
    await page.getByTestId('output-crop-outline').waitFor({ state: 'detached' });

    // Beside the 3D face (3D + Output) the output keeps its shape in the narrower box.
    await page.getByTestId('preview-view-both').click();
    await page.locator('[data-testid="output-view"][data-phase="ready"] [data-testid="output-framed"][data-framing="fill"]').waitFor();
    const beside = await box(page, 'output-framed');
    expect(beside.width).toBeGreaterThan(150);
    expect(Math.abs(beside.width / beside.height - 16 / 9)).toBeLessThan(0.02);
    await screenshot(page, 'output-framing-both');
    await page.getByTestId('preview-view-3d').click();
  });
});
