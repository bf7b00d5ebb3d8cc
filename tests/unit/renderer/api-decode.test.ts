import { describe, it, expect } from 'vitest';
import { decodeIncoming, checkResult, ApiError } from '../../../src/renderer/api/decode';
import { resolveToken, hashWithoutToken, tokenFromHash, backoffMs } from '../../../src/renderer/api/session-token';

describe('decodeIncoming', () => {
  it('classifies responses and events', () => {
    expect(decodeIncoming('{"id":3,"ok":true,"result":[1]}')).toEqual({ type: 'response', id: 3, ok: true, result: [1] });
    expect(decodeIncoming({ id: 4, ok: false, error: { code: 'x', message: 'no' } })).toMatchObject({ type: 'response', id: 4, ok: false, error: { code: 'x' } });
    const job = { id: 'j', kind: 'media.peaks', title: 'W', state: 'running', stage: 's', fraction: 0.1, startedAt: 'now' };
    expect(decodeIncoming(JSON.stringify({ event: 'job.update', payload: job }))).toMatchObject({ type: 'event', event: 'job.update' });
  });

  it('reports malformed messages with what is wrong', () => {
    expect(decodeIncoming('{oops')).toEqual({ type: 'malformed', message: expect.stringContaining('not valid JSON') });
    const bad = decodeIncoming({ id: 'one', ok: true });
    expect(bad.type).toBe('malformed');
    const ev = decodeIncoming({ event: 'job.update', payload: { id: 1 } });
    expect(ev).toMatchObject({ type: 'malformed', message: expect.stringContaining('Invalid payload of event job.update') });
    expect(decodeIncoming({ event: 'nope', payload: {} })).toMatchObject({ type: 'malformed', message: expect.stringContaining('Unknown event') });
  });

  it('checks results against the contract', () => {
    expect(checkResult('project.recent', [{ dir: '/a', name: 'A', openedAt: 'x' }])).toHaveLength(1);
    expect(() => checkResult('project.recent', [{ dir: 1 }])).toThrow(ApiError);
  });
});

describe('session token', () => {
  it('prefers a token in the URL fragment, else the stored one', () => {
    expect(tokenFromHash('#token=abcdef0123456789')).toBe('abcdef0123456789');
    expect(tokenFromHash('#token=bad token!')).toBeUndefined();
    expect(resolveToken('#token=abcdef0123456789', 'stored123456')).toEqual({ token: 'abcdef0123456789', fromHash: true });
    expect(resolveToken('', 'stored123456')).toEqual({ token: 'stored123456', fromHash: false });
    expect(resolveToken('', null)).toEqual({ token: undefined, fromHash: false });
  });

  it('removes only the token from the fragment', () => {
    expect(hashWithoutToken('#token=abcdef0123456789')).toBe('');
    expect(hashWithoutToken('#token=abcdef0123456789&view=x')).toBe('#view=x');
  });

  it('backs off exponentially up to 8 s', () => {
    expect(backoffMs(1, 0.5)).toBe(250);
    expect(backoffMs(2, 0.5)).toBe(500);
    expect(backoffMs(10, 0.5)).toBe(8000);
    expect(backoffMs(3, 0)).toBeLessThan(backoffMs(3, 1));
  });
});
