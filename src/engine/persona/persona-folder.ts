/**
 * The persona folder: reading, writing, versions.
 *
 * ```
 * persona.json    PersonaMeta: formatVersion, id, name, source video, fps, frameCount,
 *                 camera, crop, paste mask, eye threshold, blink calibration, hasAudio
 * model.json      ModelJson: vertexCount, triangles, uvs, eyeMask, landmarkToVertex, faceOval, expressionStd
 * neutral.npy     float32 [V, 3]       neutral shape, model space, mm
 * basis.npy       float32 [64, V, 3]   expression basis, orthonormal rows
 * blink.npy       float32 [V, 3]       blink field: displacement that closes the lids at blink 1 (model.json `blink`)
 * params.npy      float32 [T, 71]      per frame [pose 0-5 | blink 6 | expression 7-70]
 * landmarks.npy   float32 [T, 478, 3]  tracked landmarks (smoothed), source pixels; z = relative depth, pixel scale
 * hull.npy        float32 [T, 36, 2]   per frame face outline (model's FACE_OVAL vertices projected), source pixels
 * features.npy    float32 [T, 16, 29]  audio features of the clip (absent without an audio track)
 * activity.npy    float32 [T, 2]       per frame speech probability, RMS dB (absent without audio)
 * texture.png     RGBA texture atlas for the model's uvs (alpha 0 where no frame saw the face)
 * report.json     PersonaReport (tracking and fit quality)
 * track.npy, track.json  the clip's raw track (optional; track-record.ts)
 * track-second.npy  the second reading (optional; second-reading.ts)
 * ```
 *
 * Coordinate conventions (all in src/engine/common/face-model.ts, which also has the
 * `projectVertices` / `deformMesh` helpers):
 * - Model space: mm, scaled to a 63 mm inter-pupil distance; +x towards the image's
 *   right (the person's left), +y down (forehead → chin), +z away from the camera;
 *   origin at the centroid of the neutral shape's 468 mesh vertices.
 * - Vertices: V = 478, the tracked landmarks themselves (468 mesh points + 10 iris
 *   points, MediaPipe numbering); `landmarkToVertex` is the identity, kept explicit so a
 *   future, denser model can change V without changing readers.
 * - Triangles: mesh vertices only; wound so that (b − a) × (c − a) points out of the face.
 * - UVs: 0..1, u right, v down (row 0 of texture.png is v = 0).
 * - Pose: params[0..2] = pitch, yaw, roll (rad), R = Rz(roll) · Ry(yaw) · Rx(pitch);
 *   params[3..5] = x, y, z (mm): p_cam = R · v + t; camera space +x right, +y down,
 *   +z forward. Camera (persona.json `camera`): pinhole in source pixels,
 *   u = fx · x / z + cx, v = fy · y / z + cy.
 * - Blink params[6]: 0 open .. 1 closed (calibrated per person, see blink.ts); the
 *   shape adds blink · blink.npy. A persona without blink.npy (built before it existed)
 *   closes its lids by the geometric rule of common/eyelids.ts; an older build reading a
 *   persona with it ignores the file, so it needs no new format version.
 * - Expression params[7..70]: coefficients of basis rows (mm), shape = neutral + Σ c_k · basis_k.
 *
 * Versions: `formatVersion` in persona.json and model.json. Reading a folder written by
 * an older version runs the migrations in MIGRATIONS (none needed so far: version 1 is
 * the first); a folder older than any migration, or newer than this build, gives a
 * UserError saying what to do.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FaceModel, PinholeCamera } from '../common/face-model';
import { readNpyFloat32, writeNpy } from '../io/npy';
import { checkFinite } from '../io/value-checks';
import { UserError, throwIfCancelled } from '../util/errors';
import { stagingDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { PARAM_COUNT } from '../../shared/facial-params';
import type { PersonaReport } from './report';
import { readRegularFile } from '../util/read-file';
import type { VideoTrack } from '../tracking/track-video';
import { writeTrackRecord } from './track-record';

export const PERSONA_FORMAT_VERSION = 1;

export const PERSONA_FILES = {
  meta: 'persona.json',
  model: 'model.json',
  neutral: 'neutral.npy',
  basis: 'basis.npy',
  blink: 'blink.npy',
  params: 'params.npy',
  landmarks: 'landmarks.npy',
  hull: 'hull.npy',
  features: 'features.npy',
  activity: 'activity.npy',
  texture: 'texture.png',
  report: 'report.json',
} as const;

export interface PersonaCrop {
  /** Square crop in source pixels, stable over the clip, holding the face in every frame. */
  x: number;
  y: number;
  size: number;
  /** Sizes the renderer works at. */
  renderSizes: number[];
}

export interface PersonaMeta {
  formatVersion: number;
  id: string;
  name: string;
  createdAt: string;
  source: {
    file: string;
    sizeBytes: number;
    durationS: number;
    width: number;
    height: number;
    fps: number;
    videoCodec: string;
    audioCodec?: string;
  };
  fps: number;
  frameCount: number;
  durationS: number;
  camera: PinholeCamera & { model: 'pinhole'; note: string };
  modelSpace: { units: 'mm'; ipdMm: number; axes: string; origin: string };
  pose: { rotation: string; translation: string };
  crop: PersonaCrop;
  /** How to paste a rendered face back into the frame. */
  paste: { hullFile: string; hullVertexCount: number; featherPx: number; note: string };
  eye: { threshold: number; centres: [number, number][]; rule: string };
  blink: { open: number; closed: number; measure: string };
  expression: { components: number; usefulComponents: number; std: number[] };
  hasAudio: boolean;
  /** False without an audio track: the persona renders, but FACIAL-GAN cannot be trained on it. */
  canTrainGan: boolean;
  /** `encoder`: identity of the audio encoder of features.npy (audio/encoder-identity.ts); absent in personas built before it was recorded (the built-in one). */
  audio?: { features: string; activity: string; frameAdjust: number; encoder?: string };
  build: { seconds: number; tracker: string; subPixelLandmarks: boolean };
  /**
   * Present when the persona was fitted on part of its clip only (an evaluation persona,
   * persona/fit-range.ts): frames [start, end) fitted on; absent: the whole clip.
   */
  fit?: { frames: [number, number]; evaluationOf?: string; note: string };
}

export interface ModelJson {
  formatVersion: number;
  vertexCount: number;
  triangleCount: number;
  triangles: number[];
  uvs: number[];
  /** Indices of the eye-region vertices. */
  eyeVertices: number[];
  landmarkToVertex: number[];
  /** Closed loop of vertex indices around the face (for the paste mask). */
  faceOval: number[];
  expressionCount: number;
  /** Standard deviation of each expression coefficient over the clip (mm). */
  expressionStd: number[];
  /** The blink field (blink.npy); absent in personas built before it: the geometric rule stands in. */
  blink?: BlinkFieldJson;
}

export interface BlinkFieldJson {
  file: 'blink.npy';
  version: 1;
  /** 'clip': the clip's own lid motion, completed to a full closure; 'geometric': the lid-closing rule (no blinks in the clip). */
  source: 'clip' | 'geometric';
  /** Mean lid gap of the neutral shape, and at blink 1, mm. */
  openGapMm: number;
  closedGapMm: number;
}

export interface Persona {
  dir: string;
  meta: PersonaMeta;
  model: FaceModel;
  modelJson: ModelJson;
  camera: PinholeCamera;
  /** [T*71] */
  params: Float32Array;
  frameCount: number;
  /** Absolute paths of the folder's files. */
  files: { -readonly [K in keyof typeof PERSONA_FILES]: string };
}

type Migration = (meta: Record<string, unknown>) => Record<string, unknown>;
/** MIGRATIONS[v] turns a version-v persona.json into version v + 1. */
const MIGRATIONS: Record<number, Migration> = {};

/** Validates and, if needed, migrates a persona.json object to the current version. */
export function migratePersonaMeta(json: unknown, file: string): PersonaMeta {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new UserError('persona-invalid', `${file} is not a persona description.`, { file, hint: 'Rebuild the persona with `facial-studio persona build`.' });
  }
  let meta = json as Record<string, unknown>;
  const v = meta.formatVersion;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new UserError('persona-invalid', `${file} has no formatVersion: it was not written by FACIAL Studio's persona builder.`, {
      file, hint: 'Rebuild the persona from its video with `facial-studio persona build`.',
    });
  }
  if (v > PERSONA_FORMAT_VERSION) {
    throw new UserError('persona-too-new', `${file} is a persona of format version ${v}; this FACIAL Studio reads up to version ${PERSONA_FORMAT_VERSION}.`, {
      file, hint: 'Update FACIAL Studio to open it, or rebuild the persona with this version.',
    });
  }
  let cur = v;
  while (cur < PERSONA_FORMAT_VERSION) {
    const step = MIGRATIONS[cur];
    if (!step) {
      throw new UserError('persona-too-old', `${file} is a persona of format version ${cur}, which this FACIAL Studio can no longer convert (it reads version ${PERSONA_FORMAT_VERSION}).`, {
        file, hint: 'Rebuild the persona from its video with `facial-studio persona build`.',
      });
    }
    meta = step(meta);
    cur++;
    meta.formatVersion = cur;
  }
  for (const key of ['id', 'name', 'fps', 'frameCount', 'camera'] as const) {
    if (meta[key] === undefined) throw new UserError('persona-invalid', `${file} is incomplete: "${key}" is missing.`, { file, hint: 'Rebuild the persona.' });
  }
  return meta as unknown as PersonaMeta;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readRegularFile(file, 'utf8');
  } catch {
    throw new UserError('persona-file-missing', `The persona folder is missing ${path.basename(file)} (${file}).`, {
      file, hint: 'Choose a folder made by `facial-studio persona build`, or rebuild the persona.',
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError('persona-invalid', `${file} is damaged (not valid JSON: ${(err as Error).message}).`, { file, hint: 'Rebuild the persona.' });
  }
}

function personaFiles(dir: string): Persona['files'] {
  const out = {} as Persona['files'];
  for (const [k, v] of Object.entries(PERSONA_FILES)) out[k as keyof typeof PERSONA_FILES] = path.join(dir, v);
  return out;
}

async function readArray(file: string, shape: number[]): Promise<Float32Array> {
  try {
    await fs.access(file);
  } catch {
    throw new UserError('persona-file-missing', `The persona folder is missing ${path.basename(file)} (${file}).`, { file, hint: 'Rebuild the persona.' });
  }
  const a = await readNpyFloat32(file);
  const ok = a.shape.length === shape.length && a.shape.every((d, i) => shape[i] < 0 || d === shape[i]);
  if (!ok) {
    throw new UserError('persona-invalid', `${file} has shape [${a.shape}] where [${shape.map((d) => (d < 0 ? '*' : d))}] was expected.`, { file, hint: 'Rebuild the persona.' });
  }
  checkFinite(a.data, a.shape, file);
  return a.data;
}

/** Reads persona.json only (migrated). */
export async function readPersonaMeta(dir: string): Promise<PersonaMeta> {
  const file = path.join(dir, PERSONA_FILES.meta);
  return migratePersonaMeta(await readJson(file), file);
}

/** Loads a persona folder: description, face model and per-frame parameters. */
export async function loadPersona(dir: string): Promise<Persona> {
  const files = personaFiles(dir);
  const meta = await readPersonaMeta(dir);
  const mj = (await readJson(files.model)) as ModelJson;
  if (typeof mj?.formatVersion !== 'number' || mj.formatVersion > PERSONA_FORMAT_VERSION) {
    throw new UserError('persona-too-new', `${files.model} has format version ${String(mj?.formatVersion)}; this FACIAL Studio reads up to ${PERSONA_FORMAT_VERSION}.`, {
      file: files.model, hint: 'Update FACIAL Studio or rebuild the persona.',
    });
  }
  const V = mj.vertexCount;
  const K = mj.expressionCount;
  const T = meta.frameCount;
  const [neutral, basis, params, blink] = await Promise.all([
    readArray(files.neutral, [V, 3]),
    readArray(files.basis, [K, V, 3]),
    readArray(files.params, [T, PARAM_COUNT]),
    mj.blink ? readArray(files.blink, [V, 3]) : undefined,
  ]);
  const eyeMask = new Uint8Array(V);
  for (const i of mj.eyeVertices) eyeMask[i] = 1;
  const model: FaceModel = {
    vertexCount: V,
    neutral,
    basis,
    triangles: Uint32Array.from(mj.triangles),
    uvs: Float32Array.from(mj.uvs),
    eyeMask,
    landmarkToVertex: Int32Array.from(mj.landmarkToVertex),
    ...(blink ? { blink } : {}),
  };
  const { fx, fy, cx, cy, width, height } = meta.camera;
  return { dir, meta, model, modelJson: mj, camera: { fx, fy, cx, cy, width, height }, params, frameCount: T, files };
}

/** The tracked landmarks [T*478*3] of a persona (source pixels). */
export async function loadPersonaLandmarks(persona: Persona): Promise<Float32Array> {
  return readArray(persona.files.landmarks, [persona.frameCount, 478, 3]);
}

/** The per-frame face outline [T*36*2] (source pixels). */
export async function loadPersonaHull(persona: Persona): Promise<Float32Array> {
  return readArray(persona.files.hull, [persona.frameCount, persona.meta.paste.hullVertexCount, 2]);
}

/** The clip's audio features [T*16*29] and activity [T*2]; undefined when the video had no audio. */
export async function loadPersonaAudio(persona: Persona): Promise<{ features: Float32Array; activity: Float32Array } | undefined> {
  if (!persona.meta.hasAudio) return undefined;
  const [features, activity] = await Promise.all([
    readArray(persona.files.features, [persona.frameCount, 16, 29]),
    readArray(persona.files.activity, [persona.frameCount, 2]),
  ]);
  return { features, activity };
}

export async function loadPersonaReport(dir: string): Promise<PersonaReport> {
  return (await readJson(path.join(dir, PERSONA_FILES.report))) as PersonaReport;
}

/** True when `dir` holds a persona.json (any version). */
export async function isPersonaFolder(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, PERSONA_FILES.meta));
    return true;
  } catch {
    return false;
  }
}

export interface PersonaContent {
  meta: PersonaMeta;
  modelJson: ModelJson;
  /** [V*3] */
  neutral: Float32Array;
  /** [64*V*3] */
  basis: Float32Array;
  /** [V*3] blink field (written when modelJson.blink names it). */
  blink?: Float32Array;
  /** [T*71] */
  params: Float32Array;
  /** [T*478*3] */
  landmarks: Float32Array;
  /** [T*H*2] */
  hull: Float32Array;
  /** [T*16*29] and [T*2], when the clip has audio. */
  features?: Float32Array;
  activity?: Float32Array;
  texturePng: Uint8Array;
  report: PersonaReport;
  /** The clip's raw track, kept for a later evaluation persona (track-record.ts). */
  track?: VideoTrack;
}

/**
 * Writes a persona folder atomically: everything goes into a staging folder beside
 * `target`, which replaces `target` in one rename at the end. On error or cancel the
 * staging folder is removed and `target` is left as it was.
 */
export async function writePersonaFolder(target: string, c: PersonaContent, opts: { overwrite?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  await checkPersonaTarget(target, opts.overwrite ?? false);
  const T = c.meta.frameCount;
  const V = c.modelJson.vertexCount;
  const stage = await stagingDir(target);
  try {
    const f = (name: string) => path.join(stage.dir, name);
    const write = async (name: string, data: Float32Array, shape: number[]) => {
      throwIfCancelled(opts.signal);
      await writeNpy(f(name), data, shape);
    };
    await write(PERSONA_FILES.neutral, c.neutral, [V, 3]);
    await write(PERSONA_FILES.basis, c.basis, [c.modelJson.expressionCount, V, 3]);
    if (c.modelJson.blink) {
      if (!c.blink) throw new Error('writePersonaFolder: model.json names a blink field but none was given');
      await write(PERSONA_FILES.blink, c.blink, [V, 3]);
    }
    await write(PERSONA_FILES.params, c.params, [T, PARAM_COUNT]);
    await write(PERSONA_FILES.landmarks, c.landmarks, [T, 478, 3]);
    await write(PERSONA_FILES.hull, c.hull, [T, c.meta.paste.hullVertexCount, 2]);
    if (c.features && c.activity) {
      await write(PERSONA_FILES.features, c.features, [T, 16, 29]);
      await write(PERSONA_FILES.activity, c.activity, [T, 2]);
    }
    if (c.track) await writeTrackRecord(stage.dir, c.track);
    await writeFileAtomic(f(PERSONA_FILES.texture), c.texturePng);
    await writeJsonAtomic(f(PERSONA_FILES.model), c.modelJson);
    await writeJsonAtomic(f(PERSONA_FILES.report), c.report);
    // persona.json last: a folder with it is complete.
    await writeJsonAtomic(f(PERSONA_FILES.meta), c.meta);
    throwIfCancelled(opts.signal);
    await stage.commit();
  } catch (err) {
    await stage.discard();
    throw err;
  }
}

/**
 * Refuses to write over a folder that is not a persona (the user's files) and over an
 * existing persona unless `overwrite` (which also drops the models trained on it).
 */
export async function checkPersonaTarget(target: string, overwrite: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') {
      throw new UserError('persona-out-not-folder', `${target} is a file, not a folder.`, { file: target, hint: 'Choose a new folder name for the persona.' });
    }
    throw err;
  }
  if (entries.length === 0) return;
  if (!entries.includes(PERSONA_FILES.meta)) {
    throw new UserError('persona-out-not-empty', `${target} already exists and holds other files; a persona needs a folder of its own.`, {
      file: target, hint: 'Choose a new or empty folder for the persona.',
    });
  }
  if (!overwrite) {
    throw new UserError('persona-exists', `${target} already holds a persona.`, {
      file: target, hint: 'Choose another folder, or rebuild it in place with --force (its trained models are removed with it).',
    });
  }
}
