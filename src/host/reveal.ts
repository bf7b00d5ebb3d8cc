import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../engine/util/errors';
import { readProject } from './project-store';
import { projectPath } from './project-paths';

/** Opens a file with the system's default program, or shows it in the file manager. */
export type Revealer = (file: string, action: 'open' | 'folder') => Promise<void>;

/**
 * The platform's own opener, started detached with an argument list (no shell). Only
 * ever given a regular .mp4 file the studio exported (see revealRender).
 */
export const systemRevealer: Revealer = async (file, action) => {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', action === 'folder' ? ['-R', file] : [file]]
      : process.platform === 'win32'
        ? ['explorer.exe', action === 'folder' ? [`/select,${file}`] : [file]]
        : ['xdg-open', [action === 'folder' ? path.dirname(file) : file]];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.once('error', (err) => reject(new UserError('reveal-unavailable', `Could not start ${cmd}: ${err.message}.`, { file, hint: `Open the file yourself: ${file}` })));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
};

/**
 * render.reveal: an export the project records (by id; never a path from the caller),
 * which must still be a regular .mp4 file, opened or shown in its folder.
 */
export async function revealRender(projectDir: string, renderId: string, action: 'open' | 'folder', revealer: Revealer): Promise<{ file: string }> {
  const project = await readProject(projectDir);
  const render = project.renders.find((r) => r.id === renderId);
  if (!render) throw new UserError('render-unknown', `The project has no export with id ${renderId}.`, { hint: 'Export the video again.' });
  // An export the user saved elsewhere is recorded by its absolute path; a relative one must stay in renders/.
  const file = path.isAbsolute(render.path) ? render.path : await projectPath(projectDir, 'render', render.path);
  if (path.extname(file).toLowerCase() !== '.mp4') throw new UserError('render-not-mp4', `${file} is not an MP4 the studio exported.`, { file, hint: 'Export the video again.' });
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st) throw new UserError('render-missing', `${file} is no longer there.`, { file, hint: 'It was moved or deleted; export the video again.' });
  if (!st.isFile()) throw new UserError('render-not-a-file', `${file} is not a regular file.`, { file, hint: 'Export the video again.' });
  await revealer(file, action);
  return { file };
}
