/**
 * A smooth path through a clip's frames (video textures / motion graphs): for each of N
 * output frames pick one of T clip frames, minimising the sum of per-frame costs (how
 * far the clip frame is from what the output frame wants) and of transition costs
 * (small steps through the clip are cheap, a jump anywhere costs a constant). Viterbi
 * in O(N · T · steps): a jump's cost does not depend on where it lands, so the best
 * jump into any frame is the best previous total plus that constant.
 */

export interface PathCosts {
  /**
   * Allowed small steps through the clip from one output frame to the next, with their
   * cost: e.g. `[[1, 0], [0, 0.5], [2, 0.5]]` plays forwards for free, holds or skips at
   * a price. Any other transition is a jump.
   */
  steps: ReadonlyArray<readonly [delta: number, cost: number]>;
  /** Cost of any transition that is not one of the steps. */
  jumpCost: number;
}

/**
 * The cheapest path. `unary(i, out)` fills `out[k]` (length T) with the cost of showing
 * clip frame k at output frame i (Infinity forbids it). Returns [N] clip frame indices.
 */
export function smoothPath(N: number, T: number, unary: (i: number, out: Float64Array) => void, costs: PathCosts): Int32Array {
  const path = new Int32Array(N);
  if (N === 0) return path;
  if (T <= 0) throw new Error('smoothPath: no clip frames to choose from');
  // back[i * T + k]: the clip frame at output frame i - 1 on the best path ending at k.
  const back = new Int32Array(N * T);
  let prev = new Float64Array(T);
  let cur = new Float64Array(T);
  const u = new Float64Array(T);
  unary(0, u);
  prev.set(u);
  for (let i = 1; i < N; i++) {
    unary(i, u);
    let bestPrev = Infinity, bestAt = 0;
    for (let k = 0; k < T; k++) if (prev[k] < bestPrev) { bestPrev = prev[k]; bestAt = k; }
    const jump = bestPrev + costs.jumpCost;
    const row = i * T;
    for (let k = 0; k < T; k++) {
      let best = jump, from = bestAt;
      for (const [d, c] of costs.steps) {
        const p = k - d;
        if (p < 0 || p >= T) continue;
        const v = prev[p] + c;
        if (v < best) { best = v; from = p; }
      }
      cur[k] = best + u[k];
      back[row + k] = from;
    }
    const t = prev; prev = cur; cur = t;
  }
  let end = 0;
  for (let k = 1; k < T; k++) if (prev[k] < prev[end]) end = k;
  path[N - 1] = end;
  for (let i = N - 1; i > 0; i--) path[i - 1] = back[i * T + path[i]];
  return path;
}

/** Number of transitions of a path that are not one of the steps (cuts). */
export function countJumps(path: ArrayLike<number>, steps: PathCosts['steps']): number {
  let n = 0;
  for (let i = 1; i < path.length; i++) {
    const d = path[i] - path[i - 1];
    if (!steps.some(([s]) => s === d)) n++;
  }
  return n;
}

/**
 * Steps for playing a clip at `rate` clip frames per output frame (fps_clip / fps_out):
 * the two whole steps around the rate cost in proportion to how far they are from it,
 * holding a frame and stepping backwards cost more (a held frame freezes, a reversed
 * one plays time backwards).
 */
export function playbackSteps(rate: number, perFrameOff: number, backwardsCost: number): Array<[number, number]> {
  const lo = Math.floor(rate), hi = Math.ceil(rate);
  const steps = new Map<number, number>();
  for (const d of [lo, hi, lo - 1, hi + 1]) if (d >= 0) steps.set(d, perFrameOff * Math.abs(d - rate));
  steps.set(-1, backwardsCost);
  return [...steps.entries()];
}
