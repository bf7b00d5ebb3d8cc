/**
 * The demo's built-in generic head, made entirely in code (no files, no downloads):
 * a closed parametric head (ellipsoid with a tapered jaw, nose, brow ridge, eye
 * sockets, cheeks, lips and chin modelled as smooth displacements), and a procedural
 * texture painted in the head's own (longitude, latitude) map: skin with shading
 * variation, hair, eyebrows, almond eyes (sclera, iris, pupil, highlight, lashes),
 * nostrils and lips. Blinks and mouth opening are painted into the texture per frame
 * (only the eye and mouth areas are repainted), so one rigid mesh gives a talking,
 * blinking face that a face tracker recognises.
 *
 * Model space follows src/engine/common/face-model.ts: millimetres, +x image right,
 * +y down, +z into the head; the face looks towards -z.
 */
import type { FaceModel } from '../common/face-model';
import type { RgbTexture } from '../render/conditioning';

export interface FaceState {
  /** 0 open .. 1 closed. */
  blink: number;
  /** 0 closed .. 1 wide open. */
  mouthOpen: number;
  /** Horizontal gaze, -1..1 (small values). */
  gaze?: number;
}

const LON_STEPS = 120;
const LAT_STEPS = 80;
const TEX_W = 2048;
const TEX_H = 1024;

// Head proportions, mm. Centre at eye level.
const RX = 74;
const RY_TOP = 108;
const RY_BOTTOM = 104;
const RZ = 92;

// Feature positions (front projection, mm).
const EYE_X = 31;
const EYE_Y = 0;
const EYE_HALF_W = 13;
const EYE_HALF_H = 5.6;
const IRIS_R = 5.4;
const PUPIL_R = 2.2;
const BROW_Y = -17;
const NOSE_TIP_Y = 33;
const NOSTRIL_Y = 38;
const MOUTH_Y = 58;
const MOUTH_HALF_W = 23;
const MOUTH_MAX_OPEN = 13;

const gauss = (d2: number, s: number) => Math.exp(-d2 / (2 * s * s));
const smoothstep = (a: number, b: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
};

/** The undisplaced surface point at longitude phi (0 = front) and latitude theta (-π/2 = top). */
function basePoint(phi: number, theta: number): [number, number, number] {
  const ct = Math.cos(theta), st = Math.sin(theta);
  const ry = st < 0 ? RY_TOP : RY_BOTTOM;
  const y = ry * st;
  // Jaw taper: narrower towards the chin, a little narrower at the temples.
  const lower = Math.max(0, st);
  const rx = RX * (1 - 0.34 * lower * lower) * (1 + 0.04 * Math.max(0, -st));
  const rz = RZ * (1 - 0.12 * lower * lower);
  return [rx * ct * Math.sin(phi), y, -rz * ct * Math.cos(phi)];
}

/** Displacement towards the camera (mm, positive = closer) at front-projected (x, y). */
function relief(x: number, y: number, front: number): number {
  if (front <= 0) return 0;
  const ax = Math.abs(x);
  let d = 0;
  // Nose: a ridge from between the eyes to the tip, the tip, and the wings.
  const along = smoothstep(-8, NOSE_TIP_Y, y) * (1 - smoothstep(NOSE_TIP_Y, NOSE_TIP_Y + 8, y));
  d += 19 * along * gauss(x * x, 6 + 3 * smoothstep(0, NOSE_TIP_Y, y));
  d += 6 * gauss(x * x + (y - NOSE_TIP_Y + 2) ** 2, 7);
  d += 4 * gauss((ax - 10) ** 2 + (y - NOSTRIL_Y + 3) ** 2, 5);
  // Eye sockets and brow ridge.
  d -= 7 * gauss((ax - EYE_X) ** 2 + ((y - EYE_Y) * 1.4) ** 2, 11);
  d += 3 * gauss((ax - EYE_X + 3) ** 2 * 0.3 + (y - BROW_Y - 2) ** 2, 5);
  // Eyeballs bulge a little inside the socket.
  d += 3 * gauss((ax - EYE_X) ** 2 + ((y - EYE_Y) * 1.6) ** 2, 6);
  // Cheekbones, lips, chin.
  d += 4 * gauss((ax - 40) ** 2 + (y - 24) ** 2, 13);
  d += 5 * gauss(x * x * 0.35 + (y - MOUTH_Y) ** 2, 8);
  d += 5 * gauss(x * x * 0.5 + (y - 92) ** 2, 10);
  // A groove between the nose and the upper lip sides (nasolabial), subtle.
  d -= 2 * gauss((ax - 24) ** 2 + (y - 45) ** 2, 6);
  return d * smoothstep(0, 0.35, front);
}

/** Deterministic value noise in [0, 1). */
function hash(ix: number, iy: number, seed: number): number {
  let h = (ix * 374761393 + iy * 668265263 + seed * 2147483647) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
function noise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x), iy = Math.floor(y);
  const fx = x - ix, fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
  const a = hash(ix, iy, seed), b = hash(ix + 1, iy, seed), c = hash(ix, iy + 1, seed), d = hash(ix + 1, iy + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

export interface GenericHead {
  model: FaceModel;
  texture: RgbTexture;
  /** Repaints the eyes and mouth of `texture` for a face state. */
  setState(state: FaceState): void;
}

/** Builds the generic head: mesh, base texture, and the per-frame painter. */
export function createGenericHead(): GenericHead {
  const cols = LON_STEPS + 1;
  const rows = LAT_STEPS + 1;
  const V = cols * rows;
  const neutral = new Float32Array(V * 3);
  const uvs = new Float32Array(V * 2);
  for (let j = 0; j < rows; j++) {
    const v = j / LAT_STEPS;
    const theta = -Math.PI / 2 + Math.PI * v;
    for (let i = 0; i < cols; i++) {
      const u = i / LON_STEPS;
      const phi = (u - 0.5) * 2 * Math.PI;
      const [x, y, z] = basePoint(phi, theta);
      const front = Math.cos(theta) * Math.cos(phi);
      const k = j * cols + i;
      neutral[k * 3] = x;
      neutral[k * 3 + 1] = y;
      neutral[k * 3 + 2] = z - relief(x, y, front);
      uvs[k * 2] = u;
      uvs[k * 2 + 1] = v;
    }
  }
  // Centre the model on its centroid, as face-model.ts expects.
  const c = [0, 0, 0];
  for (let k = 0; k < V; k++) for (let a = 0; a < 3; a++) c[a] += neutral[k * 3 + a] / V;
  for (let k = 0; k < V; k++) for (let a = 0; a < 3; a++) neutral[k * 3 + a] -= c[a];
  const tris: number[] = [];
  for (let j = 0; j < LAT_STEPS; j++) {
    for (let i = 0; i < LON_STEPS; i++) {
      const a = j * cols + i, b = a + 1, d = a + cols, e = d + 1;
      // Skip degenerate triangles at the poles.
      if (j > 0) tris.push(a, b, e);
      if (j < LAT_STEPS - 1) tris.push(a, e, d);
    }
  }
  const model: FaceModel = {
    vertexCount: V,
    neutral,
    basis: new Float32Array(0),
    triangles: Uint32Array.from(tris),
    uvs,
    eyeMask: new Uint8Array(V),
    landmarkToVertex: new Int32Array(0),
  };
  const texture: RgbTexture = { width: TEX_W, height: TEX_H, channels: 3, data: new Uint8Array(TEX_W * TEX_H * 3) };
  paintRegion(texture, 0, TEX_W, 0, TEX_H, { blink: 0, mouthOpen: 0 });
  // Texel boxes of the animated areas (eyes, mouth), from their extents in mm.
  const eyeBox = texelBox(EYE_X - EYE_HALF_W - 4, EYE_Y - EYE_HALF_H - 6, EYE_X + EYE_HALF_W + 4, EYE_Y + EYE_HALF_H + 5);
  const eyeBoxL = texelBox(-EYE_X - EYE_HALF_W - 4, EYE_Y - EYE_HALF_H - 6, -EYE_X + EYE_HALF_W + 4, EYE_Y + EYE_HALF_H + 5);
  const mouthBox = texelBox(-MOUTH_HALF_W - 8, MOUTH_Y - 12, MOUTH_HALF_W + 8, MOUTH_Y + MOUTH_MAX_OPEN + 14);
  // Painted areas are cached per quantised state (17 blink x 9 gaze levels for the
  // eyes, 17 levels for the mouth), so a frame usually just copies three patches.
  const cache = new Map<string, Uint8Array>();
  const q = (v: number, levels: number, lo = 0, hi = 1) => Math.round(((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (levels - 1)) / (levels - 1) * (hi - lo) + lo;
  const paintCached = (key: string, b: [number, number, number, number], state: FaceState) => {
    const w = b[1] - b[0];
    let patch = cache.get(key);
    if (!patch) {
      paintRegion(texture, b[0], b[1], b[2], b[3], state);
      patch = new Uint8Array(w * (b[3] - b[2]) * 3);
      for (let j = b[2]; j < b[3]; j++) patch.set(texture.data.subarray((j * TEX_W + b[0]) * 3, (j * TEX_W + b[1]) * 3), (j - b[2]) * w * 3);
      cache.set(key, patch);
      return;
    }
    for (let j = b[2]; j < b[3]; j++) texture.data.set(patch.subarray((j - b[2]) * w * 3, (j - b[2] + 1) * w * 3), (j * TEX_W + b[0]) * 3);
  };
  return {
    model,
    texture,
    setState(state) {
      const s: FaceState = { blink: q(state.blink, 17), mouthOpen: q(state.mouthOpen, 17), gaze: q(state.gaze ?? 0, 9, -1, 1) };
      paintCached(`eR ${s.blink} ${s.gaze}`, eyeBox, s);
      paintCached(`eL ${s.blink} ${s.gaze}`, eyeBoxL, s);
      paintCached(`m ${s.mouthOpen}`, mouthBox, s);
    },
  };
}

/** Texel bounds [u0, u1, v0, v1) covering a front-projected mm box. */
function texelBox(x0: number, y0: number, x1: number, y1: number): [number, number, number, number] {
  let u0 = TEX_W, u1 = 0, v0 = TEX_H, v1 = 0;
  for (let j = 0; j < TEX_H; j += 2) {
    const theta = -Math.PI / 2 + Math.PI * ((j + 0.5) / TEX_H);
    for (let i = 0; i < TEX_W; i += 2) {
      const phi = (((i + 0.5) / TEX_W) - 0.5) * 2 * Math.PI;
      if (Math.cos(phi) <= 0) continue;
      const [x, y] = basePoint(phi, theta);
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) {
        u0 = Math.min(u0, i); u1 = Math.max(u1, i + 2);
        v0 = Math.min(v0, j); v1 = Math.max(v1, j + 2);
      }
    }
  }
  return [Math.max(0, u0 - 2), Math.min(TEX_W, u1 + 2), Math.max(0, v0 - 2), Math.min(TEX_H, v1 + 2)];
}

type RGB = [number, number, number];
const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

const SKIN: RGB = [222, 170, 138];
const SKIN_SHADOW: RGB = [188, 132, 104];
const CHEEK: RGB = [226, 150, 128];
const HAIR: RGB = [58, 40, 30];
const BROW: RGB = [62, 44, 34];
const LIP: RGB = [176, 88, 86];
const LIP_DARK: RGB = [140, 62, 64];
const MOUTH_IN: RGB = [48, 18, 20];
const TEETH: RGB = [232, 226, 214];
const SCLERA: RGB = [236, 232, 226];
const IRIS: RGB = [92, 70, 48];
const IRIS_RIM: RGB = [48, 34, 24];
const LASH: RGB = [36, 26, 22];

/** Paints texels [u0, u1) x [v0, v1) for a face state. */
function paintRegion(tex: RgbTexture, u0: number, u1: number, v0: number, v1: number, state: FaceState): void {
  const data = tex.data;
  for (let j = v0; j < v1; j++) {
    const theta = -Math.PI / 2 + Math.PI * ((j + 0.5) / TEX_H);
    for (let i = u0; i < u1; i++) {
      const phi = (((i + 0.5) / TEX_W) - 0.5) * 2 * Math.PI;
      const [x, y] = basePoint(phi, theta);
      const front = Math.cos(theta) * Math.cos(phi);
      const col = shadeTexel(x, y, front, phi, theta, state);
      const o = (j * TEX_W + i) * 3;
      data[o] = Math.max(0, Math.min(255, Math.round(col[0])));
      data[o + 1] = Math.max(0, Math.min(255, Math.round(col[1])));
      data[o + 2] = Math.max(0, Math.min(255, Math.round(col[2])));
    }
  }
}

function shadeTexel(x: number, y: number, front: number, phi: number, theta: number, s: FaceState): RGB {
  const ax = Math.abs(x);
  // Skin with low-frequency variation and a little pore-scale noise.
  const n1 = noise(x * 0.08, y * 0.08, 1), n2 = noise(x * 0.6, y * 0.6, 2);
  let col: RGB = mix(SKIN, SKIN_SHADOW, 0.25 * n1 + 0.1 * n2);
  col = mix(col, CHEEK, 0.35 * gauss((ax - 38) ** 2 + (y - 28) ** 2, 10));
  // Slight shadow under the nose and around the jaw line.
  col = mix(col, SKIN_SHADOW, 0.35 * gauss(x * x * 0.4 + (y - 46) ** 2, 4));
  col = mix(col, SKIN_SHADOW, 0.3 * smoothstep(0.25, 0.05, front) * (y > 20 ? 1 : 0));
  // Hair: above a hairline on the front, everywhere at the back and the top.
  const hairline = -62 + 0.006 * x * x;
  const back = front < 0.15 && y < 60 - 40 * Math.max(0, front);
  const sideburn = front < 0.42 && y < 8;
  if (y < hairline || back || sideburn || theta < -1.25) {
    const strand = noise(phi * 40, theta * 6, 3) * 0.6 + noise(phi * 160, theta * 20, 4) * 0.4;
    const edge = y < hairline ? smoothstep(0, 5, hairline - y) : 1;
    col = mix(col, mix(HAIR, [90, 64, 46], strand * 0.6), edge);
    return col;
  }
  if (front <= 0.2) return col;
  // Eyebrows: arcs above the eyes.
  {
    const bx = ax - EYE_X + 2;
    const arc = BROW_Y - 4 + 0.012 * bx * bx - 0.05 * bx;
    const w = 1 - smoothstep(16, 19, Math.abs(bx));
    const thick = 2.6 - 0.05 * bx;
    const dy = Math.abs(y - arc);
    const b = w * (1 - smoothstep(thick - 0.8, thick + 0.4, dy));
    if (b > 0) col = mix(col, BROW, 0.9 * b * (0.75 + 0.25 * noise(x * 2, y * 2, 5)));
  }
  // Eyes.
  {
    const ex = ax - EYE_X, ey = y - EYE_Y;
    const open = Math.max(0, 1 - s.blink);
    const halfH = EYE_HALF_H * open;
    // Almond: lid curves y = ±h (1 - (x/w)^2), upper lid higher.
    const t = ex / EYE_HALF_W;
    const shape = Math.max(0, 1 - t * t);
    const upper = -(halfH * 1.15 + 0.6) * shape + 0.6 * open * t * (x > 0 ? 1 : -1) * 0;
    const lower = halfH * 0.85 * shape;
    // Eyelid crease and lash line follow the upper lid (in the closed state: a line).
    const lashY = upper;
    if (Math.abs(t) < 1.05) {
      const crease = -(EYE_HALF_H * 1.15 + 3.2) * shape;
      col = mix(col, SKIN_SHADOW, 0.45 * gauss((y - EYE_Y - crease) ** 2, 0.7) * (1 - smoothstep(0.85, 1.05, Math.abs(t))));
    }
    if (Math.abs(t) < 1 && ey > upper && ey < lower && halfH > 0.25) {
      const gaze = (s.gaze ?? 0) * 3;
      const r2 = (ex - gaze * (x > 0 ? 1 : 1)) ** 2 + ey ** 2;
      const r = Math.sqrt(r2);
      let eye: RGB = mix(SCLERA, [200, 190, 185], smoothstep(0.5, 1, Math.abs(t)));
      if (r < IRIS_R) {
        eye = mix(IRIS, IRIS_RIM, smoothstep(IRIS_R - 1.6, IRIS_R, r));
        eye = mix(eye, [120, 96, 70], 0.3 * noise(Math.atan2(ey, ex) * 6, r, 6));
        if (r < PUPIL_R) eye = [14, 12, 12];
        // Catch light.
        if ((ex - gaze + 1.6) ** 2 + (ey + 1.6) ** 2 < 1.1) eye = [250, 250, 250];
      }
      // Shadow of the upper lid on the eyeball.
      eye = mix(eye, [70, 55, 50], 0.5 * (1 - smoothstep(0, 1.6, ey - upper)));
      col = eye;
    }
    // Lash line (upper lid edge), thicker at the outer corner; lower lid a faint line.
    if (Math.abs(t) < 1.08) {
      const lw = 0.75 + 0.45 * smoothstep(0, 1, t * (x > 0 ? 1 : -1) * -1 + 0.5);
      const dl = Math.abs(ey - lashY);
      if (dl < lw + 0.5) col = mix(col, LASH, 1 - smoothstep(lw - 0.3, lw + 0.5, dl));
      if (halfH > 0.25) {
        const dlo = Math.abs(ey - lower);
        col = mix(col, [150, 100, 90], 0.6 * (1 - smoothstep(0.2, 0.8, dlo)));
      }
    }
  }
  // Nostrils.
  {
    const d = ((ax - 7.5) / 3.6) ** 2 + ((y - NOSTRIL_Y) / 2) ** 2;
    if (d < 1.6) col = mix(col, [90, 50, 45], 1 - smoothstep(0.6, 1.6, d));
  }
  // Mouth: upper lip fixed, the opening and the lower lip move down with mouthOpen.
  {
    const open = Math.max(0, Math.min(1, s.mouthOpen)) * MOUTH_MAX_OPEN;
    const t = x / MOUTH_HALF_W;
    if (Math.abs(t) < 1.1) {
      const shape = Math.max(0, 1 - t * t);
      const cupid = 1.2 * gauss(x * x, 3);
      const upperTop = MOUTH_Y - 5.2 * Math.sqrt(shape) + cupid;
      const seamUp = MOUTH_Y - open * 0.3 * Math.sqrt(shape);
      const seamDown = MOUTH_Y + open * 0.7 * Math.sqrt(shape);
      const lowerBottom = seamDown + 6.5 * Math.sqrt(shape);
      if (y > upperTop && y < seamUp) col = mix(LIP_DARK, LIP, smoothstep(upperTop, upperTop + 2.2, y));
      else if (y >= seamUp && y <= seamDown && open > 0.3) {
        const h = (y - seamUp) / Math.max(0.01, seamDown - seamUp);
        col = h < 0.28 && Math.abs(t) < 0.7 ? TEETH : MOUTH_IN;
      } else if (y > seamDown && y < lowerBottom) col = mix(LIP, LIP_DARK, 0.3 + 0.5 * smoothstep(lowerBottom - 2.5, lowerBottom, y));
      // The seam itself: a dark line.
      const dSeam = Math.min(Math.abs(y - seamUp), Math.abs(y - seamDown));
      if (shape > 0 && dSeam < 0.9) col = mix(col, [90, 40, 42], 0.8 * (1 - smoothstep(0.2, 0.9, dSeam)));
      // Soft shadow under the lower lip.
      col = mix(col, SKIN_SHADOW, 0.4 * gauss((y - lowerBottom - 3) ** 2, 1.5) * shape);
    }
  }
  return col;
}

/** Front-projected mm of an eye centre, for tests: [x, y] of the image-left and image-right eyes. */
export const GENERIC_EYES: [[number, number], [number, number]] = [[-EYE_X, EYE_Y], [EYE_X, EYE_Y]];
