/**
 * Drawing long curves fast: a min/max pyramid over a channel (level k holds the
 * min and max of blocks of 2^k frames), so a pixel column covering many frames is
 * answered from a handful of blocks, whatever the zoom.
 */
export class MinMaxPyramid {
  /** levels[k] = [min0, max0, min1, max1, …] over blocks of 2^(k+1) frames. */
  private readonly levels: Float32Array[] = [];
  readonly min: number;
  readonly max: number;

  constructor(readonly values: Float32Array) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.min = values.length ? lo : 0;
    this.max = values.length ? hi : 0;
    let prevMin = values;
    let prevMax = values;
    let n = values.length;
    while (n > 1) {
      const m = Math.ceil(n / 2);
      const lvl = new Float32Array(m * 2);
      for (let i = 0; i < m; i++) {
        const a = 2 * i;
        const b = Math.min(n - 1, a + 1);
        lvl[2 * i] = Math.min(prevMin[prevMin === values ? a : 2 * a], prevMin[prevMin === values ? b : 2 * b]);
        lvl[2 * i + 1] = Math.max(prevMax[prevMax === values ? a : 2 * a + 1], prevMax[prevMax === values ? b : 2 * b + 1]);
      }
      this.levels.push(lvl);
      prevMin = lvl;
      prevMax = lvl;
      n = m;
    }
  }

  /** Min and max of values[from..to] (inclusive, clamped). */
  range(from: number, to: number, out: [number, number] = [0, 0]): [number, number] {
    const n = this.values.length;
    let a = Math.max(0, Math.floor(from));
    let b = Math.min(n - 1, Math.floor(to));
    if (a > b) {
      const v = this.values[Math.max(0, Math.min(n - 1, a))];
      out[0] = v;
      out[1] = v;
      return out;
    }
    let lo = Infinity;
    let hi = -Infinity;
    // Walk up the levels: take whole blocks where aligned, single entries at the ragged ends.
    let level = -1;
    while (a <= b) {
      if (b - a < 4 || level + 1 >= this.levels.length) {
        for (let i = a; i <= b; i++) {
          const lmin = level < 0 ? this.values[i] : this.levels[level][2 * i];
          const lmax = level < 0 ? this.values[i] : this.levels[level][2 * i + 1];
          if (lmin < lo) lo = lmin;
          if (lmax > hi) hi = lmax;
        }
        break;
      }
      if (a & 1) {
        const lmin = level < 0 ? this.values[a] : this.levels[level][2 * a];
        const lmax = level < 0 ? this.values[a] : this.levels[level][2 * a + 1];
        if (lmin < lo) lo = lmin;
        if (lmax > hi) hi = lmax;
        a++;
      }
      if (!(b & 1)) {
        const lmin = level < 0 ? this.values[b] : this.levels[level][2 * b];
        const lmax = level < 0 ? this.values[b] : this.levels[level][2 * b + 1];
        if (lmin < lo) lo = lmin;
        if (lmax > hi) hi = lmax;
        b--;
      }
      if (a > b) break;
      a >>= 1;
      b >>= 1;
      level++;
    }
    out[0] = lo;
    out[1] = hi;
    return out;
  }

  /**
   * Min/max per pixel column: column c covers frames [f0 + c·fpp, f0 + (c+1)·fpp).
   * Writes into outMin/outMax (length ≥ columns).
   */
  columns(f0: number, framesPerPixel: number, columns: number, outMin: Float32Array, outMax: Float32Array): void {
    const pair: [number, number] = [0, 0];
    for (let c = 0; c < columns; c++) {
      const from = f0 + c * framesPerPixel;
      const to = from + framesPerPixel - 1e-9;
      this.range(Math.floor(from), Math.floor(to), pair);
      outMin[c] = pair[0];
      outMax[c] = pair[1];
    }
  }
}
