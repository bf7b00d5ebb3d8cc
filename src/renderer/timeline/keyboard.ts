import { useEffect } from 'react';
import type { EditorContextValue } from '../editor-context';
import { addKeyAtPlayhead, deleteSelection, togglePlay } from './actions';
import { followFrame } from '../state/timeline-view';

/**
 * Space play/pause; J reverse, K pause (or add a key when stopped), L forward
 * (again: faster); ←/→ one frame (Shift: one second); Home/End; Delete; Ctrl+Z,
 * Ctrl+Shift+Z / Ctrl+Y. Ignored while typing in a field or a dialog is open.
 */
export function useEditorKeyboard(ctx: EditorContextValue): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.closest('input, textarea, select, [contenteditable="true"]') || t.closest('[role="dialog"]'))) return;
      if (document.querySelector('[role="dialog"]')) return;
      const { editor } = ctx;
      const s = editor.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'z') {
        e.preventDefault();
        editor.dispatch({ type: e.shiftKey ? 'redo' : 'undo' });
        return;
      }
      if (mod && key === 'y') {
        e.preventDefault();
        editor.dispatch({ type: 'redo' });
        return;
      }
      if (mod || e.altKey || !s.doc) return;
      const follow = () => {
        const st = editor.getState();
        const width = (document.querySelector('[data-testid="ruler"]') as HTMLElement | null)?.clientWidth ?? 800;
        ctx.view.dispatch(followFrame(ctx.view.getState(), st.playhead, st.doc?.frameCount ?? 1, width));
      };
      switch (e.key) {
        case ' ':
          e.preventDefault();
          togglePlay(ctx);
          break;
        case 'j':
        case 'J':
          editor.dispatch({ type: 'rate', rate: s.rate < 0 ? Math.max(-4, s.rate * 2) : -1 });
          break;
        case 'l':
        case 'L':
          editor.dispatch({ type: 'rate', rate: s.rate > 0 ? Math.min(4, s.rate * 2) : 1 });
          break;
        case 'k':
        case 'K':
          if (s.rate !== 0) editor.dispatch({ type: 'rate', rate: 0 });
          else addKeyAtPlayhead(ctx);
          break;
        case 'ArrowLeft':
        case 'ArrowRight':
          e.preventDefault();
          editor.dispatch({ type: 'step', frames: (e.key === 'ArrowLeft' ? -1 : 1) * (e.shiftKey ? Math.round(s.doc.fps) : 1) });
          follow();
          break;
        case 'Home':
          editor.dispatch({ type: 'playhead', frame: 0 });
          follow();
          break;
        case 'End':
          editor.dispatch({ type: 'playhead', frame: s.doc.frameCount - 1 });
          follow();
          break;
        case 'Delete':
        case 'Backspace':
          if (deleteSelection(ctx)) e.preventDefault();
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ctx]);

  // Keep the playhead in sight while playing.
  useEffect(() => {
    let last = -1;
    return ctx.editor.subscribe(() => {
      const s = ctx.editor.getState();
      if (s.rate === 0 || !s.doc || Math.round(s.playhead) === last) return;
      last = Math.round(s.playhead);
      const width = (document.querySelector('[data-testid="ruler"]') as HTMLElement | null)?.clientWidth ?? 800;
      const v = ctx.view.getState();
      const next = followFrame(v, s.playhead, s.doc.frameCount, width);
      if (next !== v) ctx.view.dispatch(next);
    });
  }, [ctx]);
}
