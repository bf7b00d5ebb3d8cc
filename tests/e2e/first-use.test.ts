import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startStudio, screenshot, publishScreenshot, createProjectViaUi, skipNoChromium, type Studio } from './harness';
import { writeSpeechLikeWav, syntheticCurves, toCurveDocumentFile } from './fixtures';
import { openProjectFromStart, waitSaved } from './editing-steps';
import { decodePng } from '../../src/engine/io/png';
import { ffmpegPath, ffprobePath, runProcess } from '../../src/engine/media/ffmpeg';
import { hasSharedData, sharedData } from '../helpers/repo';

/**
 * Issue 14, "first use without a stumble": each item as a person meets it, in browser
 * mode in Chromium, clicking what they click. Test names start with the item number.
 * The first suites need no engine but ffmpeg; the last builds a persona from the real
 * AOC clip (../shared/data) and exports from it.
 */

/** Visible inside the window and not covered by anything else: what a click there reaches. */
async function reachable(page: Page, loc: Locator): Promise<boolean> {
  const box = await loc.boundingBox();
  const vp = page.viewportSize()!;
  if (!box || box.width < 2 || box.height < 2) return false;
  if (box.x < 0 || box.y < 0 || box.x + box.width > vp.width || box.y + box.height > vp.height) return false;
  return loc.evaluate((el, p) => {
    const hit = (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): unknown } }).document.elementFromPoint(p.x, p.y) as { closest?: unknown } | null;
    return hit === el || Boolean(hit && (el as unknown as { contains(n: unknown): boolean }).contains(hit));
  }, { x: box.x + box.width / 2, y: box.y + box.height / 2 });
}

/** An 8 s talking-head-sized test video (colour bars and a tone): a reference clip far below the 1-5 minutes asked for. */
async function writeShortVideo(file: string): Promise<void> {
  const r = await runProcess(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000', '-t', '8', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`ffmpeg could not write the test video: ${r.stderr}`);
}

async function timelineLanesInView(page: Page): Promise<number> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): { top: number; bottom: number } } | null; querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { top: number; bottom: number } }> } }).document;
    const box = doc.querySelector('.tl-lanes')!.getBoundingClientRect();
    return Array.from(doc.querySelectorAll('.tl-lanes .tl-lane')).filter((l) => {
      const r = l.getBoundingClientRect();
      return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    }).length;
  });
}

describe.skipIf(Boolean(skipNoChromium))(`first use: media, dialogs and the empty studio${skipNoChromium ? ` (${skipNoChromium})` : ''}`, () => {
  let studio: Studio;
  let mediaDir: string;
  beforeAll(async () => {
    studio = await startStudio();
    mediaDir = mkdtempSync(path.join(os.tmpdir(), 'facial-e2e-first-'));
    await writeShortVideo(path.join(mediaDir, 'interview.mp4'));
    writeSpeechLikeWav(path.join(mediaDir, 'talk.wav'), 9);
  });
  afterAll(async () => {
    await studio?.close();
  });

  for (const [w, h] of [
    [1280, 800],
    [1600, 1000],
  ] as const) {
    it(`1. the import dialog opens over the whole window at ${w}x${h}: Go, Cancel and Import are visible and clickable`, async () => {
      const page = await studio.newPage({ width: w, height: h });
      await page.goto(studio.server.openUrl);
      await page.getByTestId('start-screen').waitFor();
      await createProjectViaUi(page, studio, `Dialog ${w}`);
      await page.getByTestId('import-reference').click();
      const dialog = page.getByTestId('file-dialog');
      await dialog.waitFor();
      // The dialog is not squeezed into the Media column.
      const box = (await dialog.boundingBox())!;
      expect(box.width).toBeGreaterThan(500);
      // The buttons a person sees, by their names.
      for (const name of ['Go', 'Cancel', 'Import']) expect(await reachable(page, dialog.getByRole('button', { name, exact: true })), name).toBe(true);
      await screenshot(page, `first-use-01-file-dialog-${w}x${h}`);
      // Go: to the folder typed; Cancel closes; Import imports.
      await page.getByTestId('file-dialog-path').fill(mediaDir);
      await dialog.getByRole('button', { name: 'Go', exact: true }).click();
      await page.getByTestId('file-entry').filter({ hasText: 'interview.mp4' }).waitFor();
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByTestId('import-reference').click();
      await page.getByTestId('file-dialog-path').fill(mediaDir);
      await dialog.getByRole('button', { name: 'Go', exact: true }).click();
      await page.getByTestId('file-entry').filter({ hasText: 'interview.mp4' }).click();
      await dialog.getByRole('button', { name: 'Import', exact: true }).click();
      await page.locator('[data-testid="media-item"][data-role="reference"]').waitFor();
    });
  }

  it('13. an 8 s reference clip gets a warning that 1-5 minutes are asked for, in the media bin and the persona panel', async () => {
    const page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'Dialog 1600');
    const advice = page.getByTestId('footage-advice');
    await advice.waitFor();
    expect(await advice.textContent()).toMatch(/Only 8 s of footage: 1–5 minutes give a sharper, truer result/);
    expect(await page.getByTestId('persona-footage-advice').textContent()).toMatch(/Only 8 s of footage/);
    expect(await page.locator('[data-testid="media-item"][data-role="reference"] .badge').textContent()).toMatch(/short/i);
    await screenshot(page, 'first-use-13-short-footage');
  });

  it('17. videos show a film icon in the picker and the media bin; the reference clip is no disabled play button', async () => {
    const page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'Dialog 1600');
    await page.getByTestId('import-voiceover').click();
    await page.getByTestId('file-dialog-path').fill(mediaDir);
    await page.getByTestId('file-dialog').getByRole('button', { name: 'Go', exact: true }).click();
    const video = page.getByTestId('file-entry').filter({ hasText: 'interview.mp4' });
    const audio = page.getByTestId('file-entry').filter({ hasText: 'talk.wav' });
    await video.waitFor();
    expect(await video.getAttribute('data-file-kind')).toBe('video');
    expect(await video.locator('svg').getAttribute('data-icon')).toBe('video');
    expect(await audio.locator('svg').getAttribute('data-icon')).toBe('audio');
    await screenshot(page, 'first-use-17-file-icons');
    await page.getByTestId('file-dialog').getByRole('button', { name: 'Cancel', exact: true }).click();
    const ref = page.locator('[data-testid="media-item"][data-role="reference"]');
    expect(await ref.locator('button:disabled').count()).toBe(0);
    expect(await ref.locator('svg').first().getAttribute('data-icon')).toBe('video');
    expect(await ref.textContent()).not.toContain('▶');
  });

  it('6. before a persona exists the train buttons say what to do first, never "no such job"', async () => {
    const page = await studio.newPage({ width: 1600, height: 1000 });
    await page.goto(studio.server.openUrl);
    await page.getByTestId('start-screen').waitFor();
    await createProjectViaUi(page, studio, 'Empty');
    for (const id of ['persona-train', 'renderer-train', 'persona-build']) {
      const title = (await page.getByTestId(id).getAttribute('title')) ?? '';
      expect(title, id).not.toMatch(/no such job/);
      expect(title, id).toMatch(/Import a reference video/);
    }
    expect(await page.getByTestId('persona-next').textContent()).toMatch(/Import a reference video of the person first/);
    // With a reference video, the next step is building the persona.
    await page.getByTestId('import-reference').click();
    await page.getByTestId('file-dialog-path').fill(mediaDir);
    await page.getByTestId('file-dialog').getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByTestId('file-entry').filter({ hasText: 'interview.mp4' }).click();
    await page.getByTestId('file-dialog').getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('[data-testid="media-item"][data-role="reference"]').waitFor();
    await expect.poll(() => page.getByTestId('persona-next').textContent(), { timeout: 15_000 }).toMatch(/build the persona/);
    expect(await page.getByTestId('renderer-train').getAttribute('title')).toBe('Build the persona first: training learns from it.');
    await screenshot(page, 'first-use-06-persona-next-step');
  });

  it('16. importing a voice-over names the waveform job after the file', async () => {
    const page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'Empty');
    await page.getByTestId('import-voiceover').click();
    await page.getByTestId('file-dialog-path').fill(mediaDir);
    await page.getByTestId('file-dialog').getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByTestId('file-entry').filter({ hasText: 'talk.wav' }).click();
    await page.getByTestId('file-dialog').getByRole('button', { name: 'Import', exact: true }).click();
    // The job of this import is named after its file (the reference video's has its own name).
    const job = page.locator('[data-testid="job"][data-job-kind="media.peaks"]').filter({ hasText: 'talk.wav' });
    await job.first().waitFor();
    expect(await job.first().locator('.job__title').textContent()).toBe('Waveform of “talk.wav”');
    const titles = await page.locator('[data-testid="job"][data-job-kind="media.peaks"] .job__title').allTextContents();
    expect(titles).not.toContain('Waveform');
    await screenshot(page, 'first-use-16-job-titles');
  });

  it('18. before curves exist the ruler spans the voice-over in whole seconds', async () => {
    const page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'Empty');
    const tl = page.getByTestId('timeline');
    // Seconds in view: the ruler's width in frames, at the project's 25 fps.
    const seconds = async () => (((await page.getByTestId('ruler').boundingBox())!.width * Number(await tl.getAttribute('data-frames-per-px'))) / 25);
    await expect.poll(seconds, { timeout: 15_000 }).toBeGreaterThanOrEqual(9);
    expect(await seconds()).toBeLessThan(12);
    expect(Number(await page.getByTestId('ruler').getAttribute('data-tick-frames'))).toBeGreaterThanOrEqual(25);
    await screenshot(page, 'first-use-18-empty-timeline');
  });
});

describe.skipIf(Boolean(skipNoChromium))(`first use: editing on the timeline${skipNoChromium ? ` (${skipNoChromium})` : ''}`, () => {
  let studio: Studio;
  let projectDir: string;
  const FRAMES = 300;
  beforeAll(async () => {
    studio = await startStudio();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'facial-e2e-edit-'));
    const wav = path.join(tmp, 'voice-over.wav');
    writeSpeechLikeWav(wav, FRAMES / 25);
    projectDir = (await studio.host.call('project.create', { dir: path.join(studio.projectsDir, 'Editing'), name: 'Editing' })).dir;
    const imp = await studio.host.call('media.import', { projectDir, path: wav, role: 'voiceover' });
    await studio.host.call('project.update', { dir: projectDir, patch: { activeVoiceoverId: imp.media.id } });
    await studio.host.call('curves.save', { projectDir, curvesId: 'take-1', doc: toCurveDocumentFile(syntheticCurves(FRAMES, 25, { mediaId: imp.media.id })) });
  });
  afterAll(async () => {
    await studio?.close();
  });

  async function open(width = 1600, height = 1000): Promise<Page> {
    const page = await studio.newPage({ width, height });
    await openProjectFromStart(page, studio.server.openUrl, 'Editing');
    await page.getByTestId('lane-yaw').waitFor();
    return page;
  }
  const yawKeys = (page: Page) => page.locator('[data-testid="lane-yaw"] [data-testid="keyframe"]');
  const frameOf = async (page: Page) => Number(await page.getByTestId('timecode').getAttribute('data-frame'));

  it('5. K only pauses (it never adds a key); Alt+K adds one; [ and ] jump between keys', async () => {
    const page = await open();
    await page.getByTestId('lane-yaw').locator('.tl-head').click();
    const before = await yawKeys(page).count();
    await page.keyboard.press('k');
    await page.waitForTimeout(200);
    expect(await yawKeys(page).count()).toBe(before);
    // Playing, K pauses.
    await page.keyboard.press('l');
    await expect.poll(() => page.getByTestId('play-toggle').getAttribute('data-playing'), { timeout: 15_000 }).toBe('true');
    await page.keyboard.press('k');
    await expect.poll(() => page.getByTestId('play-toggle').getAttribute('data-playing'), { timeout: 15_000 }).toBe('false');
    expect(await yawKeys(page).count()).toBe(before);
    // Alt+K at two places, then navigate between them.
    await page.keyboard.press('Home');
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Alt+k');
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Alt+k');
    await expect.poll(() => yawKeys(page).count(), { timeout: 15_000 }).toBe(before + 2);
    await page.keyboard.press('Home');
    await page.keyboard.press(']');
    expect(await frameOf(page)).toBe(30);
    await page.keyboard.press(']');
    expect(await frameOf(page)).toBe(70);
    await page.keyboard.press('[');
    expect(await frameOf(page)).toBe(30);
    // The toolbar's keyframe button removes the key under the playhead.
    expect(await page.getByTestId('add-key').textContent()).toMatch(/Remove key/);
    await screenshot(page, 'first-use-05-keyframe-navigation');
    await page.getByTestId('add-key').click();
    await expect.poll(() => yawKeys(page).count(), { timeout: 15_000 }).toBe(before + 1);
    await waitSaved(page);
  });

  it('12. Ctrl+Z works while a checkbox has focus', async () => {
    const page = await open();
    await page.getByTestId('lane-yaw').locator('.tl-head').click();
    await page.keyboard.press('End');
    // Count the keys once the view has moved to the end (a key left there by test 5 comes into view).
    await expect.poll(() => page.getByTestId('timecode').getAttribute('data-frame'), { timeout: 15_000 }).not.toBe('0');
    await page.waitForTimeout(300);
    const before = await yawKeys(page).count();
    await page.keyboard.press('Alt+k');
    await expect.poll(() => yawKeys(page).count(), { timeout: 15_000 }).toBe(before + 1);
    const box = page.getByTestId('advanced-toggle');
    await box.click();
    await box.click();
    expect(await box.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await page.keyboard.press('Control+z');
    await expect.poll(() => yawKeys(page).count(), { timeout: 15_000 }).toBe(before);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => yawKeys(page).count(), { timeout: 15_000 }).toBe(before + 1);
    await waitSaved(page);
  });

  it('8. a range tool acts on the lane it names, and brings that lane into view', async () => {
    const page = await open();
    await page.getByTestId('lane-yaw').locator('.tl-head').click();
    // Scroll the lanes so Head turn is out of sight.
    await page.locator('.tl-lanes').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const lanes = (await page.locator('.tl-lanes').boundingBox())!;
    const yawBox = async () => (await page.getByTestId('lane-yaw').boundingBox())!;
    expect((await yawBox()).y + (await yawBox()).height).toBeLessThanOrEqual(lanes.y + 2);
    // Shift+drag on the ruler selects frames 100-160.
    const ruler = (await page.getByTestId('ruler').boundingBox())!;
    const tl = page.getByTestId('timeline');
    const start = Number(await tl.getAttribute('data-view-start'));
    const fpp = Number(await tl.getAttribute('data-frames-per-px'));
    const xOf = (f: number) => ruler.x + (f - start) / fpp;
    await page.keyboard.down('Shift');
    await page.mouse.move(xOf(100), ruler.y + ruler.height / 2);
    await page.mouse.down();
    await page.mouse.move(xOf(160), ruler.y + ruler.height / 2);
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.getByTestId('inspector-range').waitFor();
    await page.getByTestId('inspector-range').getByRole('button', { name: 'Smooth' }).click();
    // The lane it acted on comes into view.
    await expect.poll(async () => {
      const b = await yawBox();
      return b.y >= lanes.y - 1 && b.y + b.height <= lanes.y + lanes.height + 1;
    }, { timeout: 15_000 }).toBe(true);
    await page.getByTestId('inspector-layer').waitFor();
    expect(await page.getByTestId('inspector-layer').locator('h3').textContent()).toBe('Smoothing on Head turn');
    await screenshot(page, 'first-use-08-range-tool-lane');
    // The range inspector names the lane the tools act on, and lets the user change it.
    await page.getByTestId('undo').click();
    await page.keyboard.down('Shift');
    await page.mouse.move(xOf(100), ruler.y + ruler.height / 2);
    await page.mouse.down();
    await page.mouse.move(xOf(160), ruler.y + ruler.height / 2);
    await page.mouse.up();
    await page.keyboard.up('Shift');
    expect(await page.getByTestId('range-lane').inputValue()).toBe('yaw');
    await page.getByTestId('range-lane').selectOption('pitch');
    expect(await page.getByTestId('inspector-lane').textContent()).toBe('Head nod');
    await waitSaved(page);
  });

  it('10. lanes read plainly: value axes, units relative to the average, gentle key drags, vertical zoom shows all lanes', async () => {
    const page = await open();
    // Plain names and units; the distance is shown relative to the average, not "794 mm".
    expect(await page.getByTestId('lane-z').locator('.tl-head__name').textContent()).toBe('Distance');
    expect(await page.getByTestId('lane-z').getByTestId('lane-value').textContent()).toMatch(/^[+-]?\d{1,2}\.\d mm$/);
    expect(await page.getByTestId('lane-yaw').getAttribute('data-channel')).toBe('yaw');
    expect(await page.getByTestId('lane-yaw').locator('.tl-head').getAttribute('title')).toMatch(/Turning the head left and right \(yaw\), in degrees/);
    // Taller lanes: a value axis with round figures in the lane's unit.
    await page.getByTestId('lanes-taller').click();
    await page.getByTestId('lanes-taller').click();
    const ticks = page.getByTestId('lane-yaw').locator('.tl-axis__tick');
    await expect.poll(() => ticks.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    expect(await ticks.first().textContent()).toMatch(/^-?\d+(\.\d+)?°$/);
    // A key dragged 16 px moves by a few degrees, not 19.
    await page.getByTestId('lane-yaw').locator('.tl-head').click();
    await page.keyboard.press('Home');
    for (let i = 0; i < 120; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Alt+k');
    const key = page.locator('[data-testid="lane-yaw"] [data-testid="keyframe"][data-frame="120"]');
    await key.waitFor();
    await key.scrollIntoViewIfNeeded();
    const v0 = Number(await key.getAttribute('data-value'));
    const kb = (await key.boundingBox())!;
    await page.mouse.move(kb.x + kb.width / 2, kb.y + kb.height / 2);
    await page.mouse.down();
    await page.keyboard.down('Shift'); // Shift: time stays
    for (let i = 1; i <= 4; i++) await page.mouse.move(kb.x + kb.width / 2, kb.y + kb.height / 2 - i * 4);
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const deg = ((Number(await key.getAttribute('data-value')) - v0) * 180) / Math.PI;
    expect(deg).toBeGreaterThan(0.2);
    expect(deg).toBeLessThan(5);
    await screenshot(page, 'first-use-10-tall-lanes');
    // Shorter lanes: every head and blink lane fits at once.
    for (let i = 0; i < 4; i++) await page.getByTestId('lanes-shorter').click();
    await expect.poll(() => timelineLanesInView(page), { timeout: 15_000 }).toBeGreaterThanOrEqual(7);
    await screenshot(page, 'first-use-10-short-lanes');
    await page.getByTestId('undo').click();
    await page.getByTestId('undo').click();
    await waitSaved(page);
  });

  it('19. the key-mode text fits, the playhead leaves the ruler labels free, keys and curves stay inside their lanes', async () => {
    const page = await open();
    await page.getByTestId('lane-x').locator('.tl-head').click();
    await page.keyboard.press('Home');
    for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowRight');
    await page.getByTestId('add-key').click();
    await page.getByTestId('inspector-key').waitFor();
    // The key's value set far outside the curve's range: the lane follows, the key stays inside.
    const value = page.getByTestId('inspector-key').getByLabel(/^Value/);
    await value.fill('80');
    await value.press('Enter');
    // The second choice of the key inspector: how the lane's keys act.
    const select = page.getByTestId('inspector-key').locator('select').nth(1);
    const fits = await select.evaluate((el) => {
      const s = el as unknown as { options: { text: string }[]; selectedIndex: number; clientWidth: number };
      const g = globalThis as unknown as { document: { createElement(t: string): { getContext(k: string): { font: string; measureText(t: string): { width: number } } } }; getComputedStyle(e: unknown): { font: string } };
      const ctx = g.document.createElement('canvas').getContext('2d');
      ctx.font = g.getComputedStyle(el).font;
      return ctx.measureText(s.options[s.selectedIndex].text).width + 28 <= s.clientWidth;
    });
    expect(fits).toBe(true);
    expect(await page.getByTestId('key-mode-help').isVisible()).toBe(true);
    // The playhead's line and handle start below the ruler's label strip.
    const ruler = (await page.getByTestId('ruler').boundingBox())!;
    const head = (await page.getByTestId('playhead').boundingBox())!;
    expect(head.y).toBeGreaterThanOrEqual(ruler.y + 12);
    // Every key lies inside its lane.
    const lane = page.getByTestId('lane-x');
    await lane.scrollIntoViewIfNeeded();
    const lb = (await lane.locator('.tl-track').boundingBox())!;
    const keys = lane.getByTestId('keyframe');
    for (let i = 0; i < (await keys.count()); i++) {
      const b = (await keys.nth(i).boundingBox())!;
      const cy = b.y + b.height / 2;
      expect(cy).toBeGreaterThanOrEqual(lb.y);
      expect(cy).toBeLessThanOrEqual(lb.y + lb.height);
    }
    // The curve is drawn only on its lane's canvas, and within the lane's height.
    const drawn = await lane.locator('canvas').evaluate((c) => {
      const cv = c as unknown as { width: number; height: number; getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      let blue = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 180 && d[i] < 140) blue++;
      return blue;
    });
    expect(drawn).toBeGreaterThan(50);
    await screenshot(page, 'first-use-19-inspector-and-ruler');
    await page.getByTestId('undo').click();
    await page.getByTestId('undo').click();
    await waitSaved(page);
  });
});

/** Whether the left and right tenth of a PNG are black (bars). */
function sideBars(png: Uint8Array): { left: number; right: number; middle: number } {
  const img = decodePng(png);
  const lum = (x0: number, x1: number) => {
    let sum = 0;
    let n = 0;
    for (let y = 0; y < img.height; y++)
      for (let x = x0; x < x1; x++) {
        const o = (y * img.width + x) * img.channels;
        sum += img.data[o] + img.data[o + 1] + img.data[o + 2];
        n++;
      }
    return sum / (3 * n);
  };
  const w = img.width;
  return { left: lum(0, Math.floor(w * 0.1)), right: lum(Math.ceil(w * 0.9), w), middle: lum(Math.floor(w * 0.4), Math.ceil(w * 0.6)) };
}

const realSkip = skipNoChromium || (!hasSharedData ? '../shared/data is absent' : '');
describe.skipIf(Boolean(realSkip))(`first use on real footage: persona, training choices, export${realSkip ? ` (skipped: ${realSkip})` : ''}`, () => {
  let studio: Studio;
  let projectDir: string;
  let page: Page;
  let videos: string;

  beforeAll(async () => {
    studio = await startStudio();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'facial-e2e-real-first-'));
    videos = path.join(tmp, 'Videos');
    mkdirSync(videos);
    // The first 3 s of real speech: a short export.
    const voice = path.join(tmp, 'obama2-3s.wav');
    const cut = await runProcess(ffmpegPath(), ['-v', 'error', '-y', '-i', path.join(sharedData, 'obama2.wav'), '-t', '3', voice], { timeoutMs: 60_000 });
    if (cut.code !== 0) throw new Error(cut.stderr);
    projectDir = (await studio.host.call('project.create', { dir: path.join(studio.projectsDir, 'AOC'), name: 'AOC' })).dir;
    await studio.host.call('media.import', { projectDir, path: path.join(sharedData, 'aoc_hdtf_8s.mp4'), role: 'reference' });
    const v = await studio.host.call('media.import', { projectDir, path: voice, role: 'voiceover' });
    await studio.host.call('project.update', { dir: projectDir, patch: { activeVoiceoverId: v.media.id } });
    page = await studio.newPage({ width: 1600, height: 1000 });
    await openProjectFromStart(page, studio.server.openUrl, 'AOC');
    // The persona and its motion, built the way a person does it.
    await page.getByTestId('persona-build').click();
    await page.locator('[data-testid="job"][data-job-kind="persona.build"][data-job-state="done"]').waitFor({ timeout: 280_000 });
    await page.getByTestId('generate-curves').click();
    await page.locator('[data-testid="job"][data-job-kind="curves.generate"][data-job-state="done"]').waitFor({ timeout: 280_000 });
    await page.getByTestId('lane-yaw').waitFor({ timeout: 30_000 });
  });
  afterAll(async () => {
    await studio?.close();
  });
  // A test that fails must not leave its dialog over the next one.
  afterEach(async () => {
    for (let i = 0; i < 3 && (await page.locator('[role="dialog"]').count()); i++) await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1600, height: 1000 });
  });

  it('14. training offers draft / standard / best with a time for this machine; the job says which', async () => {
    await page.getByTestId('persona-train').click();
    const dialog = page.getByTestId('train-dialog');
    await dialog.waitFor();
    for (const preset of ['draft', 'standard', 'best']) {
      await expect.poll(() => page.getByTestId(`train-preset-${preset}`).textContent(), { timeout: 15_000 }).toMatch(/(about \d+ (min|h)|under a minute)/);
    }
    await screenshot(page, 'first-use-14-train-motion');
    await page.getByTestId('train-preset-draft').click();
    await page.getByTestId('train-start').click();
    const job = page.locator('[data-testid="job"][data-job-kind="gan.train"]').first();
    await job.waitFor();
    expect(await job.locator('.job__title').textContent()).toMatch(/Train the motion model of “aoc_hdtf_8s” \(draft\)/);
    // Stopped again: the export below must not list it.
    await job.getByTestId('job-cancel').click();
    await page
      .locator('[data-testid="job"][data-job-kind="gan.train"][data-job-state="cancelled"]')
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(async (e: unknown) => {
        throw new Error(`the training job did not stop: ${await job.textContent()} (${String(e)})`);
      });
  });

  it('2. the training dialog and the export dialog say what quality to expect from the preset and the footage', async () => {
    await page.getByTestId('renderer-train').click();
    await page.getByTestId('train-dialog').waitFor();
    expect(await page.getByTestId('train-footage-advice').textContent()).toMatch(/Only 8 s of footage/);
    await expect.poll(() => page.getByTestId('train-preset-draft').textContent(), { timeout: 15_000 }).toMatch(/After it: 300 steps \(draft\) on 8 s of footage: expect a soft face and a blurry mouth/);
    await screenshot(page, 'first-use-02-train-renderer');
    await page.getByTestId('train-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('export-open').click();
    const q = page.locator('[data-testid="export-quality"]:not([data-level="checking"])');
    await q.waitFor({ timeout: 15_000 });
    // Exports are built from the person's own footage: sharp without training; the short clip gets its advice.
    expect(await q.textContent()).toMatch(/Your own footage, sharp.*No training is needed.*1–5 minutes; this persona has 8 s/);
    await page.getByTestId('export-close').click();
  });

  it('3. a 16:9 preset from a square clip offers fit or fill with a thumbnail; 720p fill exports 1280x720 without black bars', async () => {
    await page.getByTestId('export-open').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.locator('input[value="720p"]').check();
    await page.getByTestId('framing-fill').waitFor();
    await page.getByTestId('framing-fit').click();
    const thumb = page.getByTestId('export-thumbnail');
    await page.locator('[data-testid="export-thumbnail"][data-drawn="true"][data-framing="fit"]').waitFor({ timeout: 30_000 });
    const fit = sideBars(new Uint8Array(await thumb.screenshot()));
    expect(fit.left).toBeLessThan(8);
    expect(fit.right).toBeLessThan(8);
    expect(await page.getByTestId('export-framing-note').textContent()).toMatch(/black bars left and right/);
    await screenshot(page, 'first-use-03-export-fit');
    await page.getByTestId('framing-fill').click();
    await page.locator('[data-testid="export-thumbnail"][data-framing="fill"]').waitFor();
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { dataset: { drawn?: string; framing?: string } } | null } }).document.querySelector('[data-testid="export-thumbnail"]')?.dataset.framing === 'fill');
    await page.waitForTimeout(300);
    const fill = sideBars(new Uint8Array(await thumb.screenshot()));
    expect(fill.left).toBeGreaterThan(20);
    expect(fill.right).toBeGreaterThan(20);
    expect(await page.getByTestId('export-framing-note').textContent()).toMatch(/cropped to 16:9 around the face/);
    publishScreenshot(await screenshot(page, 'first-use-03-export-fill'), 'export-dialog.png');
    await page.getByTestId('export-start').click();
    const done = page.locator('[data-testid="export-job"][data-job-state="done"]');
    await done.waitFor({ timeout: 280_000 });
    const file = (await page.getByTestId('export-result-path').textContent())!.trim();
    const probe = await runProcess(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
    expect(probe.stdout.toString().trim()).toBe('1280,720');
    // cropdetect finds the whole frame in use: no black bars.
    const cd = await runProcess(ffmpegPath(), ['-v', 'info', '-i', file, '-vf', 'cropdetect=limit=24:round=2:reset=0', '-f', 'null', '-'], { timeoutMs: 120_000 });
    const crops = [...cd.stderr.toString().matchAll(/crop=(\d+):(\d+):(\d+):(\d+)/g)];
    expect(crops.length).toBeGreaterThan(0);
    const last = crops[crops.length - 1];
    expect([Number(last[1]), Number(last[2])]).toEqual([1280, 720]);
    await page.getByTestId('export-close').click();
  });

  it('7. export asks where to save, names the file readably, shows it with open / show in folder, and lists only the export job', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('export-open').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.waitFor();
    // A readable name from the project and the voice-over, in the project's renders folder
    // (no "preview" in it, once the dialog has read that the export is made from the footage).
    await expect.poll(() => page.getByTestId('export-quality').textContent(), { timeout: 15_000 }).toMatch(/Your own footage, sharp/);
    expect(await page.getByTestId('export-path').textContent()).toMatch(/renders.*AOC - obama2-3s\.mp4$/);
    // No training job in the export dialog.
    expect(await dialog.locator('.job').count()).toBe(0);
    await page.getByTestId('export-choose-location').click();
    const save = page.getByTestId('file-dialog');
    await save.waitFor();
    for (const id of ['file-dialog-go', 'file-dialog-cancel', 'file-dialog-confirm', 'file-dialog-name']) expect(await reachable(page, page.getByTestId(id)), id).toBe(true);
    await page.getByTestId('file-dialog-path').fill(videos);
    await page.getByTestId('file-dialog').getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByTestId('file-dialog-name').fill('AOC talk');
    await screenshot(page, 'first-use-07-save-dialog');
    await page.getByTestId('file-dialog-confirm').click();
    await save.waitFor({ state: 'detached' });
    expect(await page.getByTestId('export-path').textContent()).toBe(`${videos}AOC talk.mp4`);
    await page.getByTestId('export-start').click();
    await page.locator('[data-testid="export-job"][data-job-state="done"]').waitFor({ timeout: 280_000 });
    const target = path.join(videos, 'AOC talk.mp4');
    expect(existsSync(target)).toBe(true);
    expect((await page.getByTestId('export-result-path').textContent())!.trim()).toBe(target);
    expect(await dialog.locator('.job').count()).toBe(1);
    await screenshot(page, 'first-use-07-export-done');
    await page.getByTestId('export-show-folder').click();
    await page.getByTestId('export-open-file').click();
    await expect.poll(() => studio.revealed.map((r) => `${r.action} ${r.file}`), { timeout: 15_000 }).toEqual([`folder ${target}`, `open ${target}`]);
    // Exporting again to the same name asks before replacing it.
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-replace').waitFor();
    await page.getByTestId('export-close').click();
    // The jobs panel shows the file, not a wrapped path, with "Show in folder".
    const row = page.locator('[data-testid="job"][data-job-kind="render.export"][data-job-state="done"]').first();
    expect(await row.getByTestId('job-export-result').textContent()).toContain('AOC talk.mp4');
    await row.getByTestId('job-show-folder').click();
    await expect.poll(() => studio.revealed.length, { timeout: 15_000 }).toBe(3);
  });

  it('4. the preview has a blink view in which a blink lights the eyes as much as it closes them', async () => {
    const vp = page.getByTestId('viewport-3d');
    await page.locator('[data-testid="viewport-3d"][data-state="persona"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('preview-mode-eyes').click();
    expect(await vp.getAttribute('data-preview-mode')).toBe('eyes');
    // A hand-set full blink: double-click the blink lane on a free stretch, then look at it and away.
    await page.getByTestId('lane-blink').scrollIntoViewIfNeeded();
    const bl = (await page.getByTestId('lane-blink').locator('.tl-track').boundingBox())!;
    const tl = page.getByTestId('timeline');
    const start = Number(await tl.getAttribute('data-view-start'));
    const fpp = Number(await tl.getAttribute('data-frames-per-px'));
    const frames = Number(await tl.getAttribute('data-frame-count'));
    const starts = await page.getByTestId('blink-event').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-start'))));
    let free = 10;
    while (starts.some((s) => Math.abs(s - free) < 14) && free < frames - 20) free += 4;
    await page.mouse.dblclick(bl.x + (free + 2 - start) / fpp, bl.y + bl.height / 2);
    const blink = page.locator('[data-testid="blink-event"].is-selected');
    await blink.waitFor();
    const bStart = Number(await blink.getAttribute('data-start'));
    const bDur = Number(await blink.getAttribute('data-duration'));
    const orange = async (frame: number) => {
      await page.evaluate((f) => (globalThis as unknown as { __facialEditor: { editor: { dispatch(a: unknown): void } } }).__facialEditor.editor.dispatch({ type: 'playhead', frame: f }), frame);
      await page.waitForTimeout(250);
      const img = decodePng(new Uint8Array(await page.locator('.viewport__stage canvas').screenshot()));
      let n = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const o = i * img.channels;
        if (img.data[o] > 180 && img.data[o] - img.data[o + 2] > 90) n++;
      }
      return n;
    };
    const closed = await orange(bStart + Math.floor(bDur / 2));
    await screenshot(page, 'first-use-04-blink-view');
    const open = await orange(Math.max(0, bStart - 12));
    expect(closed).toBeGreaterThan(40);
    expect(closed).toBeGreaterThan(open * 2);
    await page.getByTestId('undo').click();
    await page.getByTestId('preview-mode-textured').click();
    await waitSaved(page);
  });

  it('9 and 15. re-generating a range names the edit it replaced, and the message goes away by itself', async () => {
    const frames = Number(await page.getByTestId('timeline').getAttribute('data-frame-count'));
    // A key on Head turn inside the range to be re-generated.
    await page.getByTestId('lane-yaw').scrollIntoViewIfNeeded();
    await page.getByTestId('lane-yaw').locator('.tl-head').click();
    await page.keyboard.press('Home');
    const target = Math.round(frames * 0.5);
    for (let i = 0; i < target; i++) await page.keyboard.press('ArrowRight');
    await page.getByTestId('add-key').click();
    await page.locator(`[data-testid="lane-yaw"] [data-testid="keyframe"][data-frame="${target}"]`).waitFor();
    const ruler = (await page.getByTestId('ruler').boundingBox())!;
    const tl = page.getByTestId('timeline');
    const start = Number(await tl.getAttribute('data-view-start'));
    const fpp = Number(await tl.getAttribute('data-frames-per-px'));
    const xOf = (f: number) => ruler.x + (f - start) / fpp;
    await page.keyboard.down('Shift');
    await page.mouse.move(xOf(target - 10), ruler.y + ruler.height / 2);
    await page.mouse.down();
    await page.mouse.move(xOf(target + 10), ruler.y + ruler.height / 2);
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.getByTestId('regenerate-range').click();
    const notice = page.getByTestId('notice').filter({ hasText: 'Range re-generated' });
    await notice.waitFor({ timeout: 120_000 });
    const tc = `00:00:${String(Math.floor(target / 25)).padStart(2, '0')}:${String(target % 25).padStart(2, '0')}`;
    expect(await notice.textContent()).toContain(`the key on Head turn at ${tc}`);
    await screenshot(page, 'first-use-09-regenerate-notice');
    // An information leaves by itself (8 s), without a click.
    await notice.waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByTestId('undo').click();
    await waitSaved(page);
  });

  it('11. the main surfaces speak plainly; the figures are one click away', async () => {
    // The renderer's held-out figures as the panel reads them (a trained renderer takes minutes; its files suffice here).
    const persona = JSON.parse(readFileSync(path.join(projectDir, 'project.json'), 'utf8')).personas[0];
    const rdir = path.join(projectDir, persona.path, 'renderer');
    mkdirSync(rdir, { recursive: true });
    writeFileSync(path.join(rdir, 'renderer.json'), JSON.stringify({ steps: 300, size: 256, trainSeconds: 420, updatedAt: new Date().toISOString() }));
    writeFileSync(path.join(rdir, 'eval.json'), JSON.stringify({ createdAt: new Date().toISOString(), frames: 40, psnrDb: 21.4, ssim: 0.71, flicker: { generated: 3, real: 4, ratio: 0.75 }, baseline: { psnrDb: 9, ssim: 0.2 } }));
    // Another take, so the take picker shows.
    const generated = page.locator('[data-testid="job"][data-job-kind="curves.generate"][data-job-state="done"]');
    const takes = await generated.count();
    await page.getByTestId('generate-curves').click();
    await expect.poll(() => generated.count(), { timeout: 120_000 }).toBe(takes + 1);
    await page.reload();
    await page.getByTestId('lane-yaw').waitFor();
    await page.getByTestId('renderer-status').getByText('Trained').waitFor({ timeout: 30_000 });
    const visible = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { body: { cloneNode(d: boolean): { querySelectorAll(s: string): ArrayLike<{ remove(): void }>; innerText?: string; textContent: string } } } }).document;
      // What shows without opening anything: closed <details> and tooltips do not count.
      const clone = doc.body.cloneNode(true);
      for (const d of Array.from(clone.querySelectorAll('details'))) d.remove();
      for (const o of Array.from(clone.querySelectorAll('option:not(:checked)'))) o.remove();
      return clone.textContent;
    });
    for (const jargon of ['prior (untrained)', 'FACIAL-GAN', 'Reprojection', 'p95', 'PSNR', 'SSIM', ' G ', 'L1']) expect(visible, jargon).not.toContain(jargon);
    // Takes by their order, never by a hash id.
    expect(visible).not.toMatch(/\bc-[0-9a-f]{8}\b/);
    expect(visible).toMatch(/Take \d · (built-in|learned)/);
    expect(await page.getByTestId('motion-source').textContent()).toMatch(/^(Built-in motion \((not trained on this person yet|training did not improve on it)\)|Motion learned from this person|expression: (learned|built-in|built-in \+ learned) · head pose: (learned|built-in) · blinks: (learned|built-in))$/);
    // One click away: the renderer's figures.
    await page.getByTestId('renderer-eval-details').locator('summary').click();
    expect(await page.getByTestId('renderer-eval').textContent()).toMatch(/PSNR.*21\.40 dB.*SSIM.*0\.710/);
    await screenshot(page, 'first-use-11-plain-words');
  });
});
