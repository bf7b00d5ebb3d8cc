/**
 * The persona builder: a reference video of a person → their personalised 3D face
 * model and per-frame FACIAL parameters. See persona-folder.ts for the folder layout
 * and coordinate conventions, src/engine/common/face-model.ts for projection helpers.
 */
export { buildPersona, MIN_CLIP_SECONDS, MIN_FACE_WIDTH_PX, MIN_TRACKED_FRACTION } from './build-persona';
export type { BuildPersonaOptions, PersonaSummary } from './build-persona';
export {
  loadPersona, loadPersonaLandmarks, loadPersonaHull, loadPersonaAudio, loadPersonaReport, readPersonaMeta, migratePersonaMeta,
  writePersonaFolder, isPersonaFolder, PERSONA_FORMAT_VERSION, PERSONA_FILES,
} from './persona-folder';
export type { Persona, PersonaMeta, ModelJson, PersonaCrop, PersonaContent } from './persona-folder';
export type { PersonaReport } from './report';
export { FACE_OVAL } from './landmark-sets';
export { evaluationPersona, evaluationFitFrames, fitExcludesTest, fittedFrames, EVALUATION_PERSONA_DIR, type EvaluationPersona } from './evaluation-persona';
export { parseFitFrames } from './fit-range';
export { loadSecondReading } from './track-record';
export { deformMesh, projectVertices, rotationMatrix, rotationAngles } from '../common/face-model';
export type { FaceModel, PinholeCamera } from '../common/face-model';
