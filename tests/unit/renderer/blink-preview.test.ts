import { describe, expect, it } from 'vitest';
import { eyeViewColour, eyeViewLidColour, shadedColour } from '../../../src/renderer/viewport/scene-colours';

describe('3D preview colours for the eyelids', () => {
  it('the shaded view draws the lid edges dark on skin, so the eye opening (and a blink closing it) shows', () => {
    const skin = shadedColour(0), lash = shadedColour(1);
    for (let c = 0; c < 3; c++) expect(lash[c]).toBeLessThan(0.3 * skin[c]);
    expect(skin[0]).toBeGreaterThan(skin[2]);
  });

  it('the blink view darkens the lid edges the same way and keeps its blink colours elsewhere', () => {
    expect(eyeViewLidColour(true, 0.7, 0)).toEqual(eyeViewColour(true, 0.7));
    const edge = eyeViewLidColour(true, 0.7, 1), region = eyeViewColour(true, 0.7);
    for (let c = 0; c < 3; c++) expect(edge[c]).toBeCloseTo(region[c] * 0.25, 6);
  });
});
