import { existsSync } from 'node:fs';
import { loadPersonaLandmarks, type Persona } from '../persona';
import type { RunOptions } from '../util/progress';
import { PARAM_COUNT } from '../../shared/facial-params';
import { lipBasis, lipShapes, trackedLipShapes } from './face-regions';
import { DEFAULT_PLAN_WEIGHTS, planRetrieval, planSourceFrames, type PlanWeights, type RetrievalPlan } from './retrieval-plan';
import { countJumps } from './smooth-path';
import { footageMouthSharpness } from './mouth-sharpness';
import { collectDonors, RetrievalSynthesizer } from './retrieval-synth';

/** Why a persona cannot be synthesised from its footage (undefined: it can). */
export function retrievalUnavailable(persona: Persona): string | undefined {
  if (!existsSync(persona.files.landmarks)) return 'the persona folder has no tracked landmarks (landmarks.npy); rebuild it';
  if (!existsSync(persona.meta.source.file)) return `its source video ${persona.meta.source.file} is gone`;
  if (persona.model.vertexCount > 478) return 'its model has more vertices than tracked landmarks';
  return undefined;
}

export interface PrepareRetrievalOptions extends RunOptions {
  /** Output frame rate of `curves`. */
  fps: number;
  /** Footage frames that may give their mouth and eyes (default: all). */
  donors?: ArrayLike<boolean>;
  weights?: Partial<PlanWeights>;
  /** [N] source frames given rather than chosen by pose (re-voicing a take), whose eyes are then kept. */
  source?: Int32Array;
}

/**
 * Plans an output (which real frames make each output frame) and gathers the donor
 * crops from the footage: a synthesizer ready to compose frames.
 */
export async function prepareRetrieval(persona: Persona, curves: Float32Array, opts: PrepareRetrievalOptions): Promise<{ synth: RetrievalSynthesizer; plan: RetrievalPlan; donorFrames: number }> {
  const landmarks = await loadPersonaLandmarks(persona);
  const T = persona.frameCount, N = curves.length / PARAM_COUNT;
  const lb = lipBasis(persona.model);
  const mouthSharpness = await footageMouthSharpness(persona, landmarks, { signal: opts.signal, onProgress: opts.onProgress });
  opts.onProgress?.({ stage: 'plan', fraction: 0, message: 'choosing source, mouth and eye frames' });
  const plan = planRetrieval({
    curves, footage: persona.params,
    curveLips: lipShapes(curves, N, lb), footageLips: trackedLipShapes(persona.model, persona.camera, landmarks, T), lipDims: lb.dims,
    rate: persona.meta.fps / opts.fps, donors: opts.donors, mouthSharpness, weights: opts.weights, source: opts.source, keepEyes: Boolean(opts.source),
  });
  const synth = new RetrievalSynthesizer({ model: persona.model, camera: persona.camera, params: persona.params, landmarks, width: persona.camera.width, height: persona.camera.height }, plan, curves);
  const donorFrames = await collectDonors(synth, persona.meta.source.file, persona.camera.width, persona.camera.height, persona.meta.fps, {
    signal: opts.signal, onProgress: (f) => opts.onProgress?.({ stage: 'donors', fraction: f, message: 'reading mouths and eyes from the footage' }),
  });
  return { synth, plan, donorFrames };
}

/** Only the source path (frames chosen by pose), for the painters that draw the face themselves. */
export function planSourcePath(persona: Persona, curves: Float32Array, fps: number, weights?: Partial<PlanWeights>): { source: Int32Array; jumps: number } {
  const lb = lipBasis(persona.model);
  const N = curves.length / PARAM_COUNT;
  const w = { ...DEFAULT_PLAN_WEIGHTS, ...weights };
  const { path, steps } = planSourceFrames({
    curves, footage: persona.params, curveLips: lipShapes(curves, N, lb), footageLips: lipShapes(persona.params, persona.frameCount, lb),
    lipDims: lb.dims, rate: persona.meta.fps / fps,
  }, w);
  return { source: path, jumps: countJumps(path, steps) };
}
