import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from '../../src/engine/persona/landmark-sets';
import { Rng } from '../../src/engine/common/numeric';

/** Deterministic pseudo-random numbers in [-0.5, 0.5). */
export function rng(seed = 1): () => number {
  const r = new Rng(seed);
  return () => r.next() - 0.5;
}

/**
 * A face-like synthetic shape of 478 points in model space (mm): points spread over a
 * 140 x 180 x 60 mm half-ellipsoid, with the two eyes' landmarks placed on 28 mm wide
 * almond outlines centred at x = ±31 mm, y = -32 mm, and the iris centres at the eyes' centres.
 */
export function syntheticFace(seed = 7, eyeOpening = 10): Float64Array {
  const r = rng(seed);
  const s = new Float64Array(478 * 3);
  for (let i = 0; i < 478; i++) {
    const x = r() * 140, y = r() * 180;
    const z = -30 * Math.sqrt(Math.max(0, 1 - (x / 70) ** 2 - (y / 90) ** 2)) + r() * 4;
    s.set([x, y, z], i * 3);
  }
  for (const [eye, cx] of [[EYE_IMAGE_LEFT, -31], [EYE_IMAGE_RIGHT, 31]] as const) {
    const cy = -32;
    const sign = cx < 0 ? -1 : 1;
    s.set([cx + sign * 14, cy, -20], eye.outer * 3);
    s.set([cx - sign * 14, cy, -20], eye.inner * 3);
    eye.upper.forEach((i, k) => {
      const u = (k + 1) / (eye.upper.length + 1) * 2 - 1; // -1..1 across the eye
      s.set([cx + u * 14 * sign, cy - (eyeOpening / 2) * (1 - u * u), -21], i * 3);
    });
    eye.lower.forEach((i, k) => {
      const u = (k + 1) / (eye.lower.length + 1) * 2 - 1;
      s.set([cx + u * 14 * sign, cy + (eyeOpening / 2) * (1 - u * u), -21], i * 3);
    });
    for (const i of eye.iris) s.set([cx, cy, -22], i * 3);
  }
  return s;
}
