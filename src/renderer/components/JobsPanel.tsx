import { useMemo } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { formatEta, visibleJobs } from '../state/session';
import { jobProgressText } from '../state/job-text';
import { exportResult } from '../state/export-dialog';
import { baseName } from '../state/paths';
import type { JobInfo } from '../../shared/contract';

/** Long operations of this project: what they do (in words), progress, time left, cancel; the engine's figures one click away. */
export function JobsPanel() {
  const { session } = useApp();
  const jobMap = useStore(session, (s) => s.jobs);
  const order = useStore(session, (s) => s.jobOrder);
  const dir = useStore(session, (s) => s.project?.dir);
  const jobs = useMemo(() => visibleJobs(jobMap, order, dir), [jobMap, order, dir]);
  const activeCount = jobs.filter((j) => j.state === 'running' || j.state === 'queued').length;
  return (
    <section className="panel jobs" data-testid="jobs" aria-label="Jobs">
      <header className="panel__head">
        <h2>Jobs</h2>
        <span className="muted small">{activeCount ? `${activeCount} running` : 'none running'}</span>
      </header>
      <div className="panel__body">
        {jobs.length === 0 ? <p className="muted small empty-note">No jobs yet. Imports, persona builds, motion generation, training and exports show their progress here.</p> : <ul className="job-list">{jobs.map((j) => <JobRow key={j.id} job={j} />)}</ul>}
      </div>
    </section>
  );
}

function JobRow({ job }: { job: JobInfo }) {
  const { api, report, session } = useApp();
  const active = job.state === 'running' || job.state === 'queued';
  const pct = Math.round(Math.max(0, Math.min(1, job.fraction)) * 100);
  const text = jobProgressText(job);
  const exported = job.kind === 'render.export' ? exportResult(job) : undefined;
  const projectDir = session.getState().project?.dir;
  const reveal = async (action: 'open' | 'folder') => {
    if (!exported || !projectDir) return;
    try {
      await api.call('render.reveal', { projectDir, renderId: exported.renderId, action });
    } catch (err) {
      report(action === 'open' ? 'Could not open the video' : 'Could not show the video in its folder', err);
    }
  };
  return (
    <li className={`job job--${job.state}`} data-testid="job" data-job-kind={job.kind} data-job-state={job.state}>
      <div className="job__top">
        <span className="job__title" title={job.title}>
          {job.title}
        </span>
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
        <span data-testid="job-stage">{text.stage}</span>
        {active && <span>{pct}%</span>}
        {active && job.etaS !== undefined && <span>about {formatEta(job.etaS)} left</span>}
      </div>
      {exported && (
        <div className="job__result small" data-testid="job-export-result">
          <span className="job__file" title={exported.file}>
            {baseName(exported.file)}
          </span>
          <button className="btn btn--small" onClick={() => void reveal('folder')} data-testid="job-show-folder">
            Show in folder
          </button>
        </div>
      )}
      {text.detail && !job.error && (
        <details className="job__details small">
          <summary>Details</summary>
          <span className="job__message">{text.detail}</span>
        </details>
      )}
      {job.error && <div className="inline-error small">{job.error}</div>}
    </li>
  );
}
