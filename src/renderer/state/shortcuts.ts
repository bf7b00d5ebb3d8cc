/**
 * The editor's shortcuts as pure functions (unit-tested): which keys a focused control
 * keeps for itself, and what a key press asks the editor to do.
 */
export type KeyCommand =
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'play-toggle' }
  | { type: 'rate'; rate: number }
  | { type: 'step'; frames: number }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'delete' }
  | { type: 'toggle-key' }
  | { type: 'key-nav'; dir: -1 | 1 };

/** What the shortcuts leave to the focused element: everything (typing), its own keys (a control), nothing. */
export type TargetPolicy = 'typing' | 'control' | 'select' | 'none';

const TEXT_TYPES = new Set(['text', 'search', 'number', 'email', 'url', 'tel', 'password', 'date', 'time', 'datetime-local', 'month', 'week', '']);

export function keyTargetPolicy(t: { tag: string; type?: string; editable?: boolean; keyboardFocus?: boolean } | undefined): TargetPolicy {
  if (!t) return 'none';
  if (t.editable || t.tag === 'textarea' || (t.tag === 'input' && TEXT_TYPES.has(t.type ?? ''))) return 'typing';
  if (t.tag === 'select') return 'select';
  // A checkbox or button clicked with the mouse gives Space back to playback; reached with Tab, it keeps it.
  return t.keyboardFocus ? 'control' : 'none';
}

export interface KeyEventLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The command of a key press, or undefined when the key is not the editor's (or the focused element keeps it). */
export function keyCommand(e: KeyEventLike, s: { rate: number; fps: number; kHeld?: boolean }, policy: TargetPolicy = 'none'): KeyCommand | undefined {
  if (policy === 'typing') return undefined;
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  const code = e.code ?? '';
  if (mod && !e.altKey && (key === 'z' || code === 'KeyZ')) return { type: e.shiftKey ? 'redo' : 'undo' };
  if (mod && !e.altKey && (key === 'y' || code === 'KeyY')) return { type: 'redo' };
  if (mod) return undefined;
  // Alt+K: the keyframe button (add a key at the playhead, or remove the one there).
  if (e.altKey) return code === 'KeyK' || key === 'k' ? { type: 'toggle-key' } : undefined;
  const ownsSpace = policy === 'control' || policy === 'select';
  const ownsArrows = policy === 'select';
  switch (e.key) {
    case ' ':
      return ownsSpace ? undefined : { type: 'play-toggle' };
    case 'j':
    case 'J':
      // K held: slow reverse; again: faster reverse (up to 4x).
      if (s.kHeld) return { type: 'rate', rate: -0.25 };
      return { type: 'rate', rate: s.rate < 0 ? Math.max(-4, s.rate * 2) : -1 };
    case 'l':
    case 'L':
      if (s.kHeld) return { type: 'rate', rate: 0.25 };
      return { type: 'rate', rate: s.rate > 0 ? Math.min(4, s.rate * 2) : 1 };
    case 'k':
    case 'K':
      // K only pauses: it never edits.
      return { type: 'rate', rate: 0 };
    case 'ArrowLeft':
    case 'ArrowRight':
      if (ownsArrows) return undefined;
      return { type: 'step', frames: (e.key === 'ArrowLeft' ? -1 : 1) * (e.shiftKey ? Math.round(s.fps) : 1) };
    case 'Home':
      return { type: 'home' };
    case 'End':
      return { type: 'end' };
    case '[':
      return { type: 'key-nav', dir: -1 };
    case ']':
      return { type: 'key-nav', dir: 1 };
    case 'Delete':
    case 'Backspace':
      return { type: 'delete' };
  }
  return undefined;
}
