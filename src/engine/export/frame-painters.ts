/**
 * The three ways an export paints an output frame onto its source frame (the footage
 * frame chosen by pose, src/engine/synthesis/retrieval-plan.ts):
 * - retrieval: real mouth and eyes of other footage frames, warped and blended
 *   (src/engine/synthesis; no training, the default);
 * - renderer: the learned G_r's face crop, pasted through a soft face mask (used when
 *   asked for);
 * - preview: the textured 3D render, composited (no photoreal claim).
 */
import { projectVertices, type Persona } from '../persona';
import { PARAM_COUNT } from '../../shared/facial-params';
import { ConditioningRenderer, type RenderView } from '../render/conditioning';
import { ConditioningWindow, personaView } from '../render/dataset';
import type { RendererRunner } from '../render/train-renderer';
import type { ResidualRefiner, RetrievalSynthesizer } from '../synthesis';
import { blendPatch, resizeRgb } from './compose';
import { fillPolygon, growMask, softenMask, squareFeather } from './mask';

export interface FramePainter {
  /** Paints output frame i onto `frame` (the source frame `j`'s pixels, W×H RGB24), in place. */
  paint(i: number, j: number, frame: Uint8Array): Promise<void>;
}

export class RetrievalPainter implements FramePainter {
  constructor(readonly synth: RetrievalSynthesizer) {}
  paint(i: number, _j: number, frame: Uint8Array): Promise<void> {
    this.synth.compose(i, frame);
    return Promise.resolve();
  }
}

/** Retrieval, then the residual G_r's correction of the mouth (inside its mask only). */
export class ResidualPainter implements FramePainter {
  constructor(readonly synth: RetrievalSynthesizer, private readonly refiner: ResidualRefiner) {}
  async paint(i: number, _j: number, frame: Uint8Array): Promise<void> {
    this.synth.compose(i, frame);
    await this.refiner.refine(i, frame);
  }
}

/** G_r's crop, pasted through the union of the new face outline and the source frame's own, grown and feathered. */
export class RendererPainter implements FramePainter {
  private readonly window: ConditioningWindow;
  private readonly condBuf: Float32Array;
  private readonly genCrop: Uint8Array<ArrayBuffer>;
  private readonly patch: Uint8Array<ArrayBuffer>;
  private readonly border: Float32Array;
  private readonly mask: Float32Array<ArrayBuffer>;

  constructor(private readonly persona: Persona, renderer: ConditioningRenderer, private readonly net: RendererRunner, private readonly curves: Float32Array, private readonly hulls: Float32Array) {
    const size = net.info.size, side = persona.meta.crop.size;
    this.window = new ConditioningWindow(renderer, personaView(persona, size), curves, net.info.config.window, 8);
    this.condBuf = new Float32Array(this.window.channels * size * size);
    this.genCrop = new Uint8Array(size * size * 3);
    this.patch = new Uint8Array(side * side * 3);
    this.border = squareFeather(side, Math.max(4, Math.round(side * 0.05)));
    this.mask = new Float32Array(side * side);
  }

  async paint(i: number, j: number, frame: Uint8Array): Promise<void> {
    const { persona, net } = this;
    const crop = persona.meta.crop, side = crop.size, size = net.info.size;
    const W = persona.camera.width, H = persona.camera.height;
    this.window.fill(i, this.condBuf);
    await net.infer(this.condBuf, this.genCrop);
    resizeRgb(this.genCrop, size, size, side, side, this.patch);
    const mask = this.mask;
    mask.fill(0);
    const oval = persona.modelJson.faceOval;
    const proj = projectVertices(persona.model, this.curves.subarray(i * PARAM_COUNT, (i + 1) * PARAM_COUNT), persona.camera);
    const newHull = new Float32Array(oval.length * 2);
    oval.forEach((v, k) => {
      newHull[k * 2] = proj[v * 2] - crop.x;
      newHull[k * 2 + 1] = proj[v * 2 + 1] - crop.y;
    });
    fillPolygon(newHull, side, side, mask);
    const hullN = persona.meta.paste.hullVertexCount;
    const refHull = new Float32Array(hullN * 2);
    for (let k = 0; k < hullN; k++) {
      refHull[k * 2] = this.hulls[(j * hullN + k) * 2] - crop.x;
      refHull[k * 2 + 1] = this.hulls[(j * hullN + k) * 2 + 1] - crop.y;
    }
    fillPolygon(refHull, side, side, mask);
    const grown = growMask(mask, side, side, Math.round(side * 0.06));
    softenMask(grown, side, side, side * 0.06);
    for (let k = 0; k < grown.length; k++) grown[k] *= this.border[k];
    blendPatch(frame, W, H, this.patch, grown, side, crop.x, crop.y);
  }
}

/** The textured render at the crop's own resolution (at most 1024 px, then scaled), composited by its coverage. */
export class PreviewPainter implements FramePainter {
  private readonly view: RenderView;
  private readonly size: number;
  private readonly featherPx: number;
  private readonly patch: Uint8Array<ArrayBuffer>;

  constructor(private readonly persona: Persona, private readonly renderer: ConditioningRenderer, private readonly curves: Float32Array) {
    const crop = persona.meta.crop, side = crop.size;
    this.size = Math.min(side, 1024);
    this.view = { camera: persona.camera, crop: { x: crop.x, y: crop.y, size: side }, size: this.size };
    this.featherPx = Math.max(2, persona.meta.paste.featherPx * (side / Math.max(persona.camera.width, persona.camera.height)) * 2);
    this.patch = new Uint8Array(side * side * 3);
  }

  paint(i: number, _j: number, frame: Uint8Array): Promise<void> {
    const crop = this.persona.meta.crop, side = crop.size, S = this.size;
    const f = this.renderer.render(this.curves.subarray(i * PARAM_COUNT, (i + 1) * PARAM_COUNT), this.view);
    if (S === side) this.patch.set(f.rgb);
    else resizeRgb(f.rgb, S, S, side, side, this.patch);
    const cov = new Float32Array(S * S);
    for (let k = 0; k < cov.length; k++) cov[k] = f.coverage[k] ? 1 : 0;
    let m = growMask(cov, S, S, -Math.round(this.featherPx * (S / side)));
    m = softenMask(m, S, S, this.featherPx * (S / side));
    const full = S === side ? m : resizeMask(m, S, side);
    blendPatch(frame, this.persona.camera.width, this.persona.camera.height, this.patch, full, side, crop.x, crop.y);
    return Promise.resolve();
  }
}

/** Bilinear resize of a square mask. */
function resizeMask(m: Float32Array, from: number, to: number): Float32Array {
  const out = new Float32Array(to * to);
  const s = from / to;
  for (let y = 0; y < to; y++) {
    const fy = Math.min(from - 1, Math.max(0, (y + 0.5) * s - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(from - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < to; x++) {
      const fx = Math.min(from - 1, Math.max(0, (x + 0.5) * s - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(from - 1, x0 + 1), wx = fx - x0;
      const a = m[y0 * from + x0] + (m[y0 * from + x1] - m[y0 * from + x0]) * wx;
      const b = m[y1 * from + x0] + (m[y1 * from + x1] - m[y1 * from + x0]) * wx;
      out[y * to + x] = a + (b - a) * wy;
    }
  }
  return out;
}
