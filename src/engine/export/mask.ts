/**
 * Soft masks for pasting a rendered face back into a video frame: polygon fill,
 * box blur (three passes approximate a Gaussian), dilation and erosion by blur and
 * threshold, and a feathered square border. All masks are Float32 0..1, row-major.
 */

/** Fills a closed polygon (points [x0, y0, x1, y1, …], pixel units) with 1 (even-odd rule, pixel centres). */
export function fillPolygon(points: ArrayLike<number>, W: number, H: number, out = new Float32Array(W * H)): Float32Array {
  const n = points.length / 2;
  const xs: number[] = [];
  for (let y = 0; y < H; y++) {
    const py = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = points[i * 2 + 1], yj = points[j * 2 + 1];
      if ((yi > py) !== (yj > py)) {
        const xi = points[i * 2], xj = points[j * 2];
        xs.push(xi + ((py - yi) / (yj - yi)) * (xj - xi));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const x1 = Math.min(W - 1, Math.floor(xs[k + 1] - 0.5));
      for (let x = x0; x <= x1; x++) out[y * W + x] = 1;
    }
  }
  return out;
}

/** One box blur of radius r along rows then columns (edges clamped), in place. */
function boxBlurOnce(m: Float32Array, W: number, H: number, r: number, tmp: Float32Array): void {
  const win = 2 * r + 1;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    let s = 0;
    for (let k = -r; k <= r; k++) s += m[row + Math.min(W - 1, Math.max(0, k))];
    for (let x = 0; x < W; x++) {
      tmp[row + x] = s / win;
      s += m[row + Math.min(W - 1, x + r + 1)] - m[row + Math.max(0, x - r)];
    }
  }
  for (let x = 0; x < W; x++) {
    let s = 0;
    for (let k = -r; k <= r; k++) s += tmp[Math.min(H - 1, Math.max(0, k)) * W + x];
    for (let y = 0; y < H; y++) {
      m[y * W + x] = s / win;
      s += tmp[Math.min(H - 1, y + r + 1) * W + x] - tmp[Math.max(0, y - r) * W + x];
    }
  }
}

/** Approximately Gaussian blur (three box passes) with an overall reach of about `radius` pixels, in place. */
export function softenMask(m: Float32Array, W: number, H: number, radius: number): Float32Array {
  const r = Math.max(0, Math.round(radius / 3));
  if (r === 0) return m;
  const tmp = new Float32Array(W * H);
  for (let pass = 0; pass < 3; pass++) boxBlurOnce(m, W, H, r, tmp);
  return m;
}

/** Grows (r > 0) or shrinks (r < 0) a binary mask by about |r| pixels. Returns a binary mask. */
export function growMask(m: Float32Array, W: number, H: number, r: number): Float32Array {
  if (r === 0) return m;
  const b = softenMask(m, W, H, Math.abs(r) * 1.5);
  // After a blur of reach ~1.5|r|, the 0.5 level sits on the edge; shifting the
  // threshold moves the edge outwards (low threshold) or inwards (high threshold).
  const th = r > 0 ? 0.08 : 0.92;
  for (let i = 0; i < b.length; i++) b[i] = b[i] > th ? 1 : 0;
  return b;
}

/**
 * A square mask, 1 inside with a smooth ramp over the outer `featherPx` pixels to 0
 * at the border (smoothstep), so a pasted square has no visible edge.
 */
export function squareFeather(size: number, featherPx: number, out = new Float32Array(size * size)): Float32Array {
  const ramp = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const d = Math.min(i + 0.5, size - i - 0.5);
    const t = featherPx > 0 ? Math.min(1, Math.max(0, d / featherPx)) : 1;
    ramp[i] = t * t * (3 - 2 * t);
  }
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = ramp[x] * ramp[y];
  return out;
}
