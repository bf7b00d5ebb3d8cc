import { useCallback, useEffect, useState } from 'react';
import type { FsEntry } from '../../shared/contract';
import { useApp } from '../app-context';
import { toApiError } from '../api/decode';
import { Modal } from './Modal';
import { parentOf } from '../state/paths';

/**
 * A file browser over `fs.list` (browser mode has no native dialog; Electron uses
 * the same one so both behave alike). Picks a file (mode 'file') or a folder ('dir').
 */
export function FileDialog(props: {
  title: string;
  mode: 'file' | 'dir';
  startDir?: string;
  extensions?: string[];
  confirmLabel?: string;
  onPick: (path: string) => void;
  onCancel: () => void;
}) {
  const { api, session } = useApp();
  const home = session.getState().info?.homeDir ?? '';
  const [dir, setDir] = useState(props.startDir || home);
  const [typed, setTyped] = useState(props.startDir || home);
  const [listing, setListing] = useState<{ dir: string; parent?: string; entries: FsEntry[] }>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<string>();

  const load = useCallback(
    async (target: string) => {
      try {
        const res = await api.call('fs.list', { dir: target, ...(props.mode === 'file' && props.extensions ? { extensions: props.extensions } : {}) });
        setListing(res);
        setDir(res.dir);
        setTyped(res.dir);
        setSelected(undefined);
        setError(undefined);
      } catch (err) {
        const e = toApiError(err);
        setError(`${e.message}${e.hint ? ` ${e.hint}` : ''}`);
      }
    },
    [api, props.mode, props.extensions],
  );

  useEffect(() => {
    // A start folder that does not exist (yet) falls back to its parent, then home.
    void (async () => {
      for (const candidate of [dir, parentOf(dir), home]) {
        if (!candidate) continue;
        try {
          const res = await api.call('fs.list', { dir: candidate, ...(props.mode === 'file' && props.extensions ? { extensions: props.extensions } : {}) });
          setListing(res);
          setDir(res.dir);
          setTyped(res.dir);
          return;
        } catch {
          /* try the next candidate */
        }
      }
      void load(home);
    })();
    // Only the first directory is loaded here; navigation calls load itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const entries = listing?.entries.filter((e) => props.mode === 'file' || e.kind === 'dir') ?? [];
  const canConfirm = props.mode === 'dir' ? Boolean(listing) : Boolean(selected);
  const confirm = () => {
    if (props.mode === 'dir') props.onPick(selected ?? dir);
    else if (selected) props.onPick(selected);
  };

  return (
    <Modal
      title={props.title}
      onClose={props.onCancel}
      wide
      testId="file-dialog"
      footer={
        <>
          <span className="muted file-dialog__choice">{props.mode === 'dir' ? (selected ?? dir) : (selected ?? 'Select a file')}</span>
          <button className="btn" onClick={props.onCancel}>
            Cancel
          </button>
          <button className="btn btn--primary" disabled={!canConfirm} onClick={confirm} data-testid="file-dialog-confirm">
            {props.confirmLabel ?? (props.mode === 'dir' ? 'Choose folder' : 'Choose file')}
          </button>
        </>
      }
    >
      <form
        className="file-dialog__path"
        onSubmit={(e) => {
          e.preventDefault();
          void load(typed);
        }}
      >
        <button type="button" className="btn btn--small" disabled={!listing?.parent} onClick={() => listing?.parent && void load(listing.parent)} aria-label="Parent folder">
          ↑
        </button>
        <input className="input" value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Folder path" data-testid="file-dialog-path" spellCheck={false} />
        <button type="submit" className="btn btn--small">
          Go
        </button>
      </form>
      {error && (
        <div className="inline-error" role="alert">
          {error}
        </div>
      )}
      <ul className="file-list" role="listbox" aria-label="Folder contents">
        {entries.length === 0 && listing && <li className="muted file-list__empty">{props.mode === 'file' ? 'No matching files here.' : 'No sub-folders.'}</li>}
        {entries.map((e) => (
          <li
            key={e.path}
            role="option"
            aria-selected={selected === e.path}
            className={`file-list__item${selected === e.path ? ' is-selected' : ''}`}
            onClick={() => setSelected(e.path)}
            onDoubleClick={() => (e.kind === 'dir' ? void load(e.path) : props.onPick(e.path))}
            data-testid="file-entry"
          >
            <span className="file-list__icon">{e.kind === 'dir' ? '▸' : '♪'}</span>
            <span className="file-list__name">{e.name}</span>
            {e.size !== undefined && <span className="muted file-list__size">{formatBytes(e.size)}</span>}
          </li>
        ))}
      </ul>
    </Modal>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
