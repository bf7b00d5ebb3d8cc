import { describe, it, expect } from 'vitest';
import { createCurveDocument, evaluateAll, isRevoicedTake, isTakeAsFilmed, revoicedDocument, filmedFrame } from '../../../src/engine/common/curves';
import { motionProvenance } from '../../../src/renderer/state/motion-label';
import { BLINK_INDEX, PARAM_COUNT } from '../../../src/shared/facial-params';
import { syntheticBase } from './helpers';

/** A 40-frame clip (the persona's tracked parameters) and a 100-frame take generated for a longer voice-over. */
const footage = { params: syntheticBase(40, { blinksAt: [10] }).map((v, i) => (i % PARAM_COUNT === 1 ? v + 0.3 : v)), fps: 25, frameCount: 40 };
const generated = createCurveDocument({ source: 'prior', personaId: 'p', fps: 25, base: syntheticBase(100, { blinksAt: [30, 70] }), mediaId: 'v' });

describe('re-voicing the persona\'s own clip', () => {
  it('takes the clip\'s head pose and blinks frame for frame (back and forth past its end), the expression from the voice-over', () => {
    const doc = revoicedDocument(generated, footage);
    expect(isRevoicedTake(doc.generator)).toBe(true);
    expect(isRevoicedTake(generated.generator)).toBe(false);
    // The blink lane is the clip's tracked curve, not split into events.
    expect(doc.edits).toEqual({ layers: [], blinks: [] });
    const gen = evaluateAll(generated), out = evaluateAll(doc);
    expect([filmedFrame(0, 25, footage), filmedFrame(39, 25, footage), filmedFrame(45, 25, footage)]).toEqual([0, 39, 33]);
    for (let i = 0; i < 100; i++) {
      const j = filmedFrame(i, 25, footage);
      for (let c = 0; c <= BLINK_INDEX; c++) expect(out[i * PARAM_COUNT + c]).toBe(footage.params[j * PARAM_COUNT + c]);
      for (let c = BLINK_INDEX + 1; c < PARAM_COUNT; c++) expect(out[i * PARAM_COUNT + c]).toBeCloseTo(gen[i * PARAM_COUNT + c], 6);
    }
  });

  it('is played as filmed until its head pose or blinks are edited', () => {
    const doc = revoicedDocument(generated, footage);
    expect(isTakeAsFilmed(evaluateAll(doc), 25, footage)).toBe(true);
    // An expression edit keeps it as filmed; a turn of the head or an added blink does not.
    const expr = evaluateAll({ ...doc, edits: { layers: [{ kind: 'offset', id: 'l1', channel: 'expr:0', start: 0, end: 99, fade: 0, value: 0.5 }], blinks: [] } });
    expect(isTakeAsFilmed(expr, 25, footage)).toBe(true);
    const yaw = evaluateAll({ ...doc, edits: { layers: [{ kind: 'offset', id: 'l2', channel: 'yaw', start: 50, end: 60, fade: 0, value: 3 }], blinks: [] } });
    expect(isTakeAsFilmed(yaw, 25, footage)).toBe(false);
    const blink = evaluateAll({ ...doc, edits: { layers: [], blinks: [{ id: 'b1', start: 50, duration: 8, strength: 1 }] } });
    expect(isTakeAsFilmed(blink, 25, footage)).toBe(false);
    // The generated take itself is not the clip's motion.
    expect(isTakeAsFilmed(evaluateAll(generated), 25, footage)).toBe(false);
  });

  it('the timeline says what the take is', () => {
    const m = motionProvenance(revoicedDocument(generated, footage));
    expect(m.short).toBe('Re-voiced clip: its own head motion and blinks, the mouth built in from the voice-over');
    expect(m.detail).toMatch(/as tracked in the persona's own clip/);
  });
});
