/**
 * Seeded, order-independent parameter initialisation. Each parameter draws from its
 * own stream seeded by (store seed, parameter name), so adding a layer elsewhere in
 * the network does not change the initial values of the others.
 */

export type Init =
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number; mean?: number };

/** PyTorch's default for Conv and Linear (kaiming_uniform with a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function fanInUniform(fanIn: number): Init {
  return { kind: 'uniform', bound: 1 / Math.sqrt(Math.max(1, fanIn)) };
}

/** xoshiro128**: small, fast and statistically sound; state from splitmix32 of the seed. */
export class Rng {
  private s = new Uint32Array(4);

  constructor(seed: number) {
    let x = seed >>> 0;
    for (let k = 0; k < 4; k++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[k] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  normal(): number {
    // Box-Muller; 1 - u keeps log away from 0.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fills an array with U(lo, hi) values. */
  fillUniform(out: Float32Array | Float64Array, lo = 0, hi = 1): typeof out {
    for (let k = 0; k < out.length; k++) out[k] = this.uniform(lo, hi);
    return out;
  }

  fillNormal(out: Float32Array | Float64Array, std = 1, mean = 0): typeof out {
    for (let k = 0; k < out.length; k++) out[k] = mean + std * this.normal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a over the name, mixed with the seed. */
export function nameSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let k = 0; k < name.length; k++) {
    h ^= name.charCodeAt(k);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function initValues(init: Init, size: number, seed: number, name: string): Float32Array {
  const out = new Float32Array(size);
  if (init.kind === 'constant') return out.fill(init.value);
  const rng = new Rng(nameSeed(seed, name));
  if (init.kind === 'uniform') return rng.fillUniform(out, -init.bound, init.bound) as Float32Array;
  return rng.fillNormal(out, init.std, init.mean ?? 0) as Float32Array;
}
