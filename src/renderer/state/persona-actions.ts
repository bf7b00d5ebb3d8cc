import type { ProjectSnapshot, JobRequest } from '../../shared/contract';
import { buildJobRequest } from './job-requests';
import { footageAdvice, type FootageAdvice } from '../../engine/common/training-presets';

/**
 * What the Persona panel offers, and when it cannot, why, in the words of the step that
 * is missing (import a reference video → build the persona → train). Pure: unit-tested.
 */
export interface PersonaAction {
  request?: JobRequest;
  /** Why it is not available: the next thing to do. */
  reason?: string;
}

export interface PersonaActions {
  build: PersonaAction;
  trainMotion: PersonaAction;
  trainRenderer: PersonaAction;
  trainMouth: PersonaAction;
  /** The next step, as one sentence for the panel (undefined once all are possible). */
  next?: string;
  /** About the reference video's length, when it matters. */
  footage?: FootageAdvice;
}

export function personaActions(snap: ProjectSnapshot, busy: { building?: boolean } = {}): PersonaActions {
  const p = snap.project;
  const reference = p.media.find((m) => m.role === 'reference');
  const persona = p.personas.find((x) => x.id === p.activePersonaId) ?? p.personas[0];
  const noRef = 'Import a reference video of the person first (Media panel): the persona is learned from it.';
  const noPersona = reference ? 'Build the persona first: training learns from it.' : 'Import a reference video and build the persona first: training learns from it.';
  const build: PersonaAction = reference
    ? busy.building
      ? { reason: 'The persona is being built (see Jobs).' }
      : withReason(buildJobRequest([{ kind: 'persona.build', projectDir: snap.dir, mediaId: reference.id }]))
    : { reason: noRef };
  const train = (kind: 'gan.train' | 'renderer.train' | 'residual.train'): PersonaAction => (persona ? withReason(buildJobRequest([{ kind, projectDir: snap.dir, personaId: persona.id }])) : { reason: noPersona });
  const next = !reference ? noRef : !persona ? (busy.building ? undefined : 'Next: build the persona from the reference video.') : undefined;
  const footage = reference ? footageAdvice(reference.durationS) : undefined;
  return { build, trainMotion: train('gan.train'), trainRenderer: train('renderer.train'), trainMouth: train('residual.train'), ...(next ? { next } : {}), ...(footage?.message ? { footage } : {}) };
}

function withReason(r: { request?: JobRequest; reason?: string }): PersonaAction {
  return r.request ? { request: r.request } : { reason: r.reason ?? 'Not available in this version of the studio.' };
}
