import { throwIfCancelled } from './errors';
import { clamp01, type Progress, type RunOptions } from './progress';

/**
 * A pipeline as named stages with typed intermediates. Each stage is an ordinary
 * function (testable on its own) that receives a `StageContext`; the runner owns what
 * every long operation repeats: mapping a stage's 0..1 progress into the whole
 * operation's fraction, checking cancellation between stages, and timing each stage.
 *
 *     const run = new StageRunner(opts, { decode: 1, track: 8, fit: 2 });
 *     const frames = await run.stage('decode', (ctx) => decode(file, ctx));
 *     const track = await run.stage('track', (ctx) => trackFrames(frames, ctx));
 *     const fit = await run.stage('fit', () => fitModel(track));
 *     run.seconds  // { decode: 0.4, track: 3.1, fit: 1.2 }
 *
 * Weights are relative costs (any unit); a stage not listed weighs nothing.
 */
export interface StageContext {
  readonly signal?: AbortSignal;
  /** Progress within this stage, 0..1; `message` and `data` pass through. */
  progress(fraction: number, message?: string, data?: Record<string, unknown>): void;
  /** A `RunOptions` for a sub-operation that reports its own 0..1 progress. */
  readonly runOptions: RunOptions;
}

export class StageRunner<Name extends string> {
  /** Wall seconds per finished stage, in the order they ran. */
  readonly seconds: Partial<Record<Name, number>> = {};
  private readonly starts: Partial<Record<Name, number>> = {};
  private readonly total: number;

  constructor(
    private readonly opts: RunOptions,
    private readonly weights: Record<Name, number>,
  ) {
    this.total = Object.values<number>(weights).reduce((s, w) => s + Math.max(0, w), 0) || 1;
    let acc = 0;
    for (const name of Object.keys(weights) as Name[]) {
      this.starts[name] = acc / this.total;
      acc += Math.max(0, weights[name]);
    }
  }

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  async stage<T>(name: Name, fn: (ctx: StageContext) => T | Promise<T>): Promise<T> {
    throwIfCancelled(this.opts.signal);
    const from = this.starts[name] ?? 0;
    const span = Math.max(0, this.weights[name] ?? 0) / this.total;
    const report = (p: Omit<Progress, 'stage' | 'fraction'> & { fraction: number }): void => {
      this.opts.onProgress?.({ ...p, stage: name, fraction: from + span * clamp01(p.fraction) });
    };
    const onProgress = this.opts.onProgress ? (p: Progress) => report({ fraction: p.fraction, message: p.message, data: p.data }) : undefined;
    const ctx: StageContext = {
      signal: this.opts.signal,
      progress: (fraction, message, data) => report({ fraction, message, data }),
      runOptions: { signal: this.opts.signal, onProgress },
    };
    const t0 = performance.now();
    ctx.progress(0);
    const out = await fn(ctx);
    this.seconds[name] = Math.round(performance.now() - t0) / 1000;
    ctx.progress(1);
    throwIfCancelled(this.opts.signal);
    return out;
  }
}
