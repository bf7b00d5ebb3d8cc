import { projectVertices, type FaceModel, type PinholeCamera } from '../common/face-model';
import { RawFrameStream } from '../media/raw-frame-stream';
import { throwIfCancelled } from '../util/errors';
import { EXPR_COUNT, EXPR_OFFSET, PARAM_COUNT } from '../../shared/facial-params';
import { faceRegions, withCentres, withRing, type FaceRegions } from './face-regions';
import type { RetrievalPlan } from './retrieval-plan';
import { applyAffine, blendInto, cropImage, fitAffine, matchColour, pointsBox, warpTriangles, type Box, type ImageCrop } from './warp';

/**
 * Training-free synthesis from the person's own footage (docs/rendering.md): every
 * output frame is a real source frame (chosen by pose, retrieval-plan.ts) whose mouth
 * is replaced by the real mouth of the frame with the nearest lip shape, warped
 * piecewise-affinely onto the curves' lip shape, and whose eyes are replaced, where the
 * curves' blink differs from the source frame's, by the real eyes of a frame blinking
 * by that amount, aligned by the points around the eye. Both colour-matched and blended
 * through masks that follow the face's geometry.
 */

export interface FootageGeometry {
  model: FaceModel;
  camera: PinholeCamera;
  /** [T*71] tracked parameters of the footage. */
  params: Float32Array;
  /** [T*478*3] tracked landmarks, source pixels. */
  landmarks: Float32Array;
  width: number;
  height: number;
}

interface Donor { mouth?: ImageCrop; eyes: Array<ImageCrop | undefined> }

/** Landmarks of a frame carry this many values per point. */
const LM_DIMS = 3;
const LM_COUNT = 478;

export class RetrievalSynthesizer {
  readonly regions: FaceRegions;
  private readonly V: number;
  private readonly donors = new Map<number, Donor>();
  private readonly pose71 = new Float32Array(PARAM_COUNT);

  constructor(private readonly geo: FootageGeometry, readonly plan: RetrievalPlan, private readonly curves: Float32Array) {
    this.regions = faceRegions(geo.model);
    this.V = geo.model.vertexCount;
    this.jawVertices = Array.from(this.regions.jawWeights.keys()).filter((v) => this.regions.jawWeights[v] > 0);
    if (this.V > LM_COUNT) throw new Error(`retrieval synthesis needs one landmark per model vertex (${this.V} > ${LM_COUNT})`);
  }

  /** Footage frames whose pixels the plan borrows (mouths, and eyes where their gain is > 0). */
  donorFrames(): number[] {
    const s = new Set<number>(this.plan.mouth);
    this.plan.eyes.forEach((e, i) => { if (this.plan.eyeGain[i] > 0) s.add(e); });
    return [...s].sort((a, b) => a - b);
  }

  private readonly jawVertices: number[];

  /** A footage frame's points: landmarks, opening centres, fixed ring. */
  private points(frame: number): Float32Array {
    const lm = this.geo.landmarks.subarray(frame * LM_COUNT * LM_DIMS, (frame + 1) * LM_COUNT * LM_DIMS);
    return withRing(withCentres(lm, this.V, LM_DIMS), this.V);
  }

  private boxes(frame: number): { mouth: Box; eyes: Box[] } {
    const p = this.points(frame);
    const { width: W, height: H } = this.geo;
    const margin = (vs: number[]) => 0.25 * Math.max(4, pointsBox(p, vs, 0, W, H).x1 - pointsBox(p, vs, 0, W, H).x0);
    return {
      mouth: pointsBox(p, this.regions.mouthVertices, margin(this.regions.mouthVertices), W, H),
      eyes: this.regions.eyeVertices.map((vs) => pointsBox(p, vs, margin(vs), W, H)),
    };
  }

  /** Keeps the parts of footage frame `k` the plan borrows (call with each donor frame's pixels). */
  addDonor(k: number, frame: Uint8Array): void {
    const b = this.boxes(k);
    const eyesUsed = this.plan.eyes.some((e, i) => e === k && this.plan.eyeGain[i] > 0);
    this.donors.set(k, {
      mouth: this.plan.mouth.includes(k) ? cropImage(frame, this.geo.width, b.mouth) : undefined,
      eyes: b.eyes.map((box) => (eyesUsed ? cropImage(frame, this.geo.width, box) : undefined)),
    });
  }

  /**
   * Takes the crops this plan borrows from an earlier synthesizer of the same footage and
   * landmarks (a crop's box depends on its frame alone, not on the plan), so a new plan
   * (an edited take) reads only the donor frames it did not have. Returns those.
   */
  reuseDonors(earlier: RetrievalSynthesizer): number[] {
    const missing: number[] = [];
    const mouths = new Set(this.plan.mouth);
    const eyes = new Set<number>();
    this.plan.eyes.forEach((e, i) => { if (this.plan.eyeGain[i] > 0) eyes.add(e); });
    for (const k of this.donorFrames()) {
      const d = earlier.donors.get(k);
      const needMouth = mouths.has(k), needEyes = eyes.has(k);
      if (d && (!needMouth || d.mouth) && (!needEyes || d.eyes.every(Boolean))) {
        this.donors.set(k, { mouth: needMouth ? d.mouth : undefined, eyes: needEyes ? d.eyes : d.eyes.map(() => undefined) });
      } else missing.push(k);
    }
    return missing;
  }

  /** Bytes held by the donor crops. */
  donorBytes(): number {
    let n = 0;
    for (const d of this.donors.values()) n += (d.mouth?.data.length ?? 0) + d.eyes.reduce((s, e) => s + (e?.data.length ?? 0), 0);
    return n;
  }

  /** Source pixels [V*2] of the model with the source frame's pose and the given expression (blink left out). */
  private project(j: number, exprFrom: Float32Array, exprAt: number): Float32Array {
    const p = this.pose71;
    p.fill(0);
    for (let c = 0; c < 6; c++) p[c] = this.geo.params[j * PARAM_COUNT + c];
    for (let c = 0; c < EXPR_COUNT; c++) p[EXPR_OFFSET + c] = exprFrom[exprAt * PARAM_COUNT + EXPR_OFFSET + c];
    return projectVertices(this.geo.model, p, this.geo.camera);
  }

  /**
   * Output frame i's geometry: the source frame's points (`from`) and where they go
   * (`to`): its landmarks moved by the model from its own expression to the curves',
   * fully from the mouth down, fading out towards the nose; the ring stays.
   */
  targets(i: number): { from: Float32Array; to: Float32Array } {
    // The residual G_r asks again for the frame just composed.
    if (this.lastTargets?.i === i) return this.lastTargets.value;
    const value = this.computeTargets(i);
    this.lastTargets = { i, value };
    return value;
  }

  private lastTargets?: { i: number; value: { from: Float32Array; to: Float32Array } };

  private computeTargets(i: number): { from: Float32Array; to: Float32Array } {
    const j = this.plan.source[i];
    const from = this.points(j);
    const now = this.project(j, this.curves, i);
    const was = this.project(j, this.geo.params, j);
    const share = this.regions.jawShare;
    const moved = new Float32Array(this.V * 2);
    for (let v = 0; v < this.V; v++) {
      moved[v * 2] = from[v * 2] + (now[v * 2] - was[v * 2]) * share[v];
      moved[v * 2 + 1] = from[v * 2 + 1] + (now[v * 2 + 1] - was[v * 2 + 1]) * share[v];
    }
    const to = Float32Array.from(from);
    to.set(withCentres(moved, this.V));
    return { from, to };
  }

  /** Makes output frame i from its source frame's pixels (`frame`, modified in place). */
  compose(i: number, frame: Uint8Array): void {
    const { width: W, height: H } = this.geo;
    const { from, to } = this.targets(i);
    // The lower face (jaw, chin, cheeks) of the source frame itself moves to the curves' shape.
    const own = cropImage(frame, W, pointsBox(from, this.jawVertices, 3, W, H));
    blendInto(frame, W, warpTriangles(own, from, to, this.regions.triangles, this.regions.jawWeights, W, H));
    // The mouth of the donor frame, warped onto it.
    const k = this.plan.mouth[i];
    const mouth = this.donors.get(k)?.mouth;
    if (mouth) {
      const patch = warpTriangles(mouth, this.points(k), to, this.regions.triangles, this.regions.mouthWeights, W, H, this.regions.mouthColourWeights);
      matchColour(patch, frame, W);
      blendInto(frame, W, patch);
    }
    const gain = this.plan.eyeGain[i];
    if (gain <= 0) return;
    const e = this.plan.eyes[i];
    const donor = this.donors.get(e);
    const src = this.points(e);
    this.regions.eyeWeights.forEach((weights, eye) => {
      const crop = donor?.eyes[eye];
      if (!crop) return;
      const A = fitAffine(src, from, this.regions.eyeAlign[eye]);
      const patch = warpTriangles(crop, src, applyAffine(A, src), this.regions.triangles, weights, W, H);
      matchColour(patch, frame, W);
      blendInto(frame, W, patch, gain);
    });
  }
}

/**
 * One pass over the footage keeping the donor crops the plan needs (only crops, never
 * whole frames: memory stays small at any resolution and length).
 */
export async function collectDonors(synth: RetrievalSynthesizer, video: string, W: number, H: number, fps: number, opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void; frames?: number[] } = {}): Promise<number> {
  // `frames`: only these donor frames (the others were reused from an earlier plan), ascending.
  const needed = opts.frames ?? synth.donorFrames();
  if (needed.length === 0) return 0;
  const last = needed[needed.length - 1];
  const want = new Set(needed);
  const stream = new RawFrameStream(video, W, H, { fps, frames: last + 1, signal: opts.signal });
  let f = 0, got = 0;
  try {
    for (let frame = await stream.next(); frame && f <= last; frame = await stream.next(), f++) {
      if (want.has(f)) { synth.addDonor(f, frame); got++; }
      if (f % 25 === 0) { throwIfCancelled(opts.signal); opts.onProgress?.(f / (last + 1)); }
    }
  } finally {
    await stream.close();
  }
  return got;
}
