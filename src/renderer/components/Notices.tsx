import { useEffect } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';

/** Errors and messages for the user: what went wrong, which file, what to do. Informations go away by themselves. */
export function Notices() {
  const { session } = useApp();
  const notices = useStore(session, (s) => s.notices);
  const next = Math.min(...notices.map((n) => n.expiresAt ?? Infinity));
  useEffect(() => {
    if (!Number.isFinite(next)) return;
    const t = setTimeout(() => session.dispatch({ type: 'notice/expire', now: Date.now() }), Math.max(0, next - Date.now()) + 20);
    return () => clearTimeout(t);
  }, [next, session]);
  if (!notices.length) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice--${n.level}`} role={n.level === 'error' ? 'alert' : 'status'} data-testid="notice" data-level={n.level}>
          <div className="notice__body">
            <div className="notice__title">{n.title}</div>
            <div className="notice__message">{n.message}</div>
            {n.file && !n.message.includes(n.file) && <div className="notice__file">File: {n.file}</div>}
            {n.hint && <div className="notice__hint">{n.hint}</div>}
          </div>
          <button className="icon-btn" aria-label="Dismiss" onClick={() => session.dispatch({ type: 'notice/dismiss', id: n.id })}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
