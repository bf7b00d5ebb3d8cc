import { describe, it, expect } from 'vitest';
import { editorReducer, initialEditor, type EditorState } from '../../../src/renderer/state/editor';
import { regenerateAction } from '../../../src/renderer/state/regenerate';
import { createCurveDocument, setKeyframe, evaluate } from '../../../src/engine/common/curves';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import { syntheticBase } from '../curves/helpers';

const T = 250;
const doc = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(T, { blinksAt: [100] }), mediaId: 'v1' });
/** Another take: the same shape shifted, so merged frames are recognisable. */
const takeBase = syntheticBase(T);
for (let f = 0; f < T; f++) takeBase[f * PARAM_COUNT + 1] += 0.3;
const take = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: takeBase, mediaId: 'v1' });

describe('re-generate range in the editor', () => {
  it('merges only the range into the base, keeps the edits outside it, and is one undoable step', () => {
    let s: EditorState = editorReducer(initialEditor, { type: 'load', curvesId: 'c1', doc });
    const outside = setKeyframe(s.history.present.edits, 'yaw', 20, 0.25).edits;
    const inside = setKeyframe(outside, 'yaw', 120, -0.2).edits;
    s = editorReducer(s, { type: 'commit', label: 'Keys', edits: inside });
    const before = s.doc!;
    const { action, summary } = regenerateAction(s.doc!, take, 110, 150);
    // It names the edit that went: which key, on which lane, where.
    expect(summary).toMatch(/^Frames 110–150 re-generated; replaced inside the range: the key on Head turn at 00:00:04:20/);
    s = editorReducer(s, action);
    expect(s.doc!.base).not.toBe(before.base);
    expect(s.save.state).toBe('dirty');
    expect(s.savedBase).toBe(doc.base); // autosave sees the base changed and writes the whole document
    // Inside (past the cross-fade) the take's yaw; outside the old base with the kept key.
    expect(s.doc!.base[130 * PARAM_COUNT + 1]).toBeCloseTo(takeBase[130 * PARAM_COUNT + 1], 5);
    expect(s.doc!.base[60 * PARAM_COUNT + 1]).toBe(doc.base[60 * PARAM_COUNT + 1]);
    expect(evaluate(s.doc!, 20)[1]).toBeCloseTo(0.25, 6);
    expect(s.doc!.edits.layers.flatMap((l) => (l.kind === 'keys' ? l.keys.map((k) => k.frame) : []))).toEqual([20]);

    s = editorReducer(s, { type: 'undo' });
    expect(s.doc!.base).toBe(before.base);
    expect(s.doc!.edits).toBe(inside);
    s = editorReducer(s, { type: 'redo' });
    expect(s.doc!.base[130 * PARAM_COUNT + 1]).toBeCloseTo(takeBase[130 * PARAM_COUNT + 1], 5);
    // Later edits keep the re-generated base.
    const next = setKeyframe(s.history.present.edits, 'pitch', 200, 0.1).edits;
    const base = s.doc!.base;
    s = editorReducer(s, { type: 'commit', label: 'Key', edits: next });
    expect(s.doc!.base).toBe(base);
    s = editorReducer(s, { type: 'save', save: { state: 'saved' }, revision: s.revision, base });
    expect(s.savedBase).toBe(base);
  });

  it('refuses a take too short for the range, and a base of the wrong size', () => {
    const short = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(100), mediaId: 'v1' });
    expect(() => regenerateAction(doc, short, 90, 120)).toThrow(/has 100 frames, too few for frames 90–120/);
    const s = editorReducer(initialEditor, { type: 'load', curvesId: 'c1', doc });
    expect(editorReducer(s, { type: 'rebase', label: 'x', base: new Float32Array(10), edits: s.history.present.edits })).toBe(s);
  });
});
