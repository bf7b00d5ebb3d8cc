import { useState, type ReactNode } from 'react';
import { useEditor } from '../editor-context';
import { useStore } from '../state/use-store';
import { laneDisplay, toDisplay, fromDisplay, type LaneDisplay } from '../state/lane-display';
import { meanOf } from '../timeline/timeline-painter';
import { visibleLanes } from '../state/editor';
import { moveKeyframe, setKeyframeEasing, updateKeysLayer, updateBlink, updateRangeLayer, removeLayer } from '../../engine/common/curves/edits';
import type { CurveEdits, EditLayer, Easing } from '../../shared/curve-document';
import { timecode } from '../state/timeline-view';
import { addRangeEdit, deleteSelection, smoothRange } from '../timeline/actions';
import { markEdit } from '../perf';
import { useApp } from '../app-context';
import { regenerateSelectedRange } from '../timeline/regenerate-range';

/** Details of the selection (key, blink, range edit or frame range) and the edits of the active lane. */
export function Inspector() {
  const ctx = useEditor();
  const { editor } = ctx;
  const app = useApp();
  const projectDir = useStore(app.session, (s) => s.project?.dir);
  const [regenerating, setRegenerating] = useState(false);
  const doc = useStore(editor, (s) => s.doc);
  const selection = useStore(editor, (s) => s.selection);
  const active = useStore(editor, (s) => s.activeChannel);
  const advanced = useStore(editor, (s) => s.advanced);
  const labels = Object.fromEntries((doc?.semantic ?? []).map((s) => [s.name, s.label]));
  // The same display as the lane: plain name, unit, positions relative to their average.
  const displayOf = (channel: string): LaneDisplay => laneDisplay(channel, labels, doc ? meanOf(ctx.evaluator(doc).base(channel)) : 0);
  const channelLabel = (channel: string) => displayOf(channel).label;
  const commit = (label: string, edits: CurveEdits) => {
    if (edits === editor.getState().history.present.edits) return;
    markEdit();
    editor.dispatch({ type: 'commit', label, edits });
  };
  const edits = doc?.edits;

  let body: ReactNode;
  if (!doc || !edits) {
    body = <p className="muted small empty-note">Select a keyframe, blink or range on the timeline to edit it here.</p>;
  } else if (selection.kind === 'keys' && selection.items.length === 1) {
    const { layerId, keyId } = selection.items[0];
    const layer = edits.layers.find((l) => l.id === layerId);
    const key = layer?.kind === 'keys' ? layer.keys.find((k) => k.id === keyId) : undefined;
    if (layer?.kind === 'keys' && key) {
      const d = displayOf(layer.channel);
      body = (
        <div className="insp" data-testid="inspector-key">
          <h3>Key on {channelLabel(layer.channel)}</h3>
          <NumberField label="Frame" value={key.frame} digits={0} onCommit={(v) => commit('Move key', moveKeyframe(edits, layerId, keyId, { frame: v }, doc.frameCount))} hint={timecode(key.frame, doc.fps)} />
          <NumberField label={`Value${d.unit ? ` (${d.unit})` : ''}`} value={toDisplay(d, key.value)} digits={d.digits + 1} onCommit={(v) => commit('Set key value', moveKeyframe(edits, layerId, keyId, { value: fromDisplay(d, v) }))} hint={d.offset ? 'from the average' : undefined} testId="key-value" />
          <label className="field">
            <span>Easing to the next key</span>
            <select className="input" value={key.easing} onChange={(e) => commit('Set easing', setKeyframeEasing(edits, layerId, keyId, e.target.value as Easing))} data-testid="key-easing">
              <option value="bezier">Bezier (ease in/out)</option>
              <option value="linear">Linear</option>
              <option value="hold">Hold</option>
            </select>
          </label>
          <label className="field">
            <span>The keys of this lane</span>
            <select className="input" value={layer.mode} onChange={(e) => commit('Set key mode', updateKeysLayer(edits, layerId, { mode: e.target.value as 'offset' | 'absolute' }))} data-testid="key-mode">
              <option value="offset">Adjust the motion</option>
              <option value="absolute">Replace the motion</option>
            </select>
            <span className="muted small field__help" data-testid="key-mode-help">
              {layer.mode === 'offset' ? 'The generated motion keeps its detail; the keys shift it.' : 'Between the keys the curve follows them only.'}
            </span>
          </label>
          <NumberField label="Blend in/out (frames)" value={layer.falloff} digits={0} onCommit={(v) => commit('Set blend', updateKeysLayer(edits, layerId, { falloff: Math.max(0, Math.round(v)) }))} />
          <button className="btn btn--small" onClick={() => deleteSelection(ctx)}>
            Delete key
          </button>
        </div>
      );
    }
  } else if (selection.kind === 'keys') {
    body = (
      <div className="insp">
        <h3>{selection.items.length} keys</h3>
        <button className="btn btn--small" onClick={() => deleteSelection(ctx)}>
          Delete keys
        </button>
      </div>
    );
  } else if (selection.kind === 'blink') {
    const b = edits.blinks.find((x) => x.id === selection.id);
    if (b) {
      body = (
        <div className="insp" data-testid="inspector-blink">
          <h3>Blink</h3>
          <NumberField label="Start (frame)" value={b.start} digits={0} onCommit={(v) => commit('Move blink', updateBlink(edits, b.id, { start: v }, doc.frameCount))} hint={timecode(b.start, doc.fps)} />
          <NumberField label="Duration (frames)" value={b.duration} digits={0} onCommit={(v) => commit('Stretch blink', updateBlink(edits, b.id, { duration: v }, doc.frameCount))} hint={`${Math.round((b.duration / doc.fps) * 1000)} ms`} />
          <NumberField label="Strength (0-1)" value={b.strength} digits={2} onCommit={(v) => commit('Set blink strength', updateBlink(edits, b.id, { strength: v }, doc.frameCount))} />
          <button className="btn btn--small" onClick={() => deleteSelection(ctx)}>
            Delete blink
          </button>
        </div>
      );
    }
  } else if (selection.kind === 'layer') {
    const l = edits.layers.find((x) => x.id === selection.id);
    if (l && l.kind !== 'keys') {
      const d = displayOf(l.channel);
      // An offset adds to the motion (no average to subtract); an override sets the value itself.
      const shown = (v: number) => (l.kind === 'offset' ? v * d.scale : toDisplay(d, v));
      const raw = (v: number) => (l.kind === 'offset' ? v / d.scale : fromDisplay(d, v));
      body = (
        <div className="insp" data-testid="inspector-layer">
          <h3>
            {l.kind === 'smooth' ? 'Smoothing' : l.kind === 'offset' ? 'Offset' : 'Override'} on {channelLabel(l.channel)}
          </h3>
          <NumberField label="From frame" value={l.start} digits={0} onCommit={(v) => commit('Edit range', updateRangeLayer(edits, l.id, { start: Math.max(0, Math.round(v)) }))} />
          <NumberField label="To frame" value={l.end} digits={0} onCommit={(v) => commit('Edit range', updateRangeLayer(edits, l.id, { end: Math.min(doc.frameCount - 1, Math.round(v)) }))} />
          <NumberField label="Fade (frames)" value={l.fade} digits={0} onCommit={(v) => commit('Edit fade', updateRangeLayer(edits, l.id, { fade: Math.max(0, Math.round(v)) }))} />
          {l.kind === 'smooth' ? (
            <NumberField label="Radius (frames)" value={l.radius} digits={0} onCommit={(v) => commit('Edit smoothing', updateRangeLayer(edits, l.id, { radius: Math.min(250, Math.max(1, Math.round(v))) }))} />
          ) : (
            <NumberField label={`Value${d.unit ? ` (${d.unit})` : ''}`} value={shown(l.value)} digits={d.digits + 1} onCommit={(v) => commit('Edit value', updateRangeLayer(edits, l.id, { value: raw(v) }))} />
          )}
          <button className="btn btn--small" onClick={() => deleteSelection(ctx)}>
            Delete edit
          </button>
        </div>
      );
    }
  } else if (selection.kind === 'range') {
    body = (
      <div className="insp" data-testid="inspector-range">
        <h3>
          Frames {selection.start}–{selection.end}
        </h3>
        <p className="muted small">
          {timecode(selection.start, doc.fps)} – {timecode(selection.end, doc.fps)}
        </p>
        <label className="field field--inline">
          <span>Tools act on</span>
          <select className="input" value={active} onChange={(e) => editor.dispatch({ type: 'active-channel', channel: e.target.value })} data-testid="range-lane" aria-label="Lane the tools act on">
            {visibleLanes(doc, advanced).map((ch) => (
              <option key={ch} value={ch}>
                {channelLabel(ch)}
              </option>
            ))}
          </select>
        </label>
        <div className="insp__row">
          <button className="btn btn--small" onClick={() => smoothRange(ctx)}>
            Smooth
          </button>
          <button className="btn btn--small" onClick={() => addRangeEdit(ctx, 'offset')}>
            Offset
          </button>
          <button className="btn btn--small" onClick={() => addRangeEdit(ctx, 'override')}>
            Override
          </button>
          <button className="btn btn--small" onClick={() => editor.dispatch({ type: 'loop', range: selection, on: true })}>
            Loop
          </button>
        </div>
        <div className="insp__row">
          <button
            className="btn btn--small"
            data-testid="regenerate-range"
            disabled={regenerating || !projectDir || !doc.mediaId}
            title={doc.mediaId ? 'Generate these frames again from the voice-over (all lanes); edits outside the range are kept. Undoable.' : 'These curves do not record their voice-over'}
            onClick={() => {
              if (!projectDir) return;
              setRegenerating(true);
              void regenerateSelectedRange(ctx, { api: app.api, session: app.session, projectDir, report: app.report }).finally(() => setRegenerating(false));
            }}
          >
            {regenerating ? 'Re-generating…' : 'Re-generate range'}
          </button>
        </div>
      </div>
    );
  }
  if (!body && doc) body = <p className="muted small empty-note">Double-click a lane to add a key (on the blink lane: a blink); Shift+drag on the ruler selects a range. [ and ] jump between keys, Alt+K adds or removes one.</p>;

  const laneLayers = doc ? doc.edits.layers.filter((l) => l.channel === active) : [];
  return (
    <section className="panel inspector" aria-label="Inspector" data-testid="inspector">
      <header className="panel__head">
        <h2>Inspector</h2>
        {doc && <span className="muted small" data-testid="inspector-lane">{channelLabel(active)}</span>}
      </header>
      <div className="panel__body">
        {body}
        {doc && laneLayers.length > 0 && (
          <div className="insp insp--layers">
            <h3>Edits on {channelLabel(active)}</h3>
            <ul className="layer-list">
              {laneLayers.map((l) => (
                <LayerRow key={l.id} layer={l} selected={selection.kind === 'layer' && selection.id === l.id} onSelect={() => editor.dispatch({ type: 'select', selection: l.kind === 'keys' ? { kind: 'none' } : { kind: 'layer', id: l.id } })} onToggle={() => commit(l.enabled === false ? 'Enable edit' : 'Disable edit', l.kind === 'keys' ? updateKeysLayer(doc.edits, l.id, { enabled: l.enabled === false }) : updateRangeLayer(doc.edits, l.id, { enabled: l.enabled === false }))} onDelete={() => commit('Delete edit', removeLayer(doc.edits, l.id))} />
              ))}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}

function LayerRow({ layer, selected, onSelect, onToggle, onDelete }: { layer: EditLayer; selected: boolean; onSelect: () => void; onToggle: () => void; onDelete: () => void }) {
  const what = layer.kind === 'keys' ? `${layer.keys.length} key${layer.keys.length === 1 ? '' : 's'} (${layer.mode === 'offset' ? 'adjust' : 'replace'})` : `${layer.kind === 'smooth' ? 'Smoothing' : layer.kind === 'offset' ? 'Offset' : 'Override'}, frames ${layer.start}–${layer.end}`;
  return (
    <li className={`layer-row${selected ? ' is-selected' : ''}`}>
      <input type="checkbox" checked={layer.enabled !== false} onChange={onToggle} aria-label="Enabled" data-testid="layer-enabled" />
      <button className="layer-row__name" onClick={onSelect}>
        {what}
      </button>
      <button className="icon-btn" aria-label="Delete edit" onClick={onDelete}>
        ×
      </button>
    </li>
  );
}

function NumberField({ label, value, digits, onCommit, hint, testId }: { label: string; value: number; digits: number; onCommit: (v: number) => void; hint?: string; testId?: string }) {
  const shown = value.toFixed(digits);
  const [text, setText] = useState<string>();
  const done = () => {
    if (text === undefined) return;
    const v = Number(text);
    setText(undefined);
    if (Number.isFinite(v) && v.toFixed(digits) !== shown) onCommit(v);
  };
  return (
    <label className="field field--inline">
      <span>{label}</span>
      <input
        className="input input--num"
        value={text ?? shown}
        onChange={(e) => setText(e.target.value)}
        onBlur={done}
        onKeyDown={(e) => {
          if (e.key === 'Enter') done();
          if (e.key === 'Escape') setText(undefined);
        }}
        inputMode="decimal"
        data-testid={testId}
      />
      {hint && <span className="muted small">{hint}</span>}
    </label>
  );
}
