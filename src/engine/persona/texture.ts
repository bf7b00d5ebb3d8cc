/**
 * The texture atlas: the mesh unwrapped by its UVs (the face mesh's canonical UV map)
 * and filled with the colours of several frames, each triangle weighted by how
 * squarely it faces the camera in that frame (cos²); back-facing and grazing
 * triangles (cos < 0.2) do not contribute. Texels no frame covered get the colour
 * of their nearest covered neighbour (so bilinear lookups at the seams do not pull in
 * black) and alpha 0; covered texels have alpha 255.
 */

export interface TextureAccumulator {
  size: number;
  sum: Float32Array;
  weight: Float32Array;
  frames: number;
}

export function createTextureAccumulator(size = 512): TextureAccumulator {
  return { size, sum: new Float32Array(size * size * 3), weight: new Float32Array(size * size), frames: 0 };
}

function sampleBilinear(rgb: Uint8Array, W: number, H: number, x: number, y: number, out: number[]): boolean {
  // Pixel centres at integer + 0.5.
  const fx = x - 0.5, fy = y - 0.5;
  const x0 = Math.floor(fx), y0 = Math.floor(fy);
  if (x0 < 0 || y0 < 0 || x0 + 1 >= W || y0 + 1 >= H) return false;
  const ax = fx - x0, ay = fy - y0;
  const i00 = (y0 * W + x0) * 3, i10 = i00 + 3, i01 = i00 + W * 3, i11 = i01 + 3;
  for (let c = 0; c < 3; c++) {
    out[c] = (1 - ay) * ((1 - ax) * rgb[i00 + c] + ax * rgb[i10 + c]) + ay * ((1 - ax) * rgb[i01 + c] + ax * rgb[i11 + c]);
  }
  return true;
}

/**
 * Adds one frame. `image2d` [V*2] are the model's vertices projected to the frame (px),
 * `camera3d` [V*3] the same vertices in camera space (mm), triangles wound with
 * outward normals ((b − a) × (c − a) points out of the face).
 */
export function accumulateTexture(
  acc: TextureAccumulator, rgb: Uint8Array, W: number, H: number,
  image2d: ArrayLike<number>, camera3d: ArrayLike<number>, triangles: ArrayLike<number>, uvs: ArrayLike<number>, frameWeight = 1,
): void {
  const S = acc.size;
  const px = [0, 0, 0];
  for (let f = 0; f < triangles.length; f += 3) {
    const a = triangles[f], b = triangles[f + 1], c = triangles[f + 2];
    // Facing: outward normal vs the direction to the camera.
    const ax = camera3d[a * 3], ay = camera3d[a * 3 + 1], az = camera3d[a * 3 + 2];
    const e1 = [camera3d[b * 3] - ax, camera3d[b * 3 + 1] - ay, camera3d[b * 3 + 2] - az];
    const e2 = [camera3d[c * 3] - ax, camera3d[c * 3 + 1] - ay, camera3d[c * 3 + 2] - az];
    const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const cx = (ax + camera3d[b * 3] + camera3d[c * 3]) / 3, cy = (ay + camera3d[b * 3 + 1] + camera3d[c * 3 + 1]) / 3, cz = (az + camera3d[b * 3 + 2] + camera3d[c * 3 + 2]) / 3;
    const cos = -(n[0] * cx + n[1] * cy + n[2] * cz) / ((Math.hypot(n[0], n[1], n[2]) * Math.hypot(cx, cy, cz)) || 1);
    if (cos < 0.2) continue;
    const w = frameWeight * cos * cos;
    const u0 = uvs[a * 2] * S, v0 = uvs[a * 2 + 1] * S;
    const u1 = uvs[b * 2] * S, v1 = uvs[b * 2 + 1] * S;
    const u2 = uvs[c * 2] * S, v2 = uvs[c * 2 + 1] * S;
    const det = (v1 - v2) * (u0 - u2) + (u2 - u1) * (v0 - v2);
    if (Math.abs(det) < 1e-9) continue;
    const minX = Math.max(0, Math.floor(Math.min(u0, u1, u2))), maxX = Math.min(S - 1, Math.ceil(Math.max(u0, u1, u2)));
    const minY = Math.max(0, Math.floor(Math.min(v0, v1, v2))), maxY = Math.min(S - 1, Math.ceil(Math.max(v0, v1, v2)));
    for (let ty = minY; ty <= maxY; ty++) {
      for (let tx = minX; tx <= maxX; tx++) {
        const pu = tx + 0.5, pv = ty + 0.5;
        const l0 = ((v1 - v2) * (pu - u2) + (u2 - u1) * (pv - v2)) / det;
        const l1 = ((v2 - v0) * (pu - u2) + (u0 - u2) * (pv - v2)) / det;
        const l2 = 1 - l0 - l1;
        if (l0 < -1e-4 || l1 < -1e-4 || l2 < -1e-4) continue;
        const ix = l0 * image2d[a * 2] + l1 * image2d[b * 2] + l2 * image2d[c * 2];
        const iy = l0 * image2d[a * 2 + 1] + l1 * image2d[b * 2 + 1] + l2 * image2d[c * 2 + 1];
        if (!sampleBilinear(rgb, W, H, ix, iy, px)) continue;
        const t = ty * S + tx;
        acc.sum[t * 3] += w * px[0];
        acc.sum[t * 3 + 1] += w * px[1];
        acc.sum[t * 3 + 2] += w * px[2];
        acc.weight[t] += w;
      }
    }
  }
  acc.frames++;
}

/** The atlas as RGBA (alpha 255 where covered), with uncovered texels padded from their neighbours. */
export function finishTexture(acc: TextureAccumulator): { data: Uint8Array; coverage: number } {
  const S = acc.size;
  const rgb = new Float32Array(S * S * 3);
  const known = new Uint8Array(S * S);
  const data = new Uint8Array(S * S * 4);
  let covered = 0;
  for (let t = 0; t < S * S; t++) {
    const w = acc.weight[t];
    if (w > 0) {
      for (let c = 0; c < 3; c++) rgb[t * 3 + c] = acc.sum[t * 3 + c] / w;
      known[t] = 1;
      data[t * 4 + 3] = 255;
      covered++;
    }
  }
  // Pad: grow the covered area outwards, 48 texels.
  for (let pass = 0; pass < 48; pass++) {
    const next = known.slice();
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const t = y * S + x;
        if (known[t]) continue;
        let n = 0;
        const acc3 = [0, 0, 0];
        for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
          const xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= S || yy >= S) continue;
          const u = yy * S + xx;
          if (!known[u]) continue;
          for (let c = 0; c < 3; c++) acc3[c] += rgb[u * 3 + c];
          n++;
        }
        if (n > 0) {
          for (let c = 0; c < 3; c++) rgb[t * 3 + c] = acc3[c] / n;
          next[t] = 1;
        }
      }
    }
    known.set(next);
  }
  for (let t = 0; t < S * S; t++) for (let c = 0; c < 3; c++) data[t * 4 + c] = Math.max(0, Math.min(255, Math.round(rgb[t * 3 + c])));
  return { data, coverage: covered / (S * S) };
}
