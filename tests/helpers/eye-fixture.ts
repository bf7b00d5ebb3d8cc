import type { FaceModel } from '../../src/engine/common/face-model';
import { EYE_LIDS } from '../../src/engine/common/eyelids';
import { orientTriangles } from '../../src/engine/persona/fit-face';
import { syntheticFace } from './persona-synthetic';

/**
 * A face model with real eyelids for the blink tests: the 478 points of `syntheticFace`
 * (almond eyes 28 mm wide, `opening` mm tall, centred at x = ±31, y = -32), meshed like
 * the tracker's mesh around each eye: the opening between the upper and lower lid edges,
 * the lid skin up to a crease row 6 mm above and down to a row 5 mm below. UVs map the
 * face's x, y linearly; `eyeFixtureTexture` paints the neutral openings dark (the iris)
 * on light skin.
 */
export const CREASE_ROWS = [[300, 301, 302, 303, 304, 305, 306], [310, 311, 312, 313, 314, 315, 316]];
export const UNDER_ROWS = [[320, 321, 322, 323, 324, 325, 326], [330, 331, 332, 333, 334, 335, 336]];
const BOX = { x0: -80, x1: 80, y0: -70, y1: 10 };
const EYE_HALF_WIDTH = 14;

export function eyeFixtureModel(opening = 10): FaceModel {
  const neutral = syntheticFace(7, opening);
  const tris: number[] = [];
  EYE_LIDS.forEach((eye, e) => {
    // Outer corner on the face's side, inner towards the nose; rows run outer → inner.
    const cx = e === 0 ? -31 : 31, outward = e === 0 ? -1 : 1;
    neutral.set([cx + outward * EYE_HALF_WIDTH, -32, -20], eye.outer * 3);
    neutral.set([cx - outward * EYE_HALF_WIDTH, -32, -20], eye.inner * 3);
    const row = (ids: readonly number[], half: number, z: number) => ids.forEach((v, k) => {
      const u = 1 - ((k + 1) / (ids.length + 1)) * 2; // +1 at the outer corner .. -1 at the inner
      neutral.set([cx + outward * u * EYE_HALF_WIDTH, -32 + half * (1 - u * u), z], v * 3);
    });
    row(eye.upper, -opening / 2, -21);
    row(eye.lower, opening / 2, -21);
    row(CREASE_ROWS[e], -(opening / 2 + 6), -20);
    row(UNDER_ROWS[e], opening / 2 + 5, -20);
    for (const v of eye.iris) neutral.set([cx, -32, -22], v * 3);
    const chain = (ids: readonly number[]) => [eye.outer, ...ids, eye.inner];
    strip(chain(eye.upper), chain(eye.lower), tris);
    strip(chain(CREASE_ROWS[e]), chain(eye.upper), tris);
    strip(chain(eye.lower), chain(UNDER_ROWS[e]), tris);
  });
  const V = 478;
  const uvs = new Float32Array(V * 2);
  for (let v = 0; v < V; v++) {
    uvs[v * 2] = clamp01((neutral[v * 3] - BOX.x0) / (BOX.x1 - BOX.x0));
    uvs[v * 2 + 1] = clamp01((neutral[v * 3 + 1] - BOX.y0) / (BOX.y1 - BOX.y0));
  }
  return {
    vertexCount: V,
    neutral: Float32Array.from(neutral),
    basis: new Float32Array(64 * V * 3),
    triangles: orientTriangles(tris, neutral),
    uvs,
    eyeMask: new Uint8Array(V),
    landmarkToVertex: Int32Array.from({ length: V }, (_, i) => i),
  };
}

/** RGB texture of the fixture: dark inside the neutral eye openings, light skin elsewhere. */
export function eyeFixtureTexture(opening = 10, size = 256): { width: number; height: number; channels: 3; data: Uint8Array } {
  const data = new Uint8Array(size * size * 3);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = BOX.x0 + ((i + 0.5) / size) * (BOX.x1 - BOX.x0), y = BOX.y0 + ((j + 0.5) / size) * (BOX.y1 - BOX.y0);
      const s = (Math.abs(x) - 31) / EYE_HALF_WIDTH;
      const inside = Math.abs(s) < 1 && Math.abs(y + 32) < (opening / 2) * (1 - s * s);
      data.set(inside ? [30, 25, 20] : [215, 170, 150], (j * size + i) * 3);
    }
  }
  return { width: size, height: size, channels: 3, data };
}

/** Triangles between two chains of equal length (shared end points give no degenerate triangles). */
function strip(a: number[], b: number[], out: number[]): void {
  for (let k = 0; k + 1 < a.length; k++) {
    for (const t of [[a[k], a[k + 1], b[k + 1]], [a[k], b[k + 1], b[k]]]) {
      if (new Set(t).size === 3) out.push(...t);
    }
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
