import type { BlinkEvent, CurveEdits, EditLayer, RangeLayer } from '../../../shared/curve-document';
import { PARAM_COUNT, BLINK_INDEX } from '../../../shared/facial-params';
import type { CurveDocument } from './document';
import { CurveDocumentError } from './document';
import { extractBlinks } from './blinks';
import { newId } from './ids';

export interface RegenerateResult {
  doc: CurveDocument;
  /** What was inside the range and is replaced by the new generation. */
  removed: { keys: number; layers: number; blinks: number };
  /** Range edits cut at the range's edges (the parts outside are kept). */
  trimmed: number;
}

function smoothstep(u: number): number {
  const t = u < 0 ? 0 : u > 1 ? 1 : u;
  return t * t * (3 - 2 * t);
}

/**
 * Re-generating a range [start, end] (inclusive) from the audio, keeping the edits
 * elsewhere: the new base replaces the old inside the range with a `fade`-frame
 * cross-fade at each edge; keys, blinks and range edits inside the range are
 * dropped (they were fixes of the old generation); range edits that straddle an
 * edge keep their outside part.
 *
 * `fresh` is either a full [frameCount, 71] generation or just the range's
 * [(end - start + 1), 71] rows; its blink column holds raw blink values.
 */
export function regenerateRange(doc: CurveDocument, fresh: Float32Array, start: number, end: number, opts: { fade?: number } = {}): RegenerateResult {
  const T = doc.frameCount;
  const s = Math.max(0, Math.min(T - 1, Math.round(Math.min(start, end))));
  const e = Math.max(s, Math.min(T - 1, Math.round(Math.max(start, end))));
  const len = e - s + 1;
  let rowOffset: number;
  if (fresh.length === T * PARAM_COUNT) rowOffset = s;
  else if (fresh.length === len * PARAM_COUNT) rowOffset = 0;
  else throw new CurveDocumentError(`The re-generated curves hold ${fresh.length / PARAM_COUNT} frames; expected ${len} (the range) or ${T} (the whole timeline).`);
  const fade = Math.max(0, Math.min(Math.floor(len / 2), Math.round(opts.fade ?? 6)));

  // Blinks of the new generation inside the range become events; its blink baseline joins the base.
  const freshBlink = new Float32Array(len);
  for (let f = 0; f < len; f++) freshBlink[f] = fresh[(rowOffset + f) * PARAM_COUNT + BLINK_INDEX];
  const { events, residual } = extractBlinks(freshBlink, { offset: s });

  const base = Float32Array.from(doc.base);
  for (let f = s; f <= e; f++) {
    const i = f - s;
    const w = fade === 0 ? 1 : smoothstep(Math.min((i + 1) / (fade + 1), (e - f + 1) / (fade + 1), 1));
    const src = (rowOffset + i) * PARAM_COUNT;
    const dst = f * PARAM_COUNT;
    for (let p = 0; p < PARAM_COUNT; p++) {
      const nv = p === BLINK_INDEX ? residual[i] : fresh[src + p];
      base[dst + p] += (nv - base[dst + p]) * w;
    }
  }

  let removedKeys = 0;
  let removedLayers = 0;
  let trimmed = 0;
  const layers: EditLayer[] = [];
  for (const l of doc.edits.layers) {
    if (l.kind === 'keys') {
      const keys = l.keys.filter((k) => k.frame < s || k.frame > e);
      removedKeys += l.keys.length - keys.length;
      if (keys.length) layers.push(keys.length === l.keys.length ? l : { ...l, keys });
      else removedLayers++;
      continue;
    }
    if (l.end < s || l.start > e) {
      layers.push(l);
      continue;
    }
    const parts: RangeLayer[] = [];
    if (l.start < s) parts.push({ ...l, end: s - 1, fade: Math.min(l.fade, s - l.start) });
    if (l.end > e) parts.push({ ...l, id: parts.length ? newId('L') : l.id, start: e + 1, fade: Math.min(l.fade, l.end - e) });
    if (parts.length) {
      trimmed++;
      layers.push(...parts);
    } else removedLayers++;
  }
  const kept = doc.edits.blinks.filter((b) => b.start < s || b.start > e);
  const blinks: BlinkEvent[] = [...kept, ...events.map((ev) => ({ id: newId('b'), ...ev }))].sort((a, b) => a.start - b.start);
  const edits: CurveEdits = { layers, blinks };
  return {
    doc: { ...doc, base, edits, updatedAt: new Date().toISOString() },
    removed: { keys: removedKeys, layers: removedLayers, blinks: doc.edits.blinks.length - kept.length },
    trimmed,
  };
}
