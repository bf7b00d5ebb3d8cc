import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Method, ParamsOf, ResultOf, EventName, EventOf, FsEntry } from '../shared/contract';
import { ContractError, parseEnvelope, parseParams, parseResult, toErrorPayload, type ValidParams } from '../shared/rpc';
import type { RequestEnvelope, ResponseEnvelope } from '../shared/contract';
import { UserError } from '../engine/util/errors';
import { clip, confinedPath } from '../engine/util/confine';
import { reasonOf, systemErrorToUser } from '../engine/util/system-errors';
import { createProject, readProject, updateProject, importMedia, removeMedia } from './project-store';
import { addRecent, listRecent, studioHome } from './recent-projects';
import { JobManager, type JobLauncher } from './job-manager';
import { runDoctor } from './doctor';
import { appVersion } from './app-info';
import { cleanStaleStaging } from './staging-cleanup';
import { getCurves, saveCurves, saveCurveEdits } from './curves-store';
import { mediaPeaks, personaModel } from './editor-data';
import { mediaFrame } from './media-frame';
import { personaInfo } from './persona-info';
import { trainingEstimate } from './machine-profile';
import { revealRender, systemRevealer, type Revealer } from './reveal';
import { OutputPreviews } from './output-preview';
import type { JobNames } from './job-kinds';
import { projectPath } from './project-paths';
import type { JobRequest } from '../shared/contract';

type Handlers = { [M in Method]: (params: ValidParams<M>) => Promise<ResultOf<M>> };

export interface ApiHostOptions {
  mode: 'electron' | 'browser' | 'test';
  launcher: JobLauncher;
  /** Folder offered for new projects. */
  projectsDir?: string;
  /** Opens an exported file or its folder (Electron: its shell; tests: a recorder). Default: the platform's opener. */
  revealer?: Revealer;
}

/**
 * The engine side of the API contract, independent of transport. Electron's main
 * process and the browser-mode server both wrap one of these.
 */
export class ApiHost {
  readonly jobs: JobManager;
  private readonly events = new EventEmitter();
  private readonly handlers: Handlers;
  /** Project folders opened in this session: the only places files are served from. */
  private readonly openProjects = new Set<string>();
  /** The studio's output preview: prepared takes, cached per persona and curves version. */
  private readonly previews = new OutputPreviews();

  constructor(private readonly opts: ApiHostOptions) {
    this.jobs = new JobManager(opts.launcher);
    // One listener per connected UI (and per waiting caller): many are expected, none leak.
    this.events.setMaxListeners(0);
    this.jobs.on('update', (info) => {
      this.emit('job.update', info);
      if (info.state === 'done' && info.projectDir) {
        // The UI refreshes from this event; a project that cannot be read now is said in the log (the next open reports it).
        void readProject(info.projectDir)
          .then((project) => this.emit('project.changed', { dir: info.projectDir, project }))
          .catch((err: unknown) => console.warn(`[api] project ${info.projectDir} could not be re-read after job ${info.id}: ${(err as Error)?.message ?? String(err)}`));
      }
    });
    const projectsDir = opts.projectsDir ?? path.join(os.homedir(), 'FACIAL Studio Projects');
    this.handlers = {
      'app.info': async () => ({ version: appVersion(), mode: opts.mode, homeDir: os.homedir(), defaultProjectsDir: projectsDir }),
      'app.doctor': async () => runDoctor(),
      'fs.list': async ({ dir, extensions }) => listDir(dir, extensions),
      'project.create': async ({ dir, name, fps }) => {
        const abs = path.resolve(dir);
        const project = await createProject(abs, name, fps);
        this.openProjects.add(abs);
        await addRecent({ dir: abs, name: project.name });
        return { dir: abs, project };
      },
      'project.open': async ({ dir }) => {
        const abs = path.resolve(dir);
        const project = await readProject(abs);
        await cleanStaleStaging(abs);
        this.openProjects.add(abs);
        await addRecent({ dir: abs, name: project.name });
        return { dir: abs, project };
      },
      'project.update': async ({ dir, patch }) => {
        const project = await updateProject(dir, (p) => ({ ...p, ...patch, ui: patch.ui ?? p.ui }));
        return { dir: path.resolve(dir), project };
      },
      'project.recent': async () => listRecent(),
      'media.import': async ({ projectDir, path: file, role }) => {
        const { project, media } = await importMedia(projectDir, file, role);
        if (media.hasAudio) this.jobs.start({ kind: 'media.peaks', projectDir: path.resolve(projectDir), mediaId: media.id }, { media: media.name });
        return { snapshot: { dir: path.resolve(projectDir), project }, media };
      },
      'media.remove': async ({ projectDir, mediaId }) => ({ dir: path.resolve(projectDir), project: await removeMedia(projectDir, mediaId) }),
      'job.start': async (req) => this.jobs.start(req, await jobNames(req)),
      'job.cancel': async ({ jobId }) => this.jobs.cancel(jobId),
      'job.list': async () => this.jobs.list(),
      'curves.get': async ({ projectDir, curvesId }) => ({ curvesId, doc: await getCurves(projectDir, curvesId) }),
      'curves.save': async ({ projectDir, curvesId, doc, activate }) => {
        const project = await saveCurves(projectDir, curvesId, doc, activate ?? true);
        const snapshot = { dir: path.resolve(projectDir), project };
        this.emit('project.changed', snapshot);
        return snapshot;
      },
      'curves.saveEdits': async ({ projectDir, curvesId, edits, semantic }) => ({ savedAt: await saveCurveEdits(projectDir, curvesId, edits, semantic) }),
      'media.peaks': async ({ projectDir, mediaId }) => mediaPeaks(projectDir, mediaId, this.jobs),
      'media.frame': async ({ projectDir, mediaId, frame, maxSize }) => mediaFrame(projectDir, mediaId, frame, maxSize),
      'persona.info': async ({ projectDir, personaId }) => personaInfo(projectDir, personaId),
      'persona.model': async ({ projectDir, personaId }) => personaModel(projectDir, personaId),
      'train.estimate': async ({ projectDir, personaId }) => {
        const project = await readProject(projectDir);
        const ref = project.personas.find((p) => p.id === personaId);
        if (!ref) throw new UserError('persona-not-found', `The project has no persona "${personaId}".`, { hint: 'Build the persona from the reference video.' });
        const source = project.media.find((m) => m.id === ref.sourceMediaId);
        return trainingEstimate(await projectPath(projectDir, 'persona', ref.path), source?.durationS);
      },
      'preview.frame': async (params) => this.previews.frame(params),
      'preview.range': async (params) => this.previews.range(params),
      'preview.cancel': async ({ projectDir }) => ({ cancelled: this.previews.cancel(projectDir) }),
      'render.reveal': async ({ projectDir, renderId, action }) => {
        if (!this.openProjects.has(path.resolve(projectDir))) throw new UserError('project-not-open', `${projectDir} is not open in this session.`, { hint: 'Open the project first.' });
        return revealRender(projectDir, renderId, action, opts.revealer ?? systemRevealer);
      },
    };
  }

  /** Typed call for in-process callers (tests, CLI). */
  async call<M extends Method>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    return this.dispatch(method, params);
  }

  /** Validates params, runs the method's handler, validates its result: typed end to end, no casts. */
  private async dispatch<M extends Method>(method: M, raw: unknown): Promise<ResultOf<M>> {
    const params = parseParams(method, raw);
    requireAbsoluteFolders(params);
    const handler: Handlers[M] = this.handlers[method];
    return parseResult(method, await handler(params));
  }

  /** Handles one raw message from a transport; never throws. */
  async handleRaw(raw: unknown): Promise<ResponseEnvelope> {
    let id = -1;
    try {
      // Parsed once (a big message is not held twice); its id answers even an invalid request.
      const value: unknown = typeof raw === 'string' ? parseJson(raw) : raw;
      const maybe = value as Partial<RequestEnvelope> | null;
      if (typeof maybe?.id === 'number') id = maybe.id;
      const req = parseEnvelope(value);
      id = req.id;
      const result = await this.dispatch(req.method, req.params);
      return { id: req.id, ok: true, result };
    } catch (err) {
      const system = systemErrorToUser(err);
      if (!(err instanceof UserError) && !system && (err as Error)?.name !== 'ContractError') {
        console.error('[api] internal error', err);
      }
      return { id, ok: false, error: toErrorPayload(system ?? err) };
    }
  }

  on<E extends EventName>(event: E, fn: (payload: EventOf<E>) => void): () => void {
    this.events.on(event, fn);
    return () => this.events.off(event, fn);
  }

  onAny(fn: (event: EventName, payload: unknown) => void): () => void {
    const names: EventName[] = ['job.update', 'project.changed'];
    const offs = names.map((n) => this.on(n, (p) => fn(n, p)));
    return () => offs.forEach((off) => off());
  }

  private emit<E extends EventName>(event: E, payload: EventOf<E>): void {
    this.events.emit(event, payload);
  }

  async close(): Promise<void> {
    await this.previews.close();
    await this.jobs.shutdown();
  }

  /**
   * The real path of `file` when it lies, by its real path, inside a project opened in
   * this session (for media URLs); undefined otherwise. Symlinks out of a project are refused.
   */
  async servablePath(file: string): Promise<string | undefined> {
    if (!file || file.includes('\0') || !path.isAbsolute(file)) return undefined;
    for (const dir of this.openProjects) {
      try {
        return await confinedPath(dir, file, { what: 'requested file', allowAbsolute: true });
      } catch {
        // Not inside this project (or unreadable): try the next one.
      }
    }
    return undefined;
  }

  get home(): string {
    return studioHome();
  }
}

/** The names of the media and persona a job works on, for its title (none when the project cannot be read). */
async function jobNames(req: JobRequest): Promise<JobNames | undefined> {
  if (!('projectDir' in req)) return undefined;
  try {
    const project = await readProject(req.projectDir);
    const mediaId = 'mediaId' in req ? req.mediaId : undefined;
    const personaId = 'personaId' in req ? req.personaId : undefined;
    const persona = project.personas.find((p) => p.id === personaId);
    // The name the export will have: exactly the one chosen.
    const file = req.kind === 'render.export' && req.out ? path.basename(req.out) : undefined;
    return { media: project.media.find((m) => m.id === mediaId)?.name, persona: persona?.name, ...(file ? { file } : {}) };
  } catch (err) {
    // A project that cannot be read gives a title without names; the job itself then reports why.
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

async function listDir(dir: string, extensions?: string[]): Promise<{ dir: string; parent?: string; entries: FsEntry[] }> {
  const abs = path.resolve(dir || os.homedir());
  let names: import('node:fs').Dirent[];
  try {
    names = await fs.readdir(abs, { withFileTypes: true });
  } catch (err) {
    throw new UserError('folder-unreadable', `Cannot list ${abs}: ${reasonOf(err)}.`, { file: abs, hint: 'Choose another folder.' });
  }
  const exts = extensions?.map((e) => e.toLowerCase());
  const entries: FsEntry[] = [];
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    const p = path.join(abs, d.name);
    if (d.isDirectory()) entries.push({ name: d.name, path: p, kind: 'dir' });
    else if (d.isFile() && (!exts || exts.includes(path.extname(d.name).toLowerCase()))) {
      const st = await fs.stat(p).catch(() => undefined);
      entries.push({ name: d.name, path: p, kind: 'file', ...(st ? { size: st.size } : {}) });
    }
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  const parent = path.dirname(abs);
  return { dir: abs, ...(parent !== abs ? { parent } : {}), entries };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ContractError('Malformed message: not valid JSON');
  }
}

/**
 * Folders named over the API are full paths: a relative one would be taken from the
 * server's own working folder, which no caller means (and which would create projects
 * wherever the studio happened to be started).
 */
function requireAbsoluteFolders(params: unknown): void {
  if (!params || typeof params !== 'object') return;
  for (const key of ['dir', 'projectDir']) {
    const v: unknown = (params as Record<string, unknown>)[key];
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) {
      throw new UserError('path-relative', `The folder "${clip(v, 200)}" is not a full path.`, { hint: 'Choose the folder in the file dialog, or give its full path (starting with / or a drive letter).' });
    }
  }
}
