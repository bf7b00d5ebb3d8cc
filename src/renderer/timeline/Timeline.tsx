import { useEffect, useLayoutEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { useEditor } from '../editor-context';
import { useStore } from '../state/use-store';
import { visibleLanes } from '../state/editor';
import { clampView, fitView, frameToX, panBy, rulerTicks, timecode, xToFrame, zoomAt, type TimelineView } from '../state/timeline-view';
import { TimelinePainter, RULER_LABEL_H } from './timeline-painter';
import { axisTicks, dragDelta, formatLaneValue, fromDisplay, laneDisplay, stepLaneHeight, toDisplay } from '../state/lane-display';
import { setKeyframe, moveKeyframe, addBlink, moveBlink, stretchBlink, keysLayerOf } from '../../engine/common/curves/edits';
import type { KeysLayer, BlinkEvent } from '../../shared/curve-document';
import { markEdit } from '../perf';

/** Lane header: name and value, then the value axis (44 px, styles.css). */
const HEADER_W = 176;
/** Above this many blinks in view, they are drawn but not given DOM handles. */
const MAX_BLINK_HANDLES = 60;

/**
 * The curve timeline: ruler, waveform, lanes with keyframes and blinks, playhead.
 * Before curves exist it spans the voice-over (`emptyFrames` at `fps`).
 */
export function Timeline({ toolbar, emptyFrames, fps: projectFps }: { toolbar: React.ReactNode; emptyFrames: number; fps: number }) {
  const { editor, view, evaluator, peaks } = useEditor();
  const doc = useStore(editor, (s) => s.doc);
  const advanced = useStore(editor, (s) => s.advanced);
  const laneHeight = useStore(editor, (s) => s.laneHeight);
  const reveal = useStore(editor, (s) => s.revealLane);
  const loop = useStore(editor, (s) => s.loop);
  const loopOn = useStore(editor, (s) => s.loopOn);
  const selection = useStore(editor, (s) => s.selection);
  const waveform = useStore(peaks, (p) => p);
  const v = useStore(view, (x) => x);
  const renderer = useMemo(() => new TimelinePainter(), []);
  const trackRef = useRef<HTMLDivElement>(null);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const rulerRef = useRef<HTMLCanvasElement>(null);
  const waveRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const lanes = useMemo(() => visibleLanes(doc, advanced), [doc?.semantic, advanced]); // eslint-disable-line react-hooks/exhaustive-deps
  const semLabels = useMemo(() => Object.fromEntries((doc?.semantic ?? []).map((s) => [s.name, s.label])), [doc?.semantic]);
  const frameCount = doc?.frameCount ?? emptyFrames;

  useEffect(() => () => renderer.dispose(), [renderer]);
  useEffect(() => {
    (window as unknown as { __timelinePainter?: TimelinePainter }).__timelinePainter = renderer;
  }, [renderer]);

  // Track width → fit the view the first time, keep it clamped after.
  useLayoutEffect(() => {
    const el = trackRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const w = Math.max(100, el.clientWidth - HEADER_W);
      setWidth(w);
      renderer.schedule();
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [renderer]);
  const fitted = useRef<string>('');
  useEffect(() => {
    const key = `${doc ? 'doc' : 'empty'}:${frameCount}`;
    if (fitted.current !== key) {
      fitted.current = key;
      view.dispatch(fitView(frameCount, width));
    } else view.dispatch(clampView(view.getState(), frameCount, width));
  }, [doc, frameCount, width, view]);

  // A tool acted on a lane: bring it into sight and mark it for a moment.
  useEffect(() => {
    if (!reveal) return;
    const el = scrollerRef.current?.querySelector<HTMLElement>(`[data-channel="${CSS.escape(reveal.channel)}"]`);
    if (!el) return;
    el.scrollIntoView({ block: 'nearest' });
    el.classList.add('is-revealed');
    const t = setTimeout(() => el.classList.remove('is-revealed'), 900);
    return () => clearTimeout(t);
  }, [reveal]);

  useEffect(() => {
    renderer.attach({ ruler: rulerRef.current ?? undefined, wave: waveRef.current ?? undefined, scroller: scrollerRef.current ?? undefined });
    renderer.update({
      doc,
      evaluator: doc ? evaluator(doc) : undefined,
      view: v,
      fps: doc?.fps ?? projectFps,
      peaks: waveform,
      loop,
      loopOn,
      selectionRange: selection.kind === 'range' ? selection : undefined,
      semanticLabels: semLabels,
    });
  }, [renderer, doc, v, waveform, loop, loopOn, selection, evaluator, width, lanes, semLabels, projectFps, laneHeight]);

  // Zoom with Ctrl/⌘ + wheel (or plain wheel over the ruler and waveform); pan with horizontal wheel / Shift.
  useEffect(() => {
    const el = trackRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const rect = el.getBoundingClientRect();
      const x = e.clientX - rect.left - HEADER_W;
      if (x < 0) return;
      const overTop = (e.target as HTMLElement).closest('[data-zoom-on-wheel]');
      const cur = view.getState();
      // Alt + wheel: vertical zoom (lane height).
      if (e.altKey && Math.abs(e.deltaY) > 0) {
        e.preventDefault();
        editor.dispatch({ type: 'lane-height', height: stepLaneHeight(editor.getState().laneHeight, e.deltaY < 0 ? 1 : -1) });
        return;
      }
      if (e.ctrlKey || e.metaKey || (overTop && Math.abs(e.deltaY) > Math.abs(e.deltaX) && !e.shiftKey)) {
        e.preventDefault();
        view.dispatch(zoomAt(cur, x, Math.exp(-e.deltaY * 0.0025), frameCount, width));
      } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        view.dispatch(panBy(cur, e.shiftKey ? e.deltaY : e.deltaX, frameCount, width));
      }
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [view, editor, frameCount, width]);

  const scrubFrom = (e: ReactPointerEvent) => {
    const rect = trackRef.current!.getBoundingClientRect();
    return xToFrame(view.getState(), e.clientX - rect.left - HEADER_W);
  };

  const rulerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (!doc) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const startFrame = Math.round(scrubFrom(e));
    const ranged = e.shiftKey;
    const move = (ev: ReactPointerEvent | PointerEvent) => {
      const f = Math.round(scrubFrom(ev as ReactPointerEvent));
      if (ranged) editor.dispatch({ type: 'select', selection: { kind: 'range', start: Math.max(0, Math.min(startFrame, f)), end: Math.min(frameCount - 1, Math.max(startFrame, f)) } });
      else editor.dispatch({ type: 'playhead', frame: f });
    };
    move(e);
    const el = e.currentTarget;
    const onMove = (ev: PointerEvent) => move(ev);
    const onUp = () => {
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerup', onUp);
    };
    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerup', onUp);
  };

  const panDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (!doc) return;
    if (e.shiftKey) return rulerDown(e);
    e.currentTarget.setPointerCapture(e.pointerId);
    const x0 = e.clientX;
    const v0 = view.getState();
    const el = e.currentTarget;
    let moved = false;
    const onMove = (ev: PointerEvent) => {
      if (Math.abs(ev.clientX - x0) > 2) moved = true;
      view.dispatch(panBy(v0, x0 - ev.clientX, frameCount, width));
    };
    const onUp = (ev: PointerEvent) => {
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerup', onUp);
      if (!moved) {
        const rect = trackRef.current!.getBoundingClientRect();
        editor.dispatch({ type: 'playhead', frame: Math.round(xToFrame(view.getState(), ev.clientX - rect.left - HEADER_W)) });
      }
    };
    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerup', onUp);
  };

  return (
    <div
      className="timeline"
      data-testid="timeline"
      data-frame-count={doc?.frameCount ?? 0}
      data-view-start={v.start}
      data-frames-per-px={v.framesPerPx}
      data-visible-seconds={((width * v.framesPerPx) / (doc?.fps ?? projectFps)).toFixed(2)}
      data-lane-height={laneHeight}
    >
      {toolbar}
      <div className="tl-body" ref={trackRef} style={{ ['--tl-head' as string]: `${HEADER_W}px`, ['--tl-ruler-labels' as string]: `${RULER_LABEL_H}px` }}>
        <div className="tl-row tl-ruler" data-zoom-on-wheel>
          <div className="tl-head tl-head--ruler">
            <Timecode fps={projectFps} />
          </div>
          <div className="tl-track" onPointerDown={rulerDown} data-testid="ruler" data-tick-frames={rulerTicks(v, width, doc?.fps ?? projectFps).major} title="Click or drag to move the playhead; Shift+drag selects a range">
            <canvas ref={rulerRef} />
          </div>
        </div>
        <div className="tl-row tl-wave" data-zoom-on-wheel>
          <div className="tl-head">
            <span className="tl-head__name">Voice-over</span>
            <span className="tl-head__value muted">{waveform ? '' : 'no waveform'}</span>
          </div>
          <div className="tl-track" data-testid="waveform" onPointerDown={panDown} title="Drag to pan; wheel to zoom">
            <canvas ref={waveRef} />
          </div>
        </div>
        {doc ? (
          <div className="tl-lanes" ref={scrollerRef} onScroll={() => renderer.schedule()}>
            {lanes.map((ch) => (
              <Lane key={ch} channel={ch} height={ch.startsWith('expr:') ? Math.max(28, Math.round(laneHeight * 0.7)) : laneHeight} renderer={renderer} width={width} view={v} onPanDown={panDown} />
            ))}
          </div>
        ) : (
          <div className="tl-lanes tl-lanes--empty">
            {['yaw', 'pitch', 'roll', 'x', 'y', 'z', 'blink', 'sem:jaw'].map((ch) => (
              <div key={ch} className="tl-row tl-lane" style={{ height: 30 }} data-testid={`lane-${ch.replace('sem:', '')}`}>
                <div className="tl-head">
                  <span className="tl-head__name">{laneDisplay(ch, { jaw: 'Jaw open' }).label}</span>
                </div>
                <div className="tl-track" />
              </div>
            ))}
            <div className="timeline__empty-note">
              <div className="empty-state__title">Empty timeline</div>
              <div className="muted small">Generate the motion from a voice-over (Generate motion, above) to see the head, blink and face lanes here.</div>
            </div>
          </div>
        )}
        {doc && <Playhead width={width} />}
      </div>
    </div>
  );
}

function Timecode({ fps: projectFps }: { fps: number }) {
  const { editor } = useEditor();
  const playhead = useStore(editor, (s) => s.playhead);
  const fps = useStore(editor, (s) => s.doc?.fps ?? projectFps);
  return (
    <span className="tl-timecode" data-testid="timecode" data-frame={Math.round(playhead)}>
      {timecode(playhead, fps)}
    </span>
  );
}

function Playhead({ width }: { width: number }) {
  const { editor, view } = useEditor();
  const frame = useStore(editor, (s) => s.playhead);
  const v = useStore(view, (x) => x);
  const x = frameToX(v, frame);
  if (x < -1 || x > width + 1) return null;
  return <div className="tl-playhead" data-testid="playhead" data-frame={Math.round(frame)} style={{ transform: `translateX(${HEADER_W + x}px)` }} />;
}

function Lane({ channel, height, renderer, width, view, onPanDown }: { channel: string; height: number; renderer: TimelinePainter; width: number; view: TimelineView; onPanDown: (e: ReactPointerEvent<HTMLDivElement>) => void }) {
  const { editor, evaluator } = useEditor();
  const doc = useStore(editor, (s) => s.doc)!;
  const active = useStore(editor, (s) => s.activeChannel === channel);
  const playhead = useStore(editor, (s) => Math.round(s.playhead));
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    renderer.registerLane(channel, canvasRef.current);
    return () => renderer.registerLane(channel, null);
  }, [renderer, channel]);
  const ev = evaluator(doc);
  const value = ev.channel(channel)[Math.min(doc.frameCount - 1, playhead)];
  const display = renderer.display(channel);
  const range = renderer.laneRange(channel);
  const ticks = axisTicks(range.lo, range.hi, height);
  const keysLayer = keysLayerOf(doc.edits, channel);
  const laneTestId = `lane-${channel.replace(/^sem:/, '')}`;
  const label = display.label;

  /** The raw value under a pointer's y on this lane. */
  const valueAt = (clientY: number, el: HTMLElement) => {
    const rect = el.getBoundingClientRect();
    const r = renderer.laneRange(channel);
    const u = (clientY - rect.top - 3) / Math.max(1, rect.height - 6);
    return fromDisplay(display, r.hi - u * (r.hi - r.lo));
  };

  const onDoubleClick = (e: React.MouseEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).closest('[data-testid="keyframe"],[data-testid="blink-event"]')) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const frame = Math.round(xToFrame(view, e.clientX - rect.left));
    if (frame < 0 || frame >= doc.frameCount) return;
    const s = editor.getState();
    if (channel === 'blink') {
      const r = addBlink(s.history.present.edits, { start: Math.max(0, frame - 2) }, doc.frameCount);
      markEdit();
      editor.dispatch({ type: 'commit', label: 'Add blink', edits: r.edits, select: { kind: 'blink', id: r.blinkId } });
      return;
    }
    const r = setKeyframe(s.history.present.edits, channel, frame, valueAt(e.clientY, e.currentTarget), { falloff: Math.round(doc.fps * 0.4) });
    markEdit();
    editor.dispatch({ type: 'commit', label: `Add key on ${label}`, edits: r.edits, select: { kind: 'keys', items: [{ layerId: r.layerId, keyId: r.keyId }] } });
  };

  const yOfShown = (v: number) => 3 + (1 - (v - range.lo) / (range.hi - range.lo)) * (height - 6);
  return (
    <div className={`tl-row tl-lane${active ? ' is-active' : ''}`} style={{ height }} data-testid={laneTestId} data-channel={channel}>
      <div className="tl-head tl-head--lane" onClick={() => editor.dispatch({ type: 'active-channel', channel })} title={`${display.meaning}. Click to make it the lane the tools and Alt+K act on.`}>
        <div className="tl-head__text">
          <span className="tl-head__name">{label}</span>
          <span className="tl-head__value" data-testid="lane-value">
            {formatLaneValue(display, value)}
          </span>
        </div>
        <div className="tl-axis" data-testid="lane-axis" aria-hidden>
          {ticks.map((t) => (
            <span key={t} className="tl-axis__tick" style={{ top: yOfShown(t) }} data-value={t}>
              {formatTick(t, display.unit)}
            </span>
          ))}
          {display.up && height >= 64 && <span className="tl-axis__word tl-axis__word--up">{display.up}</span>}
          {display.down && height >= 64 && <span className="tl-axis__word tl-axis__word--down">{display.down}</span>}
        </div>
      </div>
      <div
        className="tl-track"
        onPointerDown={(e) => {
          if ((e.target as HTMLElement).closest('[data-testid="keyframe"],[data-testid="blink-event"]')) return;
          editor.dispatch({ type: 'active-channel', channel });
          if (e.detail < 2) editor.dispatch({ type: 'select', selection: { kind: 'none' } });
          onPanDown(e);
        }}
        onDoubleClick={onDoubleClick}
      >
        <canvas ref={canvasRef} />
        {channel === 'blink' ? <BlinkEvents view={view} width={width} /> : keysLayer && <Keys layer={keysLayer} view={view} width={width} renderer={renderer} height={height} label={label} />}
      </div>
    </div>
  );
}

/** An axis label: "10°", "-5", "50%". */
function formatTick(v: number, unit: string): string {
  const text = Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : String(Number(v.toPrecision(2)));
  return unit === '°' || unit === '%' ? `${text}${unit}` : text;
}

function Keys({ layer, view, width, renderer, height, label }: { layer: KeysLayer; view: TimelineView; width: number; renderer: TimelinePainter; height: number; label: string }) {
  const { editor, evaluator } = useEditor();
  const doc = useStore(editor, (s) => s.doc)!;
  const selection = useStore(editor, (s) => s.selection);
  const values = evaluator(doc).channel(layer.channel);
  const f0 = view.start - 2 * view.framesPerPx * 6;
  const f1 = xToFrame(view, width) + 12 * view.framesPerPx;
  const selected = new Set(selection.kind === 'keys' ? selection.items.map((i) => i.keyId) : []);
  const display = renderer.display(layer.channel);
  return (
    <>
      {layer.keys
        .filter((k) => k.frame >= f0 && k.frame <= f1)
        .map((k) => {
          const x = frameToX(view, k.frame);
          // A key whose value lies beyond the lane's range sits on its edge, never outside the lane.
          const y = Math.min(height - 3, Math.max(3, renderer.yOf(layer.channel, values[Math.min(values.length - 1, k.frame)], height)));
          return (
            <div
              key={k.id}
              className={`tl-key tl-key--${k.easing}${selected.has(k.id) ? ' is-selected' : ''}${layer.enabled === false ? ' is-disabled' : ''}`}
              style={{ transform: `translate(${x}px, ${y}px) rotate(45deg)` }}
              data-testid="keyframe"
              data-channel={layer.channel}
              data-frame={k.frame}
              data-key-id={k.id}
              data-value={k.value}
              title={`${label} key at ${timecode(k.frame, doc.fps)} (${k.easing}): drag to move (Shift: time only, Alt: value only, Ctrl: fine), Delete to remove`}
              onPointerDown={(e) => {
                e.stopPropagation();
                const item = { layerId: layer.id, keyId: k.id };
                const cur = editor.getState().selection;
                if (e.shiftKey && cur.kind === 'keys') editor.dispatch({ type: 'select', selection: { kind: 'keys', items: [...cur.items.filter((i) => i.keyId !== k.id), item] } });
                else editor.dispatch({ type: 'select', selection: { kind: 'keys', items: [item] } });
                editor.dispatch({ type: 'active-channel', channel: layer.channel });
                const startX = e.clientX;
                const startY = e.clientY;
                const startFrame = k.frame;
                const startShown = toDisplay(display, k.value);
                const gesture = `key-drag-${k.id}-${performance.now()}`;
                let moved = false;
                const onMove = (ev: PointerEvent) => {
                  if (!moved && Math.abs(ev.clientX - startX) < 3 && Math.abs(ev.clientY - startY) < 3) return;
                  moved = true;
                  const frame = Math.round(startFrame + (ev.clientX - startX) * view.framesPerPx);
                  // Relative to where the drag started (no jump to the pointer), scaled to the lane's range;
                  // Alt locks the value, Shift locks the time, Ctrl/⌘ moves ten times finer.
                  const r = renderer.laneRange(layer.channel);
                  const to: { frame?: number; value?: number } = {};
                  if (!ev.shiftKey) to.frame = frame;
                  if (!ev.altKey) to.value = fromDisplay(display, startShown + dragDelta(ev.clientY - startY, height, r.hi - r.lo, ev.ctrlKey || ev.metaKey));
                  const s = editor.getState();
                  const next = moveKeyframe(s.history.present.edits, layer.id, k.id, to, doc.frameCount);
                  if (next !== s.history.present.edits) {
                    markEdit();
                    editor.dispatch({ type: 'commit', label: `Move key on ${label}`, edits: next, coalesce: gesture });
                  }
                };
                // Listen on the window: the drag continues wherever the pointer goes.
                const onUp = () => {
                  window.removeEventListener('pointermove', onMove);
                  window.removeEventListener('pointerup', onUp);
                  window.removeEventListener('pointercancel', onUp);
                  editor.dispatch({ type: 'gesture-end' });
                  if (!moved) editor.dispatch({ type: 'playhead', frame: k.frame });
                };
                window.addEventListener('pointermove', onMove);
                window.addEventListener('pointerup', onUp);
                window.addEventListener('pointercancel', onUp);
              }}
            />
          );
        })}
    </>
  );
}

function BlinkEvents({ view, width }: { view: TimelineView; width: number }) {
  const { editor } = useEditor();
  const doc = useStore(editor, (s) => s.doc)!;
  const selection = useStore(editor, (s) => s.selection);
  const f1 = xToFrame(view, width);
  const visible = doc.edits.blinks.filter((b) => b.start + b.duration >= view.start && b.start <= f1);
  // Zoomed far out, blinks are a few pixels wide: the lane's curve shows them, and
  // hundreds of handles would only cost frame time. Zoom in to edit them.
  if (visible.length > MAX_BLINK_HANDLES) return null;
  return (
    <>
      {visible.map((b) => {
        const x0 = frameToX(view, b.start);
        const w = Math.max(4, b.duration / view.framesPerPx);
        return (
          <div
            key={b.id}
            className={`tl-blink${selection.kind === 'blink' && selection.id === b.id ? ' is-selected' : ''}`}
            style={{ transform: `translateX(${x0}px)`, width: w, opacity: 0.45 + 0.55 * b.strength }}
            data-testid="blink-event"
            data-start={b.start}
            data-duration={b.duration}
            data-blink-id={b.id}
            title={`Blink at ${timecode(b.start, doc.fps)}, ${b.duration} frames; drag to move, drag an edge to stretch, Delete to remove`}
            onPointerDown={(e) => blinkDrag(e, b, 'move')}
          >
            <span className="tl-blink__edge tl-blink__edge--l" onPointerDown={(e) => blinkDrag(e, b, 'start')} />
            <span className="tl-blink__edge tl-blink__edge--r" onPointerDown={(e) => blinkDrag(e, b, 'end')} />
          </div>
        );
      })}
    </>
  );

  function blinkDrag(e: ReactPointerEvent<HTMLElement>, b: BlinkEvent, mode: 'move' | 'start' | 'end') {
    e.stopPropagation();
    editor.dispatch({ type: 'select', selection: { kind: 'blink', id: b.id } });
    editor.dispatch({ type: 'active-channel', channel: 'blink' });
    const x0 = e.clientX;
    const gesture = `blink-${mode}-${b.id}-${performance.now()}`;
    const onMove = (ev: PointerEvent) => {
      const df = Math.round((ev.clientX - x0) * view.framesPerPx);
      const s = editor.getState();
      let next = s.history.present.edits;
      if (mode === 'move') next = moveBlink(next, b.id, b.start + df, doc.frameCount);
      else if (mode === 'end') next = stretchBlink(next, b.id, b.duration + df, 'start', doc.frameCount);
      else next = stretchBlink(next, b.id, b.duration - df, 'end', doc.frameCount);
      if (next !== s.history.present.edits) {
        markEdit();
        editor.dispatch({ type: 'commit', label: mode === 'move' ? 'Move blink' : 'Stretch blink', edits: next, coalesce: gesture });
      }
    };
    const onUp = () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      window.removeEventListener('pointercancel', onUp);
      editor.dispatch({ type: 'gesture-end' });
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
    window.addEventListener('pointercancel', onUp);
  }
}
