/**
 * Pixel operations of the export: bilinear resize of RGB images and blending of a
 * square patch into a frame through a soft mask.
 */

/** Bilinear resize of an RGB24 image (pixel centres aligned, edges clamped). */
export function resizeRgb(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, out = new Uint8Array(dw * dh * 3)): Uint8Array {
  if (sw === dw && sh === dh) {
    out.set(src.subarray(0, dw * dh * 3));
    return out;
  }
  const sx = sw / dw, sy = sh / dh;
  const x0s = new Int32Array(dw), x1s = new Int32Array(dw), fxs = new Float32Array(dw);
  for (let x = 0; x < dw; x++) {
    let fx = (x + 0.5) * sx - 0.5;
    if (fx < 0) fx = 0;
    if (fx > sw - 1) fx = sw - 1;
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(sw - 1, x0s[x] + 1);
    fxs[x] = fx - x0s[x];
  }
  for (let y = 0; y < dh; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    if (fy > sh - 1) fy = sh - 1;
    const y0 = Math.floor(fy), y1 = Math.min(sh - 1, y0 + 1), wy = fy - y0;
    const r0 = y0 * sw, r1 = y1 * sw;
    for (let x = 0; x < dw; x++) {
      const wx = fxs[x];
      const a = (r0 + x0s[x]) * 3, b = (r0 + x1s[x]) * 3, c = (r1 + x0s[x]) * 3, d = (r1 + x1s[x]) * 3;
      const o = (y * dw + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[a + ch] + (src[b + ch] - src[a + ch]) * wx;
        const bot = src[c + ch] + (src[d + ch] - src[c + ch]) * wx;
        out[o + ch] = Math.round(top + (bot - top) * wy);
      }
    }
  }
  return out;
}

/**
 * Blends a square RGB patch (side `size`) into an RGB frame at (x, y) with a mask
 * (side `size`, 0..1): frame = frame · (1 − m) + patch · m. Parts outside the frame are skipped.
 */
export function blendPatch(frame: Uint8Array, W: number, H: number, patch: Uint8Array, mask: Float32Array, size: number, x: number, y: number): void {
  const x0 = Math.max(0, -x), y0 = Math.max(0, -y);
  const x1 = Math.min(size, W - x), y1 = Math.min(size, H - y);
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      const m = mask[py * size + px];
      if (m <= 0) continue;
      const o = ((py + y) * W + (px + x)) * 3;
      const s = (py * size + px) * 3;
      if (m >= 1) {
        frame[o] = patch[s];
        frame[o + 1] = patch[s + 1];
        frame[o + 2] = patch[s + 2];
      } else {
        frame[o] = Math.round(frame[o] + (patch[s] - frame[o]) * m);
        frame[o + 1] = Math.round(frame[o + 1] + (patch[s + 1] - frame[o + 1]) * m);
        frame[o + 2] = Math.round(frame[o + 2] + (patch[s + 2] - frame[o + 2]) * m);
      }
    }
  }
}
