/**
 * Where the motion of a curve document came from, per attribute, from what its generator
 * recorded (`generator.implicit`: the trained model's held-out verdict). One place for the
 * rule, used by the host (the take's label in project.json) and the studio (toolbar words).
 */
export type MotionOrigin = 'learned' | 'built-in' | 'built-in + learned';

/** A re-voiced take (engine/common/curves/revoice.ts) records what it took from the clip under this generator key. */
export const REVOICE_KEY = 'revoice';

export function isRevoicedTake(generator?: Record<string, unknown>): boolean {
  return Boolean(generator && typeof generator[REVOICE_KEY] === 'object' && generator[REVOICE_KEY] !== null);
}
export type MotionAttribute = 'expression' | 'head pose' | 'blinks';

export function attributeOrigins(source: 'prior' | 'facial-gan', generator?: Record<string, unknown>): { attribute: MotionAttribute; origin: MotionOrigin }[] {
  const g = generator ?? {};
  const implicit = (g.implicit && typeof g.implicit === 'object' ? g.implicit : {}) as { pose?: unknown; blink?: unknown; expression?: unknown };
  const learned = source === 'facial-gan';
  const from = (v: unknown): MotionOrigin => (learned && v !== 'prior' ? (v === 'refined' ? 'built-in + learned' : 'learned') : 'built-in');
  return [
    { attribute: 'expression', origin: from(implicit.expression) },
    { attribute: 'head pose', origin: from(implicit.pose) },
    { attribute: 'blinks', origin: from(implicit.blink) },
  ];
}

/** The whole take in one word: the clip's own motion re-voiced, all learned, all built in (also when training did not beat the built-in motion), or mixed. */
export function motionOrigin(source: 'prior' | 'facial-gan', generator?: Record<string, unknown>): 'revoiced' | 'learned' | 'built-in' | 'mixed' {
  if (isRevoicedTake(generator)) return 'revoiced';
  const parts = attributeOrigins(source, generator);
  if (parts.every((p) => p.origin === 'learned')) return 'learned';
  if (parts.every((p) => p.origin === 'built-in')) return 'built-in';
  return 'mixed';
}
