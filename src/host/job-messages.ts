import type { JobRequest, ErrorPayload } from '../shared/contract';
import type { Progress } from '../engine/util/progress';

/** Messages between the JobManager and a job's child process. */
export type JobParentMessage = { type: 'start'; request: JobRequest } | { type: 'cancel' };

export type JobChildMessage =
  | { type: 'ready' }
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: ErrorPayload }
  | { type: 'cancelled' };
