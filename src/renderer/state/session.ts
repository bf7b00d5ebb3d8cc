import type { JobInfo, ProjectSnapshot, RecentProject } from '../../shared/contract';

/**
 * The session: connection, app info, the open project, recent projects, jobs, and
 * messages for the user. Plain data; `sessionReducer` is the only way it changes.
 */
export type Connection =
  | { state: 'connecting' }
  | { state: 'open' }
  | { state: 'reconnecting'; attempt: number; reason: string }
  | { state: 'failed'; reason: string; hint: string };

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser' | 'test';
  homeDir: string;
  defaultProjectsDir: string;
}

export interface Notice {
  id: number;
  level: 'error' | 'info';
  title: string;
  message: string;
  hint?: string;
  file?: string;
  /** When an information goes away by itself (ms since the epoch); errors stay until dismissed. */
  expiresAt?: number;
}

/** How long an information notice stays. */
export const INFO_NOTICE_MS = 8000;

export interface SessionState {
  connection: Connection;
  info?: AppInfo;
  project?: ProjectSnapshot;
  /** True while the last project is being re-opened at start-up. */
  restoring: boolean;
  recent: RecentProject[];
  /** Jobs by id, and their order (newest first). */
  jobs: Record<string, JobInfo>;
  jobOrder: string[];
  notices: Notice[];
  nextNoticeId: number;
}

export type SessionAction =
  | { type: 'connection'; connection: Connection }
  | { type: 'info'; info: AppInfo }
  | { type: 'restoring'; restoring: boolean }
  | { type: 'project/opened'; snapshot: ProjectSnapshot }
  | { type: 'project/changed'; snapshot: ProjectSnapshot }
  | { type: 'project/closed' }
  | { type: 'recent'; recent: RecentProject[] }
  | { type: 'jobs/list'; jobs: JobInfo[] }
  | { type: 'jobs/update'; job: JobInfo }
  /** `now` (ms) starts an information's time to go away. */
  | { type: 'notice'; notice: Omit<Notice, 'id' | 'expiresAt'>; now?: number }
  | { type: 'notice/dismiss'; id: number }
  /** Drops the informations whose time is up. */
  | { type: 'notice/expire'; now: number };

export const initialSession: SessionState = {
  connection: { state: 'connecting' },
  restoring: false,
  recent: [],
  jobs: {},
  jobOrder: [],
  notices: [],
  nextNoticeId: 1,
};

/** At most this many messages are kept; older ones drop off. */
export const MAX_NOTICES = 5;

function orderJobs(jobs: Record<string, JobInfo>): string[] {
  return Object.values(jobs)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id))
    .map((j) => j.id);
}

export function sessionReducer(state: SessionState, action: SessionAction): SessionState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.connection };
    case 'info':
      return { ...state, info: action.info };
    case 'restoring':
      return state.restoring === action.restoring ? state : { ...state, restoring: action.restoring };
    case 'project/opened':
      return { ...state, project: action.snapshot, restoring: false };
    case 'project/changed':
      // Events concern any project the host has open; only the one shown here matters.
      if (!state.project || state.project.dir !== action.snapshot.dir) return state;
      return { ...state, project: action.snapshot };
    case 'project/closed':
      // Informations were about the project; errors stay until read.
      return state.project ? { ...state, project: undefined, notices: state.notices.filter((n) => n.level === 'error') } : state;
    case 'recent':
      return { ...state, recent: action.recent };
    case 'jobs/list': {
      const jobs: Record<string, JobInfo> = {};
      for (const j of action.jobs) jobs[j.id] = j;
      return { ...state, jobs, jobOrder: orderJobs(jobs) };
    }
    case 'jobs/update': {
      const jobs = { ...state.jobs, [action.job.id]: action.job };
      const known = action.job.id in state.jobs;
      return { ...state, jobs, jobOrder: known ? state.jobOrder : orderJobs(jobs) };
    }
    case 'notice': {
      const notice: Notice = { ...action.notice, id: state.nextNoticeId, ...(action.notice.level === 'info' ? { expiresAt: (action.now ?? 0) + INFO_NOTICE_MS } : {}) };
      // The same message twice in a row is shown once.
      const last = state.notices[state.notices.length - 1];
      if (last && last.title === notice.title && last.message === notice.message) return state;
      return { ...state, notices: [...state.notices, notice].slice(-MAX_NOTICES), nextNoticeId: state.nextNoticeId + 1 };
    }
    case 'notice/dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'notice/expire': {
      const left = state.notices.filter((n) => n.expiresAt === undefined || n.expiresAt > action.now);
      return left.length === state.notices.length ? state : { ...state, notices: left };
    }
  }
}

/** Jobs of the open project (and jobs not tied to a project), newest first. */
export function visibleJobs(jobs: Record<string, JobInfo>, order: string[], projectDir: string | undefined): JobInfo[] {
  return order.map((id) => jobs[id]).filter((j) => j && (!j.projectDir || j.projectDir === projectDir));
}

/** "3 min 20 s", "12 s": the ETA as the jobs panel shows it. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
