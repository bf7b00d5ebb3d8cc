import type { ApiClient } from '../api/client';
import type { SessionStore } from '../app-context';
import type { EditorContextValue } from '../editor-context';
import { parseCurveDocument } from '../../engine/common/curves/document';
import { regenerateAction } from '../state/regenerate';
import type { JobInfo } from '../../shared/contract';
import { buildJobRequest } from '../state/job-requests';

/**
 * "Re-generate range": a new take of the whole voice-over is generated (a curves.generate
 * job with `range`, which keeps it out of the active curves; the generator needs the
 * audio around the range for context), then only frames [start, end] of it replace the
 * open document's base, cross-faded at the edges, while the edits outside the range stay.
 * The change is one undo step (the editor's history covers the base too).
 */
export interface RegenerateRangeDeps {
  api: ApiClient;
  session: SessionStore;
  projectDir: string;
  report(title: string, err: unknown): void;
}

/** Resolves with the job's final state (done, failed or cancelled), watching the session's job updates. */
function finished(session: SessionStore, jobId: string): Promise<JobInfo> {
  return new Promise((resolve) => {
    const check = () => {
      const j = session.getState().jobs[jobId];
      if (j && (j.state === 'done' || j.state === 'failed' || j.state === 'cancelled')) {
        off();
        resolve(j);
        return true;
      }
      return false;
    };
    const off = session.subscribe(() => void check());
    check();
  });
}

export async function regenerateSelectedRange(ctx: EditorContextValue, deps: RegenerateRangeDeps): Promise<void> {
  const s = ctx.editor.getState();
  if (!s.doc || !s.curvesId || s.selection.kind !== 'range') return;
  const { start, end } = s.selection;
  const curvesId = s.curvesId;
  const { personaId, mediaId } = s.doc;
  const built = buildJobRequest([
    // A fresh seed: the prior then samples another take of the motion (FACIAL-GAN ignores it).
    { kind: 'curves.generate', projectDir: deps.projectDir, personaId, mediaId, seed: Math.floor(Math.random() * 2 ** 31), range: { from: start, to: end } },
  ]);
  if (!built.request) {
    deps.report('Cannot re-generate the range', new Error(mediaId ? (built.reason ?? 'The request is not valid.') : 'These curves do not record their voice-over; generate the whole curves again.'));
    return;
  }
  try {
    const job = await deps.api.call('job.start', built.request);
    deps.session.dispatch({ type: 'jobs/update', job });
    const done = await finished(deps.session, job.id);
    if (done.state !== 'done') {
      if (done.state === 'failed') deps.report('Re-generating the range failed', new Error(done.error ?? 'The job failed.'));
      return;
    }
    const takeId = (done.result as { id?: unknown } | undefined)?.id;
    if (typeof takeId !== 'string') throw new Error('The generation job returned no curves id.');
    const got = await deps.api.call('curves.get', { projectDir: deps.projectDir, curvesId: takeId });
    const now = ctx.editor.getState();
    if (!now.doc || now.curvesId !== curvesId) return; // another document was opened meanwhile
    const { action, summary } = regenerateAction(now.doc, parseCurveDocument(got.doc, takeId), start, end);
    ctx.editor.dispatch(action);
    deps.session.dispatch({ type: 'notice', notice: { level: 'info', title: 'Range re-generated', message: `${summary} Undo restores the previous motion.` }, now: Date.now() });
  } catch (err) {
    deps.report('Could not re-generate the range', err);
  }
}
