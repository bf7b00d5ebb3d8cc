import type { FileKind } from '../state/file-kinds';

/** Small line icons (inline SVG: no icon font, the same in every browser). */
const paths: Record<FileKind, string> = {
  folder: 'M1.5 4.5h5l1.5 1.5h6.5v7h-13z',
  video: 'M1.5 3.5h13v9h-13z M4 3.5v9 M12 3.5v9 M1.5 6h2.5 M1.5 10h2.5 M12 6h2.5 M12 10h2.5',
  audio: 'M2 8h1 M4.5 5v6 M7 3v10 M9.5 5.5v5 M12 6.5v3 M14 8h0.5',
  file: 'M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3',
};

export function KindIcon({ kind, className }: { kind: FileKind; className?: string }) {
  return (
    <svg className={className} width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" strokeLinecap="round" aria-hidden data-icon={kind}>
      <path d={paths[kind]} />
    </svg>
  );
}
