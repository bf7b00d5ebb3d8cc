import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { deformMesh, projectVertices } from '../../src/engine/common/face-model';
import { EYE_LIDS } from '../../src/engine/common/eyelids';
import { pearson } from '../../src/engine/common/numeric';
import { readNpy } from '../../src/engine/io/npy';
import { loadPersona, loadPersonaReport, type Persona } from '../../src/engine/persona';
import { eyeOpening } from '../../src/engine/persona/expression-basis';
import { ConditioningRenderer } from '../../src/engine/render/conditioning';
import { loadPersonaTexture, personaView } from '../../src/engine/render/dataset';
import { aocPersonaDir } from '../helpers/aoc-persona';
import { skipNoSharedData } from '../helpers/repo';

/**
 * Blinks in the face model, on the AOC persona (10 blinks in 8 s, frames in
 * persona.test.ts): the persona carries its own blink field, the expression basis no
 * longer carries the blinks, and the conditioning render closes the lids.
 */
describe.skipIf(Boolean(skipNoSharedData))(`blinks in the AOC persona${skipNoSharedData ? ` (${skipNoSharedData})` : ''}`, () => {
  let persona: Persona;
  const row = (t: number) => persona.params.subarray(t * 71, (t + 1) * 71);

  beforeAll(async () => {
    persona = await loadPersona(await aocPersonaDir());
  }, 600_000);

  it('stores a blink field learnt from the clip, which closes the lids', async () => {
    expect(persona.modelJson.blink).toMatchObject({ file: 'blink.npy', version: 1, source: 'clip' });
    const npy = await readNpy(path.join(persona.dir, 'blink.npy'));
    expect(npy.shape).toEqual([478, 3]);
    expect(persona.model.blink?.length).toBe(478 * 3);
    const { openGapMm, closedGapMm } = persona.modelJson.blink!;
    expect(openGapMm).toBeGreaterThan(5);
    expect(closedGapMm).toBeLessThan(0.02 * openGapMm);
    const report = await loadPersonaReport(persona.dir);
    console.log(`AOC fit residual: median ${report.fit.reprojectionPx.median} px, p95 ${report.fit.reprojectionPx.p95} px (smoothed ${report.fit.reprojectionSmoothedPx.median} / ${report.fit.reprojectionSmoothedPx.p95})`);
    expect(existsSync(path.join(persona.dir, 'blink.npy'))).toBe(true);
  });

  it('the expression coefficients no longer open and close the eyes; the blink channel does', () => {
    const T = persona.frameCount;
    const exprGap: number[] = [], fullGap: number[] = [], blink: number[] = [];
    for (let t = 0; t < T; t++) {
      const p = row(t);
      exprGap.push(eyeOpening(deformMesh(persona.model, p.subarray(7))));
      fullGap.push(eyeOpening(deformMesh(persona.model, p.subarray(7), p[6])));
      blink.push(p[6]);
    }
    // Before blinks had their own field the expression alone followed the blinks (r = -0.996 on this clip).
    expect(Math.abs(pearson(exprGap, blink))).toBeLessThan(0.3);
    expect(pearson(fullGap, blink)).toBeLessThan(-0.9);
    // At the clip's fully closed frames the model's lids are (nearly) shut.
    const open = fullGap.filter((_, t) => blink[t] < 0.05);
    const openMean = open.reduce((a, b) => a + b, 0) / open.length;
    for (const t of [11, 26, 35]) if (blink[t] > 0.95) expect(fullGap[t]).toBeLessThan(0.2 * openMean);
  });

  it('the conditioning render draws the eyes closed where the blink is high, and changes nothing else', () => {
    const open = Array.from({ length: persona.frameCount }, (_, t) => t).find((t) => row(t)[6] === 0 && t > 40)!;
    const r = new ConditioningRenderer(persona.model, loadPersonaTexture(persona));
    const view = personaView(persona, 256);
    const p0 = row(open).slice(), p1 = row(open).slice();
    p0[6] = 0;
    p1[6] = 1;
    const a = r.render(p0, view), b = r.render(p1, view);
    // Eye boxes: the lid points projected into the crop; `grow` of the eye width around them.
    const proj = projectVertices(persona.model, p0, persona.camera);
    const scale = view.size / view.crop.size;
    const boxesGrown = (grow: number) => EYE_LIDS.map((eye) => {
      const pts = [eye.outer, eye.inner, ...eye.upper, ...eye.lower].map((v) => [(proj[v * 2] - view.crop.x) * scale, (proj[v * 2 + 1] - view.crop.y) * scale]);
      const xs = pts.map((q) => q[0]), ys = pts.map((q) => q[1]);
      const g = (Math.max(...xs) - Math.min(...xs)) * grow;
      return [Math.min(...xs) - g, Math.min(...ys) - g, Math.max(...xs) + g, Math.max(...ys) + g];
    });
    const inside = (boxes: number[][], x: number, y: number) => boxes.some(([x0, y0, x1, y1]) => x >= x0 && x <= x1 && y >= y0 && y <= y1);
    const near = boxesGrown(0.4), tight = boxesGrown(0);
    const lum = (f: typeof a, i: number) => f.rgb[i * 3] + f.rgb[i * 3 + 1] + f.rgb[i * 3 + 2];
    let diffEye = 0, diffElsewhere = 0, skin = 0, skinN = 0;
    for (let y = 0; y < view.size; y++) {
      for (let x = 0; x < view.size; x++) {
        const i = y * view.size + x;
        const d = Math.abs(a.rgb[i * 3] - b.rgb[i * 3]) + Math.abs(a.rgb[i * 3 + 1] - b.rgb[i * 3 + 1]) + Math.abs(a.rgb[i * 3 + 2] - b.rgb[i * 3 + 2]);
        if (inside(near, x, y)) diffEye += d;
        else diffElsewhere += d;
        if (a.coverage[i] && !inside(near, x, y)) { skin += lum(a, i); skinN++; }
      }
    }
    expect(diffEye).toBeGreaterThan(20 * Math.max(1, diffElsewhere));
    // Less contrast in the eyes: no white of the eye against a dark iris and pupil, the lid's
    // skin (with its lash line) over them. Measured on this clip: sd 169 -> 139, p90 - p10 452 -> 363.
    const stats = (f: typeof a) => {
      const v: number[] = [];
      for (let y = 0; y < view.size; y++) for (let x = 0; x < view.size; x++) if (inside(tight, x, y)) v.push(lum(f, y * view.size + x));
      v.sort((p, q) => p - q);
      const m = v.reduce((s2, x) => s2 + x, 0) / v.length;
      return { sd: Math.sqrt(v.reduce((s2, x) => s2 + (x - m) ** 2, 0) / v.length), range: v[Math.floor(0.9 * v.length)] - v[Math.floor(0.1 * v.length)] };
    };
    const so = stats(a), sc = stats(b);
    console.log(`eye boxes: luminance sd open ${so.sd.toFixed(1)}, closed ${sc.sd.toFixed(1)}; p90 - p10 open ${so.range}, closed ${sc.range}; skin mean ${(skin / skinN).toFixed(0)}`);
    expect(sc.sd).toBeLessThan(0.9 * so.sd);
    expect(sc.range).toBeLessThan(0.9 * so.range);
  });
});
