/**
 * Undo and redo as a stack of labelled commands over a value (the edits). Each
 * entry keeps the value before the command; values share structure, so entries
 * are small. Consecutive commits with the same `coalesce` key (one drag) merge
 * into one undo step.
 */
export interface HistoryEntry<T> {
  label: string;
  before: T;
}

export interface History<T> {
  present: T;
  past: HistoryEntry<T>[];
  /** Undone commands, nearest first, with the value they produced. */
  future: { label: string; after: T }[];
  /** Key of the last commit, for coalescing; cleared by undo/redo/mark. */
  lastKey?: string;
}

export const HISTORY_LIMIT = 500;

export function createHistory<T>(present: T): History<T> {
  return { present, past: [], future: [] };
}

export function commit<T>(h: History<T>, next: T, label: string, opts: { coalesce?: string; limit?: number } = {}): History<T> {
  if (next === h.present) return h;
  if (opts.coalesce !== undefined && opts.coalesce === h.lastKey && h.past.length) {
    return { ...h, present: next, future: [], lastKey: opts.coalesce };
  }
  const past = [...h.past, { label, before: h.present }];
  const limit = opts.limit ?? HISTORY_LIMIT;
  return { present: next, past: past.length > limit ? past.slice(past.length - limit) : past, future: [], lastKey: opts.coalesce };
}

export function undo<T>(h: History<T>): History<T> {
  const e = h.past[h.past.length - 1];
  if (!e) return h;
  return { present: e.before, past: h.past.slice(0, -1), future: [{ label: e.label, after: h.present }, ...h.future] };
}

export function redo<T>(h: History<T>): History<T> {
  const e = h.future[0];
  if (!e) return h;
  return { present: e.after, past: [...h.past, { label: e.label, before: h.present }], future: h.future.slice(1) };
}

/** Ends coalescing (call when a drag ends), so the next commit is a new step. */
export function mark<T>(h: History<T>): History<T> {
  return h.lastKey === undefined ? h : { ...h, lastKey: undefined };
}

export const canUndo = <T>(h: History<T>) => h.past.length > 0;
export const canRedo = <T>(h: History<T>) => h.future.length > 0;
export const undoLabel = <T>(h: History<T>) => h.past[h.past.length - 1]?.label;
export const redoLabel = <T>(h: History<T>) => h.future[0]?.label;
