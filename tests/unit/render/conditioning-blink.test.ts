import { describe, expect, it } from 'vitest';
import { ConditioningRenderer, type RenderView } from '../../../src/engine/render/conditioning';
import { eyeFixtureModel, eyeFixtureTexture } from '../../helpers/eye-fixture';

/**
 * The conditioning render (what G_r sees) closes the lids where the blink is high: on a
 * face model with real lids (the tracker's mesh around the eyes) and a texture with dark
 * eye openings, the dark pixels go as the blink comes, while the face stays covered.
 */
const VIEW: RenderView = { camera: { fx: 800, fy: 800, cx: 256, cy: 256, width: 512, height: 512 }, crop: { x: 176, y: 112, size: 160 }, size: 160 };
const pose = (blink: number) => {
  const p = new Float32Array(71);
  p[5] = 400;
  p[6] = blink;
  return p;
};

function measure(r: ConditioningRenderer, blink: number): { dark: number; darkMask: Uint8Array; coverage: Uint8Array } {
  const f = r.render(pose(blink), VIEW);
  const darkMask = new Uint8Array(f.size * f.size);
  let dark = 0;
  for (let i = 0; i < f.size * f.size; i++) {
    if (f.coverage[i] && f.rgb[i * 3] + f.rgb[i * 3 + 1] + f.rgb[i * 3 + 2] < 200) { darkMask[i] = 1; dark++; }
  }
  return { dark, darkMask, coverage: f.coverage.slice() };
}

describe('conditioning render with blinks', () => {
  it('draws the eyes closed at blink 1, open at 0, in between part-way', () => {
    const r = new ConditioningRenderer(eyeFixtureModel(10), eyeFixtureTexture(10), { light: { ambient: 1, diffuse: 0 } });
    const open = measure(r, 0), half = measure(r, 0.5), closed = measure(r, 1);
    expect(open.dark).toBeGreaterThan(500); // the two eye openings
    expect(half.dark).toBeLessThan(0.75 * open.dark);
    expect(half.dark).toBeGreaterThan(0.3 * open.dark);
    // What stays dark is the line where the lids meet (the lid edge's texture).
    expect(closed.dark).toBeLessThan(0.3 * open.dark);
    // The lids cover what the opening showed: no hole where the eyes were.
    let stillCovered = 0;
    open.darkMask.forEach((d, i) => { if (d && closed.coverage[i]) stillCovered++; });
    expect(stillCovered).toBeGreaterThan(0.97 * open.dark);
  });
});
