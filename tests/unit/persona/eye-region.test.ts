import { describe, expect, it } from 'vitest';
import { defaultEyeThreshold, eyeCentre, eyeRegionMask } from '../../../src/engine/persona/eye-region';
import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from '../../../src/engine/persona/landmark-sets';
import { syntheticFace } from '../../helpers/persona-synthetic';

describe('eye region (method doc section 5)', () => {
  it('marks vertices inside the ellipse (x-c_x)^2/4 + (y-c_y)^2 < th: twice as wide as tall', () => {
    const face = syntheticFace(4);
    const th = 49; // semi-axes 14 mm (x) and 7 mm (y)
    const [cx, cy] = eyeCentre(face, EYE_IMAGE_LEFT);
    // Probe vertices 400..405 (not eye landmarks) at chosen offsets from the image-left eye's centre.
    const probes: [number, number, number, boolean][] = [
      [400, 13, 0, true], [401, 15, 0, false], [402, 0, 6.5, true], [403, 0, 7.5, false], [404, 9, 4, true], [405, 11, 5.5, false],
    ];
    for (const [v, dx, dy] of probes) face.set([cx + dx, cy + dy, 0], v * 3);
    const r = eyeRegionMask(face, th);
    expect(r.threshold).toBe(th);
    for (const [v, , , inside] of probes) expect(r.mask[v]).toBe(inside ? 1 : 0);
    // Every lid landmark of both eyes is in the region; a point far away is not.
    for (const eye of [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT]) for (const i of [...eye.upper, ...eye.lower]) expect(r.mask[i]).toBe(1);
    face.set([0, 60, 0], 300 * 3);
    expect(eyeRegionMask(face, th).mask[300]).toBe(0);
  });

  it('default threshold follows the eye width: th = (0.3 w)^2', () => {
    const face = syntheticFace(4);
    expect(defaultEyeThreshold(face)).toBeCloseTo((0.3 * 28) ** 2, 6);
  });
});
