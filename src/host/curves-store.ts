import path from 'node:path';
import { CurveDocumentFile, type CurveEdits, type SemanticControl } from '../shared/curve-document';
import type { CurvesRef, ProjectFile } from '../shared/project-schema';
import { motionOrigin } from '../shared/motion-origin';
import { fromCurveDocumentFile, CurveDocumentError } from '../engine/common/curves';
import { writeJsonAtomic } from '../engine/util/atomic-file';
import { UserError } from '../engine/util/errors';
import { readProject, updateProject } from './project-store';
import { projectPath } from './project-paths';
import { createFolders } from '../engine/util/output-path';
import { reasonOf } from '../engine/util/system-errors';
import { readRegularFile } from '../engine/util/read-file';

/**
 * Curve documents of a project: curves/<id>.json, listed in project.json. Whole
 * documents are written when generated or imported; the editor's autosave only
 * replaces the edits. Writes are atomic and serialised per file.
 */
export function curvesFile(projectDir: string, curvesId: string): string {
  return path.join(projectDir, 'curves', `${curvesId}.json`);
}

const locks = new Map<string, Promise<unknown>>();
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(fn);
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) locks.delete(key);
  }
}

function refOf(project: ProjectFile, curvesId: string, projectDir: string): CurvesRef {
  const ref = project.curves.find((c) => c.id === curvesId);
  if (!ref) throw new UserError('curves-not-found', `The project has no curves "${curvesId}".`, { file: path.join(projectDir, 'project.json'), hint: 'Generate curves for a voice-over first.' });
  return ref;
}

/** Reads and validates a document file; the errors say which file and what is wrong. */
export async function readCurvesFile(file: string): Promise<CurveDocumentFile> {
  let text: string;
  try {
    text = await readRegularFile(file, 'utf8');
  } catch (err) {
    throw new UserError('curves-not-found', `Cannot read the curves file ${file}: ${reasonOf(err)}.`, { file, hint: 'Re-generate the curves.' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError('curves-corrupt', `${file} is damaged: it is not valid JSON.`, { file, hint: 'Restore it from a backup or re-generate the curves. The file was not changed.' });
  }
  const parsed = CurveDocumentFile.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new UserError('curves-corrupt', `${file} is not a valid curve document (${why}).`, { file, hint: 'Restore it from a backup or re-generate the curves. The file was not changed.' });
  }
  checkDocument(parsed.data, file);
  return parsed.data;
}

/** Cross-field checks (base size, semantic channels, unique ids) as a UserError. */
function checkDocument(doc: CurveDocumentFile, file: string): void {
  try {
    fromCurveDocumentFile(doc, file);
  } catch (err) {
    if (err instanceof CurveDocumentError) throw new UserError('curves-invalid', err.message, { file });
    throw err;
  }
}

export async function getCurves(projectDir: string, curvesId: string): Promise<CurveDocumentFile> {
  const project = await readProject(projectDir);
  const ref = refOf(project, curvesId, projectDir);
  return readCurvesFile(await projectPath(projectDir, 'curves', ref.path));
}

/** Writes a whole document and lists it in the project (replacing an entry with the same id). */
export async function saveCurves(projectDir: string, curvesId: string, doc: CurveDocumentFile, activate = true): Promise<ProjectFile> {
  const file = curvesFile(projectDir, curvesId);
  checkDocument(doc, file);
  await withLock(file, async () => {
    // One level at a time: a projectDir from the network may lie where recursive mkdir never returns (/proc).
    await createFolders(path.dirname(file));
    await writeJsonAtomic(file, { ...doc, updatedAt: new Date().toISOString() });
  });
  return updateProject(projectDir, (p) => {
    const ref: CurvesRef = {
      id: curvesId,
      personaId: doc.personaId,
      mediaId: doc.mediaId ?? '',
      path: path.relative(projectDir, file).split(path.sep).join('/'),
      source: doc.source,
      // An edited take keeps saying where its motion came from (the generator's record stays in the document).
      origin: motionOrigin(doc.source, doc.generator),
      createdAt: p.curves.find((c) => c.id === curvesId)?.createdAt ?? doc.createdAt,
    };
    const curves = [...p.curves.filter((c) => c.id !== curvesId), ref];
    return { ...p, curves, ...(activate ? { activeCurvesId: curvesId } : {}) };
  });
}

/** Autosave: replaces the edits (and optionally the semantic controls) of a saved document. */
export async function saveCurveEdits(projectDir: string, curvesId: string, edits: CurveEdits, semantic?: SemanticControl[]): Promise<string> {
  const project = await readProject(projectDir);
  const ref = refOf(project, curvesId, projectDir);
  const file = await projectPath(projectDir, 'curves', ref.path);
  return withLock(file, async () => {
    const current = await readCurvesFile(file);
    const savedAt = new Date().toISOString();
    const next: CurveDocumentFile = { ...current, edits, ...(semantic ? { semantic } : {}), updatedAt: savedAt };
    checkDocument(next, file);
    await writeJsonAtomic(file, next);
    return savedAt;
  });
}
