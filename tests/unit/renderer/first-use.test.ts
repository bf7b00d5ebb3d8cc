import { describe, it, expect } from 'vitest';
import { editorReducer, initialEditor, adjacentKeyFrame, keyAt, playStep, advancePlayhead } from '../../../src/renderer/state/editor';
import { createCurveDocument, setKeyframe, addBlink } from '../../../src/engine/common/curves';
import { syntheticBase } from '../curves/helpers';
import { axisTicks, displayRange, dragDelta, formatLaneValue, fromDisplay, laneDisplay, stepLaneHeight, toDisplay, LANE_HEIGHTS } from '../../../src/renderer/state/lane-display';
import { keyCommand, keyTargetPolicy } from '../../../src/renderer/state/shortcuts';
import { personaActions } from '../../../src/renderer/state/persona-actions';
import { exportPlan, exportResult, exportSettingsReducer, initialExportSettings, defaultSaveAs, type ExportSource } from '../../../src/renderer/state/export-dialog';
import { initialTrainDialog, trainChoices, trainDialogReducer, trainRequest } from '../../../src/renderer/state/train-dialog';
import { motionProvenance, takeLabel } from '../../../src/renderer/state/motion-label';
import { jobProgressText } from '../../../src/renderer/state/job-text';
import { describeEditChanges } from '../../../src/renderer/state/regenerate';
import { fileKind } from '../../../src/renderer/state/file-kinds';
import { saveName } from '../../../src/renderer/state/save-name';
import { personaSummary } from '../../../src/renderer/state/persona-summary';
import { eyeViewColour } from '../../../src/renderer/viewport/scene-colours';
import type { JobInfo, ProjectSnapshot } from '../../../src/shared/contract';
import type { ProjectFile } from '../../../src/shared/project-schema';
import type { PersonaInfoPayload } from '../../../src/shared/persona-info';

const project = (patch: Partial<ProjectFile> = {}): ProjectSnapshot => ({
  dir: '/p/Launch',
  project: { schemaVersion: 1, id: 'x', name: 'Launch video', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', fps: 25, media: [], personas: [], curves: [], renders: [], ui: { panes: {} }, ...patch },
});
const media = (id: string, role: 'reference' | 'voiceover', durationS: number, name = `${id}.mp4`) => ({ id, role, name, path: `media/${name}`, originalPath: `/home/me/${name}`, durationS, hasAudio: true, hasVideo: role === 'reference', importedAt: '' });

describe('lanes a person can read', () => {
  it('plain names, units, positions relative to their average, up meaning up', () => {
    const z = laneDisplay('z', {}, 794);
    expect(z.label).toBe('Distance');
    expect(formatLaneValue(z, 800)).toBe('+6.0 mm');
    const y = laneDisplay('y', {}, 10);
    // Camera y points down: a head that moves up reads positive.
    expect(toDisplay(y, 7)).toBe(3);
    expect(fromDisplay(y, toDisplay(y, 7))).toBe(7);
    expect(formatLaneValue(laneDisplay('yaw'), Math.PI / 18)).toBe('10.0°');
    expect(formatLaneValue(laneDisplay('blink'), 0.8)).toBe('80 %');
    expect(laneDisplay('sem:jaw', { jaw: 'Jaw open' }).label).toBe('Jaw open');
    expect(laneDisplay('expr:12').meaning).toMatch(/without a physical unit/);
  });

  it('value axes with round ticks, a minimum span, gentle dragging and vertical zoom', () => {
    expect(axisTicks(-4, 11, 160)).toEqual([-4, -2, 0, 2, 4, 6, 8, 10]);
    expect(axisTicks(-4, 11, 48)).toEqual([0, 10]);
    expect(axisTicks(0, 1, 20)).toEqual([]);
    // A nearly flat curve is shown over at least the channel's span (6° for rotations).
    expect(displayRange(1, 1.1, 6)).toEqual({ lo: expect.closeTo(-1.95, 5), hi: expect.closeTo(4.05, 5) });
    // 16 px on a 48 px lane showing 6°: about 2°, ten times finer with Ctrl.
    expect(Math.abs(dragDelta(16, 48, 6, false))).toBeLessThan(2.5);
    expect(dragDelta(-16, 48, 6, true)).toBeCloseTo(-dragDelta(16, 48, 6, false) / 10, 9);
    expect(stepLaneHeight(48, 1)).toBe(64);
    expect(stepLaneHeight(LANE_HEIGHTS[0], -1)).toBe(LANE_HEIGHTS[0]);
    let s = editorReducer(initialEditor, { type: 'lane-height', height: 5 });
    expect(s.laneHeight).toBe(LANE_HEIGHTS[0]);
    s = editorReducer(s, { type: 'reveal-lane', channel: 'pitch' });
    expect(s.revealLane).toEqual({ channel: 'pitch', n: 1 });
    expect(editorReducer(s, { type: 'reveal-lane', channel: 'nope' })).toBe(s);
  });
});

describe('shortcuts as in editing programs', () => {
  const at = { rate: 0, fps: 25 };
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; altKey: boolean; metaKey: boolean; code: string }> = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

  it('K only pauses; Alt+K is the keyframe button; [ and ] jump between keys; J/L with K held play slowly', () => {
    expect(keyCommand(key('k'), at)).toEqual({ type: 'rate', rate: 0 });
    expect(keyCommand(key('k'), { rate: 2, fps: 25 })).toEqual({ type: 'rate', rate: 0 });
    expect(keyCommand(key('˚', { altKey: true, code: 'KeyK' }), at)).toEqual({ type: 'toggle-key' });
    expect(keyCommand(key('['), at)).toEqual({ type: 'key-nav', dir: -1 });
    expect(keyCommand(key(']'), at)).toEqual({ type: 'key-nav', dir: 1 });
    expect(keyCommand(key('l'), { rate: 1, fps: 25 })).toEqual({ type: 'rate', rate: 2 });
    expect(keyCommand(key('l'), { rate: 0, fps: 25, kHeld: true })).toEqual({ type: 'rate', rate: 0.25 });
    expect(keyCommand(key('j'), { rate: 0, fps: 25 })).toEqual({ type: 'rate', rate: -1 });
  });

  it('undo works while a checkbox has focus; a text field keeps its keys; a control keeps Space only when reached by keyboard', () => {
    const checkbox = keyTargetPolicy({ tag: 'input', type: 'checkbox', keyboardFocus: false });
    expect(checkbox).toBe('none');
    expect(keyCommand(key('z', { ctrlKey: true }), at, checkbox)).toEqual({ type: 'undo' });
    expect(keyCommand(key('Z', { ctrlKey: true, shiftKey: true }), at, checkbox)).toEqual({ type: 'redo' });
    expect(keyCommand(key(' '), at, checkbox)).toEqual({ type: 'play-toggle' });
    const tabbed = keyTargetPolicy({ tag: 'input', type: 'checkbox', keyboardFocus: true });
    expect(keyCommand(key(' '), at, tabbed)).toBeUndefined();
    expect(keyCommand(key('z', { ctrlKey: true }), at, tabbed)).toEqual({ type: 'undo' });
    const text = keyTargetPolicy({ tag: 'input', type: 'text' });
    expect(keyCommand(key('z', { ctrlKey: true }), at, text)).toBeUndefined();
    const select = keyTargetPolicy({ tag: 'select' });
    expect(keyCommand(key('ArrowLeft'), at, select)).toBeUndefined();
    expect(keyCommand(key('y', { ctrlKey: true }), at, select)).toEqual({ type: 'redo' });
  });

  it('playing from frame 0 keeps playing even when the animation frame is stamped before the key press', () => {
    const step = playStep(1000, 1004, 25, 1);
    expect(step).toBe(0);
    expect(advancePlayhead(0, step, 300).stop).toBe(false);
    expect(playStep(1040, 1000, 25, 1)).toBeCloseTo(1, 9);
    expect(playStep(1040, 1000, 25, -1)).toBeCloseTo(-1, 9);
    expect(playStep(5000, 1000, 25, 1)).toBeCloseTo(2.5, 9); // at most 0.1 s per animation frame
  });

  it('navigates keys on a lane and finds the key at a frame', () => {
    const doc = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(200) });
    let e = setKeyframe(doc.edits, 'yaw', 40, 0.1).edits;
    e = setKeyframe(e, 'yaw', 90, 0.2).edits;
    e = setKeyframe(e, 'pitch', 60, 0.2).edits;
    expect(adjacentKeyFrame(e, 'yaw', 50, 1)).toBe(90);
    expect(adjacentKeyFrame(e, 'yaw', 50, -1)).toBe(40);
    expect(adjacentKeyFrame(e, 'yaw', 90, 1)).toBeUndefined();
    expect(keyAt(e, 'yaw', 40)).toBeDefined();
    expect(keyAt(e, 'yaw', 60)).toBeUndefined();
  });
});

describe('what the persona panel offers', () => {
  it('names the missing step instead of "no such job"', () => {
    const empty = personaActions(project());
    expect(empty.build.reason).toMatch(/Import a reference video/);
    expect(empty.trainMotion.reason).toMatch(/Import a reference video and build the persona first/);
    expect(empty.trainRenderer.request).toBeUndefined();
    for (const a of [empty.build, empty.trainMotion, empty.trainRenderer, empty.trainMouth]) expect(a.reason).not.toMatch(/no such job/);
    const withRef = personaActions(project({ media: [media('r', 'reference', 8)] }));
    expect(withRef.build.request).toMatchObject({ kind: 'persona.build', mediaId: 'r' });
    expect(withRef.trainRenderer.reason).toBe('Build the persona first: training learns from it.');
    expect(withRef.trainMouth.reason).toBe('Build the persona first: training learns from it.');
    expect(withRef.next).toMatch(/build the persona/);
    expect(withRef.footage?.message).toMatch(/Only 8 s of footage/);
    const built = personaActions(project({ media: [media('r', 'reference', 120)], personas: [{ id: 'a', name: 'A', path: 'personas/r', sourceMediaId: 'r', createdAt: '' }] }));
    expect(built.trainRenderer.request).toMatchObject({ kind: 'renderer.train', personaId: 'a' });
    expect(built.trainMouth.request).toMatchObject({ kind: 'residual.train', personaId: 'a' });
    expect(built.footage).toBeUndefined();
    expect(personaActions(project({ media: [media('r', 'reference', 8)] }), { building: true }).build.request).toBeUndefined();
  });
});

describe('the export dialog', () => {
  const snap = project({
    media: [media('r', 'reference', 8, 'aoc.mp4'), media('v', 'voiceover', 8, 'talk.wav')],
    personas: [{ id: 'a', name: 'A', path: 'personas/r', sourceMediaId: 'r', createdAt: '' }],
    curves: [{ id: 'c1', personaId: 'a', mediaId: 'v', path: 'curves/c1.json', source: 'prior', createdAt: '2025-01-01T10:00:00Z' }],
    activeCurvesId: 'c1',
    activeVoiceoverId: 'v',
  });
  const square: ExportSource = { width: 512, height: 512, camera: { fx: 1536, fy: 1536, cx: 256, cy: 256, width: 512, height: 512 }, meanPose: [0, 0, 0, 0, -20, 600], photoreal: false };

  it('proposes a readable name in the project, says it is a preview, and builds the request with the framing', () => {
    const d = defaultSaveAs(snap, null);
    expect(d).toEqual({ folder: '/p/Launch/renders', name: 'Launch video - talk.mp4' });
    let s = initialExportSettings(d.folder, d.name);
    let plan = exportPlan(snap, s, square);
    expect(plan.fileName).toBe('Launch video - talk.preview.mp4');
    expect(plan.framingChoice).toBe(false);
    // The dialog names a preview itself and asks for exactly that file (the host never renames).
    expect(plan.request).toMatchObject({ kind: 'render.export', preset: 'source', out: '/p/Launch/renders/Launch video - talk.preview.mp4' });
    s = exportSettingsReducer(s, { type: 'preset', preset: '720p' });
    plan = exportPlan(snap, s, square);
    expect(plan.framingChoice).toBe(true);
    expect(plan.geometry).toMatchObject({ width: 1280, height: 720, framing: 'fill', bars: false });
    expect(plan.request).toMatchObject({ preset: '720p', framing: 'fill' });
    expect(plan.note).toMatch(/cropped to 16:9 around the face/);
    s = exportSettingsReducer(s, { type: 'framing', framing: 'fit' });
    expect(exportPlan(snap, s, square).geometry?.bars).toBe(true);
    s = exportSettingsReducer(s, { type: 'save-as', folder: '/home/me/Videos', name: 'mine.mp4', overwrite: true });
    expect(exportPlan(snap, s, square).request).toMatchObject({ out: '/home/me/Videos/mine.preview.mp4', overwrite: true });
    s = exportSettingsReducer(s, { type: 'started', jobId: 'j1' });
    expect(s.overwrite).toBe(false);
    expect(s.jobId).toBe('j1');
    expect(exportPlan(project(), s, undefined).reason).toMatch(/Build the persona first/);
  });

  it('reads the saved file from the export job', () => {
    const job = (extra: Partial<JobInfo>): JobInfo => ({ id: 'j', kind: 'render.export', title: 'Export', state: 'done', stage: 'done', fraction: 1, startedAt: '', ...extra });
    expect(exportResult(job({ result: { id: 'r-1', file: '/home/me/a.mp4', path: '/home/me/a.mp4', width: 1280, height: 720 } }))).toMatchObject({ renderId: 'r-1', file: '/home/me/a.mp4', width: 1280 });
    expect(exportResult(job({ state: 'running' }))).toBeUndefined();
  });
});

describe('training choices', () => {
  it('one reducer, a time and a quality per preset, and the request carries the preset', () => {
    let s = initialTrainDialog('renderer');
    expect(s.preset).toBe('draft');
    s = trainDialogReducer(s, { type: 'preset', preset: 'best' });
    expect(trainRequest('/p', 'a', s)).toEqual({ kind: 'renderer.train', projectDir: '/p', personaId: 'a', preset: 'best' });
    const est = {
      renderer: { doneSteps: 300, presets: [{ preset: 'draft' as const, steps: 300, remainingSteps: 0, seconds: 0, basis: 'measured' as const, upTo: false }, { preset: 'standard' as const, steps: 1500, remainingSteps: 1200, seconds: 1300, basis: 'measured' as const, upTo: false }, { preset: 'best' as const, steps: 5000, remainingSteps: 4700, seconds: 6000, basis: 'typical' as const, upTo: false }] },
      gan: { doneSteps: 0, presets: [] },
    };
    const c = trainChoices('renderer', est, 8);
    expect(c.map((x) => x.time)).toEqual(['already trained this far', 'about 22 min', 'about 1 h 40 min (typical; not measured here yet)']);
    expect(c[0].done).toBe(true);
    expect(c[1].quality).toMatch(/After it: 1500 steps \(standard\) on 8 s of footage/);
    expect(trainChoices('gan', undefined, 8)[0].time).toBe('estimating…');
  });

  it('the mouth correction: the whole checked run\'s time per preset, never "already done" (it trains afresh), and its own job', () => {
    const s = trainDialogReducer(initialTrainDialog('residual'), { type: 'preset', preset: 'standard' });
    expect(trainRequest('/p', 'a', s, 'cpu')).toEqual({ kind: 'residual.train', projectDir: '/p', personaId: 'a', preset: 'standard', device: 'cpu' });
    const p = (preset: 'draft' | 'standard' | 'best', seconds: number) => ({ preset, steps: 1200, remainingSteps: 0, seconds, basis: 'typical' as const, upTo: true });
    const est = { renderer: { doneSteps: 0, presets: [] }, gan: { doneSteps: 0, presets: [] }, residual: { doneSteps: 0, presets: [p('draft', 600), p('standard', 1400), p('best', 3600)] } };
    const c = trainChoices('residual', est, 8);
    expect(c.map((x) => x.time)).toEqual(['up to about 10 min (typical; not measured here yet)', 'up to about 23 min (typical; not measured here yet)', 'up to about 1 h (typical; not measured here yet)']);
    expect(c.every((x) => !x.done && x.quality === undefined)).toBe(true);
  });
});

describe('plain words', () => {
  it('says where the motion came from, per attribute, and names takes by order', () => {
    expect(motionProvenance({ source: 'prior' }).short).toBe('Built-in motion (not trained on this person yet)');
    const mixed = motionProvenance({ source: 'facial-gan', generator: { implicit: { pose: 'prior', blink: 'prior' }, modelStep: 60 } });
    expect(mixed.short).toBe('expression: learned · head pose: built-in · blinks: built-in');
    expect(mixed.detail).toMatch(/FACIAL-GAN \(model at step 60\)/);
    expect(motionProvenance({ source: 'facial-gan', generator: { implicit: { pose: 'model', blink: 'model' } } }).short).toBe('Motion learned from this person');
    const curves = [
      { id: 'c-05e38a8c', personaId: 'a', mediaId: 'v', path: '', source: 'prior' as const, createdAt: '2025-01-01T10:00:00Z' },
      { id: 'c-77', personaId: 'a', mediaId: 'v', path: '', source: 'facial-gan' as const, createdAt: '2025-01-01T11:00:00Z' },
    ];
    expect(takeLabel(curves, 'c-77')).toMatch(/^Take 2 · learned · /);
    // A FACIAL-GAN take whose verdict kept the built-in motion says so.
    const kept = curves.map((c) => (c.id === 'c-77' ? { ...c, origin: 'built-in' as const } : c));
    expect(takeLabel(kept, 'c-77')).toMatch(/^Take 2 · built-in · /);
    expect(takeLabel(curves.map((c) => (c.id === 'c-77' ? { ...c, origin: 'mixed' as const } : c)), 'c-77')).toMatch(/^Take 2 · built-in \+ learned · /);
    expect(takeLabel(curves, 'c-05e38a8c')).not.toContain('c-05e38a8c');
  });

  it('job progress in words, the engine figures as details', () => {
    const job = (stage: string, message?: string): JobInfo => ({ id: 'j', kind: 'renderer.train', title: 't', state: 'running', stage, fraction: 0.3, startedAt: '', ...(message ? { message } : {}) });
    expect(jobProgressText(job('train', 'step 120/300  G 1.234  D 0.500  L1 0.200'))).toEqual({ stage: 'Training: step 120 of 300', detail: 'step 120/300  G 1.234  D 0.500  L1 0.200' });
    expect(jobProgressText(job('track')).stage).toBe('Finding the face in each frame');
  });

  it('names the edits a re-generated range replaced', () => {
    const doc = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(300) });
    const withKey = setKeyframe(doc.edits, 'yaw', 130, 0.1).edits;
    const withBlink = addBlink(withKey, { start: 140 }, 300).edits;
    const after = { layers: [], blinks: withBlink.blinks.filter((b) => b.start < 100 || b.start > 160) };
    const d = describeEditChanges(withBlink, after, 25, (c) => laneDisplay(c).label);
    expect(d.removed).toContain('the key on Head turn at 00:00:05:05');
    expect(d.removed).toContain('the blink at 00:00:05:15');
  });

  it('icons by file kind, save names, a persona report without jargon', () => {
    expect(fileKind('talk.MP4')).toBe('video');
    expect(fileKind('talk.wav')).toBe('audio');
    expect(fileKind('x', true)).toBe('folder');
    expect(saveName('talk', '.mp4')).toEqual({ name: 'talk.mp4' });
    expect(saveName('a/b', '.mp4').problem).toMatch(/cannot contain/);
    const info: PersonaInfoPayload = {
      personaId: 'a', name: 'A', problems: [],
      report: { tracking: { framesTotal: 200, framesTracked: 200, trackedPct: 100 }, fit: { reprojectionPx: { median: 0.84, p95: 2.9 } }, blink: { count: 10, ratePerMin: 75 }, pose: { pitchDeg: { min: 0, max: 1 }, yawDeg: { min: 0, max: 1 }, rollDeg: { min: 0, max: 1 }, xMm: { min: 0, max: 1 }, yMm: { min: 0, max: 1 }, zMm: { min: 0, max: 1 } }, warnings: [] },
      gan: { training: null, eval: null },
      renderer: { training: { steps: 300, size: 256, trainSeconds: 400, updatedAt: '' }, eval: null },
    };
    const s = personaSummary(info);
    expect(Object.values(s).join(' ')).not.toMatch(/Reprojection|p95|PSNR|SSIM|FACIAL-GAN|prior/);
    expect(s.renderer).toBe('Trained (draft): 300 steps in 7 min.');
  });

  it('the blink view lights the eyes as much as the blink closes them', () => {
    const open = eyeViewColour(true, 0);
    const closed = eyeViewColour(true, 1);
    const skin = eyeViewColour(false, 1);
    expect(closed[2]).toBeLessThan(open[2]);
    expect(closed[0] - closed[2]).toBeGreaterThan(0.8);
    expect(skin).toEqual(eyeViewColour(false, 0));
  });
});
