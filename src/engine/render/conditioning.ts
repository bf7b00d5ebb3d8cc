/**
 * The conditioning renderer of the rendering-to-video network (method doc, sections
 * 5 and 6): the persona's face model, subdivided once (Loop) for smooth shading,
 * driven by one frame's 71 parameters, textured (bilinear), lit (Lambert + ambient,
 * one fixed light, per-vertex normals, Gouraud), z-buffered, on black; plus the
 * one-channel eye attention map (the eye region's triangles filled with the frame's
 * blink value). Output per frame: RGB + eye = W x H x 4, as bytes.
 *
 * A tight edge-function rasteriser over typed arrays: vertex positions are snapped to
 * 1/256 pixel, so edge functions are exact in double precision and the top-left fill
 * rule makes shared edges watertight (every pixel centre is drawn by exactly one of
 * two adjacent triangles). Deterministic: no randomness, no threads, the same bytes on
 * every run. Pure code (no Node, no DOM).
 */
import { EXPRESSION_COMPONENTS, rotationMatrix, type FaceModel, type PinholeCamera } from '../common/face-model';
import { applyBlink } from '../common/eyelids';
import { buildSubdivision, applySparse } from './subdivide';

export interface RgbTexture {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA, alpha ignored) bytes per pixel, rows top to bottom. */
  channels: 3 | 4;
  data: Uint8Array;
}

/** Where the render lands: a square crop of the source frame, drawn at `size` x `size`. */
export interface RenderView {
  camera: PinholeCamera;
  /** Square crop in source-video pixels: left, top, side. */
  crop: { x: number; y: number; size: number };
  /** Output side, pixels (256 or 512 for the network; any size works). */
  size: number;
}

export interface ConditioningFrame {
  size: number;
  /** [S*S*3] textured, lit face on black. */
  rgb: Uint8Array;
  /** [S*S] eye attention map: round(255 · blink) inside the visible eye region, 0 elsewhere. */
  eye: Uint8Array;
  /** [S*S] 255 where the face was drawn, 0 elsewhere. */
  coverage: Uint8Array;
}

export interface LightSetup {
  /** Direction towards the light, camera space (+x right, +y down, +z away from the camera). */
  direction: [number, number, number];
  ambient: number;
  diffuse: number;
}

export interface ConditioningRendererOptions {
  /** Loop subdivision steps (default 1). */
  subdivisions?: number;
  light?: Partial<LightSetup>;
  /** Skip triangles that face away from the camera (default true). */
  cullBackfaces?: boolean;
}

/** Light from the camera's side, a little above and to the left (image space). */
export const DEFAULT_LIGHT: LightSetup = { direction: [-0.3, -0.35, -1], ambient: 0.5, diffuse: 0.6 };

const SNAP = 256;
/** Half the edge-function quantum (values are multiples of 2^-16 after snapping). */
const TOP_LEFT_BIAS = 2 ** -17;

export class ConditioningRenderer {
  readonly fineCount: number;
  readonly triangleCount: number;
  private readonly model: FaceModel;
  private readonly tex: Uint8Array;
  private readonly texW: number;
  private readonly texH: number;
  private readonly texC: number;
  private readonly sub: ReturnType<typeof buildSubdivision>;
  private readonly tris: Uint32Array;
  private readonly eyeTri: Uint8Array;
  private readonly uv: Float32Array;
  private readonly light: LightSetup;
  private readonly lightDir: Float64Array;
  private readonly cull: boolean;
  private readonly normalSign: number;
  private readonly frontSign: number;
  // Scratch buffers, reused every frame.
  private readonly coarse: Float32Array;
  private readonly fine: Float32Array;
  private readonly normals: Float32Array;
  private readonly sx: Float64Array;
  private readonly sy: Float64Array;
  private readonly sz: Float32Array;
  private readonly shade: Float32Array;
  private zbuf = new Float32Array(0);

  constructor(model: FaceModel, texture: RgbTexture, opts: ConditioningRendererOptions = {}) {
    this.model = model;
    if (texture.width < 1 || texture.height < 1 || texture.data.length < texture.width * texture.height * texture.channels) {
      throw new Error(`ConditioningRenderer: texture ${texture.width}x${texture.height}x${texture.channels} has ${texture.data.length} bytes`);
    }
    this.tex = texture.data;
    this.texW = texture.width;
    this.texH = texture.height;
    this.texC = texture.channels;
    const V = model.vertexCount;
    this.sub = buildSubdivision(V, model.triangles, opts.subdivisions ?? 1);
    this.tris = this.sub.triangles;
    this.fineCount = this.sub.fineCount;
    this.triangleCount = this.tris.length / 3;
    this.uv = applySparse(this.sub.uvRowStart, this.sub.uvCols, this.sub.uvWeights, model.uvs, 2, new Float32Array(this.fineCount * 2));
    // Eye region: the eye mask interpolated like texture coordinates; a refined
    // triangle belongs to the region when its vertices' mean is at least 1/2.
    const mask = Float32Array.from(model.eyeMask, (m) => (m ? 1 : 0));
    const fineMask = new Float32Array(this.fineCount);
    for (let r = 0; r < this.fineCount; r++) {
      let s = 0;
      for (let j = this.sub.uvRowStart[r]; j < this.sub.uvRowStart[r + 1]; j++) s += this.sub.uvWeights[j] * mask[this.sub.uvCols[j]];
      fineMask[r] = s;
    }
    this.eyeTri = new Uint8Array(this.triangleCount);
    for (let f = 0; f < this.triangleCount; f++) {
      const m = fineMask[this.tris[f * 3]] + fineMask[this.tris[f * 3 + 1]] + fineMask[this.tris[f * 3 + 2]];
      this.eyeTri[f] = m >= 1.5 - 1e-6 ? 1 : 0;
    }
    this.light = { ...DEFAULT_LIGHT, ...opts.light };
    const [lx, ly, lz] = this.light.direction;
    const ln = Math.hypot(lx, ly, lz) || 1;
    this.lightDir = new Float64Array([lx / ln, ly / ln, lz / ln]);
    this.cull = opts.cullBackfaces ?? true;
    this.coarse = new Float32Array(V * 3);
    this.fine = new Float32Array(this.fineCount * 3);
    this.normals = new Float32Array(this.fineCount * 3);
    this.sx = new Float64Array(this.fineCount);
    this.sy = new Float64Array(this.fineCount);
    this.sz = new Float32Array(this.fineCount);
    this.shade = new Float32Array(this.fineCount);
    // Orientation conventions, measured on the neutral shape: outward normals point
    // towards the camera (-z), and a front-facing triangle's signed image area.
    applySparse(this.sub.rowStart, this.sub.cols, this.sub.weights, model.neutral, 3, this.fine);
    let nz = 0, area = 0;
    const p = this.fine;
    for (let f = 0; f < this.triangleCount; f++) {
      const a = this.tris[f * 3] * 3, b = this.tris[f * 3 + 1] * 3, c = this.tris[f * 3 + 2] * 3;
      const e1x = p[b] - p[a], e1y = p[b + 1] - p[a + 1];
      const e2x = p[c] - p[a], e2y = p[c + 1] - p[a + 1];
      const cz = e1x * e2y - e1y * e2x;
      nz += cz;
      area += cz;
    }
    this.normalSign = nz > 0 ? -1 : 1;
    this.frontSign = area >= 0 ? 1 : -1;
  }

  /** Renders one frame. `out` (from an earlier call at the same size) is reused when given. */
  render(params71: ArrayLike<number>, view: RenderView, out?: ConditioningFrame): ConditioningFrame {
    const S = view.size;
    if (!Number.isInteger(S) || S < 1 || S > 8192) throw new Error(`ConditioningRenderer: output size ${S} must be an integer in 1..8192`);
    const frame = out && out.size === S ? out : { size: S, rgb: new Uint8Array(S * S * 3), eye: new Uint8Array(S * S), coverage: new Uint8Array(S * S) };
    frame.rgb.fill(0);
    frame.eye.fill(0);
    frame.coverage.fill(0);
    if (this.zbuf.length !== S * S) this.zbuf = new Float32Array(S * S);
    this.zbuf.fill(Infinity);
    this.transform(params71, view);
    const blink = Number(params71[6]) || 0;
    const eyeValue = Math.round(255 * Math.min(1, Math.max(0, blink)));
    this.rasterize(frame, eyeValue);
    return frame;
  }

  /** Deform, subdivide, normals, pose, light and project every vertex. */
  private transform(params71: ArrayLike<number>, view: RenderView): void {
    const m = this.model;
    const n = m.vertexCount * 3;
    const coarse = this.coarse;
    coarse.set(m.neutral);
    const K = Math.min(EXPRESSION_COMPONENTS, m.basis.length / n);
    for (let k = 0; k < K; k++) {
      const c = Number(params71[7 + k]) || 0;
      if (c === 0) continue;
      const off = k * n;
      const basis = m.basis;
      for (let i = 0; i < n; i++) coarse[i] += c * basis[off + i];
    }
    // The lids close with the blink channel (the same field as projectVertices).
    applyBlink(m, params71[6], coarse);
    const fine = applySparse(this.sub.rowStart, this.sub.cols, this.sub.weights, coarse, 3, this.fine);
    // Area-weighted vertex normals in model space.
    const nrm = this.normals;
    nrm.fill(0);
    const tris = this.tris;
    for (let f = 0; f < this.triangleCount; f++) {
      const a = tris[f * 3] * 3, b = tris[f * 3 + 1] * 3, c = tris[f * 3 + 2] * 3;
      const e1x = fine[b] - fine[a], e1y = fine[b + 1] - fine[a + 1], e1z = fine[b + 2] - fine[a + 2];
      const e2x = fine[c] - fine[a], e2y = fine[c + 1] - fine[a + 1], e2z = fine[c + 2] - fine[a + 2];
      const cx = e1y * e2z - e1z * e2y, cy = e1z * e2x - e1x * e2z, cz = e1x * e2y - e1y * e2x;
      nrm[a] += cx; nrm[a + 1] += cy; nrm[a + 2] += cz;
      nrm[b] += cx; nrm[b + 1] += cy; nrm[b + 2] += cz;
      nrm[c] += cx; nrm[c + 1] += cy; nrm[c + 2] += cz;
    }
    const R = rotationMatrix(Number(params71[0]) || 0, Number(params71[1]) || 0, Number(params71[2]) || 0);
    const tx = Number(params71[3]) || 0, ty = Number(params71[4]) || 0, tz = Number(params71[5]) || 0;
    const cam = view.camera;
    const scale = view.size / view.crop.size;
    const fx = cam.fx * scale, fy = cam.fy * scale;
    const ox = (cam.cx - view.crop.x) * scale, oy = (cam.cy - view.crop.y) * scale;
    const [lx, ly, lz] = this.lightDir;
    const { ambient, diffuse } = this.light;
    const sgn = this.normalSign;
    for (let i = 0; i < this.fineCount; i++) {
      const i3 = i * 3;
      const x = fine[i3], y = fine[i3 + 1], z = fine[i3 + 2];
      const X = R[0] * x + R[1] * y + R[2] * z + tx;
      const Y = R[3] * x + R[4] * y + R[5] * z + ty;
      const Z = R[6] * x + R[7] * y + R[8] * z + tz;
      const iz = Z > 1e-6 ? 1 / Z : 1e6;
      this.sx[i] = Math.round((fx * X * iz + ox) * SNAP) / SNAP;
      this.sy[i] = Math.round((fy * Y * iz + oy) * SNAP) / SNAP;
      this.sz[i] = Z;
      let nx = nrm[i3], ny = nrm[i3 + 1], nz = nrm[i3 + 2];
      const len = Math.hypot(nx, ny, nz);
      if (len > 0) {
        const s = sgn / len;
        nx *= s; ny *= s; nz *= s;
      }
      const cnx = R[0] * nx + R[1] * ny + R[2] * nz;
      const cny = R[3] * nx + R[4] * ny + R[5] * nz;
      const cnz = R[6] * nx + R[7] * ny + R[8] * nz;
      const d = cnx * lx + cny * ly + cnz * lz;
      this.shade[i] = ambient + diffuse * (d > 0 ? d : 0);
    }
  }

  private rasterize(frame: ConditioningFrame, eyeValue: number): void {
    const S = frame.size;
    const { rgb, eye, coverage } = frame;
    const zbuf = this.zbuf;
    const { sx, sy, sz, shade, uv, tris, eyeTri, tex, texW, texH, texC } = this;
    const frontSign = this.frontSign;
    const cull = this.cull;
    const maxTx = texW - 1, maxTy = texH - 1;
    for (let f = 0; f < this.triangleCount; f++) {
      const i0 = tris[f * 3];
      let i1 = tris[f * 3 + 1], i2 = tris[f * 3 + 2];
      const x0 = sx[i0], y0 = sy[i0];
      let x1 = sx[i1], y1 = sy[i1], x2 = sx[i2], y2 = sy[i2];
      let area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
      if (area === 0) continue;
      if (cull && area * frontSign < 0) continue;
      if (area < 0) {
        let t = i1; i1 = i2; i2 = t;
        t = x1; x1 = x2; x2 = t;
        t = y1; y1 = y2; y2 = t;
        area = -area;
      }
      let minX = Math.ceil(Math.min(x0, x1, x2) - 0.5), maxX = Math.floor(Math.max(x0, x1, x2) - 0.5);
      let minY = Math.ceil(Math.min(y0, y1, y2) - 0.5), maxY = Math.floor(Math.max(y0, y1, y2) - 0.5);
      if (minX < 0) minX = 0;
      if (minY < 0) minY = 0;
      if (maxX > S - 1) maxX = S - 1;
      if (maxY > S - 1) maxY = S - 1;
      if (minX > maxX || minY > maxY) continue;
      if (sz[i0] <= 1e-6 || sz[i1] <= 1e-6 || sz[i2] <= 1e-6) continue; // behind the camera
      // Edge functions w0 = E(v1, v2), w1 = E(v2, v0), w2 = E(v0, v1): A·px + B·py + C.
      const A0 = y1 - y2, B0 = x2 - x1, C0 = -(A0 * x1 + B0 * y1);
      const A1 = y2 - y0, B1 = x0 - x2, C1 = -(A1 * x2 + B1 * y2);
      const A2 = y0 - y1, B2 = x1 - x0, C2 = -(A2 * x0 + B2 * y0);
      // Top-left rule: a pixel centre exactly on a left or top edge belongs to the triangle.
      const b0 = A0 > 0 || (A0 === 0 && B0 > 0) ? TOP_LEFT_BIAS : 0;
      const b1 = A1 > 0 || (A1 === 0 && B1 > 0) ? TOP_LEFT_BIAS : 0;
      const b2 = A2 > 0 || (A2 === 0 && B2 > 0) ? TOP_LEFT_BIAS : 0;
      const inv = 1 / area;
      const z0 = sz[i0], z1 = sz[i1], z2 = sz[i2];
      const u0 = uv[i0 * 2], u1 = uv[i1 * 2], u2 = uv[i2 * 2];
      const v0 = uv[i0 * 2 + 1], v1 = uv[i1 * 2 + 1], v2 = uv[i2 * 2 + 1];
      const s0 = shade[i0], s1 = shade[i1], s2 = shade[i2];
      const eyeV = eyeTri[f] ? eyeValue : 0;
      const px0 = minX + 0.5;
      for (let y = minY; y <= maxY; y++) {
        const py = y + 0.5;
        let w0 = A0 * px0 + B0 * py + C0;
        let w1 = A1 * px0 + B1 * py + C1;
        let w2 = A2 * px0 + B2 * py + C2;
        let idx = y * S + minX;
        for (let x = minX; x <= maxX; x++, idx++, w0 += A0, w1 += A1, w2 += A2) {
          if (w0 + b0 <= 0 || w1 + b1 <= 0 || w2 + b2 <= 0) continue;
          const l0 = w0 * inv, l1 = w1 * inv, l2 = 1 - l0 - l1;
          const z = l0 * z0 + l1 * z1 + l2 * z2;
          if (z >= zbuf[idx]) continue;
          zbuf[idx] = z;
          // Bilinear texture sample (clamped at the edges).
          let tx = (l0 * u0 + l1 * u1 + l2 * u2) * texW - 0.5;
          let ty = (l0 * v0 + l1 * v1 + l2 * v2) * texH - 0.5;
          if (tx < 0) tx = 0; else if (tx > maxTx) tx = maxTx;
          if (ty < 0) ty = 0; else if (ty > maxTy) ty = maxTy;
          const ix = tx | 0, iy = ty | 0;
          const fxw = tx - ix, fyw = ty - iy;
          const ix1 = ix < maxTx ? ix + 1 : ix, iy1 = iy < maxTy ? iy + 1 : iy;
          const t00 = (iy * texW + ix) * texC, t10 = (iy * texW + ix1) * texC;
          const t01 = (iy1 * texW + ix) * texC, t11 = (iy1 * texW + ix1) * texC;
          const w00 = (1 - fxw) * (1 - fyw), w10 = fxw * (1 - fyw), w01 = (1 - fxw) * fyw, w11 = fxw * fyw;
          const sh = l0 * s0 + l1 * s1 + l2 * s2;
          const o = idx * 3;
          let r = (tex[t00] * w00 + tex[t10] * w10 + tex[t01] * w01 + tex[t11] * w11) * sh + 0.5;
          let g = (tex[t00 + 1] * w00 + tex[t10 + 1] * w10 + tex[t01 + 1] * w01 + tex[t11 + 1] * w11) * sh + 0.5;
          let b = (tex[t00 + 2] * w00 + tex[t10 + 2] * w10 + tex[t01 + 2] * w01 + tex[t11 + 2] * w11) * sh + 0.5;
          if (r > 255) r = 255;
          if (g > 255) g = 255;
          if (b > 255) b = 255;
          rgb[o] = r;
          rgb[o + 1] = g;
          rgb[o + 2] = b;
          eye[idx] = eyeV;
          coverage[idx] = 255;
        }
      }
    }
  }
}

const cache = new WeakMap<FaceModel, WeakMap<RgbTexture, ConditioningRenderer>>();

/**
 * Renders one frame's conditioning image (a renderer per model and texture is built
 * on first use and cached).
 */
export function renderConditioning(model: FaceModel, texture: RgbTexture, params71: ArrayLike<number>, view: RenderView, out?: ConditioningFrame): ConditioningFrame {
  let byTex = cache.get(model);
  if (!byTex) cache.set(model, (byTex = new WeakMap()));
  let r = byTex.get(texture);
  if (!r) byTex.set(texture, (r = new ConditioningRenderer(model, texture)));
  return r.render(params71, view, out);
}

/**
 * Interleaves a frame into 4 channels per pixel (R, G, B, eye), bytes: the W x H x 4
 * layout of the method doc.
 */
export function interleaveRgbe(frame: ConditioningFrame, out = new Uint8Array(frame.size * frame.size * 4)): Uint8Array {
  const n = frame.size * frame.size;
  for (let i = 0; i < n; i++) {
    out[i * 4] = frame.rgb[i * 3];
    out[i * 4 + 1] = frame.rgb[i * 3 + 1];
    out[i * 4 + 2] = frame.rgb[i * 3 + 2];
    out[i * 4 + 3] = frame.eye[i];
  }
  return out;
}
