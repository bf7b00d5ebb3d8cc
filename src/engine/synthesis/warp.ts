/**
 * Moving real pixels: a piecewise-affine warp over triangles (each target triangle
 * samples its source triangle, bilinearly), with a blend weight per vertex that is
 * interpolated over the triangles (a mask that follows the face's own geometry),
 * colour matching on the mask's outer band, and blending into a full frame.
 *
 * Coordinates are source-video pixels, continuous: pixel (x, y) covers [x, x+1) ×
 * [y, y+1), its centre at (x + 0.5, y + 0.5) — the same for the points of the source
 * and the target, so warping a triangle onto itself returns its pixels unchanged.
 */

/** A rectangle of an RGB24 frame, in that frame's pixel coordinates. */
export interface ImageCrop {
  x0: number;
  y0: number;
  width: number;
  height: number;
  /** RGB24, row-major, width * height * 3. */
  data: Uint8Array;
}

/** A warped patch in the target frame's coordinates: colour and blend weight per pixel. */
export interface WarpedPatch {
  x0: number;
  y0: number;
  width: number;
  height: number;
  /** Float RGB 0..255, width * height * 3. */
  rgb: Float32Array;
  /** 0..1, width * height. */
  alpha: Float32Array;
  /** 0..1, width * height: the colour-match weights where warpTriangles was given them (matchColour's band is read from them instead of alpha). */
  colour?: Float32Array;
}

export interface Box { x0: number; y0: number; x1: number; y1: number }

/** Bounding box (integer, inclusive-exclusive, clipped to W×H) of the given points, grown by `margin` px. */
export function pointsBox(pts: ArrayLike<number>, indices: Iterable<number>, margin: number, W: number, H: number): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const i of indices) {
    const x = pts[i * 2], y = pts[i * 2 + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!Number.isFinite(x0)) return { x0: 0, y0: 0, x1: 0, y1: 0 };
  return {
    x0: Math.max(0, Math.floor(x0 - margin)),
    y0: Math.max(0, Math.floor(y0 - margin)),
    x1: Math.min(W, Math.ceil(x1 + margin)),
    y1: Math.min(H, Math.ceil(y1 + margin)),
  };
}

/** Copies a box out of an RGB24 frame. */
export function cropImage(frame: Uint8Array, W: number, box: Box): ImageCrop {
  const width = Math.max(0, box.x1 - box.x0), height = Math.max(0, box.y1 - box.y0);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const s = ((box.y0 + y) * W + box.x0) * 3;
    data.set(frame.subarray(s, s + width * 3), y * width * 3);
  }
  return { x0: box.x0, y0: box.y0, width, height, data };
}

/**
 * Warps `src` (a crop of the source frame) so that point `srcPts[v]` lands on
 * `dstPts[v]`, triangle by triangle, over the target frame W×H. The blend weight at a
 * pixel is the barycentric interpolation of `weights` over its triangle; triangles whose
 * weights are all 0 are skipped. Pixels whose source falls outside the crop get weight 0.
 */
export function warpTriangles(src: ImageCrop, srcPts: ArrayLike<number>, dstPts: ArrayLike<number>, tris: ArrayLike<number>, weights: ArrayLike<number>, W: number, H: number, colourWeights?: ArrayLike<number>): WarpedPatch {
  const used: number[] = [];
  for (let t = 0; t < tris.length; t += 3) {
    if (weights[tris[t]] > 0 || weights[tris[t + 1]] > 0 || weights[tris[t + 2]] > 0) used.push(t);
  }
  const verts = new Set<number>();
  for (const t of used) for (let c = 0; c < 3; c++) verts.add(tris[t + c]);
  const box = pointsBox(dstPts, verts, 1, W, H);
  const width = Math.max(0, box.x1 - box.x0), height = Math.max(0, box.y1 - box.y0);
  const patch: WarpedPatch = { x0: box.x0, y0: box.y0, width, height, rgb: new Float32Array(width * height * 3), alpha: new Float32Array(width * height) };
  if (colourWeights) patch.colour = new Float32Array(width * height);
  for (const t of used) rasteriseTriangle(patch, src, srcPts, dstPts, weights, colourWeights, tris[t], tris[t + 1], tris[t + 2]);
  return patch;
}

function rasteriseTriangle(patch: WarpedPatch, src: ImageCrop, sp: ArrayLike<number>, dp: ArrayLike<number>, w: ArrayLike<number>, cw: ArrayLike<number> | undefined, a: number, b: number, c: number): void {
  const ax = dp[a * 2], ay = dp[a * 2 + 1], bx = dp[b * 2], by = dp[b * 2 + 1], cx = dp[c * 2], cy = dp[c * 2 + 1];
  const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (Math.abs(area) < 1e-9) return;
  const inv = 1 / area;
  const xs = Math.max(patch.x0, Math.floor(Math.min(ax, bx, cx))), xe = Math.min(patch.x0 + patch.width - 1, Math.ceil(Math.max(ax, bx, cx)));
  const ys = Math.max(patch.y0, Math.floor(Math.min(ay, by, cy))), ye = Math.min(patch.y0 + patch.height - 1, Math.ceil(Math.max(ay, by, cy)));
  const eps = -1e-6;
  for (let y = ys; y <= ye; y++) {
    const py = y + 0.5;
    for (let x = xs; x <= xe; x++) {
      const px = x + 0.5;
      const l1 = ((px - ax) * (cy - ay) - (py - ay) * (cx - ax)) * inv;
      const l2 = ((bx - ax) * (py - ay) - (by - ay) * (px - ax)) * inv;
      const l0 = 1 - l1 - l2;
      if (l0 < eps || l1 < eps || l2 < eps) continue;
      const weight = l0 * w[a] + l1 * w[b] + l2 * w[c];
      if (weight <= 0) continue;
      const sx = l0 * sp[a * 2] + l1 * sp[b * 2] + l2 * sp[c * 2] - 0.5 - src.x0;
      const sy = l0 * sp[a * 2 + 1] + l1 * sp[b * 2 + 1] + l2 * sp[c * 2 + 1] - 0.5 - src.y0;
      if (sx < -0.5 || sy < -0.5 || sx > src.width - 0.5 || sy > src.height - 0.5) continue;
      const o = (y - patch.y0) * patch.width + (x - patch.x0);
      sampleBicubic(src, sx, sy, patch.rgb, o * 3);
      patch.alpha[o] = Math.min(1, weight);
      if (cw && patch.colour) patch.colour[o] = Math.min(1, Math.max(0, l0 * cw[a] + l1 * cw[b] + l2 * cw[c]));
    }
  }
}

/** Catmull-Rom weights of the four taps around a fractional position t (0..1). */
function cubicWeights(t: number, w: Float64Array): void {
  const t2 = t * t, t3 = t2 * t;
  w[0] = 0.5 * (-t3 + 2 * t2 - t);
  w[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5 * (t3 - t2);
}
const WX = new Float64Array(4), WY = new Float64Array(4);

/**
 * Bicubic (Catmull-Rom) sample of a crop at (x, y) (pixel-index coordinates, edges
 * clamped) into out[o..o+2]. Bicubic rather than bilinear: a bilinear sample halfway
 * between pixels averages them and halves the fine detail that makes a mouth look sharp.
 */
export function sampleBicubic(src: ImageCrop, x: number, y: number, out: Float32Array, o: number): void {
  const W = src.width, H = src.height, d = src.data;
  const cx = Math.min(W - 1, Math.max(0, x)), cy = Math.min(H - 1, Math.max(0, y));
  const x0 = Math.floor(cx), y0 = Math.floor(cy);
  cubicWeights(cx - x0, WX);
  cubicWeights(cy - y0, WY);
  let r = 0, g = 0, b = 0;
  for (let j = 0; j < 4; j++) {
    const yy = Math.min(H - 1, Math.max(0, y0 - 1 + j));
    const wy = WY[j];
    for (let i = 0; i < 4; i++) {
      const xx = Math.min(W - 1, Math.max(0, x0 - 1 + i));
      const w = WX[i] * wy;
      const p = (yy * W + xx) * 3;
      r += d[p] * w; g += d[p + 1] * w; b += d[p + 2] * w;
    }
  }
  out[o] = r; out[o + 1] = g; out[o + 2] = b;
}

/**
 * Shifts the patch's colour so that, on the mask's outer band (0 < alpha ≤ `band`, or
 * the same of its colour weights where it has them), it has the frame's mean colour
 * there: the retrieved pixels take the lighting and white balance of the frame they go
 * into. The shift is clamped to ±`maxShift` levels.
 */
export function matchColour(patch: WarpedPatch, frame: Uint8Array, W: number, band = 0.5, maxShift = 40): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  const bandOf = patch.colour ?? patch.alpha;
  for (let y = 0; y < patch.height; y++) {
    for (let x = 0; x < patch.width; x++) {
      const o = y * patch.width + x;
      const a = bandOf[o];
      if (a <= 0 || a > band || patch.alpha[o] <= 0) continue;
      const f = ((patch.y0 + y) * W + patch.x0 + x) * 3;
      for (let ch = 0; ch < 3; ch++) sum[ch] += frame[f + ch] - patch.rgb[o * 3 + ch];
      n++;
    }
  }
  const shift: [number, number, number] = [0, 0, 0];
  if (n === 0) return shift;
  for (let ch = 0; ch < 3; ch++) shift[ch] = Math.max(-maxShift, Math.min(maxShift, sum[ch] / n));
  for (let o = 0; o < patch.alpha.length; o++) {
    if (patch.alpha[o] <= 0) continue;
    for (let ch = 0; ch < 3; ch++) patch.rgb[o * 3 + ch] += shift[ch];
  }
  return shift;
}

/**
 * Blends the patch into the frame: frame = frame · (1 − m) + patch · m with m the
 * patch's alpha through a smoothstep (a softer start of the feather), times `gain`.
 */
export function blendInto(frame: Uint8Array, W: number, patch: WarpedPatch, gain = 1): void {
  if (gain <= 0) return;
  for (let y = 0; y < patch.height; y++) {
    for (let x = 0; x < patch.width; x++) {
      const o = y * patch.width + x;
      const a = patch.alpha[o];
      if (a <= 0) continue;
      const m = a * a * (3 - 2 * a) * gain;
      const f = ((patch.y0 + y) * W + patch.x0 + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const v = frame[f + ch] + (patch.rgb[o * 3 + ch] - frame[f + ch]) * m;
        frame[f + ch] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}

/**
 * Least-squares affine map taking points `from[idx]` onto `to[idx]` (2-D): returns
 * [a, b, c, d, e, f] with x' = a x + b y + c, y' = d x + e y + f.
 */
export function fitAffine(from: ArrayLike<number>, to: ArrayLike<number>, idx: ArrayLike<number>): Float64Array {
  // Normal equations for [x y 1] · [a b c]ᵀ = x' (and the same for y'), centred for conditioning.
  let mx = 0, my = 0, mu = 0, mv = 0;
  const n = idx.length;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    mx += from[i * 2]; my += from[i * 2 + 1]; mu += to[i * 2]; mv += to[i * 2 + 1];
  }
  mx /= n; my /= n; mu /= n; mv /= n;
  let sxx = 0, sxy = 0, syy = 0, sxu = 0, syu = 0, sxv = 0, syv = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    const x = from[i * 2] - mx, y = from[i * 2 + 1] - my, u = to[i * 2] - mu, v = to[i * 2 + 1] - mv;
    sxx += x * x; sxy += x * y; syy += y * y; sxu += x * u; syu += y * u; sxv += x * v; syv += y * v;
  }
  const det = sxx * syy - sxy * sxy;
  const out = new Float64Array(6);
  if (Math.abs(det) < 1e-12) {
    out[0] = 1; out[4] = 1; out[2] = mu - mx; out[5] = mv - my;
    return out;
  }
  out[0] = (sxu * syy - syu * sxy) / det;
  out[1] = (syu * sxx - sxu * sxy) / det;
  out[3] = (sxv * syy - syv * sxy) / det;
  out[4] = (syv * sxx - sxv * sxy) / det;
  out[2] = mu - out[0] * mx - out[1] * my;
  out[5] = mv - out[3] * mx - out[4] * my;
  return out;
}

/** Applies an affine [a..f] to points [x0, y0, x1, y1, …] (a copy). */
export function applyAffine(A: ArrayLike<number>, pts: ArrayLike<number>): Float32Array {
  const out = new Float32Array(pts.length);
  for (let i = 0; i < pts.length; i += 2) {
    out[i] = A[0] * pts[i] + A[1] * pts[i + 1] + A[2];
    out[i + 1] = A[3] * pts[i] + A[4] * pts[i + 1] + A[5];
  }
  return out;
}
