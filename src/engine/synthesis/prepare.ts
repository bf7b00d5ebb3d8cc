import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadPersonaLandmarks, loadSecondReading, PERSONA_FILES, readPersonaMeta, type Persona } from '../persona';
import { mouthOpening } from '../persona/expression-basis';
import type { RunOptions } from '../util/progress';
import { StageRunner } from '../util/stages';
import { PARAM_COUNT } from '../../shared/facial-params';
import { lipBasis, lipShapes, trackedLipShapes } from './face-regions';
import { DEFAULT_PLAN_WEIGHTS, planRetrieval, planSourceFrames, type PlanInput, type PlanWeights, type RetrievalPlan } from './retrieval-plan';
import { countJumps } from './smooth-path';
import { footageMouths } from './mouth-sharpness';
import { collectDonors, RetrievalSynthesizer } from './retrieval-synth';

/**
 * The same check from the persona folder alone (persona.json, landmarks.npy), for callers
 * that only need to know what an export will be (the host, the studio's export dialog).
 */
export async function footageSynthesisProblem(personaDir: string): Promise<string | undefined> {
  const meta = await readPersonaMeta(personaDir).catch(() => undefined);
  if (!meta) return 'the persona folder could not be read';
  if (!existsSync(path.join(personaDir, PERSONA_FILES.landmarks))) return 'the persona folder has no tracked landmarks (landmarks.npy); rebuild it';
  if (!existsSync(meta.source.file)) return `its source video ${meta.source.file} is gone`;
  return undefined;
}

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
  /** An earlier synthesizer of this persona's footage whose donor crops are reused (the studio's preview of an edited take). */
  reuse?: RetrievalSynthesizer;
}

/**
 * Plans an output (which real frames make each output frame) and gathers the donor
 * crops from the footage: a synthesizer ready to compose frames.
 */
export async function prepareRetrieval(persona: Persona, curves: Float32Array, opts: PrepareRetrievalOptions): Promise<{ synth: RetrievalSynthesizer; plan: RetrievalPlan; donorFrames: number }> {
  const landmarks = await loadPersonaLandmarks(persona);
  const T = persona.frameCount, N = curves.length / PARAM_COUNT;
  const lb = lipBasis(persona.model);
  // The sharpness pass reads the whole footage, but only once per persona (cached).
  const run = new StageRunner(opts, { sharpness: 4, plan: 1, donors: 3 });
  const mouths = await run.stage('sharpness', (ctx) => footageMouths(persona, landmarks, ctx.runOptions));
  const readings = await footageLipReadings(persona, landmarks, T);
  const plan = await run.stage('plan', (ctx) => {
    ctx.progress(0, 'choosing source, mouth and eye frames');
    return planRetrieval({
      curves, footage: persona.params,
      curveLips: lipShapes(curves, N, lb), ...readings, lipDims: lb.dims,
      rate: persona.meta.fps / opts.fps, donors: opts.donors, mouthSharpness: mouths.sharpness, footageTeethMm: mouths.teethMm, neutralLipGap: mouthOpening(persona.model.neutral),
      weights: opts.weights, source: opts.source, keepEyes: Boolean(opts.source),
    });
  });
  const synth = new RetrievalSynthesizer({ model: persona.model, camera: persona.camera, params: persona.params, landmarks, width: persona.camera.width, height: persona.camera.height }, plan, curves);
  const missing = opts.reuse ? synth.reuseDonors(opts.reuse) : undefined;
  const donorFrames = await run.stage('donors', (ctx) => collectDonors(synth, persona.meta.source.file, persona.camera.width, persona.camera.height, persona.meta.fps, {
    signal: opts.signal, onProgress: (f) => ctx.progress(f, 'reading mouths and eyes from the footage'), frames: missing,
  }));
  return { synth, plan, donorFrames };
}

/**
 * The lip shapes of the footage's first T frames as tracked, and as its second reading
 * saw them where the persona has one (persona/second-reading.ts): what the mouth path
 * judges a donor's gap by.
 */
export async function footageLipReadings(persona: Persona, landmarks: Float32Array, T = persona.frameCount): Promise<Pick<PlanInput, 'footageLips' | 'footageSecondLips'>> {
  const second = await loadSecondReading(persona.dir, persona.frameCount);
  return {
    footageLips: trackedLipShapes(persona.model, persona.camera, landmarks, T),
    ...(second ? { footageSecondLips: trackedLipShapes(persona.model, persona.camera, second, T) } : {}),
  };
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
