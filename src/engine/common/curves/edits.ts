import type { BlinkEvent, CurveEdits, EditLayer, Easing, KeysLayer, Keyframe, RangeLayer } from '../../../shared/curve-document';
import { newId } from './ids';

/**
 * Edit operations: pure functions from edits to new edits (unchanged parts are
 * shared, so undo history is cheap). The UI turns gestures into these.
 */

export const DEFAULT_FALLOFF_S = 0.4;

function replaceLayer(edits: CurveEdits, id: string, fn: (l: EditLayer) => EditLayer | null): CurveEdits {
  let changed = false;
  const layers: EditLayer[] = [];
  for (const l of edits.layers) {
    if (l.id !== id) {
      layers.push(l);
      continue;
    }
    const next = fn(l);
    if (next !== l) changed = true;
    if (next) layers.push(next);
  }
  return changed ? { ...edits, layers } : edits;
}

export function keysLayerOf(edits: CurveEdits, channel: string): KeysLayer | undefined {
  return edits.layers.find((l): l is KeysLayer => l.kind === 'keys' && l.channel === channel);
}

/**
 * Sets a keyframe on a channel at a frame (replacing one already there). The
 * channel's keys layer is created on first use, after the existing layers.
 */
export function setKeyframe(
  edits: CurveEdits,
  channel: string,
  frame: number,
  value: number,
  opts: { easing?: Easing; falloff?: number; mode?: KeysLayer['mode']; id?: string } = {},
): { edits: CurveEdits; layerId: string; keyId: string } {
  const f = Math.max(0, Math.round(frame));
  const layer = keysLayerOf(edits, channel);
  if (!layer) {
    const keyId = opts.id ?? newId('k');
    const l: KeysLayer = { kind: 'keys', id: newId('L'), channel, mode: opts.mode ?? 'offset', falloff: Math.max(0, Math.round(opts.falloff ?? 10)), keys: [{ id: keyId, frame: f, value, easing: opts.easing ?? 'bezier' }] };
    return { edits: { ...edits, layers: [...edits.layers, l] }, layerId: l.id, keyId };
  }
  const existing = layer.keys.find((k) => k.frame === f);
  const keyId = existing?.id ?? opts.id ?? newId('k');
  const key: Keyframe = { id: keyId, frame: f, value, easing: opts.easing ?? existing?.easing ?? 'bezier', ...(existing?.ease ? { ease: existing.ease } : {}) };
  const keys = [...layer.keys.filter((k) => k.frame !== f), key].sort((a, b) => a.frame - b.frame);
  return { edits: replaceLayer(edits, layer.id, () => ({ ...layer, keys })), layerId: layer.id, keyId };
}

/**
 * Moves a key in time and/or value. It cannot pass its neighbours (the drag stops
 * one frame short), so keys keep their order.
 */
export function moveKeyframe(edits: CurveEdits, layerId: string, keyId: string, to: { frame?: number; value?: number }, frameCount?: number): CurveEdits {
  return replaceLayer(edits, layerId, (l) => {
    if (l.kind !== 'keys') return l;
    const i = l.keys.findIndex((k) => k.id === keyId);
    if (i < 0) return l;
    const k = l.keys[i];
    let frame = to.frame === undefined ? k.frame : Math.round(to.frame);
    const lo = i > 0 ? l.keys[i - 1].frame + 1 : 0;
    const hi = i < l.keys.length - 1 ? l.keys[i + 1].frame - 1 : frameCount !== undefined ? frameCount - 1 : Number.MAX_SAFE_INTEGER;
    frame = Math.max(lo, Math.min(hi, frame));
    const value = to.value === undefined || !Number.isFinite(to.value) ? k.value : to.value;
    if (frame === k.frame && value === k.value) return l;
    const keys = l.keys.slice();
    keys[i] = { ...k, frame, value };
    return { ...l, keys };
  });
}

export function setKeyframeEasing(edits: CurveEdits, layerId: string, keyId: string, easing: Easing, ease?: [number, number, number, number]): CurveEdits {
  return replaceLayer(edits, layerId, (l) => {
    if (l.kind !== 'keys') return l;
    const keys = l.keys.map((k) => {
      if (k.id !== keyId) return k;
      const { ease: _old, ...rest } = k;
      return { ...rest, easing, ...(easing === 'bezier' && ease ? { ease } : {}) };
    });
    return { ...l, keys };
  });
}

/** Removes keys (by id, from any layer); a keys layer left empty is removed. */
export function deleteKeyframes(edits: CurveEdits, keyIds: readonly string[]): CurveEdits {
  const ids = new Set(keyIds);
  let changed = false;
  const layers: EditLayer[] = [];
  for (const l of edits.layers) {
    if (l.kind !== 'keys' || !l.keys.some((k) => ids.has(k.id))) {
      layers.push(l);
      continue;
    }
    changed = true;
    const keys = l.keys.filter((k) => !ids.has(k.id));
    if (keys.length) layers.push({ ...l, keys });
  }
  return changed ? { ...edits, layers } : edits;
}

export function updateKeysLayer(edits: CurveEdits, layerId: string, patch: Partial<Pick<KeysLayer, 'mode' | 'falloff' | 'enabled'>>): CurveEdits {
  return replaceLayer(edits, layerId, (l) => (l.kind === 'keys' ? { ...l, ...patch } : l));
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type NewRangeLayer = DistributiveOmit<RangeLayer, 'id'> & { id?: string };

/** Adds an offset, override or smoothing over a range (clamped to the timeline). */
export function addRangeLayer(edits: CurveEdits, layer: NewRangeLayer, frameCount?: number): { edits: CurveEdits; layerId: string } {
  const id = layer.id ?? newId('L');
  let start = Math.max(0, Math.round(Math.min(layer.start, layer.end)));
  let end = Math.round(Math.max(layer.start, layer.end));
  if (frameCount !== undefined) {
    end = Math.min(frameCount - 1, end);
    start = Math.min(start, end);
  }
  const l = { ...layer, id, start, end } as RangeLayer;
  return { edits: { ...edits, layers: [...edits.layers, l] }, layerId: id };
}

export function updateRangeLayer(edits: CurveEdits, layerId: string, patch: Partial<Pick<RangeLayer, 'start' | 'end' | 'fade' | 'enabled'>> & { value?: number; radius?: number }): CurveEdits {
  return replaceLayer(edits, layerId, (l) => {
    if (l.kind === 'keys') return l;
    const next = { ...l, ...patch } as RangeLayer;
    if (next.start > next.end) [next.start, next.end] = [next.end, next.start];
    return next;
  });
}

export function removeLayer(edits: CurveEdits, layerId: string): CurveEdits {
  return replaceLayer(edits, layerId, () => null);
}

// Blinks -----------------------------------------------------------------------

export const DEFAULT_BLINK = { duration: 7, strength: 0.9 };

function clampBlink(b: BlinkEvent, frameCount?: number): BlinkEvent {
  const duration = Math.min(250, Math.max(1, b.duration));
  const maxStart = frameCount !== undefined ? Math.max(0, frameCount - 1) : Number.MAX_SAFE_INTEGER;
  return { ...b, duration, start: Math.max(0, Math.min(maxStart, b.start)), strength: Math.min(1, Math.max(0, b.strength)) };
}

export function addBlink(edits: CurveEdits, at: { start: number; duration?: number; strength?: number; id?: string }, frameCount?: number): { edits: CurveEdits; blinkId: string } {
  const b = clampBlink({ id: at.id ?? newId('b'), start: at.start, duration: at.duration ?? DEFAULT_BLINK.duration, strength: at.strength ?? DEFAULT_BLINK.strength }, frameCount);
  const blinks = [...edits.blinks, b].sort((x, y) => x.start - y.start);
  return { edits: { ...edits, blinks }, blinkId: b.id };
}

export function updateBlink(edits: CurveEdits, id: string, patch: Partial<Omit<BlinkEvent, 'id'>>, frameCount?: number): CurveEdits {
  const i = edits.blinks.findIndex((b) => b.id === id);
  if (i < 0) return edits;
  const b = clampBlink({ ...edits.blinks[i], ...patch }, frameCount);
  const old = edits.blinks[i];
  if (b.start === old.start && b.duration === old.duration && b.strength === old.strength) return edits;
  const blinks = edits.blinks.slice();
  blinks[i] = b;
  blinks.sort((x, y) => x.start - y.start);
  return { ...edits, blinks };
}

export function moveBlink(edits: CurveEdits, id: string, start: number, frameCount?: number): CurveEdits {
  return updateBlink(edits, id, { start }, frameCount);
}

/** Changes a blink's duration keeping its start (anchor 'start') or its end (anchor 'end'). */
export function stretchBlink(edits: CurveEdits, id: string, duration: number, anchor: 'start' | 'end' = 'start', frameCount?: number): CurveEdits {
  const b = edits.blinks.find((x) => x.id === id);
  if (!b) return edits;
  const d = Math.min(250, Math.max(1, duration));
  return updateBlink(edits, id, anchor === 'start' ? { duration: d } : { duration: d, start: b.start + b.duration - d }, frameCount);
}

export function removeBlinks(edits: CurveEdits, ids: readonly string[]): CurveEdits {
  const set = new Set(ids);
  const blinks = edits.blinks.filter((b) => !set.has(b.id));
  return blinks.length === edits.blinks.length ? edits : { ...edits, blinks };
}
