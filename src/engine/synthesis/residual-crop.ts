/**
 * Where the residual G_r works (residual-net.ts): a square crop about the target mouth,
 * 1.6 mouth widths on a side, resampled to the network's size (so the mouth is
 * size / 1.6 px wide whatever the source resolution), and the mask inside which its
 * correction is added: an ellipse over the lips (0.72 x 0.55 mouth widths, the
 * baseline's; full weight within 0.8 of it, smoothly to 0 at it). The same geometry,
 * crop sampling and mask serve training pairs, the held-out evaluation and the export.
 */
import { flowDisplacement } from './residual-net';
import { BLINK_INDEX, PARAM_COUNT } from '../../shared/facial-params';
import type { PinholeCamera } from '../common/face-model';
import type { ConditioningRenderer, ConditioningFrame } from '../render/conditioning';
import { OUTER_LIP_CONTOUR } from './mouth-sharpness';

/** Crop side in mouth widths. */
export const CROP_MOUTH_WIDTHS = 1.6;
/** The correction's ellipse: semi-axes in mouth widths, and where its weight starts to fall (fraction of the radius). */
export const RESIDUAL_MASK = { halfWidth: 0.72, halfHeight: 0.55, inner: 0.8 };

export interface MouthCrop {
  /** Top-left corner and side of the crop, source pixels (may reach past the frame: sampling clamps). */
  x0: number;
  y0: number;
  side: number;
  /** Lip centre and mouth width, source pixels. */
  cx: number;
  cy: number;
  mouthWidth: number;
}

/** The crop about a frame's mouth from its 2-D points (x, y per vertex; MediaPipe numbering). */
export function mouthCrop(points: ArrayLike<number>): MouthCrop {
  let cx = 0, cy = 0;
  for (const v of OUTER_LIP_CONTOUR) { cx += points[v * 2]; cy += points[v * 2 + 1]; }
  cx /= OUTER_LIP_CONTOUR.length;
  cy /= OUTER_LIP_CONTOUR.length;
  const mouthWidth = Math.max(4, Math.hypot(points[291 * 2] - points[61 * 2], points[291 * 2 + 1] - points[61 * 2 + 1]));
  const side = CROP_MOUTH_WIDTHS * mouthWidth;
  return { x0: cx - side / 2, y0: cy - side / 2, side, cx, cy, mouthWidth };
}

/** The mask's weight at a source pixel (0..1). */
export function maskWeight(c: MouthCrop, x: number, y: number): number {
  const dx = (x - c.cx) / (RESIDUAL_MASK.halfWidth * c.mouthWidth), dy = (y - c.cy) / (RESIDUAL_MASK.halfHeight * c.mouthWidth);
  const r = Math.sqrt(dx * dx + dy * dy);
  if (r >= 1) return 0;
  if (r <= RESIDUAL_MASK.inner) return 1;
  const s = (1 - r) / (1 - RESIDUAL_MASK.inner);
  return s * s * (3 - 2 * s);
}

/** Bilinear sample of an RGB24 frame (edges clamped) into planes [3, S, S] of `out` (uint8). */
export function sampleCrop(frame: Uint8Array, W: number, H: number, c: MouthCrop, S: number, out: Uint8Array, offset = 0): void {
  const P = S * S, k = c.side / S;
  for (let v = 0; v < S; v++) {
    // Source coordinates of crop pixel centres, row by row.
    const yc = Math.min(H - 1, Math.max(0, c.y0 + (v + 0.5) * k - 0.5));
    const y0 = Math.min(H - 2, Math.floor(yc)), fy = yc - y0;
    for (let u = 0; u < S; u++) {
      const xc = Math.min(W - 1, Math.max(0, c.x0 + (u + 0.5) * k - 0.5));
      const x0 = Math.min(W - 2, Math.floor(xc)), fx = xc - x0;
      const a = (y0 * W + x0) * 3, b = a + 3, d = a + W * 3, e = d + 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = frame[a + ch] + (frame[b + ch] - frame[a + ch]) * fx;
        const bot = frame[d + ch] + (frame[e + ch] - frame[d + ch]) * fx;
        out[offset + ch * P + v * S + u] = Math.round(top + (bot - top) * fy);
      }
    }
  }
}

/** The mask at the crop's size [S*S] (0..255). */
export function maskPlane(c: MouthCrop, S: number, out: Uint8Array, offset = 0): void {
  const k = c.side / S;
  for (let v = 0; v < S; v++) {
    const y = c.y0 + (v + 0.5) * k - 0.5;
    for (let u = 0; u < S; u++) out[offset + v * S + u] = Math.round(255 * maskWeight(c, c.x0 + (u + 0.5) * k - 0.5, y));
  }
}

/** Planes per crop stack: retrieval RGB, conditioning RGB, eye, mask (uint8 each). */
export const STACK_PLANES = 8;

/**
 * The target parameters drawn for output frame i: the curves' expression and blink on
 * the source frame's head pose (the pose the retrieval output shows).
 */
export function conditioningParams(curves: Float32Array, i: number, sourceParams: Float32Array, j: number, out = new Float32Array(PARAM_COUNT)): Float32Array {
  out.set(curves.subarray(i * PARAM_COUNT, (i + 1) * PARAM_COUNT));
  for (let c = 0; c < BLINK_INDEX; c++) out[c] = sourceParams[j * PARAM_COUNT + c];
  return out;
}

/** Fills a crop stack [8, S, S] (uint8): the retrieval frame's crop, the conditioning render of `params`, its eye map, the mask. */
export function fillStack(retrieval: Uint8Array, W: number, H: number, c: MouthCrop, S: number, renderer: ConditioningRenderer, camera: PinholeCamera, params: Float32Array, out: Uint8Array, cond?: ConditioningFrame): void {
  const P = S * S;
  sampleCrop(retrieval, W, H, c, S, out, 0);
  const r = renderer.render(params, { camera, crop: { x: c.x0, y: c.y0, size: c.side }, size: S }, cond);
  for (let k = 0; k < P; k++) {
    out[3 * P + k] = r.rgb[k * 3];
    out[4 * P + k] = r.rgb[k * 3 + 1];
    out[5 * P + k] = r.rgb[k * 3 + 2];
    out[6 * P + k] = r.eye[k];
  }
  maskPlane(c, S, out, 7 * P);
}

/** A uint8 stack as the network's input (images and eye map in [-1, 1], mask in [0, 1]). */
export function stackToInput(stack: Uint8Array, S: number, out: Float32Array, offset = 0): void {
  const n = 7 * S * S;
  for (let k = 0; k < n; k++) out[offset + k] = stack[k] / 127.5 - 1;
  for (let k = n; k < n + S * S; k++) out[offset + k] = stack[k] / 255;
}

/**
 * Adds the network's correction (planes [3, S, S], [-1, 1] units) to the frame inside the
 * mask, at the source resolution: every pixel outside the mask is left as it was, and a
 * zero correction changes nothing. With a flow head (`flow` > 0, planes 3-4 the raw
 * displacement in crop pixels) each pixel first takes the frame's value at its displaced
 * place (read from a copy: the warp moves the real pixels; bicubic, where training
 * samples bilinearly, to keep the moved pixels' edges).
 */
export function addCorrection(frame: Uint8Array, W: number, H: number, c: MouthCrop, delta: Float32Array, S: number, flow = 0): number {
  const P = S * S, k = S / c.side;
  const planes = flow > 0 ? 5 : 3;
  const xa = Math.max(0, Math.floor(c.cx - RESIDUAL_MASK.halfWidth * c.mouthWidth)), xb = Math.min(W - 1, Math.ceil(c.cx + RESIDUAL_MASK.halfWidth * c.mouthWidth));
  const ya = Math.max(0, Math.floor(c.cy - RESIDUAL_MASK.halfHeight * c.mouthWidth)), yb = Math.min(H - 1, Math.ceil(c.cy + RESIDUAL_MASK.halfHeight * c.mouthWidth));
  const source = flow > 0 ? regionCopy(frame, W, H, xa, ya, xb, yb, Math.ceil(flow / k) + 3) : undefined;
  const v5 = new Float64Array(5), moved = new Float64Array(3);
  let changed = 0;
  for (let y = ya; y <= yb; y++) {
    // Crop row of this pixel row's centre (bilinear in the network's planes).
    const v = Math.min(S - 1, Math.max(0, (y + 0.5 - c.y0) * k - 0.5));
    const v0 = Math.min(S - 2, Math.floor(v)), fv = v - v0;
    for (let x = xa; x <= xb; x++) {
      const m = maskWeight(c, x, y);
      if (m <= 0) continue;
      const u = Math.min(S - 1, Math.max(0, (x + 0.5 - c.x0) * k - 0.5));
      const u0 = Math.min(S - 2, Math.floor(u)), fu = u - u0;
      const w00 = (1 - fu) * (1 - fv), w01 = fu * (1 - fv), w10 = (1 - fu) * fv, w11 = fu * fv;
      for (let pl = 0, p = v0 * S + u0; pl < planes; pl++, p += P) v5[pl] = delta[p] * w00 + delta[p + 1] * w01 + delta[p + S] * w10 + delta[p + S + 1] * w11;
      const o = (y * W + x) * 3;
      if (source) {
        // Crop pixels → source pixels.
        source.sample(x + flowDisplacement(v5[3], flow) / k, y + flowDisplacement(v5[4], flow) / k, moved);
      } else {
        moved[0] = frame[o];
        moved[1] = frame[o + 1];
        moved[2] = frame[o + 2];
      }
      for (let ch = 0; ch < 3; ch++) {
        const d = (moved[ch] - frame[o + ch] + v5[ch] * 127.5) * m;
        if (d === 0) continue;
        frame[o + ch] = Math.min(255, Math.max(0, Math.round(frame[o + ch] + d)));
        changed++;
      }
    }
  }
  return changed;
}

/**
 * A copy of the frame's box [xa..xb] x [ya..yb] grown by `margin`, sampled with clamped
 * edges by Catmull-Rom (bicubic) interpolation: a sub-pixel shift by bilinear weights
 * averages neighbours and softens the real pixels the warp moves; bicubic keeps their edges.
 */
function regionCopy(frame: Uint8Array, W: number, H: number, xa: number, ya: number, xb: number, yb: number, margin: number) {
  const x0 = Math.max(0, xa - margin), y0 = Math.max(0, ya - margin);
  const x1 = Math.min(W - 1, xb + margin), y1 = Math.min(H - 1, yb + margin);
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) px.set(frame.subarray(((y0 + y) * W + x0) * 3, ((y0 + y) * W + x1 + 1) * 3), y * w * 3);
  const wx = new Float64Array(4), wy = new Float64Array(4);
  const cubic = (t: number, out: Float64Array) => {
    const t2 = t * t, t3 = t2 * t;
    out[0] = -0.5 * t3 + t2 - 0.5 * t;
    out[1] = 1.5 * t3 - 2.5 * t2 + 1;
    out[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
    out[3] = 0.5 * t3 - 0.5 * t2;
  };
  return {
    sample(x: number, y: number, out: Float64Array): void {
      const xc = Math.min(w - 1, Math.max(0, x - x0)), yc = Math.min(h - 1, Math.max(0, y - y0));
      const xi = Math.floor(xc), yi = Math.floor(yc);
      cubic(xc - xi, wx);
      cubic(yc - yi, wy);
      let r = 0, g = 0, b = 0;
      const inside = xi >= 1 && xi + 2 < w && yi >= 1 && yi + 2 < h;
      for (let j = 0; j < 4; j++) {
        const row = (inside ? yi - 1 + j : Math.min(h - 1, Math.max(0, yi - 1 + j))) * w;
        let rr = 0, gg = 0, bb = 0;
        for (let i = 0; i < 4; i++) {
          const o = (row + (inside ? xi - 1 + i : Math.min(w - 1, Math.max(0, xi - 1 + i)))) * 3, q = wx[i];
          rr += q * px[o];
          gg += q * px[o + 1];
          bb += q * px[o + 2];
        }
        r += wy[j] * rr;
        g += wy[j] * gg;
        b += wy[j] * bb;
      }
      out[0] = r;
      out[1] = g;
      out[2] = b;
    },
  };
}
