import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { PeaksPayload, PersonaModelPayload } from '../shared/contract';
import { readProject } from './project-store';
import { projectPath } from './project-paths';
import { UserError } from '../engine/util/errors';
import { float32ToBase64, bytesToBase64 } from '../engine/common/curves';
import type { JobManager } from './job-manager';

/**
 * Data the editor reads from a project: waveform peaks of a voice-over (cached by
 * the media.peaks job) and a persona's face model for the 3D preview.
 */
/** The peaks job started for each project|media, so repeated asks do not start more. */
const peaksJobs = new Map<string, string>();

export async function mediaPeaks(projectDir: string, mediaId: string, jobs: JobManager): Promise<PeaksPayload> {
  const project = await readProject(projectDir);
  const media = project.media.find((m) => m.id === mediaId);
  if (!media) throw new UserError('media-not-found', `The project has no media "${mediaId}".`, { hint: 'Import the voice-over again.' });
  if (!media.hasAudio) throw new UserError('media-no-audio', `${media.name} has no audio, so it has no waveform.`, { hint: 'Choose a voice-over with sound.' });
  const { peaksCacheKey, peaksCacheFile, decodePeaks } = await import('../engine/audio');
  const mediaFile = await projectPath(projectDir, 'media', media.path);
  const file = peaksCacheFile(path.join(projectDir, 'cache'), await peaksCacheKey(mediaFile));
  if (existsSync(file)) {
    try {
      const bytes = await fs.readFile(file);
      const p = decodePeaks(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return {
        state: 'ready',
        sampleRate: p.sampleRate,
        totalSamples: p.totalSamples,
        levels: p.levels.map((l) => ({ samplesPerBucket: l.samplesPerBucket, count: l.count, data: bytesToBase64(new Uint8Array(l.data.buffer, l.data.byteOffset, l.count * 4)) })),
      };
    } catch {
      /* damaged: computed again below */
    }
  }
  const abs = path.resolve(projectDir);
  const key = `${abs}|${mediaId}`;
  const known = peaksJobs.get(key);
  const running = known ? jobs.get(known) : undefined;
  if (running && (running.state === 'queued' || running.state === 'running')) return { state: 'pending', jobId: running.id };
  const job = jobs.start({ kind: 'media.peaks', projectDir: abs, mediaId }, { media: media.name });
  peaksJobs.set(key, job.id);
  return { state: 'pending', jobId: job.id };
}

export async function personaModel(projectDir: string, personaId: string): Promise<PersonaModelPayload> {
  const project = await readProject(projectDir);
  const ref = project.personas.find((p) => p.id === personaId);
  if (!ref) throw new UserError('persona-not-found', `The project has no persona "${personaId}".`, { hint: 'Build the persona from the reference video.' });
  const { loadPersona } = await import('../engine/persona/persona-folder');
  const dir = await projectPath(projectDir, 'persona', ref.path);
  const p = await loadPersona(dir);
  const T = p.frameCount;
  const meanPose = [0, 0, 0, 0, 0, 0];
  for (let f = 0; f < T; f++) for (let i = 0; i < 6; i++) meanPose[i] += p.params[f * 71 + i] / Math.max(1, T);
  const source = project.media.find((m) => m.id === ref.sourceMediaId);
  return {
    personaId: ref.id,
    name: ref.name,
    vertexCount: p.model.vertexCount,
    expressionCount: p.modelJson.expressionCount,
    neutral: float32ToBase64(p.model.neutral),
    basis: float32ToBase64(p.model.basis),
    ...(p.model.blink ? { blink: float32ToBase64(p.model.blink) } : {}),
    triangles: Array.from(p.model.triangles),
    uvs: Array.from(p.model.uvs),
    eyeVertices: p.modelJson.eyeVertices,
    landmarkToVertex: Array.from(p.model.landmarkToVertex),
    camera: p.camera,
    fps: p.meta.fps,
    frameCount: T,
    ...(existsSync(p.files.texture) ? { textureFile: path.resolve(p.files.texture) } : {}),
    ...(source ? { referenceVideoFile: await projectPath(projectDir, 'media', source.path) } : {}),
    meanPose,
  };
}
