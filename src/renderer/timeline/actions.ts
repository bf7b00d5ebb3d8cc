import type { EditorContextValue } from '../editor-context';
import { setKeyframe, deleteKeyframes, removeBlinks, removeLayer, addBlink, addRangeLayer } from '../../engine/common/curves/edits';
import { markEdit } from '../perf';
import { adjacentKeyFrame, keyAt } from '../state/editor';
import { laneDisplay } from '../state/lane-display';

/** The plain name of a lane (for undo labels), with the document's semantic names. */
function laneName(ctx: EditorContextValue, channel: string): string {
  const labels = Object.fromEntries((ctx.editor.getState().doc?.semantic ?? []).map((x) => [x.name, x.label]));
  return laneDisplay(channel, labels).label;
}

/** Editor commands shared by the keyboard, the toolbar and the inspector. */
export function addKeyAtPlayhead(ctx: EditorContextValue): void {
  const s = ctx.editor.getState();
  if (!s.doc) return;
  const frame = Math.round(s.playhead);
  const channel = s.activeChannel;
  if (channel === 'blink') return addBlinkAtPlayhead(ctx);
  const value = ctx.evaluator(s.doc).channel(channel)[frame];
  const r = setKeyframe(s.history.present.edits, channel, frame, value, { falloff: Math.round(s.doc.fps * 0.4) });
  markEdit();
  ctx.editor.dispatch({ type: 'commit', label: `Add key on ${laneName(ctx, channel)}`, edits: r.edits, select: { kind: 'keys', items: [{ layerId: r.layerId, keyId: r.keyId }] } });
  ctx.editor.dispatch({ type: 'reveal-lane', channel });
}

/** The keyframe button (Alt+K): adds a key on the active lane at the playhead, or removes the one that is there. */
export function toggleKeyAtPlayhead(ctx: EditorContextValue): void {
  const s = ctx.editor.getState();
  if (!s.doc) return;
  if (s.activeChannel === 'blink') return addBlinkAtPlayhead(ctx);
  const at = keyAt(s.history.present.edits, s.activeChannel, s.playhead);
  if (!at) return addKeyAtPlayhead(ctx);
  markEdit();
  ctx.editor.dispatch({ type: 'commit', label: `Delete key on ${laneName(ctx, s.activeChannel)}`, edits: deleteKeyframes(s.history.present.edits, [at.keyId]), select: { kind: 'none' } });
}

/** Moves the playhead to the previous or next key of the active lane (and selects it). */
export function goToAdjacentKey(ctx: EditorContextValue, dir: -1 | 1): boolean {
  const s = ctx.editor.getState();
  if (!s.doc) return false;
  const f = adjacentKeyFrame(s.history.present.edits, s.activeChannel, s.playhead, dir);
  if (f === undefined) return false;
  ctx.editor.dispatch({ type: 'playhead', frame: f });
  const at = keyAt(s.history.present.edits, s.activeChannel, f);
  if (at) ctx.editor.dispatch({ type: 'select', selection: { kind: 'keys', items: [at] } });
  ctx.editor.dispatch({ type: 'reveal-lane', channel: s.activeChannel });
  return true;
}

export function addBlinkAtPlayhead(ctx: EditorContextValue): void {
  const s = ctx.editor.getState();
  if (!s.doc) return;
  const r = addBlink(s.history.present.edits, { start: Math.round(s.playhead) }, s.doc.frameCount);
  markEdit();
  ctx.editor.dispatch({ type: 'commit', label: 'Add blink', edits: r.edits, select: { kind: 'blink', id: r.blinkId } });
}

export function deleteSelection(ctx: EditorContextValue): boolean {
  const s = ctx.editor.getState();
  const sel = s.selection;
  let next = s.history.present.edits;
  let label = '';
  if (sel.kind === 'keys') {
    next = deleteKeyframes(next, sel.items.map((i) => i.keyId));
    label = sel.items.length > 1 ? `Delete ${sel.items.length} keys` : 'Delete key';
  } else if (sel.kind === 'blink') {
    next = removeBlinks(next, [sel.id]);
    label = 'Delete blink';
  } else if (sel.kind === 'layer') {
    next = removeLayer(next, sel.id);
    label = 'Delete edit';
  }
  if (next === s.history.present.edits) return false;
  markEdit();
  ctx.editor.dispatch({ type: 'commit', label, edits: next, select: { kind: 'none' } });
  return true;
}

/** Smooths the active lane over the selected range (or ±1 s around the playhead). */
export function smoothRange(ctx: EditorContextValue, radius = 4): void {
  const s = ctx.editor.getState();
  if (!s.doc) return;
  const range = s.selection.kind === 'range' ? s.selection : { start: Math.round(s.playhead - s.doc.fps), end: Math.round(s.playhead + s.doc.fps) };
  const fade = Math.min(Math.round(s.doc.fps / 5), Math.floor((range.end - range.start) / 4));
  const r = addRangeLayer(s.history.present.edits, { kind: 'smooth', channel: s.activeChannel, start: range.start, end: range.end, fade: Math.max(0, fade), radius }, s.doc.frameCount);
  markEdit();
  ctx.editor.dispatch({ type: 'commit', label: `Smooth ${laneName(ctx, s.activeChannel)}`, edits: r.edits, select: { kind: 'layer', id: r.layerId } });
  // The tool acts on the active lane: show it, wherever the lanes were scrolled.
  ctx.editor.dispatch({ type: 'reveal-lane', channel: s.activeChannel });
}

export function addRangeEdit(ctx: EditorContextValue, kind: 'offset' | 'override'): void {
  const s = ctx.editor.getState();
  if (!s.doc || s.selection.kind !== 'range') return;
  const { start, end } = s.selection;
  const values = ctx.evaluator(s.doc).channel(s.activeChannel);
  let mean = 0;
  for (let f = start; f <= end; f++) mean += values[f] / (end - start + 1);
  const fade = Math.max(0, Math.min(Math.round(s.doc.fps / 5), Math.floor((end - start) / 4)));
  const r = addRangeLayer(s.history.present.edits, kind === 'offset' ? { kind, channel: s.activeChannel, start, end, fade, value: 0 } : { kind, channel: s.activeChannel, start, end, fade, value: mean }, s.doc.frameCount);
  markEdit();
  ctx.editor.dispatch({ type: 'commit', label: `${kind === 'offset' ? 'Offset' : 'Override'} ${laneName(ctx, s.activeChannel)}`, edits: r.edits, select: { kind: 'layer', id: r.layerId } });
  ctx.editor.dispatch({ type: 'reveal-lane', channel: s.activeChannel });
}

export function togglePlay(ctx: EditorContextValue): void {
  const s = ctx.editor.getState();
  if (!s.doc) return;
  if (s.rate === 0 && s.playhead >= s.doc.frameCount - 1 && !s.loopOn) ctx.editor.dispatch({ type: 'playhead', frame: 0 });
  ctx.editor.dispatch({ type: 'rate', rate: s.rate === 0 ? 1 : 0 });
}
