import { describe, it, expect } from 'vitest';
import { createCurveDocument, serializeCurveDocument, parseCurveDocument, CurveDocumentError, evaluate, float32ToBase64, base64ToFloat32 } from '../../../src/engine/common/curves';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import { syntheticBase } from './helpers';

describe('curve document', () => {
  it('round-trips through JSON exactly (base as base64 float32 LE)', () => {
    const base = syntheticBase(300, { blinksAt: [40, 200] });
    const doc = createCurveDocument({ source: 'facial-gan', personaId: 'p1', fps: 25, base, mediaId: 'm1', generator: { seed: 3 } });
    expect(doc.frameCount).toBe(300);
    const text = serializeCurveDocument(doc);
    const json = JSON.parse(text);
    expect(json).toMatchObject({ formatVersion: 1, kind: 'facial-curves', source: 'facial-gan', personaId: 'p1', mediaId: 'm1', fps: 25, frameCount: 300, paramCount: 71 });
    expect(json.base.encoding).toBe('base64-f32le');
    const back = parseCurveDocument(text);
    expect(Array.from(back.base)).toEqual(Array.from(doc.base));
    expect(back.edits).toEqual(doc.edits);
    for (const f of [0, 41, 150, 299]) expect(Array.from(evaluate(back, f))).toEqual(Array.from(evaluate(doc, f)));
  });

  it('base64 float32 matches the little-endian bytes', () => {
    const v = new Float32Array([1, -2.5, Math.PI, 0, 1e-30]);
    const b64 = float32ToBase64(v);
    // 1.0f32 LE = 00 00 80 3f
    expect(b64.startsWith('AACAPw')).toBe(true);
    expect(Array.from(base64ToFloat32(b64))).toEqual(Array.from(v));
    for (let n = 0; n < 5; n++) expect(Array.from(base64ToFloat32(float32ToBase64(v.subarray(0, n))))).toEqual(Array.from(v.subarray(0, n)));
  });

  it('turns generated blinks into events and evaluates them back', () => {
    const base = syntheticBase(300, { blinksAt: [40, 200] });
    const doc = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base });
    expect(doc.edits.blinks).toHaveLength(2);
    expect(doc.edits.blinks[0].start).toBeGreaterThanOrEqual(36);
    expect(doc.edits.blinks[0].start).toBeLessThanOrEqual(42);
    // The base keeps the baseline only...
    expect(doc.base[43 * PARAM_COUNT + 6]).toBeLessThan(0.2);
    // ...and evaluation puts a blink back where it was.
    expect(evaluate(doc, 43)[6]).toBeGreaterThan(0.6);
    expect(evaluate(doc, 120)[6]).toBeCloseTo(0.1, 5);
  });

  it('refuses wrong sizes, non-finite values and damaged files with clear messages', () => {
    expect(() => createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: new Float32Array(70) })).toThrow(/not a whole number/);
    const bad = syntheticBase(3);
    bad[5] = Number.NaN;
    expect(() => createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: bad })).toThrow(/NaN at frame 0, parameter 5/);
    expect(() => parseCurveDocument('{')).toThrow(CurveDocumentError);
    const good = JSON.parse(serializeCurveDocument(createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(10) })));
    expect(() => parseCurveDocument({ ...good, frameCount: 11 }, 'c.json')).toThrow(/c.json says 11 frames but its base holds 10/);
    expect(() => parseCurveDocument({ ...good, kind: 'other' })).toThrow(/kind/);
    expect(() => parseCurveDocument({ ...good, formatVersion: 9 })).toThrow(/newer FACIAL Studio/);
    const badLayer = { ...good, edits: { blinks: [], layers: [{ kind: 'offset', id: 'a', channel: 'sem:nope', start: 0, end: 3, fade: 0, value: 1 }] } };
    expect(() => parseCurveDocument(badLayer)).toThrow(/sem:nope, which is not one of its semantic controls/);
    const badChannel = { ...good, edits: { blinks: [], layers: [{ kind: 'offset', id: 'a', channel: 'expr:64', start: 0, end: 3, fade: 0, value: 1 }] } };
    expect(() => parseCurveDocument(badChannel)).toThrow(/not a curve channel/);
    const reversed = { ...good, edits: { blinks: [], layers: [{ kind: 'offset', id: 'a', channel: 'yaw', start: 5, end: 3, fade: 0, value: 1 }] } };
    expect(() => parseCurveDocument(reversed)).toThrow(/start must not be after end/);
    const dup = { ...good, edits: { layers: [], blinks: [{ id: 'x', start: 1, duration: 5, strength: 1 }, { id: 'x', start: 3, duration: 5, strength: 1 }] } };
    expect(() => parseCurveDocument(dup)).toThrow(/"x" twice/);
    expect(() => parseCurveDocument({ ...good, base: { encoding: 'base64-f32le', data: 'abc' } })).toThrow(/damaged base/);
  });
});
