import type { JobRequest } from '../shared/contract';
import type { RunOptions } from '../engine/util/progress';

/**
 * What each kind of job does. `run` executes inside the job's own process (never
 * on the UI's or the host's event loop); `apply` runs in the host afterwards to
 * record the result in the project. Engine modules are imported lazily so the
 * host stays light.
 */
export interface JobKind<R extends JobRequest = JobRequest> {
  title(req: R): string;
  run(req: R, opts: RunOptions): Promise<unknown>;
  apply?(req: R, result: unknown): Promise<void>;
}

/** Where a persona built from a media item lives inside the project. */
function personaFolderFor(mediaId: string): string {
  return `personas/${mediaId}`;
}

type KindMap = { [K in JobRequest['kind']]: JobKind<Extract<JobRequest, { kind: K }>> };

export const JOB_KINDS: KindMap = {
  'media.peaks': {
    title: () => 'Waveform',
    async run(req, opts) {
      const path = await import('node:path');
      const { readProject } = await import('./project-store');
      const { loadOrComputePeaks } = await import('../engine/audio');
      const project = await readProject(req.projectDir);
      const media = project.media.find((m) => m.id === req.mediaId);
      if (!media) throw new Error(`No media ${req.mediaId} in the project`);
      opts.onProgress?.({ stage: 'peaks', fraction: 0 });
      const peaks = await loadOrComputePeaks(path.join(req.projectDir, media.path), path.join(req.projectDir, 'cache'), opts);
      opts.onProgress?.({ stage: 'peaks', fraction: 1 });
      return { levels: peaks.levels.length };
    },
  },
  'persona.build': {
    title: (req) => `Build persona${req.name ? ` "${req.name}"` : ''}`,
    async run(req, opts) {
      const path = await import('node:path');
      const { readProject } = await import('./project-store');
      const { buildPersona } = await import('../engine/persona');
      const project = await readProject(req.projectDir);
      const media = project.media.find((m) => m.id === req.mediaId);
      if (!media) throw new Error(`No media ${req.mediaId} in the project`);
      const summary = await buildPersona(path.join(req.projectDir, media.path), path.join(req.projectDir, personaFolderFor(media.id)), {
        name: req.name ?? media.name.replace(/\.[^.]+$/, ''),
        overwrite: true,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      return summary;
    },
    async apply(req, result) {
      const { updateProject } = await import('./project-store');
      const summary = result as { id: string; name: string };
      await updateProject(req.projectDir, (p) => {
        p.personas = p.personas.filter((x) => x.sourceMediaId !== req.mediaId);
        p.personas.push({ id: summary.id, name: summary.name, path: personaFolderFor(req.mediaId), sourceMediaId: req.mediaId, createdAt: new Date().toISOString() });
        p.activePersonaId = summary.id;
        return p;
      });
    },
  },
  'gan.train': {
    title: () => 'Train FACIAL-GAN',
    async run(req, opts) {
      const path = await import('node:path');
      const { readProject } = await import('./project-store');
      const { trainGan } = await import('../engine/gan');
      const project = await readProject(req.projectDir);
      const persona = project.personas.find((x) => x.id === req.personaId);
      if (!persona) throw new Error(`No persona ${req.personaId} in the project`);
      const r = await trainGan(path.join(req.projectDir, persona.path), { steps: req.steps, signal: opts.signal, onProgress: opts.onProgress });
      // The loss curve went out with the progress events; the result stays small.
      return { ...r, points: undefined, curve: r.points.filter((q) => q.val !== undefined) };
    },
  },
  'curves.generate': {
    title: (req) => (req.prior ? 'Generate curves (prior)' : 'Generate curves'),
    async run(req, opts) {
      const path = await import('node:path');
      const { randomUUID } = await import('node:crypto');
      const { readProject } = await import('./project-store');
      const { generateCurves, writeCurves } = await import('../engine/gan');
      const { UserError } = await import('../engine/util/errors');
      const project = await readProject(req.projectDir);
      const persona = project.personas.find((x) => x.id === req.personaId);
      if (!persona) throw new Error(`No persona ${req.personaId} in the project`);
      const media = project.media.find((m) => m.id === req.mediaId);
      if (!media) throw new Error(`No media ${req.mediaId} in the project`);
      const curves = await generateCurves(path.join(req.projectDir, persona.path), path.join(req.projectDir, media.path), {
        prior: req.prior,
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
        mediaId: media.id,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      if (req.range && req.range.to >= curves.frameCount) {
        throw new UserError('range-outside', `Frames ${req.range.from}-${req.range.to} are outside the ${curves.frameCount} frames generated from ${media.name}.`, { hint: 'Select a range inside the timeline.' });
      }
      const id = `c-${randomUUID().slice(0, 8)}`;
      const rel = `curves/${id}.json`;
      await writeCurves(path.join(req.projectDir, rel), curves);
      return { id, path: rel, source: curves.source, frameCount: curves.frameCount, fps: curves.fps, note: curves.note, ...(req.range ? { range: req.range } : {}) };
    },
    async apply(req, result) {
      const { updateProject } = await import('./project-store');
      const r = result as { id: string; path: string; source: 'prior' | 'facial-gan' };
      await updateProject(req.projectDir, (p) => {
        p.curves.push({ id: r.id, personaId: req.personaId, mediaId: req.mediaId, path: r.path, source: r.source, createdAt: new Date().toISOString() });
        // A range take is merged into the open document by the editor: it stays a take.
        if (!req.range) p.activeCurvesId = r.id;
        return p;
      });
    },
  },
  'renderer.train': {
    title: () => 'Train the renderer',
    async run(req, opts) {
      const path = await import('node:path');
      const { readProject } = await import('./project-store');
      const { trainRenderer } = await import('../engine/render');
      const project = await readProject(req.projectDir);
      const persona = project.personas.find((x) => x.id === req.personaId);
      if (!persona) throw new Error(`No persona ${req.personaId} in the project`);
      const r = await trainRenderer(path.join(req.projectDir, persona.path), {
        steps: req.steps, size: req.size, config: req.config, device: req.device, restart: req.restart,
        signal: opts.signal, onProgress: opts.onProgress,
      });
      // Preview paths went out with the progress events (data.preview); keep the result small.
      return { ...r, previews: r.previews.slice(-1) };
    },
  },
  'render.export': {
    title: (req) => `Export video (${req.preset ?? 'square512'}${req.preview ? ', preview' : ''})`,
    async run(req, opts) {
      const path = await import('node:path');
      const { randomUUID } = await import('node:crypto');
      const { readProject } = await import('./project-store');
      const { exportVideo } = await import('../engine/export');
      const project = await readProject(req.projectDir);
      const persona = project.personas.find((x) => x.id === req.personaId);
      if (!persona) throw new Error(`No persona ${req.personaId} in the project`);
      const media = project.media.find((m) => m.id === req.mediaId);
      if (!media) throw new Error(`No media ${req.mediaId} in the project`);
      const curves = req.curvesId ? project.curves.find((c) => c.id === req.curvesId) : undefined;
      if (req.curvesId && !curves) throw new Error(`No curves ${req.curvesId} in the project`);
      const id = `r-${randomUUID().slice(0, 8)}`;
      const r = await exportVideo({
        persona: path.join(req.projectDir, persona.path),
        audio: path.join(req.projectDir, media.path),
        curves: curves ? path.join(req.projectDir, curves.path) : undefined,
        out: path.join(req.projectDir, 'renders', `${id}.mp4`),
        preset: req.preset, fps: req.fps, crf: req.crf, mode: req.preview ? 'preview' : 'auto',
        signal: opts.signal, onProgress: opts.onProgress,
      });
      return { ...r, id, path: path.relative(req.projectDir, r.path).split(path.sep).join('/') };
    },
    async apply(req, result) {
      const { updateProject } = await import('./project-store');
      const r = result as { id: string; path: string; kind: 'photoreal' | 'preview'; preset: string; durationS: number };
      await updateProject(req.projectDir, (p) => {
        p.renders.push({ id: r.id, path: r.path, preset: r.preset, kind: r.kind, createdAt: new Date().toISOString(), durationS: r.durationS });
        return p;
      });
    },
  },
};


export function jobKind(kind: JobRequest['kind']): JobKind {
  return JOB_KINDS[kind] as JobKind;
}
