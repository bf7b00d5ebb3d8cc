import { describe, it, expect } from 'vitest';
import { editorReducer, initialEditor, advancePlayhead, visibleLanes, pruneSelection, saveLabel, type EditorState } from '../../../src/renderer/state/editor';
import { createCurveDocument, setKeyframe, addBlink } from '../../../src/engine/common/curves';
import { syntheticBase } from '../curves/helpers';
import { zoomAt, panBy, fitView, clampView, frameToX, xToFrame, rulerTicks, timecode, rulerLabel, placeholderFrames, followFrame, MIN_FRAMES_PER_PX } from '../../../src/renderer/state/timeline-view';

const doc = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(250, { blinksAt: [100] }) });
const loaded = (): EditorState => editorReducer(initialEditor, { type: 'load', curvesId: 'c1', doc });

describe('editorReducer', () => {
  it('loads a document with an empty history and clean save state', () => {
    const s = loaded();
    expect(s.doc).toBe(doc);
    expect(s.history.past).toHaveLength(0);
    expect(s.save.state).toBe('saved');
    expect(s.revision).toBe(0);
  });

  it('commits edits, marks them unsaved, and undoes/redoes them (a drag is one step)', () => {
    let s = loaded();
    const a = setKeyframe(s.history.present.edits, 'yaw', 10, 0.2);
    s = editorReducer(s, { type: 'commit', label: 'Add key', edits: a.edits, select: { kind: 'keys', items: [{ layerId: a.layerId, keyId: a.keyId }] } });
    expect(s.doc!.edits).toBe(a.edits);
    expect(s.revision).toBe(1);
    expect(s.save.state).toBe('dirty');
    const b1 = setKeyframe(s.history.present.edits, 'yaw', 10, 0.3).edits;
    const b2 = setKeyframe(b1, 'yaw', 10, 0.4).edits;
    s = editorReducer(s, { type: 'commit', label: 'Move key', edits: b1, coalesce: 'drag' });
    s = editorReducer(s, { type: 'commit', label: 'Move key', edits: b2, coalesce: 'drag' });
    s = editorReducer(s, { type: 'gesture-end' });
    expect(s.history.past).toHaveLength(2);
    s = editorReducer(s, { type: 'undo' });
    expect(s.doc!.edits).toBe(a.edits);
    s = editorReducer(s, { type: 'undo' });
    expect(s.doc!.edits).toBe(doc.edits);
    // The selected key no longer exists: the selection is dropped.
    expect(s.selection).toEqual({ kind: 'none' });
    s = editorReducer(s, { type: 'redo' });
    expect(s.doc!.edits).toBe(a.edits);
    s = editorReducer(s, { type: 'save', save: { state: 'saved', at: 'now' }, revision: s.revision });
    expect(s.savedRevision).toBe(s.revision);
    expect(saveLabel(s.save)).toBe('All changes saved');
  });

  it('clamps the playhead and steps by frames', () => {
    let s = loaded();
    s = editorReducer(s, { type: 'playhead', frame: 1e9 });
    expect(s.playhead).toBe(249);
    s = editorReducer(s, { type: 'step', frames: -300 });
    expect(s.playhead).toBe(0);
    s = editorReducer(s, { type: 'step', frames: 3 });
    expect(s.playhead).toBe(3);
    // No document: no playback.
    expect(editorReducer(initialEditor, { type: 'rate', rate: 1 }).rate).toBe(0);
  });

  it('sets a loop range in order and toggles it', () => {
    let s = editorReducer(loaded(), { type: 'loop', range: { start: 50, end: 20 } });
    expect(s.loop).toEqual({ start: 20, end: 50 });
    expect(s.loopOn).toBe(true);
    s = editorReducer(s, { type: 'loop', on: false });
    expect(s.loopOn).toBe(false);
    expect(s.loop).toEqual({ start: 20, end: 50 });
  });

  it('only accepts real channels as the active lane', () => {
    const s = loaded();
    expect(editorReducer(s, { type: 'active-channel', channel: 'expr:3' }).activeChannel).toBe('expr:3');
    expect(editorReducer(s, { type: 'active-channel', channel: 'nose' })).toBe(s);
  });

  it('prunes selections of deleted blinks', () => {
    const r = addBlink(doc.edits, { start: 10 });
    expect(pruneSelection({ kind: 'blink', id: r.blinkId }, r.edits)).toEqual({ kind: 'blink', id: r.blinkId });
    expect(pruneSelection({ kind: 'blink', id: r.blinkId }, doc.edits)).toEqual({ kind: 'none' });
  });
});

describe('playback and lanes', () => {
  it('advances, stops at the end, and wraps inside a loop', () => {
    expect(advancePlayhead(10, 1.5, 100)).toEqual({ frame: 11.5, stop: false });
    expect(advancePlayhead(98.5, 2, 100)).toEqual({ frame: 99, stop: true });
    expect(advancePlayhead(49, 3, 100, { start: 40, end: 50 })).toEqual({ frame: 41, stop: false });
    expect(advancePlayhead(41, -2, 100, { start: 40, end: 50 })).toEqual({ frame: 50, stop: false });
    expect(advancePlayhead(1, -2, 100)).toEqual({ frame: 0, stop: true });
  });

  it('shows pose, blink and semantic lanes, plus the raw 64 in the advanced view', () => {
    const withSem = { ...doc, semantic: [{ name: 'jaw', label: 'Jaw open', direction: new Array(64).fill(0.125) }] };
    expect(visibleLanes(withSem, false)).toEqual(['yaw', 'pitch', 'roll', 'x', 'y', 'z', 'blink', 'sem:jaw']);
    expect(visibleLanes(withSem, true)).toHaveLength(8 + 64);
  });
});

describe('timeline view', () => {
  const T = 15000;
  const W = 1200;
  it('fits, zooms around the pointer and pans within bounds', () => {
    const fit = fitView(T, W);
    expect(xToFrame(fit, W)).toBeGreaterThanOrEqual(T - 1);
    const z = zoomAt(fit, 600, 4, T, W);
    expect(xToFrame(z, 600)).toBeCloseTo(xToFrame(fit, 600), 6);
    expect(z.framesPerPx).toBeCloseTo(fit.framesPerPx / 4, 9);
    // Zoom limits.
    expect(zoomAt(fit, 0, 1e9, T, W).framesPerPx).toBe(MIN_FRAMES_PER_PX);
    expect(zoomAt(z, 0, 1e-9, T, W).framesPerPx).toBeCloseTo(fit.framesPerPx, 9);
    // Pan stops at the ends (with a small margin).
    const far = panBy(z, 1e9, T, W);
    expect(xToFrame(far, W)).toBeLessThan(T + 0.03 * W * z.framesPerPx);
    expect(panBy(z, -1e9, T, W).start).toBeLessThanOrEqual(0);
    expect(clampView(far, T, W)).toBe(far);
    expect(frameToX(z, xToFrame(z, 123))).toBeCloseTo(123, 9);
  });

  it('follows the playhead page by page', () => {
    const v = zoomAt(fitView(T, W), 0, 10, T, W);
    expect(followFrame(v, 10, T, W)).toBe(v);
    const moved = followFrame(v, 5000, T, W);
    const x = frameToX(moved, 5000);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThan(W);
  });

  it('labels the ruler with time codes at readable spacing', () => {
    // hours:minutes:seconds:frames, as editing programs show it.
    expect(timecode(0, 25)).toBe('00:00:00:00');
    expect(timecode(25 * 62 + 12, 25)).toBe('00:01:02:12');
    expect(timecode(25 * 3661, 25)).toBe('01:01:01:00');
    expect(timecode(-5, 25)).toBe('00:00:00:00');
    // The ruler: minutes:seconds on whole seconds, the frame between them.
    expect(rulerLabel(25 * 65, 25, 25)).toBe('1:05');
    expect(rulerLabel(30, 25, 5)).toBe('5f');
    expect(rulerLabel(50, 25, 5)).toBe('0:02');
    // Before curves exist the timeline spans the voice-over (or ten seconds), not a single frame.
    expect(placeholderFrames(8, 25)).toBe(200);
    expect(placeholderFrames(undefined, 25)).toBe(250);
    expect(rulerTicks(fitView(placeholderFrames(8, 25), 1200), 1200, 25).major).toBeGreaterThanOrEqual(5);
    const fine = rulerTicks({ start: 0, framesPerPx: 0.05 }, 1000, 25);
    expect(fine.major).toBe(5);
    const coarse = rulerTicks(fitView(T, W), W, 25);
    expect(coarse.major % 25).toBe(0);
    expect(coarse.ticks.length).toBeLessThanOrEqual(Math.ceil(W / 80) + 1);
    for (let i = 1; i < coarse.ticks.length; i++) expect(coarse.ticks[i] - coarse.ticks[i - 1]).toBe(coarse.major);
  });
});
