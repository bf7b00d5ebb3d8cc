import { BLINK_INDEX, PARAM_COUNT } from '../../shared/facial-params';
import { LIP_CONTOUR } from './face-regions';
import { playbackSteps, smoothPath, type PathCosts } from './smooth-path';

/**
 * Which real frames make each output frame (all smooth paths through the footage, see
 * smooth-path.ts):
 * - the source frame: the footage frame whose head pose is nearest the curves' (then
 *   whose eyes and mouth need least change), played in runs at the footage's own speed;
 * - the mouth frame: the footage frame whose lip shape is nearest the curves' (then
 *   whose pose is nearest the source frame's), switching seldom;
 * - the eye frame: the footage frame whose blink strength is nearest the curves', used
 *   with a gain where the source frame's eyes differ from what the curves say.
 */

const DEG = 180 / Math.PI;

/** Tunables of the plan, in the units of the costs they weigh (degrees, mm, blink 0..1). */
export interface PlanWeights {
  /** Source path: cost of a cut (a jump through the footage), in degree-frames of pose error. */
  sourceJump: number;
  /** Source path: per-frame cost of playing at another speed than the footage's (hold, skip), and backwards. */
  sourceOffSpeed: number;
  sourceBackwards: number;
  /** Source path: cost per mm of head translation error (rotation costs 1 per degree). */
  translationPerMm: number;
  /** Source path: cost of a footage blink where the curves have the eyes open, per unit of blink. */
  blinkMismatch: number;
  /** Source path: cost per mm RMS of lip shape difference (so the mouth needs less change). */
  lipSecondary: number;
  /**
   * Source path: cost per unit of inner-lip gap mismatch (as mouthGap), in degree-frames, so
   * the source frame's own jaw and cheeks already go with the mouth pasted on them. Off by
   * default: at 4 the vertical clip's mouth r rose 0.51 -> 0.57 and AOC's held (0.91), but
   * head-pose r fell (vertical yaw 0.74 -> 0.71, AOC 0.84 -> 0.81) and the vertical clip
   * took 78 cuts instead of 72 (its 60 s export is at 1.96x real time, the limit is 2x).
   */
  sourceGap: number;
  /** Mouth path: cut cost and hold cost (mm RMS-frames); pose cost per degree from the source frame. */
  mouthJump: number;
  mouthHold: number;
  mouthPosePerDeg: number;
  /** Mouth path: cost per unit of ln(median sharpness / donor's sharpness), clamped to [0, 2.5]: blurrier donors than the median cost more, sharper ones no less (the sharpest mouths are often wide open, teeth showing). */
  mouthSharpness: number;
  /**
   * Mouth path: cost per unit of |ln((gap_curves + g0) / (gap_donor + g0))|, the inner-lip
   * gaps (mm, lipGap) and g0 = mouthGapSoft. The RMS over the 40 lip points weighs a gap a
   * few mm off little (the inner-lip middle points are a few of the 40), but a warp cannot
   * open a closed donor's lips nor close an open one's (there is no dark of the mouth to
   * stretch, or teeth to hide): what shows is the gap relative to its size, so a donor 1 mm
   * open for 4 mm costs as much as one 8 mm open for 22 mm.
   */
  mouthGap: number;
  /** Mouth path: the gap (mm) under which gaps count as closed alike (g0 above). */
  mouthGapSoft: number;
  /** Mouth path: bonus (mm) for the source frame's own mouth (its teeth, light and motion blur belong to the frame). Off by default: at 0.5 the AOC export's mouth sharpness fell from 0.84x to 0.65x (own mouths are often motion-blurred). */
  mouthOwn: number;
  /** Eye path: cost per squared blink difference (to eyeTargets), cut cost, pose cost per degree. */
  eyeBlink: number;
  eyeJump: number;
  eyePosePerDeg: number;
}

export const DEFAULT_PLAN_WEIGHTS: PlanWeights = {
  sourceJump: 12,
  sourceOffSpeed: 2,
  sourceBackwards: 3,
  translationPerMm: 0.25,
  blinkMismatch: 6,
  lipSecondary: 0.8,
  sourceGap: 0,
  mouthJump: 0.8,
  mouthHold: 0.15,
  mouthPosePerDeg: 0.08,
  mouthSharpness: 1.5,
  mouthGap: 1,
  mouthGapSoft: 1,
  mouthOwn: 0,
  eyeBlink: 30,
  eyeJump: 0.6,
  eyePosePerDeg: 0.05,
};

/** Head rotation difference in degrees (Euclidean over pitch, yaw, roll). */
export function rotationDeg(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): number {
  return Math.hypot(a[ao] - b[bo], a[ao + 1] - b[bo + 1], a[ao + 2] - b[bo + 2]) * DEG;
}

/** RMS difference (mm) of two lip shape vectors. */
export function lipDistance(a: Float32Array, ao: number, b: Float32Array, bo: number, dims: number): number {
  let s = 0;
  for (let d = 0; d < dims; d++) { const x = a[ao + d] - b[bo + d]; s += x * x; }
  return Math.sqrt(s / (dims / 3));
}

/** Offsets of the inner-lip middle points 13 (upper) and 14 (lower) in a lip shape vector (LIP_CONTOUR order, 3 per point). */
const LIP_GAP_UPPER = LIP_CONTOUR.indexOf(13) * 3 + 1, LIP_GAP_LOWER = LIP_CONTOUR.indexOf(14) * 3 + 1;

/**
 * The inner-lip gap (mm) of a lip shape vector (displacements from the neutral shape, model
 * mm, +y down): the neutral's gap plus how far the lower lip's middle moved down from the
 * upper's; at least 0.
 */
export function lipGap(v: Float32Array, o: number, neutralGap: number): number {
  return Math.max(0, neutralGap + v[o + LIP_GAP_LOWER] - v[o + LIP_GAP_UPPER]);
}

export interface PlanInput {
  /** [N*71] curves at the output rate. */
  curves: Float32Array;
  /** [T*71] the footage's tracked parameters. */
  footage: Float32Array;
  /** Lip shape vectors [N*dims] of the curves and [T*dims] of the footage (face-regions.ts lipShapes). */
  curveLips: Float32Array;
  footageLips: Float32Array;
  /**
   * [T*dims] the footage's lip shapes from its second reading (persona/second-reading.ts):
   * where the two readings disagree, the gap the donor's pixels show is in doubt.
   */
  footageSecondLips?: Float32Array;
  lipDims: number;
  /** Footage frames per output frame (fps_footage / fps_out). */
  rate: number;
  /** Footage frames allowed as mouth and eye donors (default all): e.g. only the training part. */
  donors?: ArrayLike<boolean>;
  /** Inner-lip gap (mm) of the persona's neutral shape: with it the mouth path weighs gaps (PlanWeights.mouthGap); absent, it does not. */
  neutralLipGap?: number;
  /** [T] mouth sharpness of the footage frames (mouth-sharpness.ts): sharp donors are preferred. */
  mouthSharpness?: ArrayLike<number>;
  /** [T] the band of teeth between the footage frames' lips (mm, mouth-sharpness.ts): a donor's gap is at least that, whatever the tracker read. */
  footageTeethMm?: ArrayLike<number>;
  /** [N] the same for the output frames, where they re-make footage frames whose pixels are known (held-out evaluation). */
  curveTeethMm?: ArrayLike<number>;
  /** [N*dims] and those frames' second reading: each reading of a donor is then compared with the same reading of the target. */
  curveSecondLips?: Float32Array;
  /** [N] the source frames, when given rather than chosen by pose (re-voicing a take). */
  source?: Int32Array;
  /** Keep the source frames' own eyes (re-voicing a take: its blinks are the curves'). */
  keepEyes?: boolean;
  weights?: Partial<PlanWeights>;
}

export interface RetrievalPlan {
  source: Int32Array;
  mouth: Int32Array;
  eyes: Int32Array;
  /** [N] 0..1 how much of the eye frame's eyes replace the source frame's. */
  eyeGain: Float32Array;
  /** Cuts in the source path. */
  sourceJumps: number;
  sourceSteps: PathCosts['steps'];
}

/**
 * |ln((gap_curves + g0) / (gap_footage + g0))| of output frame i and footage frame k
 * (PlanWeights.mouthGap), the larger of the two where the footage has a second reading,
 * or undefined when the input cannot tell gaps (no neutral gap, or
 * lip shapes that are not whole LIP_CONTOUR vectors).
 */
function gapMismatch(inp: PlanInput, w: PlanWeights): ((i: number, k: number) => number) | undefined {
  if (inp.neutralLipGap === undefined || inp.lipDims < LIP_CONTOUR.length * 3) return undefined;
  // The tracked gap, or the band of teeth the pixels show where that is wider.
  const logGap = (v: Float32Array, f: number, teeth: ArrayLike<number> | undefined) =>
    Math.log(Math.max(lipGap(v, f * inp.lipDims, inp.neutralLipGap ?? 0), teeth ? teeth[f] : 0) + w.mouthGapSoft);
  const T = inp.footage.length / PARAM_COUNT, N = inp.curves.length / PARAM_COUNT;
  const footageGap = Float64Array.from({ length: T }, (_, k) => logGap(inp.footageLips, k, inp.footageTeethMm));
  const curveGap = Float64Array.from({ length: N }, (_, i) => logGap(inp.curveLips, i, inp.curveTeethMm));
  // A donor whose second reading disagrees matches the curves only as well as its worse reading.
  const second = inp.footageSecondLips;
  if (!second || second.length !== inp.footageLips.length) return (i, k) => Math.abs(curveGap[i] - footageGap[k]);
  const secondGap = Float64Array.from({ length: T }, (_, k) => logGap(second, k, inp.footageTeethMm));
  const curveSecond = inp.curveSecondLips?.length === inp.curveLips.length ? inp.curveSecondLips : undefined;
  const curveGap2 = curveSecond ? Float64Array.from({ length: N }, (_, i) => logGap(curveSecond, i, inp.curveTeethMm)) : curveGap;
  return (i, k) => Math.max(Math.abs(curveGap[i] - footageGap[k]), Math.abs(curveGap2[i] - secondGap[k]));
}

export function planSourceFrames(inp: PlanInput, w: PlanWeights): { path: Int32Array; steps: PathCosts['steps'] } {
  const { curves, footage } = inp;
  const N = curves.length / PARAM_COUNT, T = footage.length / PARAM_COUNT;
  const steps = playbackSteps(inp.rate, w.sourceOffSpeed, w.sourceBackwards);
  const gap = w.sourceGap ? gapMismatch(inp, w) : undefined;
  const path = smoothPath(N, T, (i, out) => {
    const ci = i * PARAM_COUNT;
    const b = curves[ci + BLINK_INDEX];
    for (let k = 0; k < T; k++) {
      const fk = k * PARAM_COUNT;
      const rot = rotationDeg(curves, ci, footage, fk);
      const tr = Math.hypot(curves[ci + 3] - footage[fk + 3], curves[ci + 4] - footage[fk + 4], curves[ci + 5] - footage[fk + 5]);
      const blink = Math.max(0, footage[fk + BLINK_INDEX] - b - 0.2);
      const lip = lipDistance(inp.curveLips, i * inp.lipDims, inp.footageLips, k * inp.lipDims, inp.lipDims);
      out[k] = rot + w.translationPerMm * tr + w.blinkMismatch * blink + w.lipSecondary * lip + (gap ? w.sourceGap * gap(i, k) : 0);
    }
  }, { steps, jumpCost: w.sourceJump });
  return { path, steps };
}

export function planMouthFrames(inp: PlanInput, source: Int32Array, w: PlanWeights): Int32Array {
  const { curves, footage } = inp;
  const N = curves.length / PARAM_COUNT, T = footage.length / PARAM_COUNT;
  const sharpCost = sharpnessCosts(inp.mouthSharpness, T, w.mouthSharpness);
  const gap = w.mouthGap ? gapMismatch(inp, w) : undefined;
  return smoothPath(N, T, (i, out) => {
    const j = source[i] * PARAM_COUNT;
    for (let k = 0; k < T; k++) {
      if (inp.donors && !inp.donors[k]) { out[k] = Infinity; continue; }
      const lip = lipDistance(inp.curveLips, i * inp.lipDims, inp.footageLips, k * inp.lipDims, inp.lipDims);
      out[k] = lip + (gap ? w.mouthGap * gap(i, k) : 0) + w.mouthPosePerDeg * rotationDeg(footage, k * PARAM_COUNT, footage, j) + sharpCost[k];
    }
    if (Number.isFinite(out[source[i]])) out[source[i]] -= w.mouthOwn;
  }, { steps: [[1, 0], [0, w.mouthHold], [-1, w.mouthHold]], jumpCost: w.mouthJump });
}

/** Per footage frame, the cost of a donor as blurred as it is: weight · ln(median / own), clamped. */
export function sharpnessCosts(sharpness: ArrayLike<number> | undefined, T: number, weight: number): Float64Array {
  const out = new Float64Array(T);
  if (!sharpness || weight === 0) return out;
  const sorted = Array.from(sharpness).filter((v) => v > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return out;
  const median = sorted[sorted.length >> 1];
  for (let k = 0; k < T; k++) {
    const r = sharpness[k] > 0 ? Math.log(median / sharpness[k]) : 2.5;
    out[k] = weight * Math.min(2.5, Math.max(0, r));
  }
  return out;
}

/** Eye gain: 0 where the source frame's blink is within 0.1 of the curves', 1 from 0.3 apart, widened by a frame each side. */
export function eyeGains(curves: Float32Array, footage: Float32Array, source: Int32Array): Float32Array {
  const N = source.length;
  const raw = new Float32Array(N);
  const target = eyeTargets(curves);
  for (let i = 0; i < N; i++) {
    const d = Math.abs(target[i] - footage[source[i] * PARAM_COUNT + BLINK_INDEX]);
    const t = Math.min(1, Math.max(0, (d - 0.1) / 0.2));
    raw[i] = t * t * (3 - 2 * t);
  }
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) out[i] = Math.max(raw[i], i > 0 ? raw[i - 1] : 0, i + 1 < N ? raw[i + 1] : 0);
  return out;
}

/**
 * The blink the eyes should show: the curves' blink, a closing eye aimed a little deeper
 * and a frame wider (the footage's blink values are smoothed, and a blink of 3 frames
 * shown at exactly its value can stay under a tracker's threshold).
 */
export function eyeTargets(curves: Float32Array): Float32Array {
  const N = curves.length / PARAM_COUNT;
  const b = (i: number) => (i >= 0 && i < N ? Math.min(1, Math.max(0, curves[i * PARAM_COUNT + BLINK_INDEX])) : 0);
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const c = Math.max(b(i), 0.8 * b(i - 1), 0.8 * b(i + 1));
    out[i] = c > 0.3 ? Math.min(1, c * 1.2) : c;
  }
  return out;
}

export function planEyeFrames(inp: PlanInput, source: Int32Array, w: PlanWeights): Int32Array {
  const { curves, footage } = inp;
  const N = curves.length / PARAM_COUNT, T = footage.length / PARAM_COUNT;
  const target = eyeTargets(curves);
  return smoothPath(N, T, (i, out) => {
    const b = target[i];
    const j = source[i] * PARAM_COUNT;
    for (let k = 0; k < T; k++) {
      if (inp.donors && !inp.donors[k]) { out[k] = Infinity; continue; }
      const d = footage[k * PARAM_COUNT + BLINK_INDEX] - b;
      out[k] = w.eyeBlink * d * d + w.eyePosePerDeg * rotationDeg(footage, k * PARAM_COUNT, footage, j);
    }
  }, { steps: [[1, 0], [0, 0.05]], jumpCost: w.eyeJump });
}

/** The whole plan: source path, then mouth and eye paths given the source frames. */
export function planRetrieval(inp: PlanInput): RetrievalPlan {
  const w = { ...DEFAULT_PLAN_WEIGHTS, ...inp.weights };
  const { path: source, steps } = inp.source ? { path: inp.source, steps: [[1, 0]] as PathCosts['steps'] } : planSourceFrames(inp, w);
  const mouth = planMouthFrames(inp, source, w);
  const eyeGain = inp.keepEyes ? new Float32Array(source.length) : eyeGains(inp.curves, inp.footage, source);
  const eyes = planEyeFrames(inp, source, w);
  let jumps = 0;
  for (let i = 1; i < source.length; i++) if (!steps.some(([d]) => d === source[i] - source[i - 1])) jumps++;
  return { source, mouth, eyes, eyeGain, sourceJumps: jumps, sourceSteps: steps };
}
