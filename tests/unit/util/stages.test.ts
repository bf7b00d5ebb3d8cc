import { describe, expect, it } from 'vitest';
import { StageRunner } from '../../../src/engine/util/stages';
import type { Progress } from '../../../src/engine/util/progress';
import { CancelledError } from '../../../src/engine/util/errors';

describe('StageRunner', () => {
  it('maps each stage into its weighted slice of one monotone fraction and passes typed results on', async () => {
    const seen: Progress[] = [];
    const run = new StageRunner({ onProgress: (p) => seen.push(p) }, { decode: 1, track: 3 });
    const frames = await run.stage('decode', (ctx) => {
      ctx.progress(0.5, 'half');
      return [1, 2, 3];
    });
    const sum = await run.stage('track', async (ctx) => {
      ctx.runOptions.onProgress?.({ stage: 'inner', fraction: 0.5 });
      return frames.reduce((a, b) => a + b, 0);
    });
    expect(sum).toBe(6);
    expect(seen.find((p) => p.message === 'half')).toMatchObject({ stage: 'decode', fraction: 0.125 });
    // A sub-operation's own stage name is replaced by the runner's, its fraction mapped.
    expect(seen).toContainEqual(expect.objectContaining({ stage: 'track', fraction: 0.25 + 0.75 * 0.5 }));
    const fractions = seen.map((p) => p.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(fractions.at(-1)).toBe(1);
    expect(Object.keys(run.seconds)).toEqual(['decode', 'track']);
  });

  it('stops between stages once cancelled, and does not start the next one', async () => {
    const ac = new AbortController();
    const run = new StageRunner({ signal: ac.signal }, { a: 1, b: 1 });
    let bRan = false;
    await expect(run.stage('a', () => ac.abort())).rejects.toBeInstanceOf(CancelledError);
    await expect(run.stage('b', () => { bRan = true; })).rejects.toBeInstanceOf(CancelledError);
    expect(bRan).toBe(false);
  });
});
