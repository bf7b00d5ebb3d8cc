import type { EditorAction } from './editor';
import type { CurveDocument } from '../../engine/common/curves/document';
import { regenerateRange } from '../../engine/common/curves/merge';
import { PARAM_COUNT } from '../../shared/facial-params';

/**
 * Re-generate range, the pure part: frames [start, end] of a new take merged into the
 * document (regenerateRange: cross-faded edges, edits inside the range dropped) as one
 * undoable editor action, with a sentence saying what changed.
 */
/** The merge as an editor action, for the document as it is when the take arrives (edits made meanwhile are kept). */
export function regenerateAction(doc: CurveDocument, take: CurveDocument, start: number, end: number): { action: EditorAction; summary: string } {
  const from = Math.max(0, Math.min(start, end));
  const to = Math.min(doc.frameCount - 1, Math.max(start, end));
  if (take.frameCount <= to) {
    throw new Error(`The new take has ${take.frameCount} frames, too few for frames ${from}–${to}; was the voice-over replaced? Generate the whole curves again.`);
  }
  // Only the range's rows: the take may be longer or shorter than the document elsewhere.
  const rows = take.base.subarray(from * PARAM_COUNT, (to + 1) * PARAM_COUNT);
  const r = regenerateRange(doc, rows, from, to);
  const dropped = r.removed.keys + r.removed.layers + r.removed.blinks;
  const summary = `Frames ${from}–${to} re-generated${dropped ? `; ${dropped} edit${dropped === 1 ? '' : 's'} inside the range replaced` : ''}${r.trimmed ? `; ${r.trimmed} range edit${r.trimmed === 1 ? '' : 's'} trimmed at its edges` : ''}.`;
  return { action: { type: 'rebase', label: `Re-generate frames ${from}–${to}`, base: r.doc.base, edits: r.doc.edits }, summary };
}

