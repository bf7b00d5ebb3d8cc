import { describe, it, expect } from 'vitest';
import {
  createCurveDocument, withEdits, evaluate, evaluateChannel, evaluateAll, channelBase, CurveEvaluator, cubicBezier,
  setKeyframe, moveKeyframe, deleteKeyframes, setKeyframeEasing, updateKeysLayer, addRangeLayer, removeLayer, addBlink, semanticControls,
  type CurveDocument,
} from '../../../src/engine/common/curves';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import type { FaceModel } from '../../../src/engine/common/face-model';
import { syntheticBase } from './helpers';

const doc0 = (T = 200): CurveDocument => createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(T), extractBlinks: false });

describe('keyframes', () => {
  it('offset keys hit their values, keep the motion between keys and fade out beyond', () => {
    const doc = doc0();
    const base = channelBase(doc, 'yaw');
    let e = setKeyframe(doc.edits, 'yaw', 50, 0.3, { easing: 'linear', falloff: 10 }).edits;
    e = setKeyframe(e, 'yaw', 100, 0.3, { easing: 'linear' }).edits;
    const v = evaluateChannel(withEdits(doc, e), 'yaw');
    expect(v[50]).toBeCloseTo(0.3, 6);
    expect(v[100]).toBeCloseTo(0.3, 6);
    // Between the keys, the correction is interpolated: base detail is kept.
    const off50 = 0.3 - base[50];
    const off100 = 0.3 - base[100];
    expect(v[75]).toBeCloseTo(base[75] + (off50 + off100) / 2, 5);
    // Falloff: unchanged 11+ frames away, partially corrected within.
    expect(v[39]).toBeCloseTo(base[39], 6);
    expect(v[111]).toBeCloseTo(base[111], 6);
    expect(Math.abs(v[45] - base[45])).toBeGreaterThan(0);
    expect(Math.abs(v[45] - base[45])).toBeLessThan(Math.abs(off50));
    // Other channels are untouched.
    expect(evaluateChannel(withEdits(doc, e), 'pitch')).toEqual(channelBase(doc, 'pitch'));
  });

  it('absolute keys replace the curve between them; hold and bezier easing', () => {
    const doc = doc0();
    let r = setKeyframe(doc.edits, 'x', 20, 1, { easing: 'hold', mode: 'absolute', falloff: 0 });
    r = setKeyframe(r.edits, 'x', 40, 5, { easing: 'bezier' });
    r = setKeyframe(r.edits, 'x', 60, 9);
    const v = evaluateChannel(withEdits(doc, r.edits), 'x');
    expect(v[20]).toBe(1);
    expect(v[39]).toBe(1); // hold
    expect(v[40]).toBe(5);
    expect(v[50]).toBeCloseTo(7, 5); // bezier ease-in-out is symmetric: halfway at the middle
    expect(v[42] - 5).toBeLessThan((9 - 5) * 0.1); // slow start
    expect(v[60]).toBe(9);
    expect(v[61]).toBeCloseTo(channelBase(doc, 'x')[61], 6); // falloff 0
    expect(cubicBezier(0.42, 0, 0.58, 1, 0.5)).toBeCloseTo(0.5, 6);
    expect(cubicBezier(0, 0, 1, 1, 0.3)).toBeCloseTo(0.3, 5);
    const linear = setKeyframeEasing(r.edits, r.layerId, r.edits.layers[0].kind === 'keys' ? r.edits.layers[0].keys[1].id : '', 'linear');
    expect(evaluateChannel(withEdits(doc, linear), 'x')[50]).toBeCloseTo(7, 5);
    expect(evaluateChannel(withEdits(doc, linear), 'x')[45]).toBeCloseTo(6, 5);
  });

  it('moves keys without passing neighbours, deletes them, and drops empty layers', () => {
    const doc = doc0();
    const a = setKeyframe(doc.edits, 'yaw', 10, 0.1);
    const b = setKeyframe(a.edits, 'yaw', 30, 0.2);
    expect(b.layerId).toBe(a.layerId);
    let e = moveKeyframe(b.edits, a.layerId, a.keyId, { frame: 50, value: 0.4 }, doc.frameCount);
    const keys = (e.layers[0] as { keys: { frame: number; value: number }[] }).keys;
    expect(keys[0]).toMatchObject({ frame: 29, value: 0.4 });
    expect(moveKeyframe(e, a.layerId, a.keyId, { frame: 29, value: 0.4 })).toBe(e);
    e = moveKeyframe(e, a.layerId, b.keyId, { frame: 1e9 }, doc.frameCount);
    expect((e.layers[0] as { keys: { frame: number }[] }).keys[1].frame).toBe(doc.frameCount - 1);
    // Setting a key at an existing frame replaces it (same id).
    const same = setKeyframe(e, 'yaw', 29, 0.9);
    expect(same.keyId).toBe(a.keyId);
    e = deleteKeyframes(e, [a.keyId]);
    expect(e.layers).toHaveLength(1);
    e = deleteKeyframes(e, [b.keyId]);
    expect(e.layers).toHaveLength(0);
    expect(deleteKeyframes(e, ['nope'])).toBe(e);
  });

  it('disabled layers do nothing', () => {
    const doc = doc0();
    const r = setKeyframe(doc.edits, 'yaw', 10, 0.5);
    const off = updateKeysLayer(r.edits, r.layerId, { enabled: false });
    expect(evaluateChannel(withEdits(doc, off), 'yaw')).toEqual(channelBase(doc, 'yaw'));
  });
});

describe('range edits', () => {
  it('offset adds, override replaces, both with fades; layers stack in order', () => {
    const doc = doc0();
    const base = channelBase(doc, 'pitch');
    let r = addRangeLayer(doc.edits, { kind: 'offset', channel: 'pitch', start: 50, end: 99, fade: 5, value: 0.2 });
    let v = evaluateChannel(withEdits(doc, r.edits), 'pitch');
    expect(v[75]).toBeCloseTo(base[75] + 0.2, 6);
    expect(v[49]).toBe(base[49]);
    expect(v[51] - base[51]).toBeGreaterThan(0);
    expect(v[51] - base[51]).toBeLessThan(0.2);
    const r2 = addRangeLayer(r.edits, { kind: 'override', channel: 'pitch', start: 60, end: 70, fade: 0, value: -1 });
    v = evaluateChannel(withEdits(doc, r2.edits), 'pitch');
    expect(v[65]).toBe(-1);
    expect(v[75]).toBeCloseTo(base[75] + 0.2, 6);
    r = { edits: removeLayer(r2.edits, r2.layerId), layerId: '' };
    expect(evaluateChannel(withEdits(doc, r.edits), 'pitch')[65]).toBeCloseTo(base[65] + 0.2, 6);
  });

  it('smoothing reduces roughness inside its range only', () => {
    const doc = doc0(300);
    const noisy = doc.base.slice();
    for (let f = 0; f < 300; f++) noisy[f * PARAM_COUNT + 1] += f % 2 ? 0.05 : -0.05;
    const d = { ...doc, base: noisy };
    const r = addRangeLayer(d.edits, { kind: 'smooth', channel: 'yaw', start: 100, end: 200, fade: 4, radius: 6 });
    const before = channelBase(d, 'yaw');
    const after = evaluateChannel(withEdits(d, r.edits), 'yaw');
    const rough = (v: Float32Array, a: number, b: number) => {
      let s = 0;
      for (let f = a; f < b; f++) s += Math.abs(v[f + 1] - 2 * v[f] + v[f - 1]);
      return s;
    };
    expect(rough(after, 110, 190)).toBeLessThan(rough(before, 110, 190) / 20);
    expect(after[50]).toBe(before[50]);
    expect(after[250]).toBe(before[250]);
  });
});

describe('evaluate', () => {
  it('evaluate(doc, frame) equals the per-channel evaluation and evaluateAll', () => {
    const doc = doc0(120);
    let e = setKeyframe(doc.edits, 'yaw', 30, 0.4).edits;
    e = addRangeLayer(e, { kind: 'offset', channel: 'expr:5', start: 10, end: 60, fade: 3, value: 1 }).edits;
    e = addBlink(e, { start: 40 }).edits;
    const d = withEdits(doc, e);
    const all = evaluateAll(d);
    for (const f of [0, 30, 41, 44, 119]) {
      const row = evaluate(d, f);
      expect(row[1]).toBeCloseTo(evaluateChannel(d, 'yaw')[f], 6);
      expect(row[12]).toBeCloseTo(evaluateChannel(d, 'expr:5')[f], 6);
      expect(Array.from(all.subarray(f * 71, f * 71 + 71))).toEqual(Array.from(row));
    }
    expect(evaluate(d, 44)[6]).toBeGreaterThan(0.5);
    // Out-of-range frames clamp.
    expect(Array.from(evaluate(d, 1e6))).toEqual(Array.from(evaluate(d, 119)));
  });

  it('the cached evaluator recomputes only what an edit touches', () => {
    const doc = doc0(100);
    const ev = new CurveEvaluator();
    ev.setDocument(doc);
    const yaw0 = ev.channel('yaw');
    const pitch0 = ev.channel('pitch');
    const d2 = withEdits(doc, setKeyframe(doc.edits, 'yaw', 10, 1).edits);
    ev.setDocument(d2);
    expect(ev.channel('pitch')).toBe(pitch0);
    const yaw1 = ev.channel('yaw');
    expect(yaw1).not.toBe(yaw0);
    expect(yaw1[10]).toBeCloseTo(1, 6);
    expect(Array.from(ev.frame(10))).toEqual(Array.from(evaluate(d2, 10)));
  });
});

describe('semantic controls', () => {
  // A tiny model: 478 vertices, basis k moves landmark k's vertex along y (or x).
  function model(): FaceModel {
    const V = 478;
    const basis = new Float32Array(64 * V * 3);
    basis[(0 * V + 152) * 3 + 1] = 1; // expr 0: chin down
    basis[(1 * V + 17) * 3 + 1] = 1; // expr 1: lower lip down
    basis[(2 * V + 61) * 3 + 0] = -1; // expr 2: right corner out
    basis[(3 * V + 70) * 3 + 1] = -1; // expr 3: brow up
    return { vertexCount: V, neutral: new Float32Array(V * 3), basis, triangles: new Uint32Array(0), uvs: new Float32Array(V * 2), eyeMask: new Uint8Array(V), landmarkToVertex: Int32Array.from({ length: V }, (_, i) => i) };
  }

  it('derives unit directions from how controls move landmarks', () => {
    const controls = semanticControls(model());
    const jaw = controls.find((c) => c.name === 'jaw')!;
    expect(Math.hypot(...jaw.direction)).toBeCloseTo(1, 6);
    expect(jaw.direction[0]).toBeGreaterThan(0.5);
    expect(jaw.direction[1]).toBeGreaterThan(0.5);
    expect(jaw.direction[3]).toBe(0);
    const brow = controls.find((c) => c.name === 'brow')!;
    expect(brow.direction[3]).toBeCloseTo(1, 6);
  });

  it('edits on sem:jaw move the expression along the jaw direction', () => {
    const semantic = semanticControls(model());
    const doc = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(100), semantic, extractBlinks: false });
    const jaw = semantic.find((c) => c.name === 'jaw')!;
    const e = addRangeLayer(doc.edits, { kind: 'offset', channel: 'sem:jaw', start: 0, end: 99, fade: 0, value: 2 }).edits;
    const d = withEdits(doc, e);
    const a = evaluate(doc, 50);
    const b = evaluate(d, 50);
    for (let k = 0; k < 64; k++) expect(b[7 + k] - a[7 + k]).toBeCloseTo(2 * jaw.direction[k], 5);
    expect(b[1]).toBe(a[1]);
    // The semantic lane shows the projection of the base plus the edit.
    expect(evaluateChannel(d, 'sem:jaw')[50] - channelBase(doc, 'sem:jaw')[50]).toBeCloseTo(2, 5);
  });
});
