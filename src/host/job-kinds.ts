import type { JobRequest } from '../shared/contract';
import type { RunOptions } from '../engine/util/progress';
import { TRAINING_PRESETS, DEFAULT_TRAINING_PRESET } from '../engine/common/training-presets';
import { motionOrigin } from '../shared/motion-origin';

/**
 * What each kind of job does. `run` executes inside the job's own process (never
 * on the UI's or the host's event loop); `apply` runs in the host afterwards to
 * record the result in the project. Engine modules are imported lazily so the
 * host stays light.
 */
export interface JobKind<Req extends JobRequest, Result> {
  /** What the jobs panel calls it: plain words and the file or persona it works on. */
  title(req: Req, names?: JobNames): string;
  run(req: Req, opts: RunOptions): Promise<Result>;
  apply?(req: Req, result: Result): Promise<void>;
}

export type JobKindName = JobRequest['kind'];
export type RequestOf<K extends JobKindName> = Extract<JobRequest, { kind: K }>;

/** Names of what a job works on, looked up in the project (titles are built from them). */
export interface JobNames {
  media?: string;
  persona?: string;
  /** The file an export writes (its final name: a preview says so). */
  file?: string;
}

/** The measured speed only improves estimates: failing to record it must not fail the job, but is said. */
function warnNotRecorded(what: string, err: unknown): void {
  console.warn(`[jobs] the ${what} training speed was not recorded: ${(err as Error)?.message ?? String(err)}`);
}

const quoted = (name: string | undefined) => (name ? ` “${name}”` : '');

/** Where a persona built from a media item lives inside the project. */
function personaFolderFor(mediaId: string): string {
  // The id comes from project.json: only its safe characters make a folder name.
  return `personas/${mediaId.replace(/[^\w-]/g, '_')}`;
}

/**
 * Resolves the persona and media a job names to absolute paths inside the project;
 * a stale id (deleted in another window, say) is a clear error, not a crash.
 */
async function resolveInProject(projectDir: string, ids: { personaId?: string; mediaId?: string }) {
  const { readProject } = await import('./project-store');
  const { UserError } = await import('../engine/util/errors');
  const project = await readProject(projectDir);
  const persona = ids.personaId === undefined ? undefined : project.personas.find((x) => x.id === ids.personaId);
  if (ids.personaId !== undefined && !persona) {
    throw new UserError('persona-unknown', `The project has no persona with id ${ids.personaId}.`, { hint: 'Reload the project; the persona may have been removed.' });
  }
  const media = ids.mediaId === undefined ? undefined : project.media.find((m) => m.id === ids.mediaId);
  if (ids.mediaId !== undefined && !media) {
    throw new UserError('media-unknown', `The project has no media with id ${ids.mediaId}.`, { hint: 'Reload the project; the file may have been removed.' });
  }
  const { projectPath } = await import('./project-paths');
  return {
    project,
    persona: persona && { ...persona, dir: await projectPath(projectDir, 'persona', persona.path) },
    media: media && { ...media, file: await projectPath(projectDir, 'media', media.path) },
  };
}

/** A generated document with the persona's clip's own head pose and blinks (src/engine/common/curves/revoice.ts). */
async function revoicedTake(personaDir: string, doc: import('../engine/common/curves').CurveDocument) {
  const { loadPersona } = await import('../engine/persona');
  const { revoicedDocument } = await import('../engine/common/curves');
  const persona = await loadPersona(personaDir);
  return revoicedDocument(doc, { params: persona.params, fps: persona.meta.fps, frameCount: persona.frameCount });
}

/** Pairs a kind's name with its request type; the result type is inferred from `run`. */
function defineKind<K extends JobKindName, Result>(_kind: K, def: JobKind<RequestOf<K>, Result>): JobKind<RequestOf<K>, Result> {
  return def;
}

const KINDS = {
  'media.peaks': defineKind('media.peaks', {
    title: (_req, n) => (n?.media ? `Waveform of${quoted(n.media)}` : 'Waveform'),
    async run(req, opts) {
      const path = await import('node:path');
      const { loadOrComputePeaks } = await import('../engine/audio');
      const { media } = await resolveInProject(req.projectDir, { mediaId: req.mediaId });
      opts.onProgress?.({ stage: 'peaks', fraction: 0 });
      const peaks = await loadOrComputePeaks(media!.file, path.join(req.projectDir, 'cache'), opts);
      opts.onProgress?.({ stage: 'peaks', fraction: 1 });
      return { levels: peaks.levels.length };
    },
  }),
  'persona.build': defineKind('persona.build', {
    title: (req, n) => `Build the persona${req.name ? ` “${req.name}”` : n?.media ? ` from${quoted(n.media)}` : ''}`,
    async run(req, opts) {
      const { buildPersona } = await import('../engine/persona');
      const { projectPath } = await import('./project-paths');
      const media = (await resolveInProject(req.projectDir, { mediaId: req.mediaId })).media!;
      // Replaces an earlier persona of this media: its folder must really be the project's own.
      const dir = await projectPath(req.projectDir, 'persona', personaFolderFor(media.id));
      const summary = await buildPersona(media.file, dir, {
        name: req.name ?? media.name.replace(/\.[^.]+$/, ''),
        overwrite: true,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      return summary;
    },
    async apply(req, result) {
      const { updateProject } = await import('./project-store');
      const summary = result;
      await updateProject(req.projectDir, (p) => {
        p.personas = p.personas.filter((x) => x.sourceMediaId !== req.mediaId);
        p.personas.push({ id: summary.id, name: summary.name, path: personaFolderFor(req.mediaId), sourceMediaId: req.mediaId, createdAt: new Date().toISOString() });
        p.activePersonaId = summary.id;
        return p;
      });
    },
  }),
  'gan.train': defineKind('gan.train', {
    title: (req, n) => `Train the motion model${n?.persona ? ` of${quoted(n.persona)}` : ''} (${TRAINING_PRESETS.gan[req.preset ?? DEFAULT_TRAINING_PRESET.gan].label.toLowerCase()})`,
    async run(req, opts) {
      const { trainGan } = await import('../engine/gan');
      const { persona } = await resolveInProject(req.projectDir, { personaId: req.personaId });
      const preset = TRAINING_PRESETS.gan[req.preset ?? DEFAULT_TRAINING_PRESET.gan];
      const r = await trainGan(persona!.dir, { steps: req.steps ?? preset.steps, patience: preset.patience, device: req.device, init: req.init, signal: opts.signal, onProgress: opts.onProgress });
      // The loss curve went out with the progress events; the result stays small.
      return { ...r, points: undefined, curve: r.points.filter((q) => q.val !== undefined) };
    },
    async apply(_req, result) {
      const { recordTrainingSpeed } = await import('./machine-profile');
      await recordTrainingSpeed('gan', result.secondsPerStep, result.stepsThisRun).catch((err: unknown) => warnNotRecorded('gan', err));
    },
  }),
  'curves.generate': defineKind('curves.generate', {
    title: (req, n) =>
      req.revoice
        ? `Re-voice the clip${n?.persona ? ` of${quoted(n.persona)}` : ''}${n?.media ? ` with${quoted(n.media)}` : ''}`
        : `${req.range ? `Re-generate frames ${req.range.from}–${req.range.to}` : 'Generate motion'}${n?.media ? ` for${quoted(n.media)}` : ''}${req.prior ? ' (built-in motion)' : ''}`,
    async run(req, opts) {
      const path = await import('node:path');
      const { randomUUID } = await import('node:crypto');
      const { generateCurves, writeCurves } = await import('../engine/gan');
      const { UserError } = await import('../engine/util/errors');
      const { persona, media } = await resolveInProject(req.projectDir, { personaId: req.personaId, mediaId: req.mediaId });
      const generated = await generateCurves(persona!.dir, media!.file, {
        prior: req.prior,
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
        mediaId: media!.id,
        device: req.device,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      // Re-voicing the clip: its own head pose and blinks, frame for frame; the mouth from the voice-over.
      const curves = req.revoice ? { ...generated, document: await revoicedTake(persona!.dir, generated.document) } : generated;
      if (req.range && req.range.to >= curves.frameCount) {
        throw new UserError('range-outside', `Frames ${req.range.from}-${req.range.to} are outside the ${curves.frameCount} frames generated from ${media!.name}.`, { hint: 'Select a range inside the timeline.' });
      }
      const id = `c-${randomUUID().slice(0, 8)}`;
      const rel = `curves/${id}.json`;
      await writeCurves(path.join(req.projectDir, rel), curves);
      return { id, path: rel, source: curves.source, origin: motionOrigin(curves.source, curves.document.generator), frameCount: curves.frameCount, fps: curves.fps, note: curves.note, ...(req.range ? { range: req.range } : {}) };
    },
    async apply(req, result) {
      const { updateProject } = await import('./project-store');
      const r = result;
      await updateProject(req.projectDir, (p) => {
        p.curves.push({ id: r.id, personaId: req.personaId, mediaId: req.mediaId, path: r.path, source: r.source, origin: r.origin, createdAt: new Date().toISOString() });
        // A range take is merged into the open document by the editor: it stays a take.
        if (!req.range) p.activeCurvesId = r.id;
        return p;
      });
    },
  }),
  'renderer.train': defineKind('renderer.train', {
    title: (req, n) => `Train the renderer${n?.persona ? ` of${quoted(n.persona)}` : ''} (${TRAINING_PRESETS.renderer[req.preset ?? DEFAULT_TRAINING_PRESET.renderer].label.toLowerCase()})`,
    async run(req, opts) {
      const { trainRenderer } = await import('../engine/render');
      const { persona } = await resolveInProject(req.projectDir, { personaId: req.personaId });
      // The preset's steps are for the default configuration; a GPU configuration keeps its own default.
      const presetSteps = req.config === 'gpu-full' && !req.preset ? undefined : TRAINING_PRESETS.renderer[req.preset ?? DEFAULT_TRAINING_PRESET.renderer].steps;
      const r = await trainRenderer(persona!.dir, {
        steps: req.steps ?? presetSteps, size: req.size, config: req.config, device: req.device, restart: req.restart,
        signal: opts.signal, onProgress: opts.onProgress,
      });
      // Preview paths went out with the progress events (data.preview); keep the result small.
      return { ...r, previews: r.previews.slice(-1) };
    },
    async apply(req, result) {
      const { recordTrainingSpeed } = await import('./machine-profile');
      // Only the default configuration's speed says what the presets will take.
      if ((!req.config || req.config === 'cpu-small') && (req.size ?? 256) === 256) {
        await recordTrainingSpeed('renderer', result.secondsPerStep, result.stepsThisRun).catch((err: unknown) => warnNotRecorded('renderer', err));
      }
    },
  }),
  'residual.train': defineKind('residual.train', {
    title: (req, n) =>
      `Train the mouth correction${n?.persona ? ` of${quoted(n.persona)}` : ''} (${req.config && req.config !== 'draft' && !req.preset ? req.config : TRAINING_PRESETS.residual[req.preset ?? DEFAULT_TRAINING_PRESET.residual].label.toLowerCase()})`,
    async run(req, opts) {
      const { trainMouthCorrection } = await import('../engine/export/residual-flow');
      const { persona } = await resolveInProject(req.projectDir, { personaId: req.personaId });
      const r = await trainMouthCorrection(persona!.dir, {
        // No preset with another network (gpu-full): its own steps, as the renderer's gpu-full keeps its own.
        preset: req.preset, config: req.config, steps: req.steps, device: req.device,
        signal: opts.signal, onProgress: opts.onProgress,
      });
      // The job's last words: what happened and whether exports apply it.
      opts.onProgress?.({ stage: r.applied ? 'applied' : 'notApplied', fraction: 1, message: r.message });
      return r;
    },
    async apply(req, result) {
      const { recordTrainingSpeed } = await import('./machine-profile');
      // Only the presets' own network (draft) says what the presets will take; a reused stage measured nothing.
      const trained = [result.heldOut, result.own].filter((t): t is NonNullable<typeof t> => Boolean(t && !t.reused && t.steps > 0));
      const steps = trained.reduce((n, t) => n + t.steps, 0), seconds = trained.reduce((n, t) => n + t.trainSeconds, 0);
      if ((req.config ?? 'draft') === 'draft' && steps > 0) await recordTrainingSpeed('residual', seconds / steps, steps).catch((err: unknown) => warnNotRecorded('residual', err));
    },
  }),
  'render.export': defineKind('render.export', {
    title: (req, n) => `Export ${n?.file ? `“${n.file}”` : req.out ? `“${req.out.split(/[\\/]/).pop()}”` : 'video'}`,
    async run(req, opts) {
      const path = await import('node:path');
      const { randomUUID } = await import('node:crypto');
      const { exportVideo } = await import('../engine/export');
      const { UserError } = await import('../engine/util/errors');
      const { exportTarget } = await import('./export-target');
      const { projectPath } = await import('./project-paths');
      const { project, persona, media } = await resolveInProject(req.projectDir, { personaId: req.personaId, mediaId: req.mediaId });
      const curves = req.curvesId ? project.curves.find((c) => c.id === req.curvesId) : undefined;
      if (req.curvesId && !curves) throw new UserError('curves-unknown', `The project has no curves with id ${req.curvesId}.`, { hint: 'Reload the project and choose the curves again.' });
      const id = `r-${randomUUID().slice(0, 8)}`;
      const out = await exportTarget(req, project, persona!.dir, media!.name);
      const r = await exportVideo({
        persona: persona!.dir,
        audio: media!.file,
        curves: curves ? await projectPath(req.projectDir, 'curves', curves.path) : undefined,
        out,
        preset: req.preset, framing: req.framing, fps: req.fps, crf: req.crf, mode: req.preview ? 'preview' : 'auto', synthesis: req.synthesis, device: req.device,
        // The video is tracked again and measured; the report rides in the result (and lies beside the MP4).
        quality: true,
        signal: opts.signal, onProgress: opts.onProgress,
      });
      // Inside the project a path is kept relative (the project can move); outside it, absolute.
      const storedPath = (p: string) => {
        const rel = path.relative(req.projectDir, p);
        const inside = rel && !rel.startsWith('..') && !path.isAbsolute(rel);
        return inside ? rel.split(path.sep).join('/') : p;
      };
      return { ...r, id, file: r.path, path: storedPath(r.path), ...(r.qualityPath ? { qualityPath: storedPath(r.qualityPath) } : {}) };
    },
    async apply(req, result) {
      const { updateProject } = await import('./project-store');
      const r = result;
      await updateProject(req.projectDir, (p) => {
        p.renders.push({ id: r.id, path: r.path, preset: r.preset, kind: r.kind, createdAt: new Date().toISOString(), durationS: r.durationS });
        return p;
      });
    },
  }),
};

/** What each kind's `run` returns (and its `apply` receives). */
export type JobResultOf<K extends JobKindName> = Awaited<ReturnType<(typeof KINDS)[K]['run']>>;
type KindMap = { [K in JobKindName]: JobKind<RequestOf<K>, JobResultOf<K>> };
export const JOB_KINDS: KindMap = KINDS;

/** The title of a job (generic over the kind, so request and kind stay paired without casts). */
export function jobTitle<K extends JobKindName>(kind: K, req: RequestOf<K>, names?: JobNames): string {
  const k: KindMap[K] = JOB_KINDS[kind];
  return k.title(req, names);
}

/** Runs a job of any kind (inside the job's process). */
export function runJobKind<K extends JobKindName>(kind: K, req: RequestOf<K>, opts: RunOptions): Promise<JobResultOf<K>> {
  const k: KindMap[K] = JOB_KINDS[kind];
  return k.run(req, opts);
}

/**
 * Records a finished job's result in the project (in the host). The result crossed the
 * IPC channel from the job's own process, which ran `run` of the same kind on the same
 * request: that pairing is what the one type assertion below states.
 */
export async function applyJobResult<K extends JobKindName>(kind: K, req: RequestOf<K>, result: unknown): Promise<void> {
  const k: KindMap[K] = JOB_KINDS[kind];
  await k.apply?.(req, result as JobResultOf<K>);
}
