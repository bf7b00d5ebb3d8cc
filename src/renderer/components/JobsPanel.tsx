import { useMemo } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { formatEta, visibleJobs } from '../state/session';
import type { JobInfo } from '../../shared/contract';

/** Long operations of this project: stage, progress, ETA, cancel. */
export function JobsPanel() {
  const { session } = useApp();
  const jobMap = useStore(session, (s) => s.jobs);
  const order = useStore(session, (s) => s.jobOrder);
  const dir = useStore(session, (s) => s.project?.dir);
  const jobs = useMemo(() => visibleJobs(jobMap, order, dir), [jobMap, order, dir]);
  return (
    <section className="panel jobs" data-testid="jobs" aria-label="Jobs">
      <header className="panel__head">
        <h2>Jobs</h2>
        <span className="muted small">{jobs.filter((j) => j.state === 'running' || j.state === 'queued').length || 'none'} active</span>
      </header>
      <div className="panel__body">
        {jobs.length === 0 ? <p className="muted small empty-note">No jobs yet. Imports, persona builds, curve generation and exports show their progress here.</p> : <ul className="job-list">{jobs.map((j) => <JobRow key={j.id} job={j} />)}</ul>}
      </div>
    </section>
  );
}

function JobRow({ job }: { job: JobInfo }) {
  const { api, report } = useApp();
  const active = job.state === 'running' || job.state === 'queued';
  const pct = Math.round(Math.max(0, Math.min(1, job.fraction)) * 100);
  return (
    <li className={`job job--${job.state}`} data-testid="job" data-job-kind={job.kind} data-job-state={job.state}>
      <div className="job__top">
        <span className="job__title">{job.title}</span>
        <span className={`job__state badge badge--${job.state}`}>{job.state}</span>
        {active && (
          <button className="btn btn--small" onClick={() => api.call('job.cancel', { jobId: job.id }).catch((e) => report('Could not cancel the job', e))} data-testid="job-cancel">
            Cancel
          </button>
        )}
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={`${job.title} progress`}>
        <div className="progress__bar" style={{ width: `${pct}%` }} />
      </div>
      <div className="job__meta muted small">
        <span data-testid="job-stage">{job.stage}</span>
        <span>{pct}%</span>
        {active && job.etaS !== undefined && <span>ETA {formatEta(job.etaS)}</span>}
        {job.message && <span className="job__message">{job.message}</span>}
      </div>
      {job.error && <div className="inline-error small">{job.error}</div>}
    </li>
  );
}
