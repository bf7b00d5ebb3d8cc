import { describe, it, expect } from 'vitest';
import {
  createCurveDocument, withEdits, evaluateChannel, addBlink, moveBlink, stretchBlink, removeBlinks, updateBlink,
  createHistory, commit, undo, redo, mark, canUndo, canRedo, undoLabel, setKeyframe, regenerateRange, addRangeLayer, MinMaxPyramid, blinkShape,
} from '../../../src/engine/common/curves';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import { syntheticBase } from './helpers';

describe('blink events', () => {
  it('are added, moved, stretched and removed, clamped to the timeline', () => {
    const doc = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(100), extractBlinks: false });
    const a = addBlink(doc.edits, { start: 20 }, 100);
    let e = a.edits;
    const d1 = withEdits(doc, e);
    const blink = evaluateChannel(d1, 'blink');
    expect(Math.max(...blink.slice(20, 28))).toBeGreaterThan(0.8);
    expect(blink[60]).toBeCloseTo(0.1, 5);
    e = moveBlink(e, a.blinkId, 60, 100);
    expect(e.blinks[0].start).toBe(60);
    expect(Math.max(...evaluateChannel(withEdits(doc, e), 'blink').slice(60, 68))).toBeGreaterThan(0.8);
    e = stretchBlink(e, a.blinkId, 12, 'end', 100);
    expect(e.blinks[0]).toMatchObject({ start: 55, duration: 12 });
    e = moveBlink(e, a.blinkId, -5, 100);
    expect(e.blinks[0].start).toBe(0);
    e = updateBlink(e, a.blinkId, { strength: 3 });
    expect(e.blinks[0].strength).toBe(1);
    expect(removeBlinks(e, [a.blinkId]).blinks).toHaveLength(0);
    expect(removeBlinks(e, ['none'])).toBe(e);
  });

  it('have a closing-then-opening shape', () => {
    expect(blinkShape(0)).toBe(0);
    expect(blinkShape(1)).toBe(0);
    expect(blinkShape(0.38)).toBeCloseTo(1, 6);
    expect(blinkShape(0.2)).toBeGreaterThan(blinkShape(0.8) - 1); // sanity
    expect(blinkShape(0.19)).toBeCloseTo(0.5, 6);
  });
});

describe('history', () => {
  it('undoes and redoes labelled commands; a drag is one step', () => {
    let h = createHistory({ n: 0 });
    h = commit(h, { n: 1 }, 'Add key');
    h = commit(h, { n: 2 }, 'Move key', { coalesce: 'drag-1' });
    h = commit(h, { n: 3 }, 'Move key', { coalesce: 'drag-1' });
    h = mark(h);
    h = commit(h, { n: 4 }, 'Move key', { coalesce: 'drag-1' });
    expect(h.past.map((e) => e.label)).toEqual(['Add key', 'Move key', 'Move key']);
    expect(undoLabel(h)).toBe('Move key');
    h = undo(h);
    expect(h.present.n).toBe(3);
    h = undo(h);
    expect(h.present.n).toBe(1);
    expect(canRedo(h)).toBe(true);
    h = redo(h);
    expect(h.present.n).toBe(3);
    // A new command clears the redo stack.
    h = commit(h, { n: 9 }, 'Delete');
    expect(canRedo(h)).toBe(false);
    h = undo(undo(undo(h)));
    expect(h.present.n).toBe(0);
    expect(canUndo(h)).toBe(false);
    expect(undo(h)).toBe(h);
  });

  it('keeps at most `limit` steps and ignores no-op commits', () => {
    let h = createHistory(0);
    for (let i = 1; i <= 20; i++) h = commit(h, i, 'step', { limit: 5 });
    expect(h.past).toHaveLength(5);
    expect(commit(h, h.present, 'same')).toBe(h);
  });
});

describe('regenerateRange', () => {
  it('replaces the base in the range with cross-fades, keeps edits elsewhere, trims straddling edits', () => {
    const T = 300;
    const doc = createCurveDocument({ source: 'facial-gan', personaId: 'p', fps: 25, base: syntheticBase(T, { blinksAt: [50, 150] }) });
    let e = setKeyframe(doc.edits, 'yaw', 20, 0.3).edits;
    e = setKeyframe(e, 'yaw', 130, 0.3).edits;
    e = addRangeLayer(e, { kind: 'offset', channel: 'x', start: 90, end: 250, fade: 5, value: 1 }).edits;
    e = addRangeLayer(e, { kind: 'offset', channel: 'y', start: 110, end: 180, fade: 5, value: 1 }).edits;
    const d = withEdits(doc, e);
    const fresh = new Float32Array(T * PARAM_COUNT).fill(0.25);
    for (let f = 0; f < T; f++) fresh[f * PARAM_COUNT + 6] = f >= 160 && f <= 166 ? 0.1 + 0.85 * Math.sin((Math.PI * (f - 160)) / 6) : 0.1;
    const r = regenerateRange(d, fresh, 100, 199, { fade: 4 });
    expect(r.removed).toEqual({ keys: 1, layers: 1, blinks: 1 });
    expect(r.trimmed).toBe(1);
    const out = r.doc;
    expect(out.base[150 * PARAM_COUNT + 1]).toBeCloseTo(0.25, 6); // inside: new
    expect(out.base[50 * PARAM_COUNT + 1]).toBe(doc.base[50 * PARAM_COUNT + 1]); // outside: old
    const edge = out.base[101 * PARAM_COUNT + 1];
    expect(edge).not.toBeCloseTo(0.25, 3); // cross-fade near the edge
    // Edits outside survive; x's offset keeps its parts outside the range.
    expect(evaluateChannel(out, 'yaw')[20]).toBeCloseTo(0.3, 5);
    const xs = out.edits.layers.filter((l) => l.channel === 'x');
    expect(xs.map((l) => (l.kind === 'keys' ? [] : [l.start, l.end]))).toEqual([[90, 99], [200, 250]]);
    expect(out.edits.layers.some((l) => l.channel === 'y')).toBe(false);
    // Blinks: the one at 50 kept, the one at 150 replaced by the new one at ~160.
    expect(out.edits.blinks.map((b) => Math.round(b.start / 10))).toEqual([5, 16]);
    // A range-only generation gives the same result.
    const rangeOnly = fresh.slice(100 * PARAM_COUNT, 200 * PARAM_COUNT);
    expect(Array.from(regenerateRange(d, rangeOnly, 100, 199, { fade: 4 }).doc.base)).toEqual(Array.from(out.base));
    expect(() => regenerateRange(d, new Float32Array(71 * 3), 100, 199)).toThrow(/expected 100/);
  });
});

describe('MinMaxPyramid', () => {
  it('answers min/max of any range like a scan does', () => {
    const n = 1237;
    const v = new Float32Array(n);
    let seed = 7;
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      v[i] = seed / 2 ** 31 - 0.5;
    }
    const p = new MinMaxPyramid(v);
    for (let t = 0; t < 500; t++) {
      const a = (t * 37) % n;
      const b = Math.min(n - 1, a + ((t * 101) % 400));
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = a; i <= b; i++) {
        lo = Math.min(lo, v[i]);
        hi = Math.max(hi, v[i]);
      }
      expect(p.range(a, b)).toEqual([lo, hi]);
    }
    const mins = new Float32Array(10);
    const maxs = new Float32Array(10);
    p.columns(100, 12.5, 10, mins, maxs);
    expect([mins[3], maxs[3]]).toEqual(p.range(137, 149));
  });
});
