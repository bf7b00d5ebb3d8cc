import { cleanLeftovers } from '../engine/util/leftovers';

/**
 * Removes leftovers of interrupted writes inside a project: only what a studio process
 * recorded as its own (temp files, staging folders, imports; src/engine/util/leftovers.ts)
 * and only once that process has ended. A folder moved aside while being replaced is
 * moved back when its replacement never arrived. Files the studio did not record,
 * whatever their names, are never touched.
 */
export async function cleanStaleStaging(projectDir: string): Promise<string[]> {
  const done = await cleanLeftovers(projectDir);
  return done.map((d) => d.path);
}
