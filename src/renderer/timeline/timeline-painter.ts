import { MinMaxPyramid } from '../../engine/common/curves/decimate';
import type { CurveDocument } from '../../engine/common/curves/document';
import type { CurveEvaluator } from '../../engine/common/curves/evaluate';
import { frameToX, rulerLabel, rulerTicks, xToFrame, type TimelineView } from '../state/timeline-view';
import { axisTicks, displayRange, laneDisplay, toDisplay, type LaneDisplay } from '../state/lane-display';
import { pickLevel, type Peaks } from './peaks';

/**
 * The timeline painter: draws the timeline's canvases (ruler, waveform, one per lane)
 * for the visible frames only: each pixel column takes the min/max of its frames from
 * a cached pyramid, so drawing costs O(width), not O(frames). One requestAnimationFrame
 * draws everything that changed. Lanes draw display values (lane-display.ts): plain
 * units, positions relative to their average, up meaning up.
 */
export interface LaneRange {
  lo: number;
  hi: number;
}

const COLORS = {
  grid: '#232830',
  gridMajor: '#2c323c',
  text: '#8a93a2',
  base: 'rgba(150,160,175,0.35)',
  curve: '#5aa9e6',
  curveBlink: '#b48ef0',
  curveSem: '#6cc7a8',
  range: 'rgba(90,169,230,0.10)',
  rangeEdge: 'rgba(90,169,230,0.45)',
  wave: '#4d6a86',
  waveHi: '#6f93b6',
  loop: 'rgba(224,176,80,0.12)',
  zero: 'rgba(255,255,255,0.13)',
  track: '#15181d',
};

const pyramids = new WeakMap<Float32Array, MinMaxPyramid>();
const means = new WeakMap<Float32Array, number>();
/** Average of a channel's generated values (positions are shown relative to it). */
export function meanOf(values: Float32Array): number {
  let m = means.get(values);
  if (m === undefined) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i];
    m = values.length ? sum / values.length : 0;
    means.set(values, m);
  }
  return m;
}
export function pyramidOf(values: Float32Array): MinMaxPyramid {
  let p = pyramids.get(values);
  if (!p) pyramids.set(values, (p = new MinMaxPyramid(values)));
  return p;
}

function sizeCanvas(c: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } | null {
  const w = c.clientWidth;
  const h = c.clientHeight;
  if (!w || !h) return null;
  const dpr = window.devicePixelRatio || 1;
  const W = Math.round(w * dpr);
  const H = Math.round(h * dpr);
  if (c.width !== W || c.height !== H) {
    c.width = W;
    c.height = H;
  }
  const ctx = c.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

export interface DrawInput {
  doc?: CurveDocument;
  evaluator?: CurveEvaluator;
  view: TimelineView;
  fps: number;
  peaks?: Peaks;
  loop?: { start: number; end: number };
  loopOn: boolean;
  selectionRange?: { start: number; end: number };
  /** Names of the semantic controls (sem:jaw → "Jaw open"). */
  semanticLabels?: Record<string, string>;
}

/** Height of the ruler's label strip; ticks and the playhead's handle sit below it. */
export const RULER_LABEL_H = 14;

export class TimelinePainter {
  /** One canvas per lane, by channel. */
  private readonly lanes = new Map<string, HTMLCanvasElement>();
  ruler?: HTMLCanvasElement;
  wave?: HTMLCanvasElement;
  /** The scrolling element that holds the lanes (to skip lanes out of sight). */
  scroller?: HTMLElement;
  private input?: DrawInput;
  private raf = 0;
  private readonly ranges = new Map<string, { key: unknown[]; range: LaneRange }>();
  private readonly displays = new Map<string, { key: unknown[]; display: LaneDisplay }>();
  /** Duration of each draw (ms), for the benchmark. */
  readonly drawTimes: number[] = [];
  private colMin = new Float32Array(0);
  private colMax = new Float32Array(0);

  /** The fixed canvases and the lanes' scroller. */
  attach(parts: { ruler?: HTMLCanvasElement; wave?: HTMLCanvasElement; scroller?: HTMLElement }): void {
    this.ruler = parts.ruler;
    this.wave = parts.wave;
    this.scroller = parts.scroller;
  }

  registerLane(channel: string, canvas: HTMLCanvasElement | null): void {
    if (canvas) this.lanes.set(channel, canvas);
    else this.lanes.delete(channel);
    this.schedule();
  }

  update(input: DrawInput): void {
    this.input = input;
    this.schedule();
  }

  schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.drawNow();
    });
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  /** How a lane shows its values (plain name, unit, offset from the generated average). */
  display(channel: string): LaneDisplay {
    const inp = this.input;
    const base = inp?.doc && inp.evaluator ? inp.evaluator.base(channel) : undefined;
    const labels = inp?.semanticLabels;
    const hit = this.displays.get(channel);
    if (hit && hit.key[0] === base && hit.key[1] === labels) return hit.display;
    const display = laneDisplay(channel, labels, base ? meanOf(base) : 0);
    this.displays.set(channel, { key: [base, labels], display });
    return display;
  }

  /** Vertical range of a lane in display units: the curve and its generated base, padded; stable while nothing changes. */
  laneRange(channel: string): LaneRange {
    const inp = this.input;
    const d = this.display(channel);
    if (!inp?.doc || !inp.evaluator) return displayRange(0, 0, d.minSpan, channel === 'blink');
    const values = inp.evaluator.channel(channel);
    const base = inp.evaluator.base(channel);
    const hit = this.ranges.get(channel);
    if (hit && hit.key[0] === values && hit.key[1] === base && hit.key[2] === d) return hit.range;
    const a = pyramidOf(values);
    const b = pyramidOf(base);
    const ends = [toDisplay(d, Math.min(a.min, b.min)), toDisplay(d, Math.max(a.max, b.max))];
    const range = displayRange(Math.min(...ends), Math.max(...ends), d.minSpan, channel === 'blink');
    this.ranges.set(channel, { key: [values, base, d], range });
    return range;
  }

  /** The y (CSS px from the lane's top) of a raw value on a lane of height h. */
  yOf(channel: string, raw: number, h: number): number {
    const r = this.laneRange(channel);
    const v = toDisplay(this.display(channel), raw);
    return 3 + (1 - (v - r.lo) / (r.hi - r.lo)) * (h - 6);
  }

  drawNow(): void {
    const inp = this.input;
    if (!inp) return;
    const t0 = performance.now();
    if (this.ruler) this.drawRuler(this.ruler, inp);
    if (this.wave) this.drawWave(this.wave, inp);
    // Lanes scrolled out of sight are skipped.
    const top = this.scroller?.scrollTop ?? 0;
    const bottom = top + (this.scroller?.clientHeight ?? Infinity);
    for (const [channel, canvas] of this.lanes) {
      const row = canvas.parentElement?.parentElement;
      if (row && this.scroller && (row.offsetTop + row.offsetHeight < top || row.offsetTop > bottom)) continue;
      const s = sizeCanvas(canvas);
      if (!s) continue;
      s.ctx.fillStyle = COLORS.track;
      s.ctx.fillRect(0, 0, s.w, s.h);
      this.drawLane(s.ctx, s.w, s.h, channel, inp);
    }
    this.drawTimes.push(performance.now() - t0);
    if (this.drawTimes.length > 2000) this.drawTimes.splice(0, 1000);
  }

  private drawRuler(c: HTMLCanvasElement, inp: DrawInput): void {
    const s = sizeCanvas(c);
    if (!s) return;
    const { ctx, w, h } = s;
    ctx.clearRect(0, 0, w, h);
    const fps = inp.doc?.fps ?? inp.fps;
    this.drawLoop(ctx, inp, h);
    const { ticks, minor, major } = rulerTicks(inp.view, w, fps);
    ctx.strokeStyle = COLORS.gridMajor;
    ctx.fillStyle = COLORS.text;
    ctx.font = '10px ui-monospace, SFMono-Regular, Menlo, monospace';
    ctx.textBaseline = 'top';
    ctx.beginPath();
    const first = Math.floor(inp.view.start / minor) * minor;
    const last = xToFrame(inp.view, w);
    // Labels in the top strip, ticks below it: the playhead's handle never covers a label.
    for (let f = Math.max(0, first); f <= last; f += minor) {
      const x = Math.round(frameToX(inp.view, f)) + 0.5;
      ctx.moveTo(x, h - 4);
      ctx.lineTo(x, h);
    }
    for (const f of ticks) {
      const x = Math.round(frameToX(inp.view, f)) + 0.5;
      ctx.moveTo(x, RULER_LABEL_H);
      ctx.lineTo(x, h);
    }
    ctx.stroke();
    for (const f of ticks) ctx.fillText(rulerLabel(f, fps, major), Math.round(frameToX(inp.view, f)) + 3, 2);
  }

  private drawLoop(ctx: CanvasRenderingContext2D, inp: DrawInput, h: number): void {
    const sel = inp.selectionRange;
    if (sel) {
      const x0 = frameToX(inp.view, sel.start);
      const x1 = frameToX(inp.view, sel.end + 1);
      ctx.fillStyle = COLORS.range;
      ctx.fillRect(x0, 0, Math.max(1, x1 - x0), h);
    }
    if (inp.loop && inp.loopOn) {
      const x0 = frameToX(inp.view, inp.loop.start);
      const x1 = frameToX(inp.view, inp.loop.end + 1);
      ctx.fillStyle = COLORS.loop;
      ctx.fillRect(x0, 0, Math.max(1, x1 - x0), h);
    }
  }

  private drawWave(c: HTMLCanvasElement, inp: DrawInput): void {
    const s = sizeCanvas(c);
    if (!s) return;
    const { ctx, w, h } = s;
    ctx.clearRect(0, 0, w, h);
    this.drawLoop(ctx, inp, h);
    const p = inp.peaks;
    if (!p) return;
    const fps = inp.doc?.fps ?? inp.fps;
    const samplesPerFrame = p.sampleRate / fps;
    const samplesPerPx = inp.view.framesPerPx * samplesPerFrame;
    const level = pickLevel(p, samplesPerPx);
    if (!level) return;
    const mid = h / 2;
    const scale = (h / 2 - 2) / 32767;
    ctx.fillStyle = COLORS.wave;
    for (let x = 0; x < w; x++) {
      const s0 = (inp.view.start + x * inp.view.framesPerPx) * samplesPerFrame;
      const s1 = s0 + samplesPerPx;
      let b0 = Math.floor(s0 / level.samplesPerBucket);
      const b1 = Math.min(level.count - 1, Math.max(b0, Math.ceil(s1 / level.samplesPerBucket) - 1));
      if (b0 < 0) b0 = 0;
      if (b0 >= level.count || b1 < 0) continue;
      let lo = 0;
      let hi = 0;
      for (let b = b0; b <= b1; b++) {
        const mn = level.data[2 * b];
        const mx = level.data[2 * b + 1];
        if (mn < lo) lo = mn;
        if (mx > hi) hi = mx;
      }
      const y0 = mid - hi * scale;
      const y1 = mid - lo * scale;
      ctx.fillRect(x, y0, 1, Math.max(1, y1 - y0));
    }
  }

  private drawLane(ctx: CanvasRenderingContext2D, w: number, h: number, channel: string, inp: DrawInput): void {
    const { doc, evaluator, view } = inp;
    if (!doc || !evaluator) return;
    this.drawLoop(ctx, inp, h);
    const fps = doc.fps;
    // Second grid lines.
    const { ticks } = rulerTicks(view, w, fps);
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath();
    for (const f of ticks) {
      const x = Math.round(frameToX(view, f)) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, h);
    }
    ctx.stroke();
    const range = this.laneRange(channel);
    const d = this.display(channel);
    const yOfShown = (v: number) => 3 + (1 - (v - range.lo) / (range.hi - range.lo)) * (h - 6);
    const yOf = (raw: number) => yOfShown(toDisplay(d, raw));
    // Value grid at the axis ticks (labelled beside the lane), stronger at zero.
    for (const t of axisTicks(range.lo, range.hi, h)) {
      ctx.fillStyle = t === 0 ? COLORS.zero : COLORS.grid;
      ctx.fillRect(0, Math.round(yOfShown(t)), w, 1);
    }
    // Range edits of this lane.
    for (const l of doc.edits.layers) {
      if (l.channel !== channel || l.kind === 'keys') continue;
      const x0 = frameToX(view, l.start);
      const x1 = frameToX(view, l.end + 1);
      if (x1 < 0 || x0 > w) continue;
      ctx.fillStyle = l.enabled === false ? 'rgba(255,255,255,0.03)' : COLORS.range;
      ctx.fillRect(x0, 0, x1 - x0, h);
      ctx.fillStyle = COLORS.rangeEdge;
      ctx.fillRect(x0, 0, 1, h);
      ctx.fillRect(x1 - 1, 0, 1, h);
    }
    const values = evaluator.channel(channel);
    const base = evaluator.base(channel);
    // The lane's range holds every value of the curve and its base (laneRange), so the curve stays inside its lane.
    if (base !== values && doc.edits.layers.some((l) => l.channel === channel)) this.plot(ctx, base, view, w, yOf, COLORS.base);
    this.plot(ctx, values, view, w, yOf, channel === 'blink' ? COLORS.curveBlink : channel.startsWith('sem:') ? COLORS.curveSem : COLORS.curve);
  }

  private plot(ctx: CanvasRenderingContext2D, values: Float32Array, view: TimelineView, w: number, yOf: (v: number) => number, color: string): void {
    const n = values.length;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.25;
    ctx.beginPath();
    if (view.framesPerPx <= 1) {
      // Zoomed in: a polyline through each visible frame.
      const f0 = Math.max(0, Math.floor(view.start));
      const f1 = Math.min(n - 1, Math.ceil(xToFrame(view, w)) + 1);
      for (let f = f0; f <= f1; f++) {
        const x = frameToX(view, f);
        const y = yOf(values[f]);
        if (f === f0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
    } else {
      // Zoomed out: min and max of each pixel column.
      if (this.colMin.length < w + 2) {
        this.colMin = new Float32Array(w + 2);
        this.colMax = new Float32Array(w + 2);
      }
      const x0 = Math.max(0, Math.floor(frameToX(view, 0)));
      const x1 = Math.min(w, Math.ceil(frameToX(view, n)));
      const cols = x1 - x0;
      if (cols <= 0) return;
      pyramidOf(values).columns(xToFrame(view, x0), view.framesPerPx, cols, this.colMin, this.colMax);
      for (let i = 0; i < cols; i++) {
        const x = x0 + i + 0.5;
        const yHi = yOf(this.colMax[i]);
        const yLo = yOf(this.colMin[i]);
        if (i === 0) ctx.moveTo(x, yHi);
        else ctx.lineTo(x, yHi);
        if (yLo - yHi > 0.5) ctx.lineTo(x, yLo);
      }
    }
    ctx.stroke();
  }
}
