import { describe, it, expect } from 'vitest';
import { smoothPath, countJumps, playbackSteps } from '../../../src/engine/synthesis/smooth-path';
import { planRetrieval, eyeGains, eyeTargets, planMouthFrames, sharpnessCosts, lipGap, DEFAULT_PLAN_WEIGHTS } from '../../../src/engine/synthesis/retrieval-plan';
import { LIP_CONTOUR } from '../../../src/engine/synthesis/face-regions';

/** Brute force over all T^N paths, for checking the Viterbi on tiny cases. */
function bruteForce(N: number, T: number, cost: number[][], steps: Array<[number, number]>, jump: number): number {
  let best = Infinity;
  const path = new Array<number>(N).fill(0);
  const total = () => {
    let s = cost[0][path[0]];
    for (let i = 1; i < N; i++) {
      const d = path[i] - path[i - 1];
      const st = steps.find(([x]) => x === d);
      s += (st ? Math.min(st[1], jump) : jump) + cost[i][path[i]];
    }
    return s;
  };
  const rec = (i: number) => {
    if (i === N) { best = Math.min(best, total()); return; }
    for (let k = 0; k < T; k++) { path[i] = k; rec(i + 1); }
  };
  rec(0);
  return best;
}

function pathCost(p: Int32Array, cost: number[][], steps: Array<[number, number]>, jump: number): number {
  let s = cost[0][p[0]];
  for (let i = 1; i < p.length; i++) {
    const st = steps.find(([x]) => x === p[i] - p[i - 1]);
    s += (st ? Math.min(st[1], jump) : jump) + cost[i][p[i]];
  }
  return s;
}

describe('smooth path through clip frames (Viterbi)', () => {
  it('finds the optimum of small random problems (checked by brute force)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const steps: Array<[number, number]> = [[1, 0], [0, 0.4], [-1, 0.7]];
    for (let trial = 0; trial < 20; trial++) {
      const N = 5, T = 4;
      const cost = Array.from({ length: N }, () => Array.from({ length: T }, () => rnd() * 3));
      const p = smoothPath(N, T, (i, out) => { for (let k = 0; k < T; k++) out[k] = cost[i][k]; }, { steps, jumpCost: 1.3 });
      expect(pathCost(p, cost, steps, 1.3)).toBeCloseTo(bruteForce(N, T, cost, steps, 1.3), 9);
    }
  });

  it('plays runs of consecutive frames, and cuts only where the target moves far', () => {
    // The target wants clip frame 10 + i for 20 frames, then 80 + i: one cut.
    const N = 40, T = 120;
    const want = (i: number) => (i < 20 ? 10 + i : 60 + i);
    const steps: Array<[number, number]> = [[1, 0], [0, 1], [2, 1]];
    const p = smoothPath(N, T, (i, out) => { for (let k = 0; k < T; k++) out[k] = Math.abs(k - want(i)) * 0.5; }, { steps, jumpCost: 5 });
    for (let i = 0; i < N; i++) expect(p[i]).toBe(want(i));
    expect(countJumps(p, steps)).toBe(1);
  });

  it('prefers a slightly worse frame to a cut when the cut costs more than it saves', () => {
    // Frames 0..9 are all equally good except that frame 5 + i is a little better at output i:
    // following the best frames needs no cut (they are consecutive); a noisy target is smoothed.
    const N = 10, T = 30;
    const noisy = [3, 9, 5, 11, 7, 13, 9, 15, 11, 17];
    const p = smoothPath(N, T, (i, out) => { for (let k = 0; k < T; k++) out[k] = k === noisy[i] ? 0 : 0.5; }, { steps: [[1, 0]], jumpCost: 4 });
    expect(countJumps(p, [[1, 0]])).toBe(0);
  });

  it('holds the forbidden frames out (Infinity) and handles N = 1 and T = 1', () => {
    const p = smoothPath(6, 5, (_i, out) => { out.fill(1); out[2] = Infinity; }, { steps: [[0, 0]], jumpCost: 1 });
    expect(Array.from(p).includes(2)).toBe(false);
    expect(Array.from(smoothPath(3, 1, (_i, out) => out.fill(0), { steps: [[1, 0]], jumpCost: 1 }))).toEqual([0, 0, 0]);
    expect(Array.from(smoothPath(1, 4, (_i, out) => { out.set([3, 1, 2, 5]); }, { steps: [[1, 0]], jumpCost: 1 }))).toEqual([1]);
  });

  it('prices playback speeds around the clip-to-output frame ratio', () => {
    const same = new Map(playbackSteps(1, 2, 3));
    expect(same.get(1)).toBe(0);
    expect(same.get(0)).toBe(2);
    expect(same.get(-1)).toBe(3);
    const slower = new Map(playbackSteps(25 / 30, 2, 3));
    expect(slower.get(1)!).toBeLessThan(slower.get(0)!);
    expect(slower.get(1)!).toBeCloseTo(2 / 6, 9);
  });
});

describe('retrieval plan', () => {
  /** Footage of T frames: yaw sweeps, blink at frames 30-34, lips (1 dim of 3) open every 10 frames. */
  function footage(T: number) {
    const params = new Float32Array(T * 71);
    const lips = new Float32Array(T * 3);
    for (let t = 0; t < T; t++) {
      params[t * 71 + 1] = (t / T - 0.5) * 0.4; // yaw ±0.2 rad
      params[t * 71 + 6] = t >= 30 && t < 35 ? 1 - Math.abs(t - 32) / 3 : 0;
      lips[t * 3 + 1] = (t % 10) / 2; // mm
    }
    return { params, lips };
  }

  it('chooses source frames by head pose, mouths by lip shape and eyes by blink', () => {
    const T = 100, N = 30;
    const f = footage(T);
    const curves = new Float32Array(N * 71);
    const curveLips = new Float32Array(N * 3);
    for (let i = 0; i < N; i++) {
      curves[i * 71 + 1] = f.params[(60 + i) * 71 + 1]; // the yaw of frames 60..89
      curveLips[i * 3 + 1] = i % 2 === 0 ? 4.5 : 0; // alternates open (9 mod 10) and closed (0 mod 10)
      curves[i * 71 + 6] = i >= 10 && i < 13 ? 1 : 0; // a blink the source frames lack
    }
    const plan = planRetrieval({ curves, footage: f.params, curveLips, footageLips: f.lips, lipDims: 3, rate: 1 });
    for (let i = 0; i < N; i++) expect(Math.abs(plan.source[i] - (60 + i))).toBeLessThanOrEqual(2);
    expect(plan.sourceJumps).toBe(0);
    // Mouths: an open one where the curves open, a closed one where they close.
    for (let i = 0; i < N; i++) expect(f.lips[plan.mouth[i] * 3 + 1]).toBe(i % 2 === 0 ? 4.5 : 0);
    // Eyes: during the curves' blink, a footage frame with the eyes closed, at full gain.
    for (let i = 10; i < 13; i++) {
      expect(plan.eyeGain[i]).toBe(1);
      expect(f.params[plan.eyes[i] * 71 + 6]).toBeGreaterThan(0.6);
    }
    expect(plan.eyeGain[0]).toBe(0);
    expect(plan.eyeGain[20]).toBe(0);
  });

  it('keeps donors to the allowed frames', () => {
    const T = 100, N = 12;
    const f = footage(T);
    const curves = new Float32Array(N * 71);
    const curveLips = new Float32Array(N * 3).fill(2);
    const donors = Array.from({ length: T }, (_, t) => t < 50);
    const plan = planRetrieval({ curves, footage: f.params, curveLips, footageLips: f.lips, lipDims: 3, rate: 1, donors });
    for (const k of plan.mouth) expect(k).toBeLessThan(50);
    for (const k of plan.eyes) expect(k).toBeLessThan(50);
  });

  it('replaces the eyes where the source frame blinks and the curves do not (no extra blinks)', () => {
    const f = footage(100);
    const curves = new Float32Array(10 * 71);
    const source = Int32Array.from({ length: 10 }, (_, i) => 28 + i); // passes through the footage's blink
    const g = eyeGains(curves, f.params, source);
    expect(g[4]).toBe(1); // frame 32, fully closed in the footage
    expect(g[0]).toBe(0);
    expect(g[9]).toBe(0);
  });

  it('aims short blinks a frame wider and a little deeper, and leaves open eyes alone', () => {
    const curves = new Float32Array(6 * 71);
    curves[2 * 71 + 6] = 0.6;
    curves[5 * 71 + 6] = 0.1;
    const t = eyeTargets(curves);
    expect(t[2]).toBeCloseTo(0.72, 5);
    expect(t[1]).toBeCloseTo(0.576, 5);
    expect(t[3]).toBeCloseTo(0.576, 5);
    expect(t[0]).toBe(0);
    expect(t[5]).toBeCloseTo(0.1, 6);
  });

  it('prefers sharp mouth donors and the source frame\'s own mouth among equal lip shapes', () => {
    const costs = sharpnessCosts([100, 50, 200, 100], 4, 1);
    expect(costs[0]).toBe(0);
    expect(costs[1]).toBeCloseTo(Math.log(2), 6);
    expect(costs[2]).toBe(0); // sharper than the median: no extra cost, no bonus
    const T = 10, N = 4;
    const footage = new Float32Array(T * 71);
    const lips = new Float32Array(T * 3); // all donors have the same lip shape
    const source = Int32Array.from([3, 4, 5, 6]);
    const mouth = planMouthFrames({ curves: new Float32Array(N * 71), footage, curveLips: new Float32Array(N * 3), footageLips: lips, lipDims: 3, rate: 1 }, source, { ...DEFAULT_PLAN_WEIGHTS, mouthOwn: 0.5 });
    expect(Array.from(mouth)).toEqual([3, 4, 5, 6]);
  });

  it('weighs the inner-lip gap: a donor whose lips part as the curves\' do beats a closed one nearer in RMS', () => {
    const dims = LIP_CONTOUR.length * 3;
    const lower = LIP_CONTOUR.indexOf(14) * 3 + 1, upper = LIP_CONTOUR.indexOf(13) * 3 + 1;
    // Curves: the lower lip's middle 3 mm down. Donor 0: that too, but 20 other points 0.8 mm off
    // (RMS 0.57 mm); donor 1: closed, everything else exact (RMS 0.47 mm).
    const curveLips = new Float32Array(dims);
    curveLips[lower] = 3;
    const footageLips = new Float32Array(2 * dims);
    footageLips[lower] = 3;
    for (let p = 0, n = 0; n < 20; p++) if (p * 3 + 1 !== lower && p * 3 + 1 !== upper) { footageLips[p * 3] = 0.8; n++; }
    expect(lipGap(footageLips, 0, 0.5)).toBeCloseTo(3.5, 6);
    expect(lipGap(footageLips, dims, 0.5)).toBeCloseTo(0.5, 6);
    const inp = { curves: new Float32Array(71), footage: new Float32Array(2 * 71), curveLips, footageLips, lipDims: dims, rate: 1 };
    const source = Int32Array.from([0]);
    // Without the neutral's gap the term is off: the RMS alone picks the closed donor.
    expect(planMouthFrames(inp, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(1);
    expect(planMouthFrames({ ...inp, neutralLipGap: 0.5 }, source, { ...DEFAULT_PLAN_WEIGHTS, mouthGap: 0 })[0]).toBe(1);
    // With it: |ln((3.5 + 1) / (0.5 + 1))| = 1.1 for the closed donor outweighs 0.1 mm of RMS.
    expect(planMouthFrames({ ...inp, neutralLipGap: 0.5 }, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(0);
  });

  it('counts the teeth a donor shows between its lips as parted, however closed the tracker read them', () => {
    const dims = LIP_CONTOUR.length * 3;
    const T = 2;
    // Both donors read closed (the tracker's gap 0.5 mm); donor 0 is sharp, donor 1 blurred
    // (half the median sharpness). The curves are closed.
    const inp = {
      curves: new Float32Array(71), footage: new Float32Array(T * 71), curveLips: new Float32Array(dims), footageLips: new Float32Array(T * dims),
      lipDims: dims, rate: 1, neutralLipGap: 0.5, mouthSharpness: [200, 100],
    };
    const source = Int32Array.from([0]);
    expect(planMouthFrames(inp, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(0);
    // Donor 0 shows a 4 mm band of teeth: |ln((0.5 + 1) / (4 + 1))| = 1.2 outweighs its sharpness.
    expect(planMouthFrames({ ...inp, footageTeethMm: [4, 0] }, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(1);
    // An output frame that shows those teeth itself (a held-out footage frame) still takes them.
    expect(planMouthFrames({ ...inp, footageTeethMm: [4, 0], curveTeethMm: [4] }, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(0);
  });

  it('trusts a donor\'s gap only as far as the footage\'s second reading agrees with it', () => {
    const dims = LIP_CONTOUR.length * 3;
    const lower = LIP_CONTOUR.indexOf(14) * 3 + 1;
    // Both donors read closed (0.5 mm) the first time; donor 0 is the sharper. The curves are closed.
    const inp = {
      curves: new Float32Array(71), footage: new Float32Array(2 * 71), curveLips: new Float32Array(dims), footageLips: new Float32Array(2 * dims),
      lipDims: dims, rate: 1, neutralLipGap: 0.5, mouthSharpness: [200, 100],
    };
    const source = Int32Array.from([0]);
    const agreeing = new Float32Array(2 * dims);
    expect(planMouthFrames({ ...inp, footageSecondLips: agreeing }, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(0);
    // The second reading has donor 0's lips 4.5 mm apart: its pixels may well show them so.
    const doubting = new Float32Array(2 * dims);
    doubting[lower] = 4.5;
    expect(planMouthFrames({ ...inp, footageSecondLips: doubting }, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(1);
    // A held-out target read the same way twice (closed, then 4.5 mm apart) takes donor 0 again: like with like.
    const targetSecond = new Float32Array(dims);
    targetSecond[lower] = 4.5;
    expect(planMouthFrames({ ...inp, footageSecondLips: doubting, curveSecondLips: targetSecond }, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(0);
    // A second reading of another length (not of this footage) is ignored.
    expect(planMouthFrames({ ...inp, footageSecondLips: doubting.subarray(0, dims) }, source, DEFAULT_PLAN_WEIGHTS)[0]).toBe(0);
  });

  it('prices gaps relative to their size: a millimetre matters on a nearly closed mouth, little on a wide one', () => {
    const dims = LIP_CONTOUR.length * 3;
    const lower = LIP_CONTOUR.indexOf(14) * 3 + 1;
    const cost = (curve: number, donor: number) => {
      const a = new Float32Array(dims), b = new Float32Array(dims);
      a[lower] = curve; b[lower] = donor;
      return Math.abs(Math.log(lipGap(a, 0, 0) + DEFAULT_PLAN_WEIGHTS.mouthGapSoft) - Math.log(lipGap(b, 0, 0) + DEFAULT_PLAN_WEIGHTS.mouthGapSoft));
    };
    expect(cost(4, 1)).toBeCloseTo(cost(22, 8), 1);
    expect(cost(12, 10)).toBeLessThan(cost(3, 1) / 2);
  });

  it('with sourceGap, prefers among equal head poses the source frame whose own lips part as the curves\' do', () => {
    const dims = LIP_CONTOUR.length * 3;
    const lower = LIP_CONTOUR.indexOf(14) * 3 + 1;
    const T = 40, N = 10;
    // Footage: the same head pose throughout; frames 0-19 closed, 20-39 open 4 mm. Curves: open 4 mm.
    const footageLips = new Float32Array(T * dims);
    for (let t = 20; t < T; t++) footageLips[t * dims + lower] = 4;
    const curveLips = new Float32Array(N * dims);
    for (let i = 0; i < N; i++) curveLips[i * dims + lower] = 4;
    const inp = { curves: new Float32Array(N * 71), footage: new Float32Array(T * 71), curveLips, footageLips, lipDims: dims, rate: 1, neutralLipGap: 0.5 };
    // Pose alone cannot choose (every frame is as near); the gap term picks the open frames.
    const on = planRetrieval({ ...inp, weights: { lipSecondary: 0, sourceGap: 4 } });
    for (const k of on.source) expect(k).toBeGreaterThanOrEqual(20);
  });
});

