import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { JobRequest } from '../shared/contract';
import type { ProjectFile } from '../shared/project-schema';
import { UserError } from '../engine/util/errors';
import { realPathOf } from '../engine/util/confine';
import { exportFileName, previewFileName } from '../engine/common/export-timing';
import { footageSynthesisProblem } from '../engine/synthesis';

type ExportRequest = Extract<JobRequest, { kind: 'render.export' }>;

/** True when the persona has a trained renderer. */
export function hasTrainedRenderer(personaDir: string): boolean {
  return existsSync(path.join(personaDir, 'renderer', 'renderer.json')) && existsSync(path.join(personaDir, 'renderer', 'generator.onnx'));
}

/**
 * True when an export of this persona is photoreal: built from real frames of its footage
 * (no training needed), or painted by its trained renderer. Otherwise it is a preview.
 */
export async function exportIsPhotoreal(personaDir: string): Promise<boolean> {
  return hasTrainedRenderer(personaDir) || (await footageSynthesisProblem(personaDir)) === undefined;
}

/**
 * Where an export is written: exactly the path the user chose (absolute, in an existing
 * folder), or a readable name in the project's renders/ folder (*.preview.mp4 there when
 * the export cannot be photoreal: a default name is ours to choose; a chosen one is never renamed,
 * a preview says so in its metadata). A file that exists is replaced only with
 * `overwrite`; the user's media (originals and the project's copies) never is.
 */
export async function exportTarget(req: ExportRequest, project: ProjectFile, personaDir: string, voiceName: string): Promise<string> {
  const preview = Boolean(req.preview) || !(await exportIsPhotoreal(personaDir));
  let out: string;
  if (req.out) {
    if (!path.isAbsolute(req.out)) throw new UserError('export-path-relative', `The export path ${req.out} is not a full path.`, { hint: 'Choose the folder and name in the export dialog.' });
    out = path.resolve(req.out);
    const dir = path.dirname(out);
    const st = await fs.stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new UserError('export-folder-missing', `The folder ${dir} does not exist.`, { file: dir, hint: 'Choose an existing folder to save the video in.' });
  } else {
    // The default: a readable name in the project, never replacing an earlier export.
    const dir = path.join(req.projectDir, 'renders');
    await fs.mkdir(dir, { recursive: true });
    const plain = exportFileName(project.name, voiceName);
    const name = preview ? previewFileName(plain) : plain;
    const stem = name.slice(0, -4);
    for (let k = 1; ; k++) {
      out = path.join(dir, k === 1 ? name : `${stem} (${k}).mp4`);
      if (!existsSync(out)) break;
    }
  }
  const final = out;
  // Compared by real path: a symlink or `..` spelling of a media file is still that file.
  const media = await Promise.all(project.media.flatMap((m) => [m.originalPath, path.resolve(req.projectDir, m.path)]).map((p) => realPathOf(p)));
  if (media.includes(await realPathOf(final))) {
    throw new UserError('export-would-replace-media', `${final} is one of the project's media files; an export never replaces them.`, { file: final, hint: 'Choose another file name.' });
  }
  if (existsSync(final) && !req.overwrite) {
    throw new UserError('export-exists', `${final} already exists.`, { file: final, hint: 'Choose another name, or confirm that it may be replaced.' });
  }
  const st = await fs.lstat(final).catch(() => undefined);
  if (st && !st.isFile()) throw new UserError('export-not-a-file', `${final} exists and is not a regular file.`, { file: final, hint: 'Choose another file name.' });
  return out;
}
