import { promises as fs } from 'node:fs';
import { projectVertices } from '../../src/engine/common/face-model';
import { encodePng } from '../../src/engine/io/png';
import { loadPersona, loadPersonaLandmarks } from '../../src/engine/persona';
import { decodeSelectedFrames } from '../../src/engine/tracking/track-video';
import { PARAM_COUNT } from '../../src/shared/facial-params';

/**
 * Evidence that a persona's fitted model lines up with its video: for a few frames,
 * the fitted model's mesh (projected with the frame's parameters and the persona's
 * camera) drawn as a green wireframe, its eye-region vertices in yellow, and the
 * tracked landmarks as red dots, over the frame cropped to the persona's crop; tiled
 * into a grid of `tile`-pixel cells and written as a PNG.
 */
export async function renderFitOverlay(
  personaDir: string, video: string, frames: number[], outFile: string, tile = 256, cols = 2, tight = false,
): Promise<{ bytes: number }> {
  const persona = await loadPersona(personaDir);
  const landmarks = await loadPersonaLandmarks(persona);
  const { width: W, height: H } = persona.camera;
  let { x: cx, y: cy, size } = persona.meta.crop;
  if (tight) {
    // A square around the face in the chosen frames (15 % margin) instead of the persona's crop.
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const t of frames) for (let i = 0; i < 468; i++) {
      const x = landmarks[(t * 478 + i) * 3], y = landmarks[(t * 478 + i) * 3 + 1];
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
    size = Math.round(Math.max(x1 - x0, y1 - y0) * 1.3);
    cx = Math.round((x0 + x1) / 2 - size / 2);
    cy = Math.round((y0 + y1) / 2 - size / 2);
  }
  const rows = Math.ceil(frames.length / cols);
  const out = new Uint8Array(cols * tile * rows * tile * 3);
  const outW = cols * tile;
  let k = 0;
  const order = frames.slice().sort((a, b) => a - b);
  await decodeSelectedFrames(video, W, H, order, {
    onFrame: (t, rgb) => {
      const img = new Float32Array(rgb); // working copy, float for blending
      const proj = projectVertices(persona.model, persona.params.subarray(t * PARAM_COUNT, (t + 1) * PARAM_COUNT), persona.camera);
      const tri = persona.model.triangles;
      const line = (a: number, b: number, col: number[], alpha: number) => {
        const x0 = proj[a * 2], y0 = proj[a * 2 + 1], x1 = proj[b * 2], y1 = proj[b * 2 + 1];
        const n = Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 1.5) + 1;
        for (let i = 0; i <= n; i++) {
          const x = Math.floor(x0 + ((x1 - x0) * i) / n), y = Math.floor(y0 + ((y1 - y0) * i) / n);
          if (x < 0 || y < 0 || x >= W || y >= H) continue;
          const o = (y * W + x) * 3;
          for (let c = 0; c < 3; c++) img[o + c] = (1 - alpha) * img[o + c] + alpha * col[c];
        }
      };
      for (let f = 0; f < tri.length; f += 3) {
        line(tri[f], tri[f + 1], [0, 255, 0], 0.55);
        line(tri[f + 1], tri[f + 2], [0, 255, 0], 0.55);
        line(tri[f + 2], tri[f], [0, 255, 0], 0.55);
      }
      const dot = (x: number, y: number, col: number[], r: number) => {
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
          const xx = Math.floor(x) + dx, yy = Math.floor(y) + dy;
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
          const o = (yy * W + xx) * 3;
          for (let c = 0; c < 3; c++) img[o + c] = col[c];
        }
      };
      for (let v = 0; v < persona.model.vertexCount; v++) if (persona.model.eyeMask[v]) dot(proj[v * 2], proj[v * 2 + 1], [255, 230, 0], 1);
      for (let l = 0; l < 478; l++) dot(landmarks[(t * 478 + l) * 3], landmarks[(t * 478 + l) * 3 + 1], [255, 0, 0], 0);
      // Crop and box-filter down into the tile.
      const gx = (k % cols) * tile, gy = Math.floor(k / cols) * tile;
      const s = size / tile;
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          const sx0 = cx + x * s, sy0 = cy + y * s;
          const acc = [0, 0, 0];
          let n = 0;
          for (let yy = Math.floor(sy0); yy < Math.max(Math.floor(sy0) + 1, Math.floor(sy0 + s)); yy++) {
            for (let xx = Math.floor(sx0); xx < Math.max(Math.floor(sx0) + 1, Math.floor(sx0 + s)); xx++) {
              if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
              const o = (yy * W + xx) * 3;
              for (let c = 0; c < 3; c++) acc[c] += img[o + c];
              n++;
            }
          }
          const o = ((gy + y) * outW + gx + x) * 3;
          for (let c = 0; c < 3; c++) out[o + c] = n ? Math.round(acc[c] / n) : 0;
        }
      }
      k++;
    },
  });
  const png = encodePng({ width: outW, height: rows * tile, channels: 3, data: out });
  await fs.writeFile(outFile, png);
  return { bytes: png.length };
}
