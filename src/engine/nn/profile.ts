/**
 * Reading ONNX Runtime's per-op profile (a Chrome-trace JSON written when a session is
 * created with profiling on): kernel time summed by ONNX op type and by the module
 * path that emit.ts writes into every node name (`<module path>/<OpType>_<n>`).
 */
import { promises as fs } from 'node:fs';

export interface ProfileEntry {
  key: string;
  ms: number;
  /** Share of all kernel time (0..1). */
  share: number;
  calls: number;
}

export interface ProfileSummary {
  /** Kernel time of all nodes over the profiled runs (ms). */
  totalMs: number;
  /** Number of session runs profiled. */
  runs: number;
  byOp: ProfileEntry[];
  /** By module path, cut to `depth` components (gradient nodes end in `.grad`). */
  byScope: ProfileEntry[];
  /** Gradient nodes (module path containing `.grad` or named `grad`) vs the rest. */
  backwardShare: number;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

function ranked(map: Map<string, { us: number; calls: number }>, totalUs: number): ProfileEntry[] {
  return [...map]
    .map(([key, v]) => ({ key, ms: v.us / 1000, share: totalUs > 0 ? v.us / totalUs : 0, calls: v.calls }))
    .sort((a, b) => b.ms - a.ms);
}

/** The module path of a node name written by emit.ts ("a.b.c/Conv_12" -> "a.b.c"), cut to `depth` parts. */
export function scopeOf(nodeName: string, depth: number): string {
  const slash = nodeName.lastIndexOf('/');
  const path = slash >= 0 ? nodeName.slice(0, slash) : '';
  if (!path) return '(top level)';
  const parts = path.split('.');
  const grad = parts.includes('grad');
  const kept = parts.filter((p) => p !== 'grad').slice(0, depth).join('.');
  return grad ? `${kept} (backward)` : kept;
}

/** Summarises a profile file; `runs` is how many session runs it holds (for per-run figures). */
export async function summarizeProfile(file: string, opts: { depth?: number; runs?: number } = {}): Promise<ProfileSummary> {
  const events = JSON.parse(await fs.readFile(file, 'utf8')) as TraceEvent[];
  if (!Array.isArray(events)) throw new Error(`${file}: not an ONNX Runtime profile (expected a JSON array of trace events)`);
  const byOp = new Map<string, { us: number; calls: number }>();
  const byScope = new Map<string, { us: number; calls: number }>();
  let totalUs = 0;
  let backUs = 0;
  const add = (m: Map<string, { us: number; calls: number }>, k: string, us: number) => {
    const e = m.get(k) ?? { us: 0, calls: 0 };
    e.us += us;
    e.calls++;
    m.set(k, e);
  };
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || typeof e.dur !== 'number') continue;
    const node = e.name.slice(0, -'_kernel_time'.length);
    totalUs += e.dur;
    add(byOp, e.args?.op_name ?? '?', e.dur);
    const scope = scopeOf(node, opts.depth ?? 3);
    add(byScope, scope, e.dur);
    if (scope.endsWith('(backward)')) backUs += e.dur;
  }
  return { totalMs: totalUs / 1000, runs: opts.runs ?? 1, byOp: ranked(byOp, totalUs), byScope: ranked(byScope, totalUs), backwardShare: totalUs > 0 ? backUs / totalUs : 0 };
}

/** "Conv 41% (812 ms), ConvTranspose 12% ..." for the first `n` entries. */
export function formatProfile(entries: ProfileEntry[], n: number, runs = 1): string {
  return entries
    .slice(0, n)
    .map((e) => `${e.key} ${(100 * e.share).toFixed(0)}% (${(e.ms / runs).toFixed(0)} ms)`)
    .join(', ');
}
