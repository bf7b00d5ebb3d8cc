import { JobRequest } from '../../shared/contract';

/**
 * Which long operations this build of the studio can run: the job kinds of the
 * contract. The UI offers an action only when its request is valid for the
 * contract, and otherwise says why it is unavailable.
 */
export function jobKinds(): string[] {
  return JobRequest.options.map((o) => o.shape.kind.value);
}

export function hasJobKind(kind: string): boolean {
  return jobKinds().includes(kind);
}

/**
 * The first candidate request the contract accepts, or why none is. Without candidates
 * (something the job needs is missing) there is no reason here: the caller names what
 * is missing, in the words of the step to take.
 */
export function buildJobRequest(candidates: Record<string, unknown>[]): { request?: JobRequest; reason?: string } {
  let reason: string | undefined = candidates.length ? 'This version of the studio has no such job.' : undefined;
  for (const c of candidates) {
    if (!hasJobKind(String(c.kind))) continue;
    const r = JobRequest.safeParse(c);
    if (r.success) return { request: r.data };
    reason = `The ${String(c.kind)} job needs: ${r.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}.`;
  }
  return { reason };
}
