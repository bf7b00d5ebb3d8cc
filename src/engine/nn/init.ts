/**
 * Seeded, order-independent parameter initialisation. Each parameter draws from its
 * own stream seeded by (store seed, parameter name), so adding a layer elsewhere in
 * the network does not change the initial values of the others.
 */
import { Rng } from '../common/numeric';

export type Init =
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number; mean?: number };

/** PyTorch's default for Conv and Linear (kaiming_uniform with a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function fanInUniform(fanIn: number): Init {
  return { kind: 'uniform', bound: 1 / Math.sqrt(Math.max(1, fanIn)) };
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
  if (init.kind === 'uniform') return rng.fillUniform(out, -init.bound, init.bound);
  return rng.fillNormal(out, init.std, init.mean ?? 0);
}
