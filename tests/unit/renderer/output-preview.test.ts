import { describe, it, expect } from 'vitest';
import { initialOutputPreview, needsRequest, outputPreviewReducer as reduce, outputStatus, rangeAround, rangeFrameAt, type OutputFrameShown, type OutputPreviewState } from '../../../src/renderer/state/output-preview';

const shown = (key: string, timeS: number): OutputFrameShown => ({ key, timeS, frame: Math.round(timeS * 25), url: `u-${key}-${timeS}`, width: 512, height: 512, synthesis: 'retrieval' });
const output = (s: OutputPreviewState = initialOutputPreview) => reduce(s, { type: 'view', view: 'output' });

describe('the Output view state', () => {
  it('asks for nothing in the 3D view; in the Output view a settled wish is asked for', () => {
    const w = { key: 'c:1', timeS: 2 };
    expect(needsRequest(reduce(initialOutputPreview, { type: 'want', wish: w }))).toBe(false);
    const s = reduce(output(), { type: 'want', wish: w });
    expect(s.phase).toBe('waiting');
    expect(needsRequest(s)).toBe(true);
    const r = reduce(s, { type: 'request', wish: w });
    expect(r.phase).toBe('rendering');
    expect(needsRequest(r)).toBe(false);
  });

  it('shows progress while the host prepares the take, then the frame; the preparation time is kept', () => {
    const w = { key: 'c:1', timeS: 2 };
    let s = reduce(reduce(output(), { type: 'want', wish: w }), { type: 'request', wish: w });
    s = reduce(s, { type: 'preparing', wish: w, fraction: 0.4, message: 'reading mouths and eyes from the footage' });
    expect(s.phase).toBe('preparing');
    expect(needsRequest(s)).toBe(true); // asked again until ready
    expect(outputStatus(s, 25)).toBe('Preparing the output: reading mouths and eyes from the footage (40 %)');
    s = reduce(s, { type: 'frame', wish: w, shown: shown('c:1', 2), prepareS: 2.5, frameMs: 120 });
    expect(s.phase).toBe('ready');
    expect(s.timing).toEqual({ prepareS: 2.5, frameMs: 120 });
    expect(outputStatus(s, 25)).toBe('Output · frame 50 · from your footage');
    // Later frames come from the prepared take (prepareS 0): the preparation time stays.
    const w2 = { key: 'c:1', timeS: 3 };
    s = reduce(reduce(s, { type: 'want', wish: w2 }), { type: 'frame', wish: w2, shown: shown('c:1', 3), prepareS: 0, frameMs: 90 });
    expect(s.timing).toEqual({ prepareS: 2.5, frameMs: 90 });
  });

  it('an answer for an older wish is shown but does not end the wait for the newer one', () => {
    const old = { key: 'c:1', timeS: 2 }, now = { key: 'c:2', timeS: 2 };
    let s = reduce(reduce(output(), { type: 'want', wish: old }), { type: 'request', wish: old });
    s = reduce(s, { type: 'want', wish: now }); // an edit while the frame was made
    s = reduce(s, { type: 'frame', wish: old, shown: shown('c:1', 2), prepareS: 1, frameMs: 100 });
    expect(s.shown?.key).toBe('c:1');
    expect(s.phase).toBe('waiting');
    expect(needsRequest(s)).toBe(true);
    expect(outputStatus(s, 25)).toMatch(/updating/);
    // Old failures and progress are ignored too.
    expect(reduce(s, { type: 'failed', wish: old, message: 'x' })).toBe(s);
    expect(reduce(s, { type: 'preparing', wish: old, fraction: 0.5, message: 'x' })).toBe(s);
  });

  it('going back to the frame on screen asks nothing', () => {
    const w = { key: 'c:1', timeS: 2 };
    let s = reduce(reduce(output(), { type: 'want', wish: w }), { type: 'frame', wish: w, shown: shown('c:1', 2), prepareS: 1, frameMs: 1 });
    s = reduce(s, { type: 'want', wish: { key: 'c:1', timeS: 3 } });
    s = reduce(s, { type: 'want', wish: w });
    expect(s.phase).toBe('ready');
    expect(needsRequest(s)).toBe(false);
  });

  it('a cancelled preparation stays stopped until the playhead moves or Show is pressed; errors say why', () => {
    const w = { key: 'c:1', timeS: 2 };
    let s = reduce(reduce(output(), { type: 'want', wish: w }), { type: 'preparing', wish: w, fraction: 0.1, message: 'planning' });
    s = reduce(s, { type: 'cancel' });
    expect(s.phase).toBe('cancelled');
    expect(needsRequest(s)).toBe(false);
    expect(reduce(s, { type: 'preparing', wish: w, fraction: 0.2, message: 'x' }).phase).toBe('cancelled');
    expect(needsRequest(reduce(s, { type: 'retry' }))).toBe(true);
    expect(needsRequest(reduce(s, { type: 'want', wish: { key: 'c:1', timeS: 2.04 } }))).toBe(true);
    const e = reduce(reduce(s, { type: 'retry' }), { type: 'failed', wish: w, message: 'its source video is gone' });
    expect(outputStatus(e, 25)).toBe('No output frame: its source video is gone');
    expect(reduce(e, { type: 'retry' }).phase).toBe('waiting');
  });

  it('plays a range: made, then played frame by frame by the clock, then stopped', () => {
    let s = reduce(output(), { type: 'range-request', key: 'c:1', fromS: 1 });
    expect(s.range.phase).toBe('rendering');
    s = reduce(s, { type: 'range-preparing', key: 'c:1', fraction: 0.5, message: 'planning' });
    expect(outputStatus(s, 25)).toBe('Making the range: planning (50 %)');
    // A range of another take version is not played.
    expect(reduce(s, { type: 'range-ready', key: 'c:0', startS: 1, fps: 25, urls: ['a'] })).toBe(s);
    s = reduce(s, { type: 'range-ready', key: 'c:1', startS: 1, fps: 25, urls: Array.from({ length: 50 }, (_, i) => `f${i}`) });
    expect(s.range.phase).toBe('playing');
    if (s.range.phase !== 'playing') return;
    expect(rangeFrameAt(s.range, 0)).toBe(0);
    expect(rangeFrameAt(s.range, 1.01)).toBe(25);
    expect(rangeFrameAt(s.range, 2.0)).toBe(-1);
    expect(reduce(s, { type: 'range-stop' }).range.phase).toBe('idle');
    expect(reduce(reduce(output(), { type: 'range-request', key: 'c:1', fromS: 1 }), { type: 'range-failed', message: 'no' }).range).toEqual({ phase: 'error', message: 'no' });
  });

  it('how the output is made is a choice kept in the state (part of the take key the hook asks with)', () => {
    const s = reduce(output(), { type: 'synthesis', synthesis: 'renderer' });
    expect(s.synthesis).toBe('renderer');
    expect(reduce(s, { type: 'synthesis', synthesis: 'renderer' })).toBe(s);
    expect(initialOutputPreview.synthesis).toBe('auto');
  });

  it('the range is about 2 s around the playhead, inside the take', () => {
    expect(rangeAround(5, 10)).toEqual({ fromS: 4, seconds: 2 });
    expect(rangeAround(0.3, 10)).toEqual({ fromS: 0, seconds: 2 });
    expect(rangeAround(9.9, 10)).toEqual({ fromS: 8, seconds: 2 });
    expect(rangeAround(0.5, 1)).toEqual({ fromS: 0, seconds: 1 });
  });
});
