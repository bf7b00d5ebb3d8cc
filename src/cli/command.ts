import type { ProgressFn } from '../engine/util/progress';
import type { NumberRule } from '../shared/limits';

/** Parsed command line: positional words and --flags (a flag without value is `true`). */
export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean>;
}

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  /** A progress reporter that draws a bar on a TTY (one line per stage otherwise); silent with --json. */
  progress: (label: string) => { onProgress: ProgressFn; done: () => void };
  /** Runs `work` with a progress bar that is closed however the work ends. */
  withProgress: <T>(label: string, work: (onProgress: ProgressFn) => Promise<T>) => Promise<T>;
  /** Fires on Ctrl+C: long commands pass it to the engine and clean up. */
  signal: AbortSignal;
  json: boolean;
}

export interface CliCommand {
  /** Words that select the command, e.g. ['persona', 'build']. */
  path: string[];
  summary: string;
  usage: string;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
      else flags[a.slice(2)] = true;
    } else positionals.push(a);
  }
  return { positionals, flags };
}

/** Reads a string flag; throws a usage error naming the flag when required and missing. */
export function flagString(args: ParsedArgs, name: string, required: true): string;
export function flagString(args: ParsedArgs, name: string, required?: false): string | undefined;
export function flagString(args: ParsedArgs, name: string, required = false): string | undefined {
  const v = args.flags[name];
  if (v === undefined || v === true) {
    if (required) throw new UsageError(`missing --${name}`);
    return undefined;
  }
  // No file or name holds a NUL character; the file system would refuse it later with a bug-like error.
  if (String(v).includes('\0')) throw new UsageError(`--${name} contains a NUL character`);
  return String(v);
}

/**
 * Reads a number flag. With a rule of src/shared/limits.ts (the API's own ranges) the
 * value must satisfy it: `--steps -5` is refused with what the flag expects.
 */
export function flagNumber(args: ParsedArgs, name: string, fallback: number, rule?: NumberRule): number {
  const v = args.flags[name];
  if (v === undefined) return fallback;
  // Decimal notation only: Number() would also take "0x10", "0b1" or "" (0), which no one means as a count or a port.
  const n = typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--${name} expects ${rule?.text ?? 'a number'}, got ${shown(v)}`);
  if (rule && !rule.schema.safeParse(n).success) throw new UsageError(`--${name} expects ${rule.text}, got ${shown(v)}`);
  return n;
}

/** A flag's value for a message: quoted, and short (an error never echoes a big input). */
function shown(v: string | boolean): string {
  if (v === true) return 'no value';
  const s = String(v);
  return `"${s.length > 60 ? `${s.slice(0, 60)}…` : s}"`;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
