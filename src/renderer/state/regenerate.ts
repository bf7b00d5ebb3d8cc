import type { EditorAction } from './editor';
import type { CurveDocument } from '../../engine/common/curves/document';
import type { CurveEdits } from '../../shared/curve-document';
import { regenerateRange } from '../../engine/common/curves/merge';
import { PARAM_COUNT } from '../../shared/facial-params';
import { timecode } from './timeline-view';
import { laneDisplay } from './lane-display';

/**
 * Re-generate range, the pure part: frames [start, end] of a new take merged into the
 * document (regenerateRange: cross-faded edges, edits inside the range dropped) as one
 * undoable editor action, with a sentence saying what changed, naming each edit that
 * went (which key, blink or range edit, on which lane, where).
 */
export function regenerateAction(doc: CurveDocument, take: CurveDocument, start: number, end: number): { action: EditorAction; summary: string; removed: string[] } {
  const from = Math.max(0, Math.min(start, end));
  const to = Math.min(doc.frameCount - 1, Math.max(start, end));
  if (take.frameCount <= to) {
    throw new Error(`The new take has ${take.frameCount} frames, too few for frames ${from}–${to}; was the voice-over replaced? Generate the whole curves again.`);
  }
  // Only the range's rows: the take may be longer or shorter than the document elsewhere.
  const rows = take.base.subarray(from * PARAM_COUNT, (to + 1) * PARAM_COUNT);
  const r = regenerateRange(doc, rows, from, to);
  const labels = Object.fromEntries(doc.semantic.map((s) => [s.name, s.label]));
  const { removed, trimmed, newBlinks } = describeEditChanges(doc.edits, r.doc.edits, doc.fps, (ch) => laneDisplay(ch, labels).label);
  const parts = [`Frames ${from}–${to} re-generated`];
  if (removed.length) parts.push(`replaced inside the range: ${removed.join('; ')}`);
  if (trimmed.length) parts.push(`cut at the range's edges: ${trimmed.join('; ')}`);
  if (newBlinks) parts.push(`the new take has ${newBlinks} blink${newBlinks === 1 ? '' : 's'} there`);
  return { action: { type: 'rebase', label: `Re-generate frames ${from}–${to}`, base: r.doc.base, edits: r.doc.edits }, summary: `${parts.join('; ')}.`, removed };
}

/** What went from `before` to `after`, in words: "the key on Head turn at 00:00:05:12", "the blink at …". */
export function describeEditChanges(before: CurveEdits, after: CurveEdits, fps: number, laneName: (channel: string) => string): { removed: string[]; trimmed: string[]; newBlinks: number } {
  const removed: string[] = [];
  const trimmed: string[] = [];
  const afterKeys = new Set(after.layers.flatMap((l) => (l.kind === 'keys' ? l.keys.map((k) => k.id) : [])));
  const afterLayers = new Map(after.layers.map((l) => [l.id, l]));
  for (const l of before.layers) {
    if (l.kind === 'keys') {
      for (const k of l.keys) if (!afterKeys.has(k.id)) removed.push(`the key on ${laneName(l.channel)} at ${timecode(k.frame, fps)}`);
      continue;
    }
    const what = `the ${l.kind === 'smooth' ? 'smoothing' : l.kind === 'offset' ? 'offset' : 'override'} on ${laneName(l.channel)} (${timecode(l.start, fps)}–${timecode(l.end, fps)})`;
    const now = afterLayers.get(l.id);
    if (!now) {
      // A straddling edit is split: its outside parts keep the channel and kind under new ids.
      const parts = after.layers.filter((x) => x.kind !== 'keys' && x.kind === l.kind && x.channel === l.channel && !before.layers.some((b) => b.id === x.id) && x.start >= l.start && x.end <= l.end);
      (parts.length ? trimmed : removed).push(what);
    } else if (now.kind !== 'keys' && (now.start !== l.start || now.end !== l.end)) trimmed.push(what);
  }
  const afterBlinks = new Set(after.blinks.map((b) => b.id));
  const beforeBlinks = new Set(before.blinks.map((b) => b.id));
  for (const b of before.blinks) if (!afterBlinks.has(b.id)) removed.push(`the blink at ${timecode(b.start, fps)}`);
  const newBlinks = after.blinks.filter((b) => !beforeBlinks.has(b.id)).length;
  return { removed, trimmed, newBlinks };
}
