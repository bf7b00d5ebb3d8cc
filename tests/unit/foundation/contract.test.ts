import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRequest, parseResponse, parseEvent, ContractError } from '../../../src/shared/rpc';
import { ApiHost } from '../../../src/host/api-host';
import { nodeJobLauncher } from '../../../src/host/launcher';

describe('API contract validation', () => {
  it('accepts a well-formed request and fills defaults', () => {
    const r = parseRequest({ id: 1, method: 'project.create', params: { dir: '/tmp/x', name: 'X' } });
    expect(r).toEqual({ id: 1, method: 'project.create', params: { dir: '/tmp/x', name: 'X' } });
  });

  it('names the field that is wrong', () => {
    expect(() => parseRequest({ id: 1, method: 'project.create', params: { dir: '/tmp/x', name: 3 } })).toThrow(/Invalid params for project.create: name:/);
    expect(() => parseRequest({ id: 1, method: 'project.create', params: { name: 'x' } })).toThrow(/dir/);
    expect(() => parseRequest({ id: 'one', method: 'app.info' })).toThrow(/Malformed request: id/);
    expect(() => parseRequest('{not json')).toThrow(/not valid JSON/);
    expect(() => parseRequest({ id: 1, method: 'fs.delete', params: {} })).toThrow(/Unknown method "fs.delete"/);
    expect(() => parseRequest({ id: 1, method: 'app.info', params: { extra: 1 } })).toThrow(ContractError);
  });

  it('validates responses and events too', () => {
    expect(parseResponse({ id: 2, ok: false, error: { code: 'x', message: 'm' } })).toMatchObject({ ok: false });
    expect(() => parseResponse({ id: 2, ok: 'yes' })).toThrow(/Malformed response/);
    expect(() => parseEvent({ event: 'job.update', payload: { id: 'j' } })).toThrow(/Invalid payload of event job.update/);
    expect(() => parseEvent({ event: 'nope', payload: {} })).toThrow(/Unknown event/);
  });

  it('the host answers a malformed message with an error envelope, never a throw', async () => {
    process.env.FACIAL_STUDIO_HOME = mkdtempSync(path.join(os.tmpdir(), 'home-'));
    const host = new ApiHost({ mode: 'test', launcher: nodeJobLauncher() });
    expect(await host.handleRaw('garbage')).toMatchObject({ id: -1, ok: false, error: { code: 'bad-message' } });
    expect(await host.handleRaw({ id: 7, method: 'project.open', params: {} })).toMatchObject({ id: 7, ok: false, error: { code: 'bad-message', message: expect.stringContaining('dir') } });
    const missing = path.join(os.tmpdir(), 'definitely-not-a-project-xyz');
    expect(await host.handleRaw({ id: 8, method: 'project.open', params: { dir: missing } })).toMatchObject({ id: 8, ok: false, error: { code: 'project-not-found', hint: expect.any(String) } });
    const ok = await host.handleRaw({ id: 9, method: 'app.info', params: {} });
    expect(ok).toMatchObject({ id: 9, ok: true, result: { mode: 'test' } });
  });
});
