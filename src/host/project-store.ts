import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ProjectFile, PROJECT_SCHEMA_VERSION, type MediaItem } from '../shared/project-schema';
import { UserError } from '../engine/util/errors';
import { writeJsonAtomic } from '../engine/util/atomic-file';
import { probeMedia } from '../engine/media/ffmpeg';
import { projectEntryPath } from './project-paths';
import { registerLeftover, releaseLeftover } from '../engine/util/leftovers';
import { createFolders } from '../engine/util/output-path';
import { reasonOf } from '../engine/util/system-errors';
import { readRegularFile } from '../engine/util/read-file';

/**
 * A project is a folder:
 *   project.json   versioned description (src/shared/project-schema.ts)
 *   media/         copies of imported media (the user's originals are only read)
 *   personas/      persona folders
 *   curves/        curve documents
 *   renders/       exported videos
 *   cache/         derived data that can be rebuilt (waveform peaks, thumbnails)
 * Every write of project.json is atomic; a corrupted or newer project is refused
 * and never overwritten.
 */
export const PROJECT_FILE = 'project.json';
export const PROJECT_SUBDIRS = ['media', 'personas', 'curves', 'renders', 'cache'] as const;

/** Migrations from version n to n+1, applied in order on open. */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // 0 → 1: the pre-release format kept media under "assets" and had no curves/renders lists.
  0: (old) => ({
    ...old,
    schemaVersion: 1,
    media: (old.media ?? old.assets ?? []) as unknown[],
    personas: old.personas ?? [],
    curves: old.curves ?? [],
    renders: old.renders ?? [],
    ui: old.ui ?? { panes: {} },
  }),
};

export function migrateProject(raw: Record<string, unknown>, file: string): { project: ProjectFile; migrated: boolean } {
  // Absent: the pre-release format (0). Anything but a whole number ("2", 1.5) is damage, never migrated.
  if (raw.schemaVersion !== undefined && !(typeof raw.schemaVersion === 'number' && Number.isInteger(raw.schemaVersion) && raw.schemaVersion >= 0)) {
    throw new UserError('project-corrupt', `${file} is damaged: its schemaVersion ${JSON.stringify(raw.schemaVersion)?.slice(0, 40)} is not a format number.`, {
      file,
      hint: 'Restore it from a backup, or set "schemaVersion" to the number it was saved with. The file was not changed.',
    });
  }
  let version = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 0;
  if (version > PROJECT_SCHEMA_VERSION) {
    throw new UserError('project-too-new', `${file} was saved by a newer FACIAL Studio (project format ${version}; this version reads up to ${PROJECT_SCHEMA_VERSION}).`, {
      file,
      hint: 'Update FACIAL Studio to open it. The project was not changed.',
    });
  }
  let cur = raw;
  const migrated = version < PROJECT_SCHEMA_VERSION;
  while (version < PROJECT_SCHEMA_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) throw new UserError('project-unsupported', `${file} uses project format ${version}, which cannot be migrated.`, { file, hint: 'Create a new project and import the media again.' });
    cur = step(cur);
    version = cur.schemaVersion as number;
  }
  const parsed = ProjectFile.safeParse(cur);
  if (!parsed.success) {
    const why = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new UserError('project-corrupt', `${file} is damaged and cannot be opened (${why}).`, {
      file,
      hint: 'Restore it from a backup, or create a new project. The file was not changed.',
    });
  }
  return { project: parsed.data, migrated };
}

export async function readProject(dir: string): Promise<ProjectFile> {
  const file = path.join(dir, PROJECT_FILE);
  let text: string;
  try {
    text = await readRegularFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError('project-not-found', code === 'ENOENT' ? `${dir} is not a FACIAL Studio project (no ${PROJECT_FILE}).` : `Cannot read ${file}: ${reasonOf(err)}.`, {
      file,
      hint: 'Choose the project folder, or create a new project.',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError('project-corrupt', `${file} is damaged: it is not valid JSON.`, { file, hint: 'Restore it from a backup, or create a new project. The file was not changed.' });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('project-corrupt', `${file} is damaged: it does not hold a project.`, { file, hint: 'Restore it from a backup, or create a new project. The file was not changed.' });
  }
  const { project, migrated } = migrateProject(raw as Record<string, unknown>, file);
  if (migrated) {
    // Keep the original next to the migrated file, so an upgrade is never a loss.
    const backup = path.join(dir, `project.v${(raw as { schemaVersion?: number }).schemaVersion ?? 0}.json.bak`);
    await fs.copyFile(file, backup, fsConstants.COPYFILE_EXCL).catch((err: NodeJS.ErrnoException) => {
      // An earlier backup of this version is kept as it is; any other failure stops the migration (nothing is lost).
      if (err.code !== 'EEXIST') throw err;
    });
    await writeProject(dir, project);
  }
  return project;
}

export async function writeProject(dir: string, project: ProjectFile): Promise<void> {
  const checked = ProjectFile.parse(project);
  await writeJsonAtomic(path.join(dir, PROJECT_FILE), checked);
}

export async function createProject(dir: string, name: string, fps = 25): Promise<ProjectFile> {
  const abs = path.resolve(dir);
  try {
    await fs.access(path.join(abs, PROJECT_FILE));
    throw new UserError('project-exists', `${abs} already holds a project.`, { file: abs, hint: 'Open it instead, or choose another folder.' });
  } catch (err) {
    if (err instanceof UserError) throw err;
  }
  try {
    const entries = await fs.readdir(abs);
    if (entries.length > 0) {
      throw new UserError('folder-not-empty', `${abs} is not empty; a new project needs an empty or new folder.`, { file: abs, hint: 'Choose a new folder name; files already there are left alone.' });
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
  }
  await createFolders(abs);
  for (const sub of PROJECT_SUBDIRS) await fs.mkdir(path.join(abs, sub), { recursive: true });
  const now = new Date().toISOString();
  const project: ProjectFile = {
    schemaVersion: PROJECT_SCHEMA_VERSION,
    id: randomUUID(),
    name,
    createdAt: now,
    updatedAt: now,
    fps,
    media: [],
    personas: [],
    curves: [],
    renders: [],
    ui: { panes: {} },
  };
  await writeProject(abs, project);
  return project;
}

/**
 * Serialises read-modify-write updates of one project.json within this process,
 * so concurrent requests (autosave, a job finishing) do not lose each other's changes.
 */
const locks = new Map<string, Promise<unknown>>();

export async function updateProject(dir: string, fn: (p: ProjectFile) => ProjectFile | Promise<ProjectFile>): Promise<ProjectFile> {
  const key = path.resolve(dir);
  const prev = locks.get(key) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(async () => {
    const current = await readProject(key);
    const updated = await fn(structuredClone(current));
    updated.updatedAt = new Date().toISOString();
    await writeProject(key, updated);
    return updated;
  });
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) locks.delete(key);
  }
}

const MEDIA_EXTENSIONS = new Set(['.wav', '.mp3', '.m4a', '.aac', '.flac', '.ogg', '.opus', '.mp4', '.mov', '.mkv', '.webm', '.avi']);

/**
 * Copies a user's media file into the project (the original is only read) and
 * records it. A reference video must have a video stream; a voice-over must have audio.
 */
export async function importMedia(dir: string, source: string, role: MediaItem['role']): Promise<{ project: ProjectFile; media: MediaItem }> {
  const src = path.resolve(source);
  const ext = path.extname(src).toLowerCase();
  if (!MEDIA_EXTENSIONS.has(ext)) {
    throw new UserError('media-type', `${src} does not look like an audio or video file (extension "${ext || 'none'}").`, {
      file: src,
      hint: `Use one of: ${[...MEDIA_EXTENSIONS].join(', ')}.`,
    });
  }
  const info = await probeMedia(src);
  if (role === 'reference' && !info.video) {
    throw new UserError('media-no-video', `${src} has no video stream, so it cannot be a reference video of a person.`, { file: src, hint: 'Import it as a voice-over, or choose a video of the person.' });
  }
  if (role === 'voiceover' && !info.audio) {
    throw new UserError('media-no-audio', `${src} has no audio stream, so it cannot be a voice-over.`, { file: src, hint: 'Choose a file with sound (WAV, MP3, M4A, ...).' });
  }
  const id = randomUUID().slice(0, 8);
  const rel = path.join('media', `${id}-${path.basename(src).replace(/[^\w.-]+/g, '_')}`);
  const dest = path.join(dir, rel);
  // Copy to a temp name and rename, so a crash never leaves a half copy under the real name.
  const tmp = `${dest}.importing`;
  registerLeftover(tmp, 'importing', dest);
  try {
    await fs.copyFile(src, tmp, fsConstants.COPYFILE_FICLONE);
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  } finally {
    releaseLeftover(tmp);
  }
  const media: MediaItem = {
    id,
    role,
    name: path.basename(src),
    path: rel,
    originalPath: src,
    durationS: info.durationS,
    hasAudio: Boolean(info.audio),
    hasVideo: Boolean(info.video),
    ...(info.video ? { width: info.video.width, height: info.video.height, fps: info.video.fps } : {}),
    importedAt: new Date().toISOString(),
  };
  const project = await updateProject(dir, (p) => {
    p.media.push(media);
    if (role === 'voiceover' && !p.activeVoiceoverId) p.activeVoiceoverId = id;
    return p;
  });
  return { project, media };
}

export async function removeMedia(dir: string, mediaId: string): Promise<ProjectFile> {
  let removedPath: string | undefined;
  const project = await updateProject(dir, (p) => {
    const item = p.media.find((m) => m.id === mediaId);
    if (!item) throw new UserError('media-unknown', `No media with id ${mediaId} in this project.`, { hint: 'Reload the project.' });
    removedPath = item.path;
    p.media = p.media.filter((m) => m.id !== mediaId);
    if (p.activeVoiceoverId === mediaId) p.activeVoiceoverId = undefined;
    return p;
  });
  // Only the project's own copy is removed, never the user's original, and only when its real
  // path lies in the project's media/ folder: a hostile entry is dropped from the list, its target left alone.
  if (removedPath !== undefined) {
    const file = await projectEntryPath(dir, 'media', removedPath).catch((err: unknown) => {
      if (err instanceof UserError && err.code === 'path-outside') return undefined;
      throw err;
    });
    if (file) await fs.rm(file, { force: true });
  }
  return project;
}
