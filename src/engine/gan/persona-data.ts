/**
 * What FACIAL-GAN reads of a persona folder (src/engine/persona): per-frame
 * parameters, audio features and activity, tracked landmarks, face model and camera.
 */
import { createHash } from 'node:crypto';
import type { FaceModel, PinholeCamera } from '../common/face-model';
import { fittedFrames, loadPersona, loadPersonaAudio, loadPersonaLandmarks } from '../persona';
import { UserError } from '../util/errors';
import { BUILTIN_ENCODER_IDENTITY } from '../audio';
import { EYE_OUTER, mouthOpeningFromLandmarks } from './metrics';
import type { PriorInput } from './prior';

export const LANDMARK_COUNT = 478;

export interface GanPersona {
  dir: string;
  id: string;
  name: string;
  fps: number;
  frameCount: number;
  hasAudio: boolean;
  /** [T*71] persona space. */
  params: Float32Array;
  /** [T*16*29], [T] speech probability, [T] RMS dB: absent without audio. */
  features?: Float32Array;
  speech?: Float32Array;
  rmsDb?: Float32Array;
  /** [T*478*3] tracked landmarks, source pixels. */
  landmarks: Float32Array;
  model: FaceModel;
  camera: PinholeCamera;
  /** Short hash of params.npy's values: a checkpoint trained on other data is refused. */
  paramsHash: string;
  /** Identity of the audio encoder of its features (persona.json; the built-in one for personas built before it was recorded). */
  encoder: string;
  /** Frames [start, end) the persona's model and calibrations were fitted on (absent: the whole clip). */
  fittedFrames?: [number, number];
}

export async function loadGanPersona(dir: string): Promise<GanPersona> {
  const p = await loadPersona(dir);
  const [landmarks, audio] = await Promise.all([loadPersonaLandmarks(p), loadPersonaAudio(p)]);
  const T = p.frameCount;
  let speech: Float32Array | undefined;
  let rmsDb: Float32Array | undefined;
  if (audio) {
    speech = new Float32Array(T);
    rmsDb = new Float32Array(T);
    for (let t = 0; t < T; t++) {
      speech[t] = audio.activity[t * 2];
      rmsDb[t] = audio.activity[t * 2 + 1];
    }
  }
  return {
    dir,
    id: p.meta.id,
    name: p.meta.name,
    fittedFrames: fittedFrames(p.meta),
    fps: p.meta.fps,
    frameCount: T,
    hasAudio: !!audio,
    params: p.params,
    features: audio?.features,
    speech,
    rmsDb,
    landmarks,
    model: p.model,
    camera: p.camera,
    paramsHash: hashFloats(p.params),
    encoder: p.meta.audio?.encoder ?? BUILTIN_ENCODER_IDENTITY,
  };
}

export function hashFloats(a: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);
}

/** Lip opening per frame: inner-lip gap over the outer eye-corner distance (tracked landmarks, unitless). */
export function trackedOpening(landmarks: Float32Array, T: number): Float32Array {
  const gap = mouthOpeningFromLandmarks(landmarks, T, LANDMARK_COUNT, 3);
  for (let t = 0; t < T; t++) {
    const a = (t * LANDMARK_COUNT + EYE_OUTER[0]) * 3;
    const b = (t * LANDMARK_COUNT + EYE_OUTER[1]) * 3;
    const eyes = Math.hypot(landmarks[a] - landmarks[b], landmarks[a + 1] - landmarks[b + 1]);
    gap[t] = eyes > 1e-6 ? gap[t] / eyes : 0;
  }
  return gap;
}

export function priorInputOf(p: GanPersona): PriorInput {
  return { fps: p.fps, params: p.params, opening: trackedOpening(p.landmarks, p.frameCount), features: p.features, speech: p.speech, rmsDb: p.rmsDb };
}

/** A persona without audio cannot train FACIAL-GAN: a clear error. */
export function requireAudio(p: GanPersona): asserts p is GanPersona & { features: Float32Array; speech: Float32Array; rmsDb: Float32Array } {
  if (!p.hasAudio || !p.features || !p.speech || !p.rmsDb) {
    throw new UserError('gan-no-audio', `The persona "${p.name}" (${p.dir}) was built from a video without an audio track, so FACIAL-GAN cannot learn how this person moves with speech.`, {
      file: p.dir,
      hint: 'Rebuild the persona from a clip in which the person speaks (with sound), or use the zero-training prior: `facial-studio generate --prior`.',
    });
  }
}
