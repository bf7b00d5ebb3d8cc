import { useCallback, useEffect, useRef, useState } from 'react';
import type { FsEntry } from '../../shared/contract';
import { useApp } from '../app-context';
import { toApiError } from '../api/decode';
import { Modal } from './Modal';
import { KindIcon } from './Icons';
import { joinPath, parentOf } from '../state/paths';
import { fileKind } from '../state/file-kinds';
import { saveName } from '../state/save-name';

/**
 * A file browser over `fs.list` (browser mode has no native dialog). Picks a file
 * (mode 'file'), a folder ('dir'), or where to save a new file ('save': a folder and a
 * name; an existing name is replaced only after the user says so).
 */
export function FileDialog(props: {
  title: string;
  mode: 'file' | 'dir' | 'save';
  startDir?: string;
  extensions?: string[];
  /** save: the proposed file name. */
  defaultName?: string;
  /** save: the name the file will really get (a preview export, neither from the footage nor by a trained renderer, adds ".preview"). */
  finalName?: (name: string) => string;
  confirmLabel?: string;
  onPick: (path: string, opts: { overwrite: boolean }) => void;
  onCancel: () => void;
}) {
  const { api, session } = useApp();
  const home = session.getState().info?.homeDir ?? '';
  const [dir, setDir] = useState(props.startDir || home);
  const [typed, setTyped] = useState(props.startDir || home);
  const [listing, setListing] = useState<{ dir: string; parent?: string; entries: FsEntry[] }>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<string>();
  const [name, setName] = useState(props.defaultName ?? '');
  // Only the latest listing asked for is shown: a slow first load must not undo a quick Go.
  const seq = useRef(0);
  // A path the user is typing is never replaced by the first listing arriving late.
  const typedByUser = useRef(false);
  const filter = props.mode !== 'dir' && props.extensions ? { extensions: props.extensions } : {};

  const load = useCallback(
    async (target: string) => {
      const mine = ++seq.current;
      try {
        const res = await api.call('fs.list', { dir: target, ...filter });
        if (mine !== seq.current) return;
        setListing(res);
        setDir(res.dir);
        setTyped(res.dir);
        setSelected(undefined);
        setError(undefined);
      } catch (err) {
        if (mine !== seq.current) return;
        const e = toApiError(err);
        setError(`${e.message}${e.hint ? ` ${e.hint}` : ''}`);
      }
    },
    [api, props.mode, props.extensions], // eslint-disable-line react-hooks/exhaustive-deps
  );

  useEffect(() => {
    // A start folder that does not exist (yet) falls back to its parent, then home.
    const mine = ++seq.current;
    void (async () => {
      for (const candidate of [dir, parentOf(dir), home]) {
        if (!candidate) continue;
        try {
          const res = await api.call('fs.list', { dir: candidate, ...filter });
          if (mine !== seq.current) return;
          setListing(res);
          setDir(res.dir);
          if (!typedByUser.current) setTyped(res.dir);
          return;
        } catch {
          /* try the next candidate */
        }
      }
      if (mine === seq.current) void load(home);
    })();
    // Only the first directory is loaded here; navigation calls load itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const entries = listing?.entries.filter((e) => props.mode !== 'dir' || e.kind === 'dir') ?? [];
  const save = props.mode === 'save' ? saveName(name, props.extensions?.[0] ?? '.mp4') : undefined;
  const final = save?.name ? (props.finalName ?? ((n: string) => n))(save.name) : undefined;
  const existing = final ? entries.find((e) => e.kind === 'file' && e.name === final) : undefined;
  const canConfirm = props.mode === 'dir' ? Boolean(listing) : props.mode === 'save' ? Boolean(listing && save?.name && !save.problem) : Boolean(selected);
  const confirm = () => {
    if (props.mode === 'dir') props.onPick(selected ?? dir, { overwrite: false });
    else if (props.mode === 'save') {
      if (listing && save?.name && !save.problem) props.onPick(joinPath(listing.dir, save.name), { overwrite: Boolean(existing) });
    } else if (selected) props.onPick(selected, { overwrite: false });
  };
  const choice = props.mode === 'dir' ? (selected ?? dir) : props.mode === 'save' ? (final ? joinPath(dir, final) : 'Type a file name') : (selected ?? 'Select a file');

  return (
    <Modal
      title={props.title}
      onClose={props.onCancel}
      wide
      testId="file-dialog"
      footer={
        <>
          <span className="muted file-dialog__choice" title={choice}>
            {choice}
          </span>
          <button className="btn" onClick={props.onCancel} data-testid="file-dialog-cancel">
            Cancel
          </button>
          <button className="btn btn--primary" disabled={!canConfirm} onClick={confirm} data-testid="file-dialog-confirm">
            {existing ? 'Replace' : (props.confirmLabel ?? (props.mode === 'dir' ? 'Choose folder' : props.mode === 'save' ? 'Save' : 'Choose file'))}
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
        <button type="button" className="btn btn--small" disabled={!listing?.parent} onClick={() => listing?.parent && void load(listing.parent)} aria-label="Parent folder" title="Up one folder">
          ↑
        </button>
        <input className="input" value={typed} onChange={(e) => {
            typedByUser.current = true;
            setTyped(e.target.value);
          }} aria-label="Folder path" data-testid="file-dialog-path" spellCheck={false} />
        <button type="submit" className="btn btn--small" data-testid="file-dialog-go">
          Go
        </button>
      </form>
      {error && (
        <div className="inline-error" role="alert">
          {error}
        </div>
      )}
      <ul className="file-list" role="listbox" aria-label="Folder contents">
        {entries.length === 0 && listing && <li className="muted file-list__empty">{props.mode === 'file' ? 'No matching files here.' : props.mode === 'save' ? 'Nothing here yet.' : 'No sub-folders.'}</li>}
        {entries.map((e) => {
          const kind = fileKind(e.name, e.kind === 'dir');
          return (
            <li
              key={e.path}
              role="option"
              aria-selected={selected === e.path}
              className={`file-list__item${selected === e.path ? ' is-selected' : ''}`}
              onClick={() => {
                setSelected(e.path);
                if (props.mode === 'save' && e.kind === 'file') setName(e.name);
              }}
              onDoubleClick={() => (e.kind === 'dir' ? void load(e.path) : props.mode === 'file' ? props.onPick(e.path, { overwrite: false }) : undefined)}
              data-testid="file-entry"
              data-file-kind={kind}
            >
              <KindIcon kind={kind} className={`file-list__icon file-list__icon--${kind}`} />
              <span className="file-list__name">{e.name}</span>
              {e.size !== undefined && <span className="muted file-list__size">{formatBytes(e.size)}</span>}
            </li>
          );
        })}
      </ul>
      {props.mode === 'save' && (
        <label className="field file-dialog__name">
          <span>File name</span>
          <input
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && canConfirm && confirm()}
            data-testid="file-dialog-name"
            spellCheck={false}
          />
          {save?.problem && <span className="inline-error small">{save.problem}</span>}
          {existing && (
            <span className="warn-note small" data-testid="file-dialog-exists">
              “{existing.name}” is already in this folder. Saving replaces it.
            </span>
          )}
        </label>
      )}
    </Modal>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
