import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../engine/util/worker-script';
import type { z } from 'zod';
import type { OutputFramePayload, OutputPreviewTake, OutputRangePayload } from '../shared/contract';
import type { CurveDocumentFile } from '../shared/curve-document';
import { CancelledError, UserError } from '../engine/util/errors';
import { fromWorkerError, type WorkerErrorPayload } from '../engine/util/worker-error';
import type { OutputPreviewOptions } from '../engine/export/output-preview';
import type { SynthesisMethod } from '../engine/export/export-video';
import { readProject } from './project-store';
import { projectPath } from './project-paths';
import { readCurvesFile } from './curves-store';

/**
 * preview.frame / preview.range: the export's frames of the take the editor holds, as
 * PNGs in the project's cache/preview/<version>/, for the studio's Output view.
 *
 * A take's preparation (the plan over the whole take, the donor crops read from the
 * footage: `OutputPreview.prepare`) is cached per persona + curves version, the version
 * being a hash of the saved document's base, the editor's edits and the synthesis
 * choice: an edit is a new version. At most two versions are kept (undo / redo goes
 * back without preparing again); a newer version of the same take supersedes (cancels)
 * one still preparing. Calls do not hold the connection while a take prepares: they
 * wait up to `waitMs` and otherwise answer `preparing` with its progress, and the UI
 * asks again. The prepared takes live in a worker thread (output-preview-worker.ts),
 * which also paints and writes the frames: the host's event loop only reads the
 * project and passes messages.
 */
type TakeParams = z.infer<typeof OutputPreviewTake>;

/** What the worker says about a prepared take. */
export interface PreparedInfo {
  method: SynthesisMethod;
  fps: number;
  frameCount: number;
  width: number;
  height: number;
  notes: string[];
  prepareSeconds: Partial<Record<string, number>>;
}

/** Messages to the worker, and its replies. */
export type PreviewRequest =
  | { type: 'prepare'; key: string; options: Omit<OutputPreviewOptions, 'curves' | 'signal' | 'onProgress'> & { curves: ArrayBuffer } }
  | { type: 'frame'; id: number; key: string; frame: number; width: number; height: number; file: string }
  | { type: 'drop'; key: string };
export type PreviewReply =
  | { type: 'progress'; key: string; stage: string; fraction: number; message: string }
  | { type: 'ready'; key: string; info: PreparedInfo }
  | { type: 'failed'; key: string; error: WorkerErrorPayload }
  | { type: 'frame-done'; id: number }
  | { type: 'frame-failed'; id: number; error: WorkerErrorPayload };

interface Entry {
  key: string;
  projectDir: string;
  curvesId: string;
  progress: { stage: string; fraction: number; message: string };
  ready: Promise<PreparedInfo>;
  info?: PreparedInfo;
  error?: Error;
  /** Dropped (superseded, cancelled, evicted): its answers are no longer wanted. */
  dropped: boolean;
  prepareS: number;
  /** Whether the prepared result was already reported (its preparation time is said once). */
  reported: boolean;
  lastUsed: number;
  cacheDir: string;
  settle?: { resolve(info: PreparedInfo): void; reject(err: Error): void };
}

const DEFAULT_MAX_SIZE = 1024;
const DEFAULT_WAIT_MS = 300;
const KEEP_VERSIONS = 2;


export class OutputPreviews {
  private readonly entries = new Map<string, Entry>();
  /** Parsed saved documents by file, kept while their size and mtime are unchanged. */
  private readonly docs = new Map<string, { stamp: string; doc: CurveDocumentFile; baseHash: string }>();
  private worker?: Worker;
  private nextId = 1;
  private readonly frames = new Map<number, { resolve(): void; reject(err: Error): void }>();

  async frame(params: TakeParams & { timeS: number }): Promise<OutputFramePayload> {
    const entry = await this.entryFor(params);
    const info = await this.whenReady(entry, params.waitMs);
    if (!info) return preparing(entry);
    const frame = frameAt(info, params.timeS);
    const t0 = performance.now();
    const { file, width, height } = await this.frameFile(entry, info, frame, params.maxSize);
    return { state: 'ready', ...describe(entry, info, width, height), frame, timeS: frame / info.fps, file, paintMs: performance.now() - t0 };
  }

  async range(params: TakeParams & { fromS: number; seconds: number }): Promise<OutputRangePayload> {
    const entry = await this.entryFor(params);
    const info = await this.whenReady(entry, params.waitMs);
    if (!info) return preparing(entry);
    const from = frameAt(info, params.fromS);
    const to = Math.min(info.frameCount - 1, from + Math.max(1, Math.round(params.seconds * info.fps)) - 1);
    const t0 = performance.now();
    const files: string[] = [];
    let size = { width: info.width, height: info.height };
    for (let f = from; f <= to; f++) {
      if (entry.dropped) throw new UserError('preview-superseded', 'The take changed while its range was being made.', { hint: 'Play the range again.' });
      const r = await this.frameFile(entry, info, f, params.maxSize);
      files.push(r.file);
      size = r;
    }
    return { state: 'ready', ...describe(entry, info, size.width, size.height), from, startS: from / info.fps, files, msPerFrame: (performance.now() - t0) / files.length };
  }

  /** Stops the preparations of a project's previews; true when one was running. */
  cancel(projectDir: string): boolean {
    let any = false;
    for (const e of [...this.entries.values()]) {
      if (e.projectDir !== path.resolve(projectDir) || e.info || e.error) continue;
      this.drop(e);
      any = true;
    }
    return any;
  }

  async close(): Promise<void> {
    for (const e of [...this.entries.values()]) this.drop(e);
    const closed = new UserError('preview-closed', 'The studio is closing: the output preview stopped.');
    for (const f of this.frames.values()) f.reject(closed);
    this.frames.clear();
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  /** The entry of this take's version, prepared or preparing (started here when new). */
  private async entryFor(params: TakeParams): Promise<Entry> {
    const projectDir = path.resolve(params.projectDir);
    const take = await this.resolveTake(projectDir, params);
    const existing = this.entries.get(take.key);
    if (existing) {
      existing.lastUsed = Date.now();
      return existing;
    }
    // A newer version of the same take supersedes one still preparing.
    for (const e of [...this.entries.values()]) {
      if (e.projectDir === projectDir && e.curvesId === params.curvesId && !e.info && !e.error) this.drop(e);
    }
    const { evaluateAll, fromCurveDocumentFile, isRevoicedTake } = await import('../engine/common/curves');
    const curves = evaluateAll(fromCurveDocumentFile(take.doc, take.file));
    let settle: Entry['settle'];
    const ready = new Promise<PreparedInfo>((resolve, reject) => (settle = { resolve, reject }));
    const entry: Entry = {
      key: take.key, projectDir, curvesId: params.curvesId,
      progress: { stage: 'starting', fraction: 0, message: 'starting' },
      ready, settle, dropped: false, prepareS: 0, reported: false, lastUsed: Date.now(),
      cacheDir: path.join(projectDir, 'cache', 'preview', take.key),
    };
    const t0 = performance.now();
    entry.ready.then(
      (info) => {
        entry.info = info;
        entry.prepareS = (performance.now() - t0) / 1000;
      },
      (err: Error) => {
        // A cancelled preparation is forgotten (asked again, it starts again); a failure is kept and said.
        if (err instanceof CancelledError) this.entries.delete(entry.key);
        else entry.error = err;
      },
    );
    this.entries.set(take.key, entry);
    this.post({
      type: 'prepare', key: take.key,
      options: { persona: take.personaDir, audio: take.audio, curves: curves.buffer as ArrayBuffer, curvesFps: take.doc.fps, synthesis: params.synthesis, revoicedDocument: isRevoicedTake(take.doc.generator) },
    }, [curves.buffer as ArrayBuffer]);
    await this.evict(projectDir);
    return entry;
  }

  /** Forgets an entry and tells the worker to stop preparing it or to free it. */
  private drop(e: Entry): void {
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    if (e.dropped) return;
    e.dropped = true;
    this.worker?.postMessage({ type: 'drop', key: e.key } satisfies PreviewRequest);
    e.settle?.reject(new CancelledError());
  }

  /** Keeps the newest versions; frees the others and removes their images. */
  private async evict(projectDir: string): Promise<void> {
    const mine = [...this.entries.values()].filter((e) => e.projectDir === projectDir).sort((a, b) => b.lastUsed - a.lastUsed);
    for (const e of mine.slice(KEEP_VERSIONS)) this.drop(e);
    // Images of versions no longer held (this session's or an earlier one's) go.
    const root = path.join(projectDir, 'cache', 'preview');
    const keep = new Set(mine.slice(0, KEEP_VERSIONS).map((e) => e.key));
    const names = await fs.readdir(root).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => /^[0-9a-f]{16}$/.test(n) && !keep.has(n)).map((n) => fs.rm(path.join(root, n), { recursive: true, force: true })));
  }

  private async whenReady(entry: Entry, waitMs = DEFAULT_WAIT_MS): Promise<PreparedInfo | undefined> {
    if (!entry.info && !entry.error && !entry.dropped) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.ready.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
      // The settle handlers above run before this continuation.
      await Promise.resolve();
    }
    if (entry.error) throw entry.error;
    if (!entry.info && entry.dropped) throw new UserError('preview-superseded', 'The take changed while its preview was being prepared.', { hint: 'Ask for the frame of the newer version.' });
    return entry.info;
  }

  /** The frame's PNG, painted and written once per version and size (by the worker). */
  private async frameFile(entry: Entry, info: PreparedInfo, frame: number, maxSize = DEFAULT_MAX_SIZE): Promise<{ file: string; width: number; height: number }> {
    const scale = Math.min(1, maxSize / Math.max(info.width, info.height));
    const width = Math.max(2, Math.round(info.width * scale)), height = Math.max(2, Math.round(info.height * scale));
    const file = path.join(entry.cacheDir, `${width}x${height}-${frame}.png`);
    if (existsSync(file)) return { file, width, height };
    const id = this.nextId++;
    await new Promise<void>((resolve, reject) => {
      this.frames.set(id, { resolve, reject });
      this.post({ type: 'frame', id, key: entry.key, frame, width, height, file });
    });
    return { file, width, height };
  }

  private post(msg: PreviewRequest, transfer: ArrayBuffer[] = []): void {
    this.worker ??= this.startWorker();
    this.worker.postMessage(msg, transfer);
  }

  private startWorker(): Worker {
    const script = workerScript(import.meta.url, 'output-preview-worker', { code: 'preview-worker-missing', what: 'The output preview' });
    const worker = 'code' in script ? new Worker(script.code, { eval: true }) : new Worker(script.file);
    // The worker must not keep the host alive on its own (the host closes it on shutdown).
    worker.unref();
    worker.on('message', (msg: PreviewReply) => this.receive(msg));
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const e of [...this.entries.values()]) {
        this.entries.delete(e.key);
        e.settle?.reject(err);
      }
      for (const f of this.frames.values()) f.reject(err);
      this.frames.clear();
    };
    worker.on('error', (e) => fail(new UserError('preview-worker', `The output preview stopped: ${e.message}.`, { hint: 'Ask for the frame again; the preview starts anew.' })));
    worker.on('exit', (code) => fail(new UserError('preview-worker', `The output preview stopped (exit code ${code}).`, { hint: 'Ask for the frame again; the preview starts anew.' })));
    return worker;
  }

  private receive(msg: PreviewReply): void {
    if (msg.type === 'frame-done' || msg.type === 'frame-failed') {
      const f = this.frames.get(msg.id);
      this.frames.delete(msg.id);
      if (msg.type === 'frame-done') f?.resolve();
      else f?.reject(fromWorkerError(msg.error));
      return;
    }
    const entry = this.entries.get(msg.key);
    if (!entry || entry.dropped) return;
    if (msg.type === 'progress') entry.progress = { stage: msg.stage, fraction: msg.fraction, message: msg.message };
    else if (msg.type === 'ready') entry.settle?.resolve(msg.info);
    else entry.settle?.reject(fromWorkerError(msg.error));
  }

  /** The take's persona, voice-over and document (the saved base with the editor's edits), and its version key. */
  private async resolveTake(projectDir: string, params: TakeParams) {
    const project = await readProject(projectDir);
    const ref = project.curves.find((c) => c.id === params.curvesId);
    if (!ref) throw new UserError('curves-not-found', `The project has no curves "${params.curvesId}".`, { hint: 'Generate the motion for a voice-over first.' });
    const persona = project.personas.find((p) => p.id === ref.personaId);
    if (!persona) throw new UserError('persona-not-found', `The persona of these curves (${ref.personaId}) is not in the project.`, { hint: 'Build the persona from the reference video, then generate the motion again.' });
    const media = project.media.find((m) => m.id === ref.mediaId);
    if (!media?.hasAudio) throw new UserError('media-not-found', 'The voice-over of these curves is not in the project.', { hint: 'Import the voice-over again and generate the motion for it.' });
    const file = await projectPath(projectDir, 'curves', ref.path);
    const saved = await this.savedDoc(file);
    const doc: CurveDocumentFile = { ...saved.doc, ...(params.edits ? { edits: params.edits } : {}), ...(params.semantic ? { semantic: params.semantic } : {}) };
    const key = createHash('sha256')
      .update(JSON.stringify([persona.id, persona.path, media.id, params.curvesId, saved.baseHash, doc.fps, doc.edits, doc.semantic, params.synthesis ?? 'auto']))
      .digest('hex')
      .slice(0, 16);
    return {
      key, file, doc,
      personaDir: await projectPath(projectDir, 'persona', persona.path),
      audio: await projectPath(projectDir, 'media', media.path),
    };
  }

  private async savedDoc(file: string): Promise<{ doc: CurveDocumentFile; baseHash: string }> {
    const st = await fs.stat(file).catch(() => undefined);
    const stamp = st ? `${st.size}-${st.mtimeMs}` : '';
    const hit = this.docs.get(file);
    if (hit && hit.stamp === stamp) return hit;
    const doc = await readCurvesFile(file);
    const got = { stamp, doc, baseHash: createHash('sha256').update(doc.base.data).digest('hex') };
    this.docs.set(file, got);
    return got;
  }
}

function preparing(entry: Entry): { state: 'preparing'; fraction: number; message: string; stage: string } {
  return { state: 'preparing', ...entry.progress };
}

/** The output frame shown at `timeS` seconds (clamped to the take). */
function frameAt(info: PreparedInfo, timeS: number): number {
  return Math.max(0, Math.min(info.frameCount - 1, Math.round(timeS * info.fps)));
}

function describe(entry: Entry, info: PreparedInfo, width: number, height: number) {
  // The preparation's time is said with the first answer after it; later answers were cached.
  const prepareS = entry.reported ? 0 : entry.prepareS;
  entry.reported = true;
  return { synthesis: info.method, fps: info.fps, frameCount: info.frameCount, width, height, prepareS, notes: info.notes };
}

/**
 * How to start the worker in this layout (as the tracker's, src/engine/tracking/tracker-pool.ts):
 * from sources (tsx, vitest) a bootstrap registers tsx's loader in the worker and imports
 * the .ts entry; in the electron-vite bundle, output-preview-worker.js lies beside the
 * main entry (this module may sit one folder below, in chunks/).
 */
