import { z } from 'zod';
import { ProjectFile, MediaItem } from './project-schema';
import { CurveDocumentFile, CurveEdits, SemanticControl } from './curve-document';
import { PersonaInfoPayload } from './persona-info';
import { LIMITS } from './limits';

/**
 * The one API contract between the studio UI and the engine host. Every request,
 * response and event is declared here once, and validated at runtime on arrival
 * by both sides (src/shared/rpc.ts). Two transports carry it: Electron IPC through
 * the preload bridge, and a WebSocket on 127.0.0.1 in browser mode.
 */

export const ProjectSnapshot = z.object({
  dir: z.string(),
  project: ProjectFile,
});
export type ProjectSnapshot = z.infer<typeof ProjectSnapshot>;

export const RecentProject = z.object({ dir: z.string(), name: z.string(), openedAt: z.string() });
export type RecentProject = z.infer<typeof RecentProject>;

export const ProviderStatus = z.object({ name: z.string(), available: z.boolean(), reason: z.string().optional() });

/**
 * Where networks run: 'auto' takes the first of CUDA, WebGPU, CPU that ONNX Runtime
 * can drive here (falling back to the CPU with a reason); the others ask for one.
 */
export const Device = z.enum(['auto', 'cpu', 'webgpu', 'cuda']);
export type Device = z.infer<typeof Device>;
export const DEVICES = Device.options;

export const DoctorReport = z.object({
  app: z.object({ version: z.string(), node: z.string(), platform: z.string() }),
  onnxruntime: z.object({
    version: z.string(),
    providers: z.array(ProviderStatus),
    /** The provider the device choice 'auto' uses on this machine. */
    auto: z.enum(['cpu', 'webgpu', 'cuda']).optional(),
  }),
  ffmpeg: z.object({ found: z.boolean(), path: z.string().optional(), version: z.string().optional(), reason: z.string().optional() }),
  ffprobe: z.object({ found: z.boolean(), path: z.string().optional(), version: z.string().optional(), reason: z.string().optional() }),
  faceModels: z.object({ found: z.boolean(), dir: z.string().optional(), models: z.array(z.string()), reason: z.string().optional() }),
  electron: z.object({ installed: z.boolean(), version: z.string().optional(), path: z.string().optional(), reason: z.string().optional() }),
});
export type DoctorReport = z.infer<typeof DoctorReport>;

export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

export const JobInfo = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  state: JobState,
  stage: z.string(),
  fraction: z.number(),
  etaS: z.number().optional(),
  message: z.string().optional(),
  /** Structured progress for the UI: loss curves, preview image paths. */
  data: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
  result: z.unknown().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  projectDir: z.string().optional(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const FsEntry = z.object({ name: z.string(), path: z.string(), kind: z.enum(['dir', 'file']), size: z.number().optional() });
export type FsEntry = z.infer<typeof FsEntry>;

/** Training budget of the training jobs; the steps of each are in src/engine/common/training-presets.ts. */
export const TrainingPreset = z.enum(['draft', 'standard', 'best']);
export type TrainingPreset = z.infer<typeof TrainingPreset>;

/** Export sizes (src/engine/common/export-timing.ts): the footage's own, or a fixed one. */
export const ExportPresetName = z.enum(['source', 'square512', '720p', '1080p']);
/** A preset of another aspect than the footage: the whole frame with bars (fit), or cropped around the face (fill). */
export const ExportFraming = z.enum(['fit', 'fill']);

/** Job requests: one variant per kind of long operation. */
export const JobRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('media.peaks'), projectDir: z.string(), mediaId: z.string() }),
  z.object({ kind: z.literal('persona.build'), projectDir: z.string(), mediaId: z.string(), name: z.string().min(1).max(200).optional() }),
  /** Train FACIAL-GAN on a persona of the project (resumes from its checkpoint). */
  z.object({
    kind: z.literal('gan.train'), projectDir: z.string(), personaId: z.string(),
    /** Training budget; explicit `steps` win over the preset's. */
    preset: TrainingPreset.optional(),
    steps: LIMITS.steps.schema.optional(),
    device: Device.optional(),
    /** Fine-tune from a base model folder (pretrained on several personas, or another persona's gan/ folder) at lr 1e-5. */
    init: z.string().min(1).optional(),
  }),
  /** Curves for a voice-over: the persona's FACIAL-GAN, or the zero-training prior when it has none (or `prior`). */
  z.object({
    kind: z.literal('curves.generate'), projectDir: z.string(), personaId: z.string(), mediaId: z.string(), prior: z.boolean().optional(),
    /** Seed of the prior's sampling (another seed, another take); default 1. */
    seed: LIMITS.seed.schema.optional(),
    /**
     * Frames [from, to] (inclusive) the editor will re-generate: the new take is added
     * to the project without becoming the active curves, since the editor merges only
     * this range of it into the open document.
     */
    range: z.object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }).refine((r) => r.from <= r.to, 'from must not be after to').optional(),
    device: Device.optional(),
    /** Re-voice the persona's own clip: the take's head pose and blinks are the clip's tracked ones, frame for frame; only the mouth comes from the voice-over. */
    revoice: z.boolean().optional(),
  }),
  /** Train the rendering-to-video network on a persona (resumes from its checkpoint; `steps` is the total to reach). */
  z.object({
    kind: z.literal('renderer.train'), projectDir: z.string(), personaId: z.string(),
    /** Training budget; explicit `steps` win over the preset's. */
    preset: TrainingPreset.optional(),
    steps: LIMITS.steps.schema.optional(),
    size: z.union([z.literal(256), z.literal(512)]).optional(),
    config: z.enum(['cpu-small', 'gpu-full']).optional(),
    device: Device.optional(),
    restart: z.boolean().optional(),
  }),
  /**
   * The mouth correction (residual G_r, docs/rendering.md 5b), checked before it is used: trained on the
   * evaluation persona, measured on held-out frames, and trained on the persona itself only if it wins.
   */
  z.object({
    kind: z.literal('residual.train'), projectDir: z.string(), personaId: z.string(),
    /** Training budget of each of the two trainings (src/engine/common/training-presets.ts). */
    preset: TrainingPreset.optional(),
    /** The network: draft (every preset's), gpu-full (for a GPU), tiny (tests). */
    config: z.enum(['draft', 'gpu-full', 'tiny']).optional(),
    /** Explicit steps of each training win over the preset's. */
    steps: LIMITS.steps.schema.optional(),
    device: Device.optional(),
  }),
  /** Export an MP4 of a persona saying a voice-over: with a curve document of the project, or curves generated on the fly. */
  z.object({
    kind: z.literal('render.export'), projectDir: z.string(), personaId: z.string(), mediaId: z.string(),
    curvesId: z.string().optional(),
    /** Default: `source`, the footage's own size and aspect. */
    preset: ExportPresetName.optional(),
    framing: ExportFraming.optional(),
    /**
     * Where to save the MP4 (absolute path, .mp4); absent: the project's renders/ folder.
     * When the export cannot be photoreal (no footage at hand, no trained renderer) the file name gets ".preview" (talk.preview.mp4).
     */
    out: z.string().min(1).max(4096).refine((p) => /\.mp4$/i.test(p), 'the file name must end in .mp4').optional(),
    /** Replace a file of that name; without it an existing file is an error, never overwritten. */
    overwrite: z.boolean().optional(),
    fps: z.union([z.literal(25), z.literal(30)]).optional(),
    crf: LIMITS.crf.schema.optional(),
    /** Composite the textured 3D render even when a renderer is trained. */
    preview: z.boolean().optional(),
    /** How the frames are made: real pixels of the footage (`retrieval`), the trained renderer, or `auto` (the default: whichever measured better). */
    synthesis: z.enum(['auto', 'retrieval', 'renderer']).optional(),
    device: Device.optional(),
  }),
]);
export type JobRequest = z.infer<typeof JobRequest>;

/** Id of a curve document: its file is curves/<id>.json in the project. */
export const CurvesId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (1-64)');

/** Waveform peaks for the timeline (see src/engine/audio/peaks-format.ts); pairs are int16 LE, base64. */
export const PeaksPayload = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('ready'),
    sampleRate: z.number().positive(),
    totalSamples: z.number().nonnegative(),
    levels: z.array(z.object({ samplesPerBucket: z.number().int().positive(), count: z.number().int().nonnegative(), data: z.string() })),
  }),
  /** Not computed yet: a media.peaks job is running (watch it in job.update). */
  z.object({ state: z.literal('pending'), jobId: z.string() }),
]);
export type PeaksPayload = z.infer<typeof PeaksPayload>;

/** What the 3D preview needs of a persona: its face model (float32 arrays as base64 LE), camera and texture. */
export const PersonaModelPayload = z.object({
  personaId: z.string(),
  name: z.string(),
  vertexCount: z.number().int().positive(),
  expressionCount: z.number().int().positive(),
  neutral: z.string(),
  basis: z.string(),
  /** The blink field [V*3] (float32 base64), when the persona has one; otherwise the preview uses the geometric lid rule. */
  blink: z.string().optional(),
  triangles: z.array(z.number().int().nonnegative()),
  uvs: z.array(z.number()),
  eyeVertices: z.array(z.number().int().nonnegative()),
  landmarkToVertex: z.array(z.number().int()),
  camera: z.object({ fx: z.number(), fy: z.number(), cx: z.number(), cy: z.number(), width: z.number(), height: z.number() }),
  fps: z.number().positive(),
  frameCount: z.number().int().nonnegative(),
  /** Absolute paths inside the project (load them through the file URL of the transport). */
  textureFile: z.string().optional(),
  referenceVideoFile: z.string().optional(),
  /** Mean pose of the persona's clip: where the preview camera looks. */
  meanPose: z.array(z.number()).length(6),
});
export type PersonaModelPayload = z.infer<typeof PersonaModelPayload>;

/** Time to train a persona to each preset on this machine, for both training jobs. */
const PresetEstimate = z.object({
  preset: TrainingPreset,
  steps: z.number().int().nonnegative(),
  remainingSteps: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  basis: z.enum(['measured', 'typical']),
  upTo: z.boolean(),
});
export const TrainingEstimatePayload = z.object({
  renderer: z.object({ doneSteps: z.number().int().nonnegative(), secondsPerStep: z.number().positive().optional(), presets: z.array(PresetEstimate) }),
  gan: z.object({ doneSteps: z.number().int().nonnegative(), secondsPerStep: z.number().positive().optional(), presets: z.array(PresetEstimate) }),
  /** The mouth correction's whole run (held-out check, then the persona's own training); absent from hosts before it. */
  residual: z.object({ doneSteps: z.number().int().nonnegative(), secondsPerStep: z.number().positive().optional(), presets: z.array(PresetEstimate) }).optional(),
  /** Duration of the footage the persona was built from. */
  footageS: z.number().nonnegative().optional(),
});
export type TrainingEstimatePayload = z.infer<typeof TrainingEstimatePayload>;

/** One frame of a project's video, extracted by the host (the file lies in the project's cache/frames/). */
export const MediaFramePayload = z.object({ file: z.string(), frame: z.number().int().nonnegative() });
export type MediaFramePayload = z.infer<typeof MediaFramePayload>;

/**
 * The studio's output preview (src/host/output-preview.ts): the export's own frames,
 * made from the take as the editor holds it (the saved document's base with the editor's
 * current edits). Preparing a take (the plan and the donors read from the footage) runs
 * once per persona and curves version; until it is done the call answers `preparing`.
 */
export const OutputPreviewTake = z.object({
  projectDir: z.string(),
  curvesId: CurvesId,
  /** The editor's edits (and semantic controls); absent: the saved ones. */
  edits: CurveEdits.optional(),
  semantic: z.array(SemanticControl).optional(),
  /** How the frames are made, as the export's choice; default auto (as the export). */
  synthesis: z.enum(['auto', 'retrieval', 'renderer']).optional(),
  /** Longest side of the image (default 1024; the footage's own size when smaller). */
  maxSize: z.number().int().min(64).max(4096).optional(),
  /** How long to wait for a preparation before answering `preparing` (ms, default 300). */
  waitMs: z.number().int().min(0).max(10_000).optional(),
});
const OutputPreviewPreparing = z.object({ state: z.literal('preparing'), fraction: z.number(), message: z.string(), stage: z.string() });
const OutputPreviewInfo = {
  /** How the frames are made: real pixels of the footage, the trained renderer, or the 3D composite. */
  synthesis: z.enum(['retrieval', 'renderer', 'preview']),
  fps: z.number().positive(),
  frameCount: z.number().int().positive(),
  /** Size of the image files (the footage's aspect). */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Seconds the preparation took (0 when it was cached), and what it said. */
  prepareS: z.number().nonnegative(),
  notes: z.array(z.string()),
};
export const OutputFramePayload = z.discriminatedUnion('state', [
  OutputPreviewPreparing,
  z.object({ state: z.literal('ready'), ...OutputPreviewInfo, frame: z.number().int().nonnegative(), timeS: z.number().nonnegative(), file: z.string(), paintMs: z.number().nonnegative() }),
]);
export type OutputFramePayload = z.infer<typeof OutputFramePayload>;
export const OutputRangePayload = z.discriminatedUnion('state', [
  OutputPreviewPreparing,
  z.object({ state: z.literal('ready'), ...OutputPreviewInfo, from: z.number().int().nonnegative(), startS: z.number().nonnegative(), files: z.array(z.string()), msPerFrame: z.number().nonnegative() }),
]);
export type OutputRangePayload = z.infer<typeof OutputRangePayload>;

/** A take is at most a few hours long. */
const LIMITS_PREVIEW_S = 6 * 3600;
const Empty = z.object({}).strict();

/** Requests: method name → params and result schemas. */
export const Requests = {
  'app.info': { params: Empty, result: z.object({ version: z.string(), mode: z.enum(['electron', 'browser', 'test']), homeDir: z.string(), defaultProjectsDir: z.string() }) },
  'app.doctor': { params: Empty, result: DoctorReport },
  'fs.list': { params: z.object({ dir: z.string(), extensions: z.array(z.string()).optional() }), result: z.object({ dir: z.string(), parent: z.string().optional(), entries: z.array(FsEntry) }) },
  'project.create': { params: z.object({ dir: z.string().min(1), name: z.string().min(1).max(200), fps: z.number().positive().max(120).optional() }), result: ProjectSnapshot },
  'project.open': { params: z.object({ dir: z.string().min(1) }), result: ProjectSnapshot },
  'project.update': { params: z.object({ dir: z.string(), patch: ProjectFile.pick({ name: true, fps: true, ui: true, activePersonaId: true, activeVoiceoverId: true, activeCurvesId: true }).partial().strip() }), result: ProjectSnapshot },
  'project.recent': { params: Empty, result: z.array(RecentProject) },
  'media.import': { params: z.object({ projectDir: z.string(), path: z.string().min(1), role: z.enum(['reference', 'voiceover']) }), result: z.object({ snapshot: ProjectSnapshot, media: MediaItem }) },
  'media.remove': { params: z.object({ projectDir: z.string(), mediaId: z.string() }), result: ProjectSnapshot },
  'job.start': { params: JobRequest, result: JobInfo },
  'job.cancel': { params: z.object({ jobId: z.string() }), result: JobInfo },
  'job.list': { params: Empty, result: z.array(JobInfo) },
  'curves.get': { params: z.object({ projectDir: z.string(), curvesId: CurvesId }), result: z.object({ curvesId: z.string(), doc: CurveDocumentFile }) },
  /** Writes a whole curve document (atomic) and lists it in the project; makes it the active one unless activate is false. */
  'curves.save': { params: z.object({ projectDir: z.string(), curvesId: CurvesId, doc: CurveDocumentFile, activate: z.boolean().optional() }), result: ProjectSnapshot },
  /** Autosave: replaces only the edits (and semantic controls) of a saved document. */
  'curves.saveEdits': { params: z.object({ projectDir: z.string(), curvesId: CurvesId, edits: CurveEdits, semantic: z.array(SemanticControl).optional() }), result: z.object({ savedAt: z.string() }) },
  'media.peaks': { params: z.object({ projectDir: z.string(), mediaId: z.string() }), result: PeaksPayload },
  'media.frame': {
    params: z.object({ projectDir: z.string(), mediaId: z.string(), frame: z.number().int().nonnegative(), maxSize: z.number().int().min(16).max(4096).optional() }),
    result: MediaFramePayload,
  },
  'persona.info': { params: z.object({ projectDir: z.string(), personaId: z.string() }), result: PersonaInfoPayload },
  'persona.model': { params: z.object({ projectDir: z.string(), personaId: z.string() }), result: PersonaModelPayload },
  'train.estimate': { params: z.object({ projectDir: z.string(), personaId: z.string() }), result: TrainingEstimatePayload },
  /**
   * Opens an exported video with the system's player, or shows it in the file manager.
   * Only renders the studio recorded in the project (by id), never an arbitrary path.
   */
  /** The export's frame at `timeS` of a take (PNG in the project's cache/preview/). */
  'preview.frame': { params: OutputPreviewTake.extend({ timeS: z.number().nonnegative().max(LIMITS_PREVIEW_S) }), result: OutputFramePayload },
  /** Frames of a short range (at most 10 s) from `fromS`, for playing it. */
  'preview.range': { params: OutputPreviewTake.extend({ fromS: z.number().nonnegative().max(LIMITS_PREVIEW_S), seconds: z.number().positive().max(10) }), result: OutputRangePayload },
  /** Stops preparing the output preview of a project (the playhead moved on, the view was closed). */
  'preview.cancel': { params: z.object({ projectDir: z.string() }), result: z.object({ cancelled: z.boolean() }) },
  'render.reveal': { params: z.object({ projectDir: z.string(), renderId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), action: z.enum(['open', 'folder']) }), result: z.object({ file: z.string() }) },
} as const;

export type Method = keyof typeof Requests;
export type ParamsOf<M extends Method> = z.input<(typeof Requests)[M]['params']>;
export type ResultOf<M extends Method> = z.infer<(typeof Requests)[M]['result']>;

/** Events pushed from the host to every connected UI. */
export const Events = {
  'job.update': JobInfo,
  'project.changed': ProjectSnapshot,
} as const;
export type EventName = keyof typeof Events;
export type EventOf<E extends EventName> = z.infer<(typeof Events)[E]>;

/** Wire envelopes (the same on both transports). */
export const RequestEnvelope = z.object({ id: z.number().int(), method: z.string(), params: z.unknown() });
export const ErrorPayload = z.object({ code: z.string(), message: z.string(), file: z.string().optional(), hint: z.string().optional() });
export type ErrorPayload = z.infer<typeof ErrorPayload>;
export const ResponseEnvelope = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: ErrorPayload }),
]);
export const EventEnvelope = z.object({ event: z.string(), payload: z.unknown() });
export type RequestEnvelope = z.infer<typeof RequestEnvelope>;
export type ResponseEnvelope = z.infer<typeof ResponseEnvelope>;
export type EventEnvelope = z.infer<typeof EventEnvelope>;
