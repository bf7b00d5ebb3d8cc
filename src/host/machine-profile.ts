import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../engine/util/atomic-file';
import { studioHome } from './recent-projects';
import { estimateResidualFlow, estimateTraining, TRAINING_PRESET_NAMES, type TrainingJob } from '../engine/common/training-presets';
import type { TrainingEstimatePayload } from '../shared/contract';

/**
 * How fast this machine trains: seconds per step of the last training run of each job,
 * kept in the studio's home (machine.json). The training dialog's time estimates use it;
 * until a first run, they use the typical 2-core figure.
 */
const Profile = z.object({
  renderer: z.object({ secondsPerStep: z.number().positive(), at: z.string() }).optional(),
  gan: z.object({ secondsPerStep: z.number().positive(), at: z.string() }).optional(),
  residual: z.object({ secondsPerStep: z.number().positive(), at: z.string() }).optional(),
});
type Profile = z.infer<typeof Profile>;

function profileFile(home = studioHome()): string {
  return path.join(home, 'machine.json');
}

export async function readMachineProfile(home = studioHome()): Promise<Profile> {
  try {
    const r = Profile.safeParse(JSON.parse(await fs.readFile(profileFile(home), 'utf8')));
    return r.success ? r.data : {};
  } catch {
    return {};
  }
}

/** Records a training run's speed (ignored when it ran too few steps to say). */
export async function recordTrainingSpeed(job: TrainingJob, secondsPerStep: number, stepsThisRun: number, home = studioHome()): Promise<void> {
  if (!(secondsPerStep > 0) || !Number.isFinite(secondsPerStep) || stepsThisRun < 5) return;
  const p = await readMachineProfile(home);
  p[job] = { secondsPerStep, at: new Date().toISOString() };
  await fs.mkdir(home, { recursive: true });
  await writeJsonAtomic(profileFile(home), p);
}

/** Steps a persona's training already did (0 when untrained or unreadable; the residual G_r always trains from scratch). */
async function doneSteps(personaDir: string, job: TrainingJob): Promise<number> {
  if (job === 'residual') return 0;
  try {
    if (job === 'renderer') {
      const r = JSON.parse(await fs.readFile(path.join(personaDir, 'renderer', 'renderer.json'), 'utf8')) as { steps?: unknown };
      return typeof r.steps === 'number' && r.steps > 0 ? Math.floor(r.steps) : 0;
    }
    const t = JSON.parse(await fs.readFile(path.join(personaDir, 'gan', 'training.json'), 'utf8')) as { points?: { step?: unknown }[] };
    const last = Array.isArray(t.points) ? t.points[t.points.length - 1]?.step : undefined;
    return typeof last === 'number' && last > 0 ? Math.floor(last) : 0;
  } catch {
    return 0;
  }
}

/** train.estimate: time to each preset for both training jobs of a persona, on this machine. */
export async function trainingEstimate(personaDir: string, footageS: number | undefined, home = studioHome()): Promise<TrainingEstimatePayload> {
  const profile = await readMachineProfile(home);
  const cores = os.cpus().length || 2;
  const one = async (job: TrainingJob) => {
    const done = await doneSteps(personaDir, job);
    const secondsPerStep = profile[job]?.secondsPerStep;
    return {
      doneSteps: done,
      ...(secondsPerStep ? { secondsPerStep } : {}),
      presets: TRAINING_PRESET_NAMES.map((name) => estimateTraining(job, name, { secondsPerStep, cores }, done)),
    };
  };
  const residual = async () => {
    const secondsPerStep = profile.residual?.secondsPerStep;
    const frames = await footageFrames(personaDir);
    return { doneSteps: 0, ...(secondsPerStep ? { secondsPerStep } : {}), presets: TRAINING_PRESET_NAMES.map((name) => estimateResidualFlow(name, { secondsPerStep, cores }, frames)) };
  };
  return { renderer: await one('renderer'), gan: await one('gan'), residual: await residual(), ...(footageS !== undefined ? { footageS } : {}) };
}

/** Frames of the persona's footage (persona.json), 0 when unreadable: the mouth correction's pairs and check scale with it. */
async function footageFrames(personaDir: string): Promise<number> {
  try {
    const m = JSON.parse(await fs.readFile(path.join(personaDir, 'persona.json'), 'utf8')) as { frameCount?: unknown };
    return typeof m.frameCount === 'number' && m.frameCount > 0 ? m.frameCount : 0;
  } catch {
    return 0;
  }
}
