/**
 * Pixel measures of one frame (RGB24, row-major), all on luma Y = 0.299 R + 0.587 G +
 * 0.114 B in 0..255, all relative to a box or contour given by the face's landmarks,
 * so a measure means the same at any resolution:
 *
 * - sharpness: variance of the 4-neighbour Laplacian (0 1 0 / 1 -4 1 / 0 1 0) over the
 *   interior of the box's luma resampled to a fixed size (area average when shrinking,
 *   bilinear when enlarging);
 * - flicker: mean |Y_t - Y_t-1| of two frames resampled in the same box;
 * - edge energy across a contour: mean |Y(p + h n) - Y(p - h n)| over points p spaced
 *   evenly along the contour, n its outward normal, each Y a small box average;
 * - detail balance across a contour: mean log((D_in + 1) / (D_out + 1)), D the mean
 *   |Laplacian| of a patch inside (p - 2h n) and outside (p + 2h n), at the patch's own
 *   scale (a 13x13 grid spaced radius/6), so a blurred inside shows as a negative shift.
 */

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** Resampling weights from a source span [from, from + span) of `n` pixels (clamped to 0..size-1) onto `out` samples. */
function axisWeights(from: number, span: number, out: number, size: number): { idx: Int32Array; w: Float32Array; taps: number } {
  const step = span / out;
  const clamp = (i: number) => Math.min(size - 1, Math.max(0, i));
  if (step <= 1) {
    // Enlarging: bilinear at the sample centres.
    const idx = new Int32Array(out * 2), w = new Float32Array(out * 2);
    for (let i = 0; i < out; i++) {
      const c = from + (i + 0.5) * step - 0.5;
      const a = Math.floor(c), f = c - a;
      idx[i * 2] = clamp(a); w[i * 2] = 1 - f;
      idx[i * 2 + 1] = clamp(a + 1); w[i * 2 + 1] = f;
    }
    return { idx, w, taps: 2 };
  }
  // Shrinking: each output sample averages the source pixels its footprint covers (by area).
  const taps = Math.ceil(step) + 2;
  const idx = new Int32Array(out * taps), w = new Float32Array(out * taps);
  for (let i = 0; i < out; i++) {
    const a = from + i * step, b = a + step;
    let k = 0;
    for (let p = Math.floor(a); p < b && k < taps; p++, k++) {
      const cover = Math.min(b, p + 1) - Math.max(a, p);
      idx[i * taps + k] = clamp(p);
      w[i * taps + k] = cover / step;
    }
  }
  return { idx, w, taps };
}

/** Luma of the box resampled to outW x outH (pixels outside the frame repeat the edge). */
export function resampleLuma(rgb: Uint8Array, W: number, H: number, box: Box, outW: number, outH: number, out = new Float32Array(outW * outH)): Float32Array {
  const ax = axisWeights(box.x0, Math.max(1e-3, box.x1 - box.x0), outW, W);
  const ay = axisWeights(box.y0, Math.max(1e-3, box.y1 - box.y0), outH, H);
  // The source rows the output needs, converted to luma once each.
  const rowCache = new Map<number, Float32Array>();
  const colsNeeded = new Set<number>();
  for (let k = 0; k < ax.idx.length; k++) if (ax.w[k] > 0) colsNeeded.add(ax.idx[k]);
  const cols = Int32Array.from(colsNeeded).sort();
  const colPos = new Int32Array(W).fill(-1);
  cols.forEach((c, i) => { colPos[c] = i; });
  const rowLuma = (y: number): Float32Array => {
    let r = rowCache.get(y);
    if (!r) {
      r = new Float32Array(cols.length);
      const o = y * W * 3;
      for (let i = 0; i < cols.length; i++) {
        const p = o + cols[i] * 3;
        r[i] = luma(rgb[p], rgb[p + 1], rgb[p + 2]);
      }
      rowCache.set(y, r);
    }
    return r;
  };
  // Horizontal pass per needed row, then vertical.
  const horiz = new Map<number, Float32Array>();
  const hRow = (y: number): Float32Array => {
    let h = horiz.get(y);
    if (!h) {
      const src = rowLuma(y);
      h = new Float32Array(outW);
      for (let i = 0; i < outW; i++) {
        let s = 0;
        for (let k = 0; k < ax.taps; k++) {
          const wk = ax.w[i * ax.taps + k];
          if (wk > 0) s += wk * src[colPos[ax.idx[i * ax.taps + k]]];
        }
        h[i] = s;
      }
      horiz.set(y, h);
    }
    return h;
  };
  for (let j = 0; j < outH; j++) {
    const o = j * outW;
    for (let i = 0; i < outW; i++) out[o + i] = 0;
    for (let k = 0; k < ay.taps; k++) {
      const wk = ay.w[j * ay.taps + k];
      if (!(wk > 0)) continue;
      const h = hRow(ay.idx[j * ay.taps + k]);
      for (let i = 0; i < outW; i++) out[o + i] += wk * h[i];
    }
  }
  return out;
}

/** Variance of the 4-neighbour Laplacian over the interior of a w x h image. */
export function laplacianVariance(img: Float32Array, w: number, h: number): number {
  let s = 0, ss = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = img[i - 1] + img[i + 1] + img[i - w] + img[i + w] - 4 * img[i];
      s += v;
      ss += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const m = s / n;
  return Math.max(0, ss / n - m * m);
}

export function meanAbsDifference(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return a.length ? s / a.length : 0;
}

/** Sharpness of a box: Laplacian variance of its luma resampled to size x size. */
export function boxSharpness(rgb: Uint8Array, W: number, H: number, box: Box, size: number): number {
  return laplacianVariance(resampleLuma(rgb, W, H, box, size, size), size, size);
}

/** Mean luma over the pixels of a (2r+1)² square around (x, y), clipped to the frame; NaN when it lies outside. */
export function patchLuma(rgb: Uint8Array, W: number, H: number, x: number, y: number, r: number): number {
  const x0 = Math.max(0, Math.round(x - r)), x1 = Math.min(W - 1, Math.round(x + r));
  const y0 = Math.max(0, Math.round(y - r)), y1 = Math.min(H - 1, Math.round(y + r));
  if (x1 < x0 || y1 < y0) return NaN;
  let s = 0, n = 0;
  for (let yy = y0; yy <= y1; yy++) {
    let p = (yy * W + x0) * 3;
    for (let xx = x0; xx <= x1; xx++, p += 3) {
      s += luma(rgb[p], rgb[p + 1], rgb[p + 2]);
      n++;
    }
  }
  return s / n;
}

/**
 * `count` points spaced evenly by arc length along a closed polygon [x0, y0, x1, y1, ...],
 * each moved `offset` px along the outward normal; with the unit normals.
 */
export function contourSamples(poly: ArrayLike<number>, count: number, offset: number): { points: Float64Array; normals: Float64Array } {
  const n = poly.length / 2;
  let area = 0;
  const seg: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    area += poly[i * 2] * poly[j * 2 + 1] - poly[j * 2] * poly[i * 2 + 1];
    const l = Math.hypot(poly[j * 2] - poly[i * 2], poly[j * 2 + 1] - poly[i * 2 + 1]);
    seg.push(l);
    total += l;
  }
  // In image coordinates (y down) a positive shoelace sum runs clockwise on screen, where
  // (-dy, dx) points inwards: flip it then.
  const sign = area > 0 ? -1 : 1;
  const points = new Float64Array(count * 2), normals = new Float64Array(count * 2);
  if (total <= 0) return { points, normals };
  let i = 0, acc = 0;
  for (let k = 0; k < count; k++) {
    const d = (k + 0.5) * (total / count);
    while (i < n - 1 && acc + seg[i] < d) acc += seg[i++];
    const j = (i + 1) % n;
    const f = seg[i] > 0 ? (d - acc) / seg[i] : 0;
    const dx = poly[j * 2] - poly[i * 2], dy = poly[j * 2 + 1] - poly[i * 2 + 1];
    const len = Math.hypot(dx, dy) || 1;
    const nx = (-dy / len) * sign, ny = (dx / len) * sign;
    points[k * 2] = poly[i * 2] + f * dx + nx * offset;
    points[k * 2 + 1] = poly[i * 2 + 1] + f * dy + ny * offset;
    normals[k * 2] = nx;
    normals[k * 2 + 1] = ny;
  }
  return { points, normals };
}

/**
 * Edge energy across a closed contour: mean over `count` evenly spaced points of
 * |Y(p + h n) - Y(p - h n)|, Y a box average of radius h/2. NaN when no point lies in the frame.
 */
export function contourEdgeEnergy(rgb: Uint8Array, W: number, H: number, poly: ArrayLike<number>, offset: number, h: number, count = 64): number {
  const { points, normals } = contourSamples(poly, count, offset);
  const r = Math.max(0, h / 2);
  let s = 0, n = 0;
  for (let k = 0; k < count; k++) {
    const x = points[k * 2], y = points[k * 2 + 1], nx = normals[k * 2], ny = normals[k * 2 + 1];
    const ox = x + h * nx, oy = y + h * ny, ix = x - h * nx, iy = y - h * ny;
    if (ox < 0 || oy < 0 || ox >= W || oy >= H || ix < 0 || iy < 0 || ix >= W || iy >= H) continue;
    const a = patchLuma(rgb, W, H, ox, oy, r), b = patchLuma(rgb, W, H, ix, iy, r);
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    s += Math.abs(a - b);
    n++;
  }
  return n ? s / n : NaN;
}

/** Luma at pixel (x, y), clamped to the frame. */
function lumaPx(rgb: Uint8Array, W: number, H: number, x: number, y: number): number {
  const xx = x < 0 ? 0 : x >= W ? W - 1 : x, yy = y < 0 ? 0 : y >= H ? H - 1 : y;
  const p = (yy * W + xx) * 3;
  return luma(rgb[p], rgb[p + 1], rgb[p + 2]);
}

/** Mean |Laplacian| over a 13x13 grid spaced max(1, round(r/6)) px around (x, y): detail at the patch's scale. */
export function patchDetail(rgb: Uint8Array, W: number, H: number, x: number, y: number, r: number): number {
  const s = Math.max(1, Math.round(r / 6));
  const cx = Math.round(x), cy = Math.round(y);
  let sum = 0, n = 0;
  for (let gy = -6; gy <= 6; gy++) {
    for (let gx = -6; gx <= 6; gx++) {
      const px = cx + gx * s, py = cy + gy * s;
      if (px < 0 || py < 0 || px >= W || py >= H) continue;
      const c = lumaPx(rgb, W, H, px, py);
      sum += Math.abs(lumaPx(rgb, W, H, px - s, py) + lumaPx(rgb, W, H, px + s, py) + lumaPx(rgb, W, H, px, py - s) + lumaPx(rgb, W, H, px, py + s) - 4 * c);
      n++;
    }
  }
  return n ? sum / n : NaN;
}

/**
 * Detail balance across a closed contour: mean over `count` evenly spaced points of
 * log((D(p - 2h n) + 1) / (D(p + 2h n) + 1)), D = patchDetail with radius h. NaN when no
 * point has both patches in the frame.
 */
export function contourDetailBalance(rgb: Uint8Array, W: number, H: number, poly: ArrayLike<number>, offset: number, h: number, count = 64): number {
  const { points, normals } = contourSamples(poly, count, offset);
  let s = 0, n = 0;
  for (let k = 0; k < count; k++) {
    const x = points[k * 2], y = points[k * 2 + 1], nx = normals[k * 2], ny = normals[k * 2 + 1];
    const ox = x + 2 * h * nx, oy = y + 2 * h * ny, ix = x - 2 * h * nx, iy = y - 2 * h * ny;
    if (ox < 0 || oy < 0 || ox >= W || oy >= H || ix < 0 || iy < 0 || ix >= W || iy >= H) continue;
    const a = patchDetail(rgb, W, H, ix, iy, h), b = patchDetail(rgb, W, H, ox, oy, h);
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    s += Math.log((a + 1) / (b + 1));
    n++;
  }
  return n ? s / n : NaN;
}
