import { describe, it, expect } from 'vitest';
import { sessionReducer, initialSession, visibleJobs, formatEta, MAX_NOTICES, INFO_NOTICE_MS, type SessionState } from '../../../src/renderer/state/session';
import type { JobInfo, ProjectSnapshot } from '../../../src/shared/contract';

const snap = (dir: string, name = 'P'): ProjectSnapshot => ({
  dir,
  project: { schemaVersion: 1, id: 'x', name, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', fps: 25, media: [], personas: [], curves: [], renders: [], ui: { panes: {} } },
});
const job = (id: string, startedAt: string, extra: Partial<JobInfo> = {}): JobInfo => ({ id, kind: 'media.peaks', title: 'Waveform', state: 'running', stage: 'peaks', fraction: 0.5, startedAt, ...extra });

describe('sessionReducer', () => {
  it('opens, changes and closes a project; events for other projects are ignored', () => {
    let s: SessionState = sessionReducer(initialSession, { type: 'restoring', restoring: true });
    s = sessionReducer(s, { type: 'project/opened', snapshot: snap('/a', 'A') });
    expect(s.project?.project.name).toBe('A');
    expect(s.restoring).toBe(false);
    const other = sessionReducer(s, { type: 'project/changed', snapshot: snap('/b', 'B') });
    expect(other).toBe(s);
    s = sessionReducer(s, { type: 'project/changed', snapshot: snap('/a', 'A2') });
    expect(s.project?.project.name).toBe('A2');
    s = sessionReducer(s, { type: 'project/closed' });
    expect(s.project).toBeUndefined();
    expect(sessionReducer(s, { type: 'project/closed' })).toBe(s);
  });

  it('keeps jobs newest first and updates them in place', () => {
    let s = sessionReducer(initialSession, { type: 'jobs/list', jobs: [job('old', '2025-01-01T00:00:00Z'), job('new', '2025-01-02T00:00:00Z')] });
    expect(s.jobOrder).toEqual(['new', 'old']);
    s = sessionReducer(s, { type: 'jobs/update', job: job('newest', '2025-01-03T00:00:00Z', { projectDir: '/a' }) });
    expect(s.jobOrder).toEqual(['newest', 'new', 'old']);
    s = sessionReducer(s, { type: 'jobs/update', job: job('old', '2025-01-01T00:00:00Z', { state: 'done', fraction: 1 }) });
    expect(s.jobs.old.state).toBe('done');
    expect(s.jobOrder).toEqual(['newest', 'new', 'old']);
    // Jobs of another project are hidden; jobs without a project are shown.
    expect(visibleJobs(s.jobs, s.jobOrder, '/b').map((j) => j.id)).toEqual(['new', 'old']);
    expect(visibleJobs(s.jobs, s.jobOrder, '/a').map((j) => j.id)).toEqual(['newest', 'new', 'old']);
  });

  it('queues notices with ids, drops repeats and the oldest beyond the limit', () => {
    let s = initialSession;
    for (let i = 0; i < MAX_NOTICES + 2; i++) s = sessionReducer(s, { type: 'notice', notice: { level: 'error', title: 'T', message: `m${i}` } });
    expect(s.notices).toHaveLength(MAX_NOTICES);
    expect(s.notices[0].message).toBe('m2');
    const again = sessionReducer(s, { type: 'notice', notice: { level: 'error', title: 'T', message: `m${MAX_NOTICES + 1}` } });
    expect(again).toBe(s);
    const id = s.notices[1].id;
    s = sessionReducer(s, { type: 'notice/dismiss', id });
    expect(s.notices.map((n) => n.id)).not.toContain(id);
  });

  it('informations go away by themselves (errors stay), and with the project they were about', () => {
    let s = sessionReducer(initialSession, { type: 'project/opened', snapshot: snap('/a') });
    s = sessionReducer(s, { type: 'notice', notice: { level: 'info', title: 'Range re-generated', message: 'Frames 1–2' }, now: 1000 });
    s = sessionReducer(s, { type: 'notice', notice: { level: 'error', title: 'Failed', message: 'x' }, now: 1000 });
    expect(s.notices[0].expiresAt).toBe(1000 + INFO_NOTICE_MS);
    expect(s.notices[1].expiresAt).toBeUndefined();
    expect(sessionReducer(s, { type: 'notice/expire', now: 2000 })).toBe(s);
    const later = sessionReducer(s, { type: 'notice/expire', now: 1000 + INFO_NOTICE_MS });
    expect(later.notices.map((n) => n.title)).toEqual(['Failed']);
    const closed = sessionReducer(sessionReducer(s, { type: 'notice', notice: { level: 'info', title: 'Other', message: 'y' }, now: 5000 }), { type: 'project/closed' });
    expect(closed.notices.map((n) => n.title)).toEqual(['Failed']);
  });

  it('formats ETAs for the jobs panel', () => {
    expect(formatEta(undefined)).toBe('');
    expect(formatEta(-1)).toBe('');
    expect(formatEta(12.4)).toBe('12 s');
    expect(formatEta(200)).toBe('3 min 20 s');
    expect(formatEta(3 * 3600 + 120)).toBe('3 h 2 min');
  });
});
