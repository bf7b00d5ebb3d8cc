/**
 * One frame of the demo's synthetic "reference video": a studio-like background, a
 * torso and neck drawn in 2-D, and the generic head rendered with the conditioning
 * rasteriser at twice the resolution and averaged down (2x2 supersampling, so edges
 * are anti-aliased like a camera's).
 */
import type { PinholeCamera } from '../common/face-model';
import { ConditioningRenderer, type ConditioningFrame } from '../render/conditioning';
import { createGenericHead, type FaceState, type GenericHead } from './generic-head';

export interface HeadPose {
  pitch: number;
  yaw: number;
  roll: number;
  x: number;
  y: number;
  z: number;
}

export const SYNTH_SIZE = 512;
/** The synthetic camera: a normal lens (about 29 degrees across). */
export const SYNTH_CAMERA: PinholeCamera = { fx: 1000, fy: 1000, cx: SYNTH_SIZE / 2, cy: SYNTH_SIZE / 2, width: SYNTH_SIZE, height: SYNTH_SIZE };
/** Head position at rest: centred, slightly above the middle, 70 cm from the camera. */
export const REST_POSE: HeadPose = { pitch: 0, yaw: 0, roll: 0, x: 0, y: -25, z: 820 };

export class SyntheticFrameRenderer {
  readonly head: GenericHead;
  private readonly renderer: ConditioningRenderer;
  private readonly background: Uint8Array;
  private frame?: ConditioningFrame;
  private readonly params = new Float32Array(71);

  constructor(readonly size = SYNTH_SIZE) {
    this.head = createGenericHead();
    this.renderer = new ConditioningRenderer(this.head.model, this.head.texture, {
      subdivisions: 0,
      light: { direction: [-0.35, -0.4, -1], ambient: 0.42, diffuse: 0.72 },
    });
    this.background = paintBackground(size);
  }

  /** Renders one frame as RGB24 [size*size*3] into `out`. */
  render(pose: HeadPose, state: FaceState, out = new Uint8Array(this.size * this.size * 3)): Uint8Array {
    const S = this.size;
    this.head.setState(state);
    const p = this.params;
    p[0] = pose.pitch; p[1] = pose.yaw; p[2] = pose.roll; p[3] = pose.x; p[4] = pose.y; p[5] = pose.z;
    const cam: PinholeCamera = { ...SYNTH_CAMERA, cx: SYNTH_CAMERA.cx * (S / SYNTH_SIZE), cy: SYNTH_CAMERA.cy * (S / SYNTH_SIZE), fx: SYNTH_CAMERA.fx * (S / SYNTH_SIZE), fy: SYNTH_CAMERA.fy * (S / SYNTH_SIZE), width: S, height: S };
    this.frame = this.renderer.render(p, { camera: cam, crop: { x: 0, y: 0, size: S }, size: 2 * S }, this.frame);
    out.set(this.background);
    drawBody(out, S, cam, pose);
    const { rgb, coverage } = this.frame;
    const S2 = 2 * S;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const a = (y * 2) * S2 + x * 2;
        const c0 = coverage[a], c1 = coverage[a + 1], c2 = coverage[a + S2], c3 = coverage[a + S2 + 1];
        const cov = c0 + c1 + c2 + c3;
        if (cov === 0) continue;
        const o = (y * S + x) * 3;
        const alpha = cov / 1020;
        for (let ch = 0; ch < 3; ch++) {
          // Average of the covered subsamples, blended by coverage.
          const sum = (c0 ? rgb[a * 3 + ch] : 0) + (c1 ? rgb[(a + 1) * 3 + ch] : 0) + (c2 ? rgb[(a + S2) * 3 + ch] : 0) + (c3 ? rgb[(a + S2 + 1) * 3 + ch] : 0);
          const fg = sum / (cov / 255);
          out[o + ch] = Math.round(out[o + ch] * (1 - alpha) + fg * alpha);
        }
      }
    }
    return out;
  }
}

function paintBackground(S: number): Uint8Array {
  const bg = new Uint8Array(S * S * 3);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const dx = x / S - 0.45, dy = y / S - 0.35;
      const v = 1 - 0.55 * Math.min(1, dx * dx + dy * dy);
      const o = (y * S + x) * 3;
      bg[o] = Math.round(118 * v + 10);
      bg[o + 1] = Math.round(128 * v + 10);
      bg[o + 2] = Math.round(140 * v + 12);
    }
  }
  return bg;
}

/** Neck and shoulders below the head; they follow the head's horizontal position a little. */
function drawBody(out: Uint8Array, S: number, cam: PinholeCamera, pose: HeadPose): void {
  const px = (mmX: number, mmZ: number) => cam.fx * mmX / mmZ + cam.cx;
  const py = (mmY: number, mmZ: number) => cam.fy * mmY / mmZ + cam.cy;
  const z = pose.z;
  const neckX = px(pose.x * 0.6, z);
  const neckTop = py(pose.y + 40, z), neckBottom = py(pose.y + 260, z);
  const neckHalf = (cam.fx * 58) / z;
  const shoulderY = py(pose.y + 200, z);
  const shoulderHalfW = (cam.fx * 230) / z;
  const shoulderHalfH = (cam.fy * 75) / z;
  const cx = px(pose.x * 0.3, z);
  for (let y = Math.max(0, Math.floor(neckTop)); y < S; y++) {
    for (let x = 0; x < S; x++) {
      const o = (y * S + x) * 3;
      // Shoulders: the top half of an ellipse, extended downwards.
      const ex = (x + 0.5 - cx) / shoulderHalfW, ey = (y + 0.5 - shoulderY) / shoulderHalfH;
      const inShoulder = ey > 0 ? Math.abs(ex) < 1 + 0.15 * ey : ex * ex + ey * ey < 1;
      if (inShoulder) {
        const shade = 0.75 + 0.25 * (1 - Math.min(1, Math.abs(ex)));
        const edge = ey > 0 ? 1 : Math.min(1, (1 - (ex * ex + ey * ey)) * 8);
        const col = [46 * shade, 58 * shade, 88 * shade];
        for (let c = 0; c < 3; c++) out[o + c] = Math.round(out[o + c] * (1 - edge) + col[c] * edge);
        // A collar line.
        continue;
      }
      const nx = (x + 0.5 - neckX) / neckHalf;
      if (y < neckBottom && Math.abs(nx) < 1) {
        const shade = 0.62 + 0.3 * Math.cos(nx * 1.3) - 0.1 * Math.max(0, 1 - (y - neckTop) / (neckHalf * 1.2));
        const edge = Math.min(1, (1 - Math.abs(nx)) * neckHalf * 0.5);
        const col = [222 * shade, 170 * shade, 138 * shade];
        for (let c = 0; c < 3; c++) out[o + c] = Math.round(out[o + c] * (1 - edge) + col[c] * edge);
      }
    }
  }
}
