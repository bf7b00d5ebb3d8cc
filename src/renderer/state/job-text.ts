import type { JobInfo } from '../../shared/contract';

/**
 * A job's progress in plain words for the jobs panel and the export dialog; the
 * engine's own message (losses, frame counts) stays one click away as `detail`.
 */
const STAGES: Record<string, string> = {
  queued: 'Waiting for the job before it',
  starting: 'Starting',
  cancelling: 'Stopping',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Stopped',
  peaks: 'Reading the sound',
  probe: 'Reading the video',
  trackerInit: 'Loading the face tracker',
  track: 'Finding the face in each frame',
  secondReading: 'Reading the lips a second time',
  fit: 'Fitting the 3D face',
  quality: 'Checking the fit',
  texture: 'Taking the skin texture',
  audio: 'Reading the speech',
  write: 'Saving',
  features: 'Listening to the voice-over',
  generate: 'Generating the motion',
  curves: 'Preparing the motion',
  load: 'Reading the persona',
  compile: 'Preparing the model',
  frames: 'Preparing the training frames',
  train: 'Training',
  eval: 'Checking the result on frames it did not learn from',
  render: 'Rendering frames',
  encode: 'Writing the MP4',
  // The mouth correction (engine/export/residual-flow.ts).
  evaluationPersona: 'Setting aside the last part of the clip for the check',
  heldOutTraining: 'Training the mouth correction on the first part of the clip',
  heldOutCheck: 'Checking it on frames it did not learn from',
  ownTraining: 'It wins: training this persona’s mouth correction',
  applied: 'Done: exports apply the mouth correction',
  notApplied: 'Done: not applied',
};

export function jobProgressText(job: JobInfo): { stage: string; detail?: string } {
  const stage = STAGES[job.stage] ?? job.stage;
  const msg = job.message?.trim();
  if (!msg) return { stage };
  // "step 120/300  G 1.2 D 0.5 L1 0.2": the step count in words; the losses stay in the details.
  const step = /^step (\d+)\s*\/\s*(\d+)/.exec(msg);
  if (step) return { stage: `${stage}: step ${step[1]} of ${step[2]}`, detail: msg };
  const frame = /^frame (\d+)\s*\/\s*(\d+)/.exec(msg);
  if (frame) return { stage: `${stage}: frame ${frame[1]} of ${frame[2]}`, detail: msg };
  // Finished jobs: what they made is shown by the panel; the message (often a path) is a detail.
  if (job.state === 'done') return { stage, detail: msg };
  return { stage, detail: msg };
}
