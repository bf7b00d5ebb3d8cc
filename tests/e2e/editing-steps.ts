import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCurveDocument } from '../../src/engine/common/curves/document';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/** Shared steps of the editor tests: they drive the UI the way a person does. */
export async function openProjectFromStart(page: Page, openUrl: string, name: string): Promise<void> {
  await page.goto(openUrl);
  const item = page.getByTestId('recent-projects').locator('.recent__name', { hasText: new RegExp(`^${name}$`) });
  await item.first().click();
  await page.getByTestId('workspace').waitFor();
}

export async function waitSaved(page: Page): Promise<void> {
  await page.getByTestId('save-state').getByText('All changes saved').waitFor({ timeout: 15_000 });
}

export function savedEdits(projectDir: string, curvesId: string) {
  return JSON.parse(readFileSync(path.join(projectDir, 'curves', `${curvesId}.json`), 'utf8')).edits as {
    layers: { kind: string; channel: string; keys?: { frame: number; value: number }[] }[];
    blinks: { id: string; start: number }[];
  };
}

async function box(page: Page, testId: string) {
  await page.getByTestId(testId).first().scrollIntoViewIfNeeded();
  const b = await page.getByTestId(testId).first().boundingBox();
  if (!b) throw new Error(`${testId} is not visible`);
  return b;
}

/** Page x of a frame under the current timeline view. */
async function xOfFrame(page: Page): Promise<(frame: number) => number> {
  const ruler = await box(page, 'ruler');
  const tl = page.getByTestId('timeline');
  const start = Number(await tl.getAttribute('data-view-start'));
  const fpp = Number(await tl.getAttribute('data-frames-per-px'));
  return (frame: number) => ruler.x + (frame - start) / fpp;
}

/**
 * Adds a key on yaw and drags it, adds and deletes a blink, undoes and redoes,
 * steps with the keyboard, adds a key with K, plays a second. Checks the saved
 * document on disk after each autosave. Returns the number of yaw keys at the end.
 */
export async function editCurves(page: Page, projectDir: string, curvesId: string): Promise<{ keys: number; blinks: number }> {
  await page.getByTestId('lane-yaw').waitFor();
  const frames = Number(await page.getByTestId('timeline').getAttribute('data-frame-count'));
  expect(frames).toBeGreaterThan(100);
  const xOf = await xOfFrame(page);
  const keys = page.locator('[data-testid="lane-yaw"] [data-testid="keyframe"]');
  const keys0 = await keys.count();

  // Add a key on yaw by double-clicking the lane a third of the way in.
  const target = Math.round(frames / 3);
  const lane = await box(page, 'lane-yaw');
  await page.mouse.dblclick(xOf(target), lane.y + lane.height * 0.3);
  await expect.poll(() => keys.count()).toBe(keys0 + 1);
  const key = page.locator(`[data-testid="lane-yaw"] [data-testid="keyframe"].is-selected`);
  const frame0 = Number(await key.getAttribute('data-frame'));
  expect(Math.abs(frame0 - target)).toBeLessThanOrEqual(3);
  const keyId = await key.getAttribute('data-key-id');
  const k = page.locator(`[data-key-id="${keyId}"]`);
  await waitSaved(page);
  expect(savedEdits(projectDir, curvesId).layers.find((l) => l.channel === 'yaw')?.keys?.map((x) => x.frame)).toContain(frame0);

  // Drag it later in time and up: one undo step for the whole drag.
  await page.getByTestId('lane-yaw').scrollIntoViewIfNeeded();
  const kb = (await k.boundingBox())!;
  await page.mouse.move(kb.x + kb.width / 2, kb.y + kb.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 6; i++) await page.mouse.move(kb.x + kb.width / 2 + i * 15, kb.y + kb.height / 2 - i * 2);
  await page.mouse.up();
  const frame1 = Number(await k.getAttribute('data-frame'));
  expect(frame1).toBeGreaterThan(frame0 + 5);
  await waitSaved(page);
  const yawKeys = savedEdits(projectDir, curvesId).layers.find((l) => l.channel === 'yaw')?.keys?.map((x) => x.frame) ?? [];
  expect(yawKeys).toContain(frame1);
  expect(yawKeys).not.toContain(frame0);
  await page.getByTestId('undo').click();
  expect(Number(await k.getAttribute('data-frame'))).toBe(frame0);
  await page.keyboard.press('Control+Shift+Z');
  expect(Number(await k.getAttribute('data-frame'))).toBe(frame1);

  // Blinks: add one on an empty stretch of the blink lane, delete it, undo, redo.
  const blinks = page.getByTestId('blink-event');
  const before = await blinks.count();
  const starts = await blinks.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-start'))));
  let free = 10;
  while (starts.some((s) => Math.abs(s - free) < 15)) free += 8;
  const bl = await box(page, 'lane-blink');
  await page.mouse.dblclick(xOf(free + 2), bl.y + bl.height / 2);
  await expect.poll(() => blinks.count()).toBe(before + 1);
  const added = page.locator('[data-testid="blink-event"].is-selected');
  expect(Math.abs(Number(await added.getAttribute('data-start')) - free)).toBeLessThanOrEqual(3);
  await page.keyboard.press('Delete');
  await expect.poll(() => blinks.count()).toBe(before);
  await page.keyboard.press('Control+Z');
  await expect.poll(() => blinks.count()).toBe(before + 1);
  await page.getByTestId('redo').click();
  await expect.poll(() => blinks.count()).toBe(before);
  await waitSaved(page);
  expect(savedEdits(projectDir, curvesId).blinks).toHaveLength(before);

  // Keyboard: arrows step a frame; Alt+K adds a key on the active lane (yaw) at the playhead.
  await page.getByTestId('ruler').click({ position: { x: 5, y: 10 } });
  const tc = page.getByTestId('timecode');
  const at = Number(await tc.getAttribute('data-frame'));
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  expect(Number(await tc.getAttribute('data-frame'))).toBe(at + 5);
  await page.getByTestId('lane-yaw').scrollIntoViewIfNeeded();
  await page.getByTestId('lane-yaw').locator('.tl-head').click();
  await page.keyboard.press('Alt+k');
  await expect.poll(() => keys.count()).toBe(keys0 + 2);

  // Play for a second: the playhead moves at the project rate and the voice-over plays.
  const start = Number(await tc.getAttribute('data-frame'));
  const t0 = Date.now();
  await page.getByTestId('play-toggle').click();
  await page.waitForTimeout(1000);
  await page.getByTestId('play-toggle').click();
  const elapsedS = (Date.now() - t0) / 1000;
  const end = Number(await tc.getAttribute('data-frame'));
  // At the project rate (25 fps): not faster than the wall clock between the two clicks allows.
  expect(end - start).toBeGreaterThanOrEqual(12);
  expect(end - start).toBeLessThanOrEqual(Math.ceil(elapsedS * 25) + 3);
  const audioTime = await page.getByTestId('voiceover-audio').evaluate((a) => (a as unknown as { currentTime: number }).currentTime);
  expect(audioTime).toBeGreaterThan(0.3);
  await waitSaved(page);
  return { keys: keys0 + 2, blinks: before };
}

/** The saved document's base (parsed as the editor parses it). */
function savedBase(projectDir: string, curvesId: string): Float32Array {
  return parseCurveDocument(JSON.parse(readFileSync(path.join(projectDir, 'curves', `${curvesId}.json`), 'utf8'))).base;
}

/**
 * Shift-drags a range on the ruler, re-generates it from the voice-over, and checks on
 * disk that only that range of the base changed and the edits outside it stayed; then
 * undoes it and checks the old base is back.
 */
export async function regenerateRangeStep(page: Page, projectDir: string, curvesId: string): Promise<void> {
  const frames = Number(await page.getByTestId('timeline').getAttribute('data-frame-count'));
  const from = Math.round(frames * 0.7);
  const to = Math.round(frames * 0.9);
  const before = savedBase(projectDir, curvesId);
  const editsBefore = savedEdits(projectDir, curvesId);
  const xOf = await xOfFrame(page);
  const ruler = await box(page, 'ruler');
  await page.keyboard.down('Shift');
  await page.mouse.move(xOf(from), ruler.y + ruler.height / 2);
  await page.mouse.down();
  await page.mouse.move(xOf((from + to) / 2), ruler.y + ruler.height / 2);
  await page.mouse.move(xOf(to), ruler.y + ruler.height / 2);
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await page.getByTestId('inspector-range').waitFor();
  const jobs = page.locator('[data-testid="job"][data-job-kind="curves.generate"][data-job-state="done"]');
  const done0 = await jobs.count();
  await page.getByTestId('regenerate-range').click();
  await expect.poll(() => jobs.count(), { timeout: 120_000 }).toBe(done0 + 1);
  await page.locator('[data-testid="regenerate-range"]:not([disabled])').waitFor({ timeout: 30_000 });
  await expect.poll(() => Array.from(savedBase(projectDir, curvesId)).some((v, i) => v !== before[i]), { timeout: 10_000 }).toBe(true);
  await waitSaved(page);
  const after = savedBase(projectDir, curvesId);
  const changed: number[] = [];
  for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) changed.push(Math.floor(i / 71));
  const lo = Math.min(...changed);
  const hi = Math.max(...changed);
  // The selection snaps to whole frames under the pointer: allow a frame either side.
  expect(lo).toBeGreaterThanOrEqual(from - 2);
  expect(hi).toBeLessThanOrEqual(to + 2);
  expect(savedEdits(projectDir, curvesId).layers).toEqual(editsBefore.layers.filter((l) => !l.keys || l.keys.some((k) => k.frame < lo || k.frame > hi)));

  await page.getByTestId('undo').click();
  await expect.poll(() => Array.from(savedBase(projectDir, curvesId)).every((v, i) => v === before[i]), { timeout: 10_000 }).toBe(true);
  await waitSaved(page);
}
