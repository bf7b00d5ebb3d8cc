import { z } from 'zod';

/**
 * The numbers a user may give, in one place: the API's request schemas
 * (src/shared/contract.ts) and the CLI's flags (src/cli/command.ts flagNumber) both
 * use these, so `train gan --steps -5` is refused exactly as the API would refuse it.
 * `text` is what the CLI says the flag expects.
 */
export interface NumberRule {
  schema: z.ZodNumber;
  text: string;
}

const int = (min: number, max: number, text?: string): NumberRule => ({ schema: z.number().int().min(min).max(max), text: text ?? `a whole number from ${min} to ${max}` });
const real = (min: number, max: number, text: string): NumberRule => ({ schema: z.number().min(min).max(max), text });

export const LIMITS = {
  /** Training steps (total to reach): 0 or less would install an untrained model. */
  steps: int(1, 1_000_000),
  seed: int(0, 2 ** 31 - 1),
  crf: int(0, 51),
  /** 0: any free port. */
  port: int(0, 65_535, 'a port number from 1 to 65535 (or 0 for any free one)'),
  batch: int(1, 4096),
  patience: int(1, 100_000),
  evalEvery: int(1, 1_000_000),
  learningRate: real(1e-8, 1, 'a learning rate above 0 and at most 1 (e.g. 1e-4)'),
  window: int(8, 4096),
} as const satisfies Record<string, NumberRule>;

export type LimitName = keyof typeof LIMITS;

/** What is wrong with `value` for the rule `name` ("a whole number from 1 to 1000000"), or undefined when it fits. */
export function limitProblem(name: LimitName, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return LIMITS[name].schema.safeParse(value).success ? undefined : `expects ${LIMITS[name].text}, got ${String(value)}`;
}
