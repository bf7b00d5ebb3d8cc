import type { CurveEdits } from '../../shared/curve-document';
import { withEdits, type CurveDocument } from '../../engine/common/curves/document';
import { createHistory, commit, undo, redo, mark, type History } from '../../engine/common/curves/history';
import { isChannel } from '../../engine/common/curves/channels';
import { DEFAULT_LANE_HEIGHT, LANE_HEIGHTS } from './lane-display';

/**
 * What undo and redo step through: the user's edits, and the generated base, which
 * only "re-generate range" changes (so that too is undoable). Both are immutable
 * values shared between history entries.
 */
export interface EditorContent {
  edits: CurveEdits;
  base: Float32Array;
}

/**
 * The curve editor's state: the document, its undo history (over edits and base),
 * playhead, playback, selection and which lanes show. Plain data and a pure
 * reducer; gestures compute new edits with src/engine/common/curves and commit them.
 */
export type Selection =
  | { kind: 'none' }
  | { kind: 'keys'; items: { layerId: string; keyId: string }[] }
  | { kind: 'blink'; id: string }
  | { kind: 'layer'; id: string }
  | { kind: 'range'; start: number; end: number };

export type SaveState = { state: 'saved'; at?: string } | { state: 'dirty' } | { state: 'saving' } | { state: 'error'; message: string };

export interface EditorState {
  curvesId?: string;
  doc?: CurveDocument;
  history: History<EditorContent>;
  /** The base last written to disk: autosave writes the whole document when the base differs. */
  savedBase?: Float32Array;
  /** Bumped on every change of the edits (the autosave watches it). */
  revision: number;
  /** The revision last written to disk. */
  savedRevision: number;
  save: SaveState;
  playhead: number;
  /** Playback rate: 0 stopped, 1 play, 2/4 faster, -1 reverse (J). */
  rate: number;
  loop?: { start: number; end: number };
  loopOn: boolean;
  selection: Selection;
  /** The lane the tools and Alt+K act on, and the inspector describes. */
  activeChannel: string;
  /** Show the 64 raw expression channels. */
  advanced: boolean;
  /** Height of a lane (vertical zoom), CSS px. */
  laneHeight: number;
  /** A lane to scroll into sight (bumped by the tools that act on the active lane). */
  revealLane?: { channel: string; n: number };
}

export const DEFAULT_LANES = ['yaw', 'pitch', 'roll', 'x', 'y', 'z', 'blink'];

export const initialEditor: EditorState = {
  history: createHistory<EditorContent>({ edits: { layers: [], blinks: [] }, base: new Float32Array(0) }),
  revision: 0,
  savedRevision: 0,
  save: { state: 'saved' },
  playhead: 0,
  rate: 0,
  loopOn: false,
  selection: { kind: 'none' },
  activeChannel: 'yaw',
  advanced: false,
  laneHeight: DEFAULT_LANE_HEIGHT,
};

export type EditorAction =
  | { type: 'load'; curvesId: string; doc: CurveDocument }
  | { type: 'unload' }
  | { type: 'commit'; label: string; edits: CurveEdits; coalesce?: string; select?: Selection }
  /** A new generated base with the edits that go with it (re-generate range): one undo step. */
  | { type: 'rebase'; label: string; base: Float32Array; edits: CurveEdits }
  /** A gesture (drag) ended: the next commit is a new undo step. */
  | { type: 'gesture-end' }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'playhead'; frame: number }
  | { type: 'step'; frames: number }
  | { type: 'rate'; rate: number }
  | { type: 'loop'; range?: { start: number; end: number }; on?: boolean }
  | { type: 'select'; selection: Selection }
  | { type: 'active-channel'; channel: string }
  | { type: 'advanced'; on: boolean }
  | { type: 'lane-height'; height: number }
  | { type: 'reveal-lane'; channel: string }
  | { type: 'semantic'; doc: CurveDocument }
  | { type: 'save'; save: SaveState; revision?: number; base?: Float32Array };

function clampFrame(s: EditorState, f: number): number {
  const max = s.doc ? s.doc.frameCount - 1 : 0;
  return Math.max(0, Math.min(max, f));
}

/** Drops selected things that no longer exist (after undo, redo or delete). */
export function pruneSelection(sel: Selection, edits: CurveEdits): Selection {
  if (sel.kind === 'keys') {
    const items = sel.items.filter((it) => edits.layers.some((l) => l.id === it.layerId && l.kind === 'keys' && l.keys.some((k) => k.id === it.keyId)));
    return items.length ? (items.length === sel.items.length ? sel : { kind: 'keys', items }) : { kind: 'none' };
  }
  if (sel.kind === 'blink') return edits.blinks.some((b) => b.id === sel.id) ? sel : { kind: 'none' };
  if (sel.kind === 'layer') return edits.layers.some((l) => l.id === sel.id) ? sel : { kind: 'none' };
  return sel;
}

function withHistory(s: EditorState, history: EditorState['history'], selection?: Selection): EditorState {
  if (history === s.history) return s;
  const { edits, base } = history.present;
  const doc = s.doc ? withEdits(base === s.doc.base ? s.doc : { ...s.doc, base }, edits) : s.doc;
  const changed = edits !== s.history.present.edits || base !== s.history.present.base;
  return {
    ...s,
    history,
    doc,
    revision: changed ? s.revision + 1 : s.revision,
    save: changed ? { state: 'dirty' } : s.save,
    selection: pruneSelection(selection ?? s.selection, edits),
  };
}

export function editorReducer(s: EditorState, a: EditorAction): EditorState {
  switch (a.type) {
    case 'load':
      return {
        ...initialEditor,
        advanced: s.advanced,
        activeChannel: s.activeChannel,
        laneHeight: s.laneHeight,
        curvesId: a.curvesId,
        doc: a.doc,
        history: createHistory<EditorContent>({ edits: a.doc.edits, base: a.doc.base }),
        savedBase: a.doc.base,
        playhead: s.curvesId === a.curvesId ? Math.min(s.playhead, a.doc.frameCount - 1) : 0,
        save: { state: 'saved', at: a.doc.updatedAt },
      };
    case 'unload':
      return { ...initialEditor, advanced: s.advanced, laneHeight: s.laneHeight };
    case 'commit':
      if (!s.doc) return s;
      if (a.edits === s.history.present.edits) return s;
      return withHistory(s, commit(s.history, { edits: a.edits, base: s.history.present.base }, a.label, a.coalesce !== undefined ? { coalesce: a.coalesce } : {}), a.select);
    case 'rebase':
      if (!s.doc || a.base.length !== s.doc.base.length) return s;
      return withHistory(s, commit(s.history, { edits: a.edits, base: a.base }, a.label));
    case 'gesture-end':
      return { ...s, history: mark(s.history) };
    case 'undo':
      return withHistory(s, undo(s.history));
    case 'redo':
      return withHistory(s, redo(s.history));
    case 'playhead': {
      const f = clampFrame(s, a.frame);
      return f === s.playhead ? s : { ...s, playhead: f };
    }
    case 'step': {
      const f = clampFrame(s, Math.round(s.playhead) + a.frames);
      return { ...s, playhead: f, rate: 0 };
    }
    case 'rate':
      return a.rate === s.rate ? s : { ...s, rate: s.doc ? a.rate : 0 };
    case 'loop': {
      const range = a.range ? { start: Math.min(a.range.start, a.range.end), end: Math.max(a.range.start, a.range.end) } : s.loop;
      return { ...s, loop: range, loopOn: a.on ?? (a.range ? true : s.loopOn) };
    }
    case 'select':
      return { ...s, selection: s.doc ? pruneSelection(a.selection, s.history.present.edits) : { kind: 'none' } };
    case 'active-channel':
      return isChannel(a.channel) ? { ...s, activeChannel: a.channel } : s;
    case 'advanced':
      return { ...s, advanced: a.on };
    case 'lane-height': {
      const h = Math.round(Math.min(LANE_HEIGHTS[LANE_HEIGHTS.length - 1], Math.max(LANE_HEIGHTS[0], a.height)));
      return h === s.laneHeight ? s : { ...s, laneHeight: h };
    }
    case 'reveal-lane':
      return isChannel(a.channel) ? { ...s, revealLane: { channel: a.channel, n: (s.revealLane?.n ?? 0) + 1 } } : s;
    case 'semantic':
      // Semantic controls arrive with the persona model: a document change that is not an edit.
      return s.doc ? { ...s, doc: withEdits({ ...a.doc, base: s.history.present.base }, s.history.present.edits), revision: s.revision + 1, save: { state: 'dirty' } } : s;
    case 'save':
      return { ...s, save: a.save, savedRevision: a.revision ?? s.savedRevision, savedBase: a.base ?? s.savedBase };
  }
}

/**
 * Frames to advance between two animation frames at `rate`. The animation frame's
 * timestamp can precede the moment play was pressed: the step is never against the
 * rate (at frame 0 that read as "played backwards past the start" and stopped at once).
 */
export function playStep(nowMs: number, lastMs: number, fps: number, rate: number): number {
  return Math.max(0, Math.min(0.1, (nowMs - lastMs) / 1000)) * fps * rate;
}

/** Next playhead frame while playing, honouring the loop (pure: the playback clock calls it). */
export function advancePlayhead(frame: number, deltaFrames: number, frameCount: number, loop?: { start: number; end: number }): { frame: number; stop: boolean } {
  let f = frame + deltaFrames;
  if (loop && loop.end > loop.start) {
    if (deltaFrames > 0 && f > loop.end) f = loop.start + ((f - loop.start) % (loop.end - loop.start + 1));
    if (deltaFrames < 0 && f < loop.start) f = loop.end;
    return { frame: f, stop: false };
  }
  if (f >= frameCount - 1) return { frame: frameCount - 1, stop: true };
  if (f <= 0) return { frame: 0, stop: deltaFrames < 0 };
  return { frame: f, stop: false };
}

/** The lanes shown: head pose, blink, semantic controls, and the raw 64 in the advanced view. */
export function visibleLanes(doc: CurveDocument | undefined, advanced: boolean): string[] {
  const lanes = [...DEFAULT_LANES];
  for (const s of doc?.semantic ?? []) lanes.push(`sem:${s.name}`);
  if (advanced) for (let k = 0; k < 64; k++) lanes.push(`expr:${k}`);
  return lanes;
}

export function saveLabel(s: SaveState): string {
  switch (s.state) {
    case 'saved':
      return 'All changes saved';
    case 'dirty':
      return 'Unsaved changes';
    case 'saving':
      return 'Saving…';
    case 'error':
      return `Not saved: ${s.message}`;
  }
}

/** The frame of the previous (dir −1) or next (+1) key on a lane from `frame`, if any (keyframe navigation). */
export function adjacentKeyFrame(edits: CurveEdits, channel: string, frame: number, dir: -1 | 1): number | undefined {
  let best: number | undefined;
  const f0 = Math.round(frame);
  for (const l of edits.layers) {
    if (l.kind !== 'keys' || l.channel !== channel) continue;
    for (const k of l.keys) {
      if (dir > 0 ? k.frame > f0 && (best === undefined || k.frame < best) : k.frame < f0 && (best === undefined || k.frame > best)) best = k.frame;
    }
  }
  return best;
}

/** The key of a lane at a frame, if there is one (the keyframe button then removes it). */
export function keyAt(edits: CurveEdits, channel: string, frame: number): { layerId: string; keyId: string } | undefined {
  for (const l of edits.layers) {
    if (l.kind !== 'keys' || l.channel !== channel) continue;
    const k = l.keys.find((x) => x.frame === Math.round(frame));
    if (k) return { layerId: l.id, keyId: k.id };
  }
  return undefined;
}
