import { existsSync } from 'node:fs';
import path from 'node:path';
import { splitFrames, type Segment } from '../common/numeric';
import { UserError } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { buildPersona } from './build-persona';
import { readPersonaMeta, type PersonaMeta } from './persona-folder';
import { loadPersonaTrack } from './track-record';

/**
 * The evaluation persona of a persona (issue 11): the same clip and the same track,
 * but everything fitted (model, expression basis, neutral shape, blink calibration and
 * field, texture, crop) on the training part of the split only — frames before the test
 * part (train + validation, `splitFrames`) — and the test frames expressed in it
 * (fit-range.ts). Held-out figures measured on it see no fit of the frames they judge.
 *
 * Built on first use into `<persona>/eval/train-part` (a full persona folder: every
 * command works on it, e.g. `train renderer --persona <persona>/eval/train-part`) and
 * reused while it belongs to the same persona and split.
 */

export const EVALUATION_PERSONA_DIR = path.join('eval', 'train-part');

/** The frames an evaluation persona of a clip of T frames is fitted on: all before the test part. */
export function evaluationFitFrames(T: number): Segment {
  return { start: 0, end: splitFrames(T).test.start };
}

/** Whether a persona's fit leaves out its test part (an evaluation persona, or one built with such --fit-frames). */
export function fitExcludesTest(meta: Pick<PersonaMeta, 'frameCount' | 'fit'>): boolean {
  const test = splitFrames(meta.frameCount).test;
  const f = meta.fit?.frames;
  return Boolean(f && (f[1] <= test.start || f[0] >= test.end));
}

/** Frames [start, end) a persona was fitted on. */
export function fittedFrames(meta: Pick<PersonaMeta, 'frameCount' | 'fit'>): [number, number] {
  return meta.fit?.frames ?? [0, meta.frameCount];
}

export interface EvaluationPersona {
  dir: string;
  meta: PersonaMeta;
  /** False when an earlier build was reused. */
  built: boolean;
}

/**
 * The evaluation persona of `personaDir`: the persona itself when its fit already leaves
 * out the test part, else `<persona>/eval/train-part`, built or reused. A build reuses the
 * clip's raw track when the persona kept it (track-record.ts), else tracks the clip again
 * (the same tracker gives the same track); no fit of the whole clip is ever reused.
 */
export async function evaluationPersona(personaDir: string, opts: RunOptions = {}): Promise<EvaluationPersona> {
  const meta = await readPersonaMeta(personaDir);
  if (fitExcludesTest(meta)) return { dir: personaDir, meta, built: false };
  const dir = path.join(personaDir, EVALUATION_PERSONA_DIR);
  const frames = evaluationFitFrames(meta.frameCount);
  if (existsSync(path.join(dir, 'persona.json'))) {
    const ev = await readPersonaMeta(dir);
    if (ev.fit?.evaluationOf === meta.id && ev.fit.frames[0] === frames.start && ev.fit.frames[1] === frames.end && ev.frameCount === meta.frameCount
      && ev.source.file === meta.source.file && ev.source.sizeBytes === meta.source.sizeBytes) return { dir, meta: ev, built: false };
  }
  if (!existsSync(meta.source.file)) {
    throw new UserError('persona-source-missing', `${meta.name}'s source video ${meta.source.file} is gone: the evaluation persona (fitted on frames ${frames.start}-${frames.end - 1} only) is built from it.`, {
      file: meta.source.file, hint: 'Put the video back where it was, or rebuild the persona from where it is now.',
    });
  }
  // The clip's track kept by the persona's build, when it has one: tracking fits nothing to the clip.
  const track = await loadPersonaTrack(personaDir);
  await buildPersona(meta.source.file, dir, {
    ...(track && track.frameCount === meta.frameCount ? { track } : {}),
    name: `${meta.name} (evaluation: fitted on frames ${frames.start}-${frames.end - 1})`, overwrite: true, fitFrames: frames, evaluationOf: meta.id,
    signal: opts.signal, onProgress: opts.onProgress,
  });
  const ev = await readPersonaMeta(dir);
  if (ev.frameCount !== meta.frameCount) {
    throw new UserError('persona-eval-mismatch', `The clip ${meta.source.file} gives ${ev.frameCount} frames now, the persona has ${meta.frameCount}: its evaluation persona would not line up with it.`, {
      file: meta.source.file, hint: 'Rebuild the persona from the clip (facial-studio persona build --force).',
    });
  }
  return { dir, meta: ev, built: true };
}
