import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { OutputFramePayload, OutputPreviewTake, OutputRangePayload } from '../shared/contract';
import type { CurveDocumentFile } from '../shared/curve-document';
import { UserError, isCancelled } from '../engine/util/errors';
import { writeFileAtomic } from '../engine/util/atomic-file';
import type { OutputPreview } from '../engine/export/output-preview';
import type { Progress } from '../engine/util/progress';
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
 * asks again.
 */
type TakeParams = z.infer<typeof OutputPreviewTake>;

interface Entry {
  key: string;
  projectDir: string;
  curvesId: string;
  controller: AbortController;
  progress: { stage: string; fraction: number; message: string };
  ready: Promise<OutputPreview>;
  preview?: OutputPreview;
  error?: unknown;
  prepareS: number;
  /** Whether the prepared result was already reported (its preparation time is said once). */
  reported: boolean;
  lastUsed: number;
  cacheDir: string;
}

const DEFAULT_MAX_SIZE = 1024;
const DEFAULT_WAIT_MS = 300;
const KEEP_VERSIONS = 2;
/** PNG deflate level: the image is read once from the local disk; speed matters more than size. */
const PNG_LEVEL = 1;
/** One row filter ("up") rather than the best of five per row: half the encode time of a frame. */
const PNG_FILTER = 2;

export class OutputPreviews {
  private readonly entries = new Map<string, Entry>();
  /** Parsed saved documents by file, kept while their size and mtime are unchanged. */
  private readonly docs = new Map<string, { stamp: string; doc: CurveDocumentFile; baseHash: string }>();

  async frame(params: TakeParams & { timeS: number }): Promise<OutputFramePayload> {
    const entry = await this.entryFor(params);
    const preview = await this.whenReady(entry, params.waitMs);
    if (!preview) return preparing(entry);
    const frame = preview.frameAt(params.timeS);
    const t0 = performance.now();
    const { file, width, height } = await this.frameFile(entry, preview, frame, params.maxSize);
    return { state: 'ready', ...info(entry, preview, width, height), frame, timeS: frame / preview.fps, file, paintMs: performance.now() - t0 };
  }

  async range(params: TakeParams & { fromS: number; seconds: number }): Promise<OutputRangePayload> {
    const entry = await this.entryFor(params);
    const preview = await this.whenReady(entry, params.waitMs);
    if (!preview) return preparing(entry);
    const from = preview.frameAt(params.fromS);
    const to = Math.min(preview.frameCount - 1, from + Math.max(1, Math.round(params.seconds * preview.fps)) - 1);
    const t0 = performance.now();
    const files: string[] = [];
    let size = { width: preview.width, height: preview.height };
    for (let f = from; f <= to; f++) {
      if (entry.controller.signal.aborted) throw new UserError('preview-superseded', 'The take changed while its range was being made.', { hint: 'Play the range again.' });
      const r = await this.frameFile(entry, preview, f, params.maxSize);
      files.push(r.file);
      size = r;
    }
    return { state: 'ready', ...info(entry, preview, size.width, size.height), from, startS: from / preview.fps, files, msPerFrame: (performance.now() - t0) / files.length };
  }

  /** Stops the preparations of a project's previews; true when one was running. */
  cancel(projectDir: string): boolean {
    let any = false;
    for (const e of [...this.entries.values()]) {
      if (e.projectDir !== path.resolve(projectDir) || e.preview || e.error) continue;
      e.controller.abort();
      this.entries.delete(e.key);
      any = true;
    }
    return any;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) e.controller.abort();
    await Promise.all(all.map((e) => e.ready.then((p) => p.close(), () => undefined)));
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
      if (e.projectDir === projectDir && e.curvesId === params.curvesId && !e.preview && !e.error) {
        e.controller.abort();
        this.entries.delete(e.key);
      }
    }
    const controller = new AbortController();
    const progress = { stage: 'starting', fraction: 0, message: 'starting' };
    const t0 = performance.now();
    const ready = (async () => {
      const { OutputPreview } = await import('../engine/export/output-preview');
      const { evaluateAll, fromCurveDocumentFile, isRevoicedTake } = await import('../engine/common/curves');
      const curves = evaluateAll(fromCurveDocumentFile(take.doc, take.file));
      const preview = await OutputPreview.prepare({
        persona: take.personaDir, audio: take.audio, curves, curvesFps: take.doc.fps, synthesis: params.synthesis, revoicedDocument: isRevoicedTake(take.doc.generator),
        signal: controller.signal,
        onProgress: (p: Progress) => Object.assign(progress, { stage: p.stage, fraction: p.fraction, message: p.message ?? p.stage }),
      });
      if (controller.signal.aborted) {
        await preview.close();
        throw new UserError('preview-superseded', 'The take changed while its preview was being prepared.', { hint: 'The newer version is prepared instead.' });
      }
      return preview;
    })();
    const entry: Entry = {
      key: take.key, projectDir, curvesId: params.curvesId, controller, progress, ready,
      cacheDir: path.join(projectDir, 'cache', 'preview', take.key),
      prepareS: 0, reported: false, lastUsed: Date.now(),
    };
    entry.ready.then(
      (p) => {
        entry.preview = p;
        entry.prepareS = (performance.now() - t0) / 1000;
      },
      (err: unknown) => {
        // A cancelled preparation is forgotten (asked again, it starts again); a failure is kept and said.
        if (isCancelled(err) || controller.signal.aborted) this.entries.delete(entry.key);
        else entry.error = err;
      },
    );
    this.entries.set(take.key, entry);
    await this.evict(projectDir);
    return entry;
  }

  /** Keeps the newest versions; closes the others and removes their images. */
  private async evict(projectDir: string): Promise<void> {
    const mine = [...this.entries.values()].filter((e) => e.projectDir === projectDir).sort((a, b) => b.lastUsed - a.lastUsed);
    for (const e of mine.slice(KEEP_VERSIONS)) {
      this.entries.delete(e.key);
      e.controller.abort();
      void e.ready.then((p) => p.close(), () => undefined);
    }
    // Images of versions no longer held (this session's or an earlier one's) go.
    const root = path.join(projectDir, 'cache', 'preview');
    const keep = new Set(mine.slice(0, KEEP_VERSIONS).map((e) => e.key));
    const names = await fs.readdir(root).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => /^[0-9a-f]{16}$/.test(n) && !keep.has(n)).map((n) => fs.rm(path.join(root, n), { recursive: true, force: true })));
  }

  private async whenReady(entry: Entry, waitMs = DEFAULT_WAIT_MS): Promise<OutputPreview | undefined> {
    if (!entry.preview && !entry.error) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.ready.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
      // The settle handlers above run before this continuation.
      await Promise.resolve();
    }
    if (entry.error) throw entry.error;
    if (!entry.preview && entry.controller.signal.aborted) throw new UserError('preview-superseded', 'The take changed while its preview was being prepared.', { hint: 'Ask for the frame of the newer version.' });
    return entry.preview;
  }

  /** The frame's PNG, painted and written once per version and size. */
  private async frameFile(entry: Entry, preview: OutputPreview, frame: number, maxSize = DEFAULT_MAX_SIZE): Promise<{ file: string; width: number; height: number }> {
    const scale = Math.min(1, maxSize / Math.max(preview.width, preview.height));
    const width = Math.max(2, Math.round(preview.width * scale)), height = Math.max(2, Math.round(preview.height * scale));
    const file = path.join(entry.cacheDir, `${width}x${height}-${frame}.png`);
    if (existsSync(file)) return { file, width, height };
    const rgb = await preview.paint(frame, entry.controller.signal);
    const { resizeRgb } = await import('../engine/export/compose');
    const { encodePng } = await import('../engine/io/png');
    const data = scale < 1 ? resizeRgb(rgb, preview.width, preview.height, width, height) : rgb;
    await fs.mkdir(entry.cacheDir, { recursive: true });
    await writeFileAtomic(file, encodePng({ width, height, channels: 3, data }, PNG_LEVEL, PNG_FILTER));
    return { file, width, height };
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

function info(entry: Entry, preview: OutputPreview, width: number, height: number) {
  // The preparation's time is said with the first answer after it; later answers were cached.
  const prepareS = entry.reported ? 0 : entry.prepareS;
  entry.reported = true;
  return { synthesis: preview.method, fps: preview.fps, frameCount: preview.frameCount, width, height, prepareS, notes: preview.notes };
}
