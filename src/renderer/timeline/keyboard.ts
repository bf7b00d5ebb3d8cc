import { useEffect } from 'react';
import type { EditorContextValue } from '../editor-context';
import { deleteSelection, goToAdjacentKey, toggleKeyAtPlayhead, togglePlay } from './actions';
import { followFrame } from '../state/timeline-view';
import { keyCommand, keyTargetPolicy, type KeyCommand } from '../state/shortcuts';

/**
 * The editor's keyboard: Space play/pause; J / K / L as in editing programs (K only
 * pauses; K held with J or L plays slowly); ←/→ one frame (Shift: one second);
 * Home/End; [ and ] previous/next key on the active lane; Alt+K adds or removes a key
 * at the playhead; Delete; Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y. While typing in a field the
 * field keeps the keys; a checkbox or button keeps only the keys it uses itself.
 */
export function useEditorKeyboard(ctx: EditorContextValue): void {
  useEffect(() => {
    let kHeld = false;
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('[role="dialog"]')) return;
      const t = e.target as HTMLElement | null;
      const policy = keyTargetPolicy(t && t.nodeType === 1 ? describeTarget(t) : undefined);
      const { editor } = ctx;
      const s = editor.getState();
      const cmd = keyCommand(e, { rate: s.rate, fps: s.doc?.fps ?? 25, kHeld }, policy);
      if (e.code === 'KeyK' && !e.ctrlKey && !e.metaKey && !e.altKey) kHeld = true;
      if (!cmd) return;
      if (cmd.type !== 'undo' && cmd.type !== 'redo' && !s.doc) return;
      e.preventDefault();
      run(ctx, cmd);
    };
    const onUp = (e: KeyboardEvent) => {
      if (e.code === 'KeyK') kHeld = false;
    };
    const onBlur = () => {
      kHeld = false;
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onUp);
      window.removeEventListener('blur', onBlur);
    };
  }, [ctx]);

  // Keep the playhead in sight while playing.
  useEffect(() => {
    let last = -1;
    return ctx.editor.subscribe(() => {
      const s = ctx.editor.getState();
      if (s.rate === 0 || !s.doc || Math.round(s.playhead) === last) return;
      last = Math.round(s.playhead);
      const v = ctx.view.getState();
      const next = followFrame(v, s.playhead, s.doc.frameCount, rulerWidth());
      if (next !== v) ctx.view.dispatch(next);
    });
  }, [ctx]);
}

function rulerWidth(): number {
  return (document.querySelector('[data-testid="ruler"]') as HTMLElement | null)?.clientWidth ?? 800;
}

/** What the focused element is, as far as the shortcuts care. */
function describeTarget(t: HTMLElement) {
  const input = t.closest('input, textarea, select, [contenteditable="true"], button, [role="option"]') as HTMLElement | null;
  if (!input) return undefined;
  return {
    tag: input.tagName.toLowerCase(),
    type: (input as HTMLInputElement).type?.toLowerCase(),
    editable: input.getAttribute('contenteditable') === 'true',
    // Focus from the keyboard (Tab): the control keeps Space and Enter; after a click they play.
    keyboardFocus: safeMatches(input, ':focus-visible'),
  };
}

function safeMatches(el: Element, sel: string): boolean {
  try {
    return el.matches(sel);
  } catch {
    return false;
  }
}

function run(ctx: EditorContextValue, cmd: KeyCommand): void {
  const { editor } = ctx;
  const follow = () => {
    const st = editor.getState();
    ctx.view.dispatch(followFrame(ctx.view.getState(), st.playhead, st.doc?.frameCount ?? 1, rulerWidth()));
  };
  switch (cmd.type) {
    case 'undo':
    case 'redo':
      editor.dispatch({ type: cmd.type });
      return;
    case 'play-toggle':
      togglePlay(ctx);
      return;
    case 'rate':
      editor.dispatch({ type: 'rate', rate: cmd.rate });
      return;
    case 'step':
      editor.dispatch({ type: 'step', frames: cmd.frames });
      follow();
      return;
    case 'home':
    case 'end':
      editor.dispatch({ type: 'playhead', frame: cmd.type === 'home' ? 0 : (editor.getState().doc?.frameCount ?? 1) - 1 });
      follow();
      return;
    case 'delete':
      deleteSelection(ctx);
      return;
    case 'toggle-key':
      toggleKeyAtPlayhead(ctx);
      return;
    case 'key-nav':
      goToAdjacentKey(ctx, cmd.dir);
      follow();
      return;
  }
}
