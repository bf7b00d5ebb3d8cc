import type { EditLayer, KeysLayer, Keyframe, RangeLayer, SemanticControl } from '../../../shared/curve-document';
import { PARAM_COUNT, BLINK_INDEX, EXPR_OFFSET, EXPR_COUNT } from '../../../shared/facial-params';
import type { CurveDocument } from './document';
import { addBlinks } from './blinks';
import { channelIndex, isSemanticChannel } from './channels';

/**
 * Evaluation: base curves, then each edit layer of a channel in order. A channel
 * is evaluated over the whole timeline at once (T values: cheap, and what the
 * timeline draws); `CurveEvaluator` caches channels until their edits change.
 *
 * Semantic channels (sem:jaw, …): their base is the projection of the base
 * expression on the control's direction; edits change that value, and the change
 * is added to the expression along the direction.
 */

function smoothstep(u: number): number {
  const t = u < 0 ? 0 : u > 1 ? 1 : u;
  return t * t * (3 - 2 * t);
}

/** Solves a CSS-style cubic-bezier timing curve: progress y at time x. */
export function cubicBezier(x1: number, y1: number, x2: number, y2: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const cx = 3 * x1;
  const bx = 3 * (x2 - x1) - cx;
  const ax = 1 - cx - bx;
  const cy = 3 * y1;
  const by = 3 * (y2 - y1) - cy;
  const ay = 1 - cy - by;
  let t = x;
  for (let i = 0; i < 8; i++) {
    const err = ((ax * t + bx) * t + cx) * t - x;
    if (Math.abs(err) < 1e-7) break;
    const d = (3 * ax * t + 2 * bx) * t + cx;
    if (Math.abs(d) < 1e-6) break;
    t -= err / d;
  }
  if (t < 0 || t > 1 || Math.abs(((ax * t + bx) * t + cx) * t - x) > 1e-5) {
    // Bisection fallback for flat or extreme handles.
    let lo = 0;
    let hi = 1;
    t = x;
    for (let i = 0; i < 40; i++) {
      const v = ((ax * t + bx) * t + cx) * t;
      if (Math.abs(v - x) < 1e-7) break;
      if (v < x) lo = t;
      else hi = t;
      t = (lo + hi) / 2;
    }
  }
  return ((ay * t + by) * t + cy) * t;
}

export const DEFAULT_EASE: [number, number, number, number] = [0.42, 0, 0.58, 1];

/** Progress 0..1 through the segment that starts at `k` (its easing), at phase u. */
export function easeSegment(k: Keyframe, u: number): number {
  if (k.easing === 'hold') return 0;
  if (k.easing === 'linear') return u;
  const [x1, y1, x2, y2] = k.ease ?? DEFAULT_EASE;
  return cubicBezier(x1, y1, x2, y2, u);
}

/** Weight 0..1 of a range edit at frame f: 1 inside, smooth fades of `fade` frames at both ends. */
export function rangeWeight(l: { start: number; end: number; fade: number }, f: number): number {
  if (f < l.start || f > l.end) return 0;
  if (l.fade <= 0) return 1;
  const a = (f - l.start + 1) / (l.fade + 1);
  const b = (l.end - f + 1) / (l.fade + 1);
  return smoothstep(Math.min(1, a, b));
}

function applyKeys(v: Float32Array, layer: KeysLayer): void {
  const keys = layer.keys;
  const n = v.length;
  if (!keys.length) return;
  const first = keys[0];
  const last = keys[keys.length - 1];
  const fall = layer.falloff;
  if (layer.mode === 'offset') {
    const off = keys.map((k) => k.value - v[Math.min(n - 1, k.frame)]);
    // Before the first key and after the last, the correction fades out.
    for (let f = Math.max(0, first.frame - fall); f < Math.min(n, first.frame); f++) v[f] += off[0] * smoothstep((f - (first.frame - fall - 1)) / (fall + 1));
    for (let f = last.frame + 1; f < Math.min(n, last.frame + fall + 1); f++) v[f] += off[keys.length - 1] * smoothstep((last.frame + fall + 1 - f) / (fall + 1));
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k.frame >= n) break;
      if (i === keys.length - 1) {
        v[k.frame] += off[i];
        break;
      }
      const next = keys[i + 1];
      const span = next.frame - k.frame;
      for (let f = k.frame; f < Math.min(n, next.frame); f++) v[f] += off[i] + (off[i + 1] - off[i]) * easeSegment(k, (f - k.frame) / span);
    }
    return;
  }
  // Absolute: the keys alone between the first and the last, blended with the curve beyond.
  for (let f = Math.max(0, first.frame - fall); f < Math.min(n, first.frame); f++) {
    const w = smoothstep((f - (first.frame - fall - 1)) / (fall + 1));
    v[f] += (first.value - v[f]) * w;
  }
  for (let f = last.frame + 1; f < Math.min(n, last.frame + fall + 1); f++) {
    const w = smoothstep((last.frame + fall + 1 - f) / (fall + 1));
    v[f] += (last.value - v[f]) * w;
  }
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k.frame >= n) break;
    if (i === keys.length - 1) {
      v[k.frame] = k.value;
      break;
    }
    const next = keys[i + 1];
    const span = next.frame - k.frame;
    for (let f = k.frame; f < Math.min(n, next.frame); f++) v[f] = k.value + (next.value - k.value) * easeSegment(k, (f - k.frame) / span);
  }
}

/** Gaussian kernel with half-width `radius` (σ = radius / 2.5). */
function gaussian(radius: number): Float32Array {
  const sigma = Math.max(0.5, radius / 2.5);
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

function applyRange(v: Float32Array, l: RangeLayer): void {
  const n = v.length;
  const s = Math.max(0, l.start);
  const e = Math.min(n - 1, l.end);
  if (s > e) return;
  if (l.kind === 'offset') {
    for (let f = s; f <= e; f++) v[f] += l.value * rangeWeight(l, f);
  } else if (l.kind === 'override') {
    for (let f = s; f <= e; f++) v[f] += (l.value - v[f]) * rangeWeight(l, f);
  } else {
    const r = l.radius;
    const k = gaussian(r);
    const out = new Float32Array(e - s + 1);
    for (let f = s; f <= e; f++) {
      let acc = 0;
      for (let j = -r; j <= r; j++) {
        const g = f + j < 0 ? 0 : f + j >= n ? n - 1 : f + j;
        acc += v[g] * k[j + r];
      }
      out[f - s] = acc;
    }
    for (let f = s; f <= e; f++) v[f] += (out[f - s] - v[f]) * rangeWeight(l, f);
  }
}

export function applyLayer(v: Float32Array, layer: EditLayer): void {
  if (layer.enabled === false) return;
  if (layer.kind === 'keys') applyKeys(v, layer);
  else applyRange(v, layer);
}

/** Projection of the base expression on a semantic direction, per frame. */
export function semanticBase(doc: CurveDocument, control: SemanticControl): Float32Array {
  const out = new Float32Array(doc.frameCount);
  const d = control.direction;
  for (let f = 0, o = EXPR_OFFSET; f < doc.frameCount; f++, o += PARAM_COUNT) {
    let acc = 0;
    for (let k = 0; k < EXPR_COUNT; k++) acc += doc.base[o + k] * d[k];
    out[f] = acc;
  }
  return out;
}

/** A channel before its edit layers: base column, blink baseline + blink events, or a semantic projection. */
export function channelBase(doc: CurveDocument, channel: string): Float32Array {
  if (isSemanticChannel(channel)) {
    const c = doc.semantic.find((s) => s.name === channel.slice(4));
    if (!c) throw new Error(`The document has no semantic control "${channel.slice(4)}"`);
    return semanticBase(doc, c);
  }
  const idx = channelIndex(channel);
  const out = new Float32Array(doc.frameCount);
  for (let f = 0, o = idx; f < doc.frameCount; f++, o += PARAM_COUNT) out[f] = doc.base[o];
  if (idx === BLINK_INDEX) {
    addBlinks(out, doc.edits.blinks);
    for (let f = 0; f < out.length; f++) out[f] = out[f] < 0 ? 0 : out[f] > 1 ? 1 : out[f];
  }
  return out;
}

/** The layers that act on a channel, in order. */
export function layersOf(doc: CurveDocument, channel: string): EditLayer[] {
  return doc.edits.layers.filter((l) => l.channel === channel);
}

/** A channel over the whole timeline, with all its edits. */
export function evaluateChannel(doc: CurveDocument, channel: string): Float32Array {
  const v = channelBase(doc, channel);
  for (const l of doc.edits.layers) if (l.channel === channel) applyLayer(v, l);
  return v;
}

/** Semantic channels that have edits (the others add nothing). */
function editedSemantics(doc: CurveDocument): SemanticControl[] {
  const names = new Set(doc.edits.layers.filter((l) => isSemanticChannel(l.channel) && l.enabled !== false).map((l) => l.channel.slice(4)));
  return doc.semantic.filter((s) => names.has(s.name));
}

/** All 71 parameters at one frame. */
export function evaluate(doc: CurveDocument, frame: number, out = new Float32Array(PARAM_COUNT)): Float32Array {
  const f = Math.max(0, Math.min(doc.frameCount - 1, Math.round(frame)));
  out.set(doc.base.subarray(f * PARAM_COUNT, (f + 1) * PARAM_COUNT));
  const edited = new Set(doc.edits.layers.map((l) => l.channel));
  if (doc.edits.blinks.length) edited.add('blink');
  for (const ch of edited) {
    if (isSemanticChannel(ch)) continue;
    out[channelIndex(ch)] = evaluateChannel(doc, ch)[f];
  }
  for (const s of editedSemantics(doc)) {
    const delta = evaluateChannel(doc, `sem:${s.name}`)[f] - semanticBase(doc, s)[f];
    for (let k = 0; k < EXPR_COUNT; k++) out[EXPR_OFFSET + k] += delta * s.direction[k];
  }
  return out;
}

/**
 * Cached evaluation for the UI: each channel is recomputed only when something
 * it depends on changes (its layers, the blinks for 'blink', the base, the
 * semantic controls), so an edit on yaw costs one channel, not 71.
 */
export class CurveEvaluator {
  private doc?: CurveDocument;
  private readonly cache = new Map<string, { key: unknown[]; values: Float32Array }>();
  private semDelta?: { key: unknown[]; deltas: { dir: number[]; values: Float32Array }[] };

  setDocument(doc: CurveDocument): void {
    if (this.doc && (this.doc.base !== doc.base || this.doc.semantic !== doc.semantic)) this.cache.clear();
    this.doc = doc;
  }

  get document(): CurveDocument | undefined {
    return this.doc;
  }

  private depsOf(channel: string): unknown[] {
    const doc = this.doc!;
    const deps: unknown[] = [doc.base, doc.semantic];
    for (const l of doc.edits.layers) if (l.channel === channel) deps.push(l);
    if (channel === 'blink') deps.push(doc.edits.blinks);
    return deps;
  }

  /** A channel over the whole timeline (do not modify the array). */
  channel(channel: string): Float32Array {
    const doc = this.doc;
    if (!doc) throw new Error('CurveEvaluator has no document');
    const key = this.depsOf(channel);
    const hit = this.cache.get(channel);
    if (hit && hit.key.length === key.length && hit.key.every((k, i) => k === key[i])) return hit.values;
    const values = evaluateChannel(doc, channel);
    this.cache.set(channel, { key, values });
    return values;
  }

  /** The channel before its edits (the generated curve, drawn as a ghost). */
  base(channel: string): Float32Array {
    const k = `base|${channel}`;
    const doc = this.doc!;
    const key: unknown[] = [doc.base, doc.semantic, channel === 'blink' ? doc.edits.blinks : null];
    const hit = this.cache.get(k);
    if (hit && hit.key.every((x, i) => x === key[i])) return hit.values;
    const values = channelBase(doc, channel);
    this.cache.set(k, { key, values });
    return values;
  }

  /** All 71 parameters at a frame, from the cached channels. */
  frame(frame: number, out = new Float32Array(PARAM_COUNT)): Float32Array {
    const doc = this.doc;
    if (!doc) throw new Error('CurveEvaluator has no document');
    const f = Math.max(0, Math.min(doc.frameCount - 1, Math.round(frame)));
    out.set(doc.base.subarray(f * PARAM_COUNT, (f + 1) * PARAM_COUNT));
    const edited = new Set<string>();
    for (const l of doc.edits.layers) if (!isSemanticChannel(l.channel)) edited.add(l.channel);
    if (doc.edits.blinks.length) edited.add('blink');
    for (const ch of edited) out[channelIndex(ch)] = this.channel(ch)[f];
    for (const s of editedSemantics(doc)) {
      const ch = `sem:${s.name}`;
      const delta = this.channel(ch)[f] - this.base(ch)[f];
      for (let k = 0; k < EXPR_COUNT; k++) out[EXPR_OFFSET + k] += delta * s.direction[k];
    }
    return out;
  }
}

/** The whole [T, 71] result (for export and rendering). */
export function evaluateAll(doc: CurveDocument): Float32Array {
  const ev = new CurveEvaluator();
  ev.setDocument(doc);
  const out = new Float32Array(doc.frameCount * PARAM_COUNT);
  const row = new Float32Array(PARAM_COUNT);
  for (let f = 0; f < doc.frameCount; f++) out.set(ev.frame(f, row), f * PARAM_COUNT);
  return out;
}
