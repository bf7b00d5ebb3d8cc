import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ApiHost } from '../../src/host/api-host';
import { updateProject } from '../../src/host/project-store';
import { toCurveDocumentFile } from '../../src/engine/common/curves/document';
import { ffmpegPath, runProcess } from '../../src/engine/media/ffmpeg';
import { aocPersonaDir, AOC_VIDEO, OBAMA_WAV } from './aoc-persona';

export interface AocProject {
  projectDir: string;
  personaId: string;
  personaDir: string;
  voiceId: string;
  voiceFile: string;
  curvesId: string;
}

/**
 * A studio project holding the AOC clip, the cached AOC test persona (no build: see
 * aoc-persona.ts), a voice-over of `seconds` of speech the persona never heard and the
 * prior's curves for it as the active take: what a person has after "Build the
 * persona" and "Generate motion", made in seconds.
 */
export async function aocProject(host: ApiHost, projectsDir: string, name: string, seconds = 6): Promise<AocProject> {
  const projectDir = (await host.call('project.create', { dir: path.join(projectsDir, name), name })).dir;
  const voice = path.join(projectsDir, `${name}-speech.wav`);
  const cut = await runProcess(ffmpegPath(), ['-v', 'error', '-y', '-i', OBAMA_WAV, '-ss', '4', '-t', String(seconds), voice], { timeoutMs: 60_000 });
  if (cut.code !== 0) throw new Error(cut.stderr);
  const ref = await host.call('media.import', { projectDir, path: AOC_VIDEO, role: 'reference' });
  const v = await host.call('media.import', { projectDir, path: voice, role: 'voiceover' });
  const rel = `personas/${ref.media.id.replace(/[^\w-]/g, '_')}`;
  const personaDir = path.join(projectDir, rel);
  await fs.cp(await aocPersonaDir(), personaDir, { recursive: true });
  const meta = JSON.parse(await fs.readFile(path.join(personaDir, 'persona.json'), 'utf8')) as { id: string; name: string };
  await updateProject(projectDir, (p) => ({
    ...p,
    personas: [...p.personas, { id: meta.id, name: meta.name, path: rel, sourceMediaId: ref.media.id, createdAt: new Date().toISOString() }],
    activePersonaId: meta.id,
    activeVoiceoverId: v.media.id,
  }));
  const { generateCurves } = await import('../../src/engine/gan/generate');
  const g = await generateCurves(personaDir, v.media.path.startsWith('/') ? v.media.path : path.join(projectDir, v.media.path), { prior: true, mediaId: v.media.id });
  const curvesId = 'c-aoc';
  await host.call('curves.save', { projectDir, curvesId, doc: toCurveDocumentFile(g.document) });
  return { projectDir, personaId: meta.id, personaDir, voiceId: v.media.id, voiceFile: voice, curvesId };
}
