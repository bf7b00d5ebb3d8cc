import type { AudioHolder, EditorStore } from '../editor-context';
import { advancePlayhead, playStep } from '../state/editor';

/**
 * Plays the timeline: with the voice-over's <audio> as the clock when playing
 * forwards (so sound and picture stay in sync), with the frame clock otherwise
 * (reverse, or no audio). Loops a range when looping is on.
 */
export class PlaybackClock {
  private raf = 0;
  private last = 0;
  private rate = 0;
  private readonly off: () => void;

  constructor(private readonly editor: EditorStore, private readonly audio: AudioHolder) {
    this.off = editor.subscribe(() => this.sync());
  }

  private sync(): void {
    const s = this.editor.getState();
    if (s.rate === this.rate) return;
    this.rate = s.rate;
    const a = this.audio.element;
    if (s.rate === 0 || !s.doc) {
      cancelAnimationFrame(this.raf);
      this.raf = 0;
      a?.pause();
      if (s.doc) this.editor.dispatch({ type: 'playhead', frame: Math.round(s.playhead) });
      return;
    }
    if (a && s.rate > 0 && a.readyState >= 1) {
      a.currentTime = s.playhead / s.doc.fps;
      a.playbackRate = s.rate;
      void a.play().catch(() => undefined);
    } else a?.pause();
    this.last = performance.now();
    if (!this.raf) this.raf = requestAnimationFrame(this.tick);
  }

  private tick = (now: number) => {
    this.raf = 0;
    const s = this.editor.getState();
    if (!s.doc || s.rate === 0) return;
    const a = this.audio.element;
    const fps = s.doc.fps;
    const loop = s.loopOn ? s.loop : undefined;
    const useAudio = a && s.rate > 0 && !a.paused && a.readyState >= 2;
    let frame: number;
    let stop = false;
    if (useAudio) {
      frame = a.currentTime * fps;
      if (loop && frame > loop.end + 1) {
        a.currentTime = loop.start / fps;
        frame = loop.start;
      } else if (frame >= s.doc.frameCount - 1 || a.ended) {
        frame = s.doc.frameCount - 1;
        stop = !loop;
      }
    } else {
      const r = advancePlayhead(s.playhead, playStep(now, this.last, fps, s.rate), s.doc.frameCount, loop);
      frame = r.frame;
      stop = r.stop;
    }
    this.last = now;
    this.editor.dispatch({ type: 'playhead', frame });
    if (stop) this.editor.dispatch({ type: 'rate', rate: 0 });
    else this.raf = requestAnimationFrame(this.tick);
  };

  dispose(): void {
    cancelAnimationFrame(this.raf);
    this.off();
    this.audio.element?.pause();
  }
}
