import { z } from 'zod';

/**
 * project.json: the one file that describes a project folder. Versioned; older
 * versions are migrated on open (src/host/project-store.ts), newer ones refused.
 * Objects are loose: fields this version does not know (written by a newer studio
 * or another tool) survive a read-modify-write.
 */
export const PROJECT_SCHEMA_VERSION = 1;

export const MediaItem = z.object({
  id: z.string(),
  role: z.enum(['reference', 'voiceover']),
  name: z.string(),
  /** Path of the project's own copy, relative to the project folder. */
  path: z.string(),
  /** Where the user's original was; it is only ever read. */
  originalPath: z.string(),
  durationS: z.number(),
  hasAudio: z.boolean(),
  hasVideo: z.boolean(),
  width: z.number().optional(),
  height: z.number().optional(),
  fps: z.number().optional(),
  importedAt: z.string(),
}).loose();
export type MediaItem = z.infer<typeof MediaItem>;

export const PersonaRef = z.object({
  id: z.string(),
  name: z.string(),
  /** Persona folder, relative to the project folder. */
  path: z.string(),
  sourceMediaId: z.string(),
  createdAt: z.string(),
}).loose();
export type PersonaRef = z.infer<typeof PersonaRef>;

export const CurvesRef = z.object({
  id: z.string(),
  personaId: z.string(),
  mediaId: z.string(),
  path: z.string(),
  source: z.enum(['prior', 'facial-gan']),
  /**
   * Where the motion came from, as the trained model's held-out verdict chose: all learned,
   * all built in (the prior, also when a trained model did not beat it), or mixed. Absent in
   * older projects: then it follows `source`.
   */
  origin: z.enum(['revoiced', 'learned', 'built-in', 'mixed']).optional(),
  createdAt: z.string(),
}).loose();
export type CurvesRef = z.infer<typeof CurvesRef>;

export const RenderRef = z.object({
  id: z.string(),
  path: z.string(),
  preset: z.string(),
  kind: z.enum(['photoreal', 'preview']),
  createdAt: z.string(),
  durationS: z.number().optional(),
}).loose();
export type RenderRef = z.infer<typeof RenderRef>;

/** Pane sizes and view options the UI remembers per project. */
export const UiState = z.object({
  panes: z.record(z.string(), z.number()).default({}),
  timelineZoom: z.number().optional(),
  advancedExpression: z.boolean().optional(),
});
export type UiState = z.infer<typeof UiState>;

export const ProjectFile = z.object({
  schemaVersion: z.literal(PROJECT_SCHEMA_VERSION),
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  fps: z.number().positive().max(120),
  media: z.array(MediaItem),
  personas: z.array(PersonaRef),
  curves: z.array(CurvesRef),
  renders: z.array(RenderRef),
  activePersonaId: z.string().optional(),
  activeVoiceoverId: z.string().optional(),
  activeCurvesId: z.string().optional(),
  ui: UiState.default({ panes: {} }),
}).loose();
export type ProjectFile = z.infer<typeof ProjectFile>;
