import { EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT } from './landmark-sets';

/**
 * The eye region of the method doc (section 5): on the neutral shape, vertex v is in
 * an eye's region when (v_x − c_x)² / 4 + (v_y − c_y)² < th, c the centre of that
 * eye's lid and corner landmarks: an ellipse twice as wide as tall, semi-axes 2·√th
 * (x) and √th (y), in model-space mm. By default th is set from the person's eye
 * width w (corner to corner): th = (0.3 · w)², so the ellipse spans 1.2 · w by
 * 0.6 · w, covering the lids like the reference's conditioning images.
 */

export interface EyeRegion {
  /** [V] 1 inside either eye's ellipse. */
  mask: Uint8Array;
  /** th of the rule, mm². */
  threshold: number;
  /** Ellipse centres (model x, y, mm), image-left eye first. */
  centres: [number, number][];
}

export function eyeCentre(neutral: ArrayLike<number>, eye: typeof EYE_IMAGE_LEFT): [number, number] {
  const idx = [eye.outer, eye.inner, ...eye.upper, ...eye.lower];
  let x = 0, y = 0;
  for (const i of idx) { x += neutral[i * 3]; y += neutral[i * 3 + 1]; }
  return [x / idx.length, y / idx.length];
}

export function defaultEyeThreshold(neutral: ArrayLike<number>): number {
  let w = 0;
  for (const eye of [EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT]) {
    const a = eye.outer * 3, b = eye.inner * 3;
    w += Math.hypot(neutral[a] - neutral[b], neutral[a + 1] - neutral[b + 1]) / 2;
  }
  return (0.3 * w) ** 2;
}

export function eyeRegionMask(neutral: ArrayLike<number>, threshold = defaultEyeThreshold(neutral)): EyeRegion {
  const V = neutral.length / 3;
  const centres = [eyeCentre(neutral, EYE_IMAGE_LEFT), eyeCentre(neutral, EYE_IMAGE_RIGHT)];
  const mask = new Uint8Array(V);
  for (let v = 0; v < V; v++) {
    for (const [cx, cy] of centres) {
      const dx = neutral[v * 3] - cx, dy = neutral[v * 3 + 1] - cy;
      if ((dx * dx) / 4 + dy * dy < threshold) { mask[v] = 1; break; }
    }
  }
  return { mask, threshold, centres };
}
