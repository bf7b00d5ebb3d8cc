import { useRef } from 'react';

/**
 * A drag handle between panes. `onDrag` receives the new size computed from the
 * size at drag start and the pointer's travel; `onDone` fires once on release.
 */
export function Splitter({ orientation, size, invert, onDrag, onDone, label }: { orientation: 'vertical' | 'horizontal'; size: number; invert?: boolean; onDrag: (px: number) => void; onDone: () => void; label: string }) {
  const start = useRef<{ pos: number; size: number } | null>(null);
  return (
    <div
      className={`splitter splitter--${orientation}`}
      role="separator"
      aria-orientation={orientation}
      aria-label={label}
      data-testid={`splitter-${label.toLowerCase().replace(/\s+/g, '-')}`}
      onPointerDown={(e) => {
        (e.target as HTMLElement).setPointerCapture(e.pointerId);
        start.current = { pos: orientation === 'vertical' ? e.clientX : e.clientY, size };
      }}
      onPointerMove={(e) => {
        if (!start.current) return;
        const delta = (orientation === 'vertical' ? e.clientX : e.clientY) - start.current.pos;
        onDrag(start.current.size + (invert ? -delta : delta));
      }}
      onPointerUp={() => {
        if (!start.current) return;
        start.current = null;
        onDone();
      }}
    />
  );
}
