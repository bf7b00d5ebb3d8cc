import { useEffect, useState } from 'react';
import { useStore } from '../state/use-store';
import { outputStatus, rangeFrameAt, type OutputSynthesisChoice } from '../state/output-preview';
import { SYNTHESIS_CHOICES } from '../state/export-dialog';
import { exportFramingStore, outputFramingView, type PercentBox } from '../state/output-framing';
import type { OutputPreviewStore } from './use-output-preview';

const boxStyle = (b: PercentBox) => ({ left: `${b.left}%`, top: `${b.top}%`, width: `${b.width}%`, height: `${b.height}%` });

/**
 * The Output view: the exported frame at the playhead (made by the export's own painter
 * on the host), framed as the export dialog's size and fit/fill will frame it, what it
 * is and what is happening, and "Play 2 s" to see the output move.
 */
export function OutputView(props: {
  store: OutputPreviewStore;
  fps: number;
  durationS: number;
  audioUrl?: string;
  cover: boolean;
  /** The timeline is playing: the output waits for the playhead to stop. */
  timelinePlaying?: boolean;
  /** The footage is at hand and a renderer is trained: how the frames are made is a choice (as in the export dialog). */
  synthesisChoice?: boolean;
  /** The footage's size and where the face is in it (pixels): a crop that fills another shape is centred there, as in the export. */
  footage?: { width: number; height: number; focus: { x: number; y: number } };
  onCancel(): void;
  onRetry(): void;
  onPlayRange(durationS: number): void;
}) {
  const { store, fps } = props;
  const s = useStore(store, (x) => x);
  const range = s.range;
  const [rangeFrame, setRangeFrame] = useState(0);

  // Playing a range: its frames by the clock of the voice-over played from the range's start.
  useEffect(() => {
    if (range.phase !== 'playing') return;
    const audio = props.audioUrl ? new Audio(props.audioUrl) : undefined;
    let raf = 0;
    let t0 = performance.now();
    let stopped = false;
    const start = () => {
      t0 = performance.now();
      const tick = () => {
        if (stopped) return;
        const elapsed = audio && !audio.paused && audio.currentTime >= range.startS ? audio.currentTime - range.startS : (performance.now() - t0) / 1000;
        const k = rangeFrameAt(range, elapsed);
        if (k < 0) {
          store.dispatch({ type: 'range-stop' });
          return;
        }
        setRangeFrame(k);
        raf = requestAnimationFrame(tick);
      };
      tick();
    };
    if (audio) {
      audio.currentTime = range.startS;
      audio.play().then(start, start);
    } else start();
    return () => {
      stopped = true;
      cancelAnimationFrame(raf);
      audio?.pause();
    };
  }, [range, props.audioUrl, store]);

  const playing = range.phase === 'playing';
  const url = playing ? range.urls[Math.min(rangeFrame, range.urls.length - 1)] : s.shown?.url;
  const busy = s.phase === 'preparing' || range.phase === 'rendering';
  const choice = useStore(exportFramingStore, (x) => x);
  const sh = s.shown;
  // The output frames are the footage's size (the host paints them before the preset's scaling).
  const src = props.footage ?? (sh ? { width: sh.width, height: sh.height, focus: { x: sh.width / 2, y: sh.height / 2 } } : undefined);
  const framed = src && src.width >= 2 && src.height >= 2 ? outputFramingView(choice, src.width, src.height, src.focus, s.wholeFrame) : undefined;
  return (
    <div className={props.cover ? 'viewport__output viewport__output--cover' : 'viewport__output'} data-testid="output-view" data-phase={s.phase} data-range={range.phase}>
      <div className="viewport__output-image">
        {url && framed ? (
          // The output's shape (the box scales to the view); the picture placed and cropped as the export places it.
          <div
            className="output-framed"
            data-testid="output-framed"
            data-framing={framed.geometry.framing}
            data-width={framed.width}
            data-height={framed.height}
            style={{ aspectRatio: `${framed.width} / ${framed.height}`, width: `min(100cqw, calc(100cqh * ${framed.width / framed.height}))` }}
          >
            <div className="output-framed__window" style={boxStyle(framed.window)}>
              <img
                src={url}
                alt="The exported frame at the playhead"
                data-testid="output-frame"
                data-frame={playing ? undefined : sh?.frame}
                data-width={sh?.width}
                data-height={sh?.height}
                data-synthesis={sh?.synthesis}
                style={boxStyle(framed.image)}
                className={playing || (s.phase === 'ready' && !props.timelinePlaying) ? '' : 'is-stale'}
              />
            </div>
            {framed.outline && <div className="output-framed__crop" data-testid="output-crop-outline" style={boxStyle(framed.outline)} />}
          </div>
        ) : (
          <div className="muted small">{s.phase === 'preparing' ? 'Preparing the output…' : 'No output frame yet.'}</div>
        )}
        {s.phase === 'preparing' && (
          <div className="viewport__output-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((s.progress?.fraction ?? 0) * 100)}>
            <div style={{ width: `${Math.round((s.progress?.fraction ?? 0) * 100)}%` }} />
          </div>
        )}
      </div>
      <div className="viewport__output-bar small">
        <span className="muted" data-testid="output-status">
          {props.timelinePlaying && !playing ? 'Playing the timeline: the output shows the frame where it stops (Play 2 s plays the output itself)' : outputStatus(s, fps)}
        </span>
        {s.timing.prepareS !== undefined && s.phase === 'ready' && !playing && (
          <span className="muted" title="Preparing the take (once per version of the curves); one frame after that">
            {`prepared in ${s.timing.prepareS.toFixed(1)} s · ${Math.round(s.timing.frameMs ?? 0)} ms a frame`}
          </span>
        )}
        {framed && (
          <span className="muted" data-testid="output-framing" data-framing={framed.geometry.framing} title="Choose the size and framing in the export dialog (Export)">
            {framed.caption}
          </span>
        )}
        <span className="viewport__output-spacer" />
        {framed?.cropped && (
          <button
            className={`btn btn--small${s.wholeFrame ? ' is-on' : ''}`}
            onClick={() => store.dispatch({ type: 'whole-frame', on: !s.wholeFrame })}
            data-testid="output-whole-frame"
            title="Show the whole footage frame with the export's crop outlined"
          >
            Whole frame
          </button>
        )}
        {props.synthesisChoice && (
          <select
            className="input input--small"
            value={s.synthesis}
            aria-label="How the output is made"
            data-testid="output-synthesis"
            onChange={(e) => store.dispatch({ type: 'synthesis', synthesis: e.target.value as OutputSynthesisChoice })}
          >
            {SYNTHESIS_CHOICES.map((c) => (
              <option key={c.value} value={c.value} title={c.help}>
                {c.label}
              </option>
            ))}
          </select>
        )}
        {busy && s.phase === 'preparing' && (
          <button className="btn btn--small" onClick={props.onCancel} data-testid="output-cancel">
            Stop
          </button>
        )}
        {(s.phase === 'cancelled' || s.phase === 'error') && (
          <button className="btn btn--small" onClick={props.onRetry} data-testid="output-retry">
            Show
          </button>
        )}
        {playing ? (
          <button className="btn btn--small" onClick={() => store.dispatch({ type: 'range-stop' })} data-testid="output-stop-range">
            Stop playing
          </button>
        ) : (
          <button
            className="btn btn--small"
            disabled={range.phase === 'rendering'}
            onClick={() => props.onPlayRange(props.durationS)}
            data-testid="output-play-range"
            title="Make the output of 2 s around the playhead and play it with the voice-over"
          >
            Play 2 s
          </button>
        )}
      </div>
    </div>
  );
}
