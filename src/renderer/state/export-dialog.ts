import type { Device, JobInfo, JobRequest, ProjectSnapshot } from '../../shared/contract';
import { JobRequest as JobRequestSchema } from '../../shared/contract';
import { PRESETS, aspectDiffers, exportFileName, faceFocus, framingNote, outputGeometry, previewFileName, type Framing, type OutputGeometry, type PresetName } from '../../engine/common/export-timing';
import { joinPath } from './paths';

/**
 * The export dialog's state (a reducer, unit-tested) and what follows from it: the
 * frame the chosen preset and framing give, the file name the export will have, and
 * the job request, or why there is none.
 */
export interface ExportSettings {
  preset: PresetName;
  framing: Framing;
  fps: 25 | 30;
  /** Where to save: folder and file name (the name the user gave; a preview adds ".preview"). */
  folder: string;
  name: string;
  /** The user agreed to replace an existing file of that name. */
  overwrite: boolean;
  /** The export job this dialog started (its progress and result are shown). */
  jobId?: string;
  /** A file of that name exists: asking before replacing it. */
  confirmReplace?: string;
  /** How the frames are made, when there is a choice (see `ExportSource.synthesisChoice`). */
  synthesis: ExportSynthesis;
}

export type ExportSynthesis = 'auto' | 'retrieval' | 'renderer';

/** The choice in plain words, in the order the dialog offers it. */
export const SYNTHESIS_CHOICES: { value: ExportSynthesis; label: string; help: string }[] = [
  { value: 'retrieval', label: 'From your footage (sharp)', help: 'Every frame built from real frames of your footage: no training needed' },
  { value: 'renderer', label: 'Trained renderer', help: 'The face painted by the network trained on your footage' },
  { value: 'auto', label: 'Automatic: whichever measured better', help: 'The trained renderer where it beat your footage on frames it never saw, else your footage' },
];

export type ExportSettingsAction =
  | { type: 'preset'; preset: PresetName }
  | { type: 'framing'; framing: Framing }
  | { type: 'fps'; fps: 25 | 30 }
  | { type: 'save-as'; folder: string; name: string; overwrite: boolean }
  | { type: 'confirm-replace'; file?: string }
  | { type: 'started'; jobId: string }
  | { type: 'synthesis'; synthesis: ExportSynthesis };

/** `last`: the size and framing chosen when the dialog was last open (the Output view frames its picture by them). */
export function initialExportSettings(folder: string, name: string, last?: { preset: PresetName; framing: Framing }): ExportSettings {
  return { preset: last?.preset ?? 'source', framing: last?.framing ?? 'fill', fps: 25, folder, name, overwrite: false, synthesis: 'auto' };
}

export function exportSettingsReducer(s: ExportSettings, a: ExportSettingsAction): ExportSettings {
  switch (a.type) {
    case 'preset':
      return a.preset === s.preset ? s : { ...s, preset: a.preset };
    case 'framing':
      return a.framing === s.framing ? s : { ...s, framing: a.framing };
    case 'fps':
      return a.fps === s.fps ? s : { ...s, fps: a.fps };
    case 'save-as':
      return { ...s, folder: a.folder, name: a.name, overwrite: a.overwrite, confirmReplace: undefined };
    case 'confirm-replace':
      return { ...s, confirmReplace: a.file };
    case 'synthesis':
      return a.synthesis === s.synthesis ? s : { ...s, synthesis: a.synthesis };
    case 'started':
      // A new export: replacing was agreed for that one file only.
      return { ...s, jobId: a.jobId, overwrite: false, confirmReplace: undefined };
  }
}

/** What the export needs to know about the project's persona and footage. */
export interface ExportSource {
  /** Size of the persona's footage. */
  width: number;
  height: number;
  camera: { fx: number; fy: number; cx: number; cy: number; width: number; height: number };
  meanPose: number[];
  /** True when the export is photoreal: made from the persona's footage or by its trained renderer (otherwise a preview). */
  photoreal: boolean;
  /** Both ways are open (the footage is at hand and a renderer is trained): the dialog offers the choice. */
  synthesisChoice?: boolean;
}

export interface ExportPlan {
  request?: JobRequest;
  reason?: string;
  /** The frame the preset and framing give (undefined until the source is known). */
  geometry?: OutputGeometry;
  /** The framing, in words. */
  note?: string;
  /** Whether fit/fill is a choice for this preset (the aspect differs from the footage's). */
  framingChoice: boolean;
  /** The file the export writes (preview name when the export cannot be photoreal). */
  fileName: string;
  file: string;
}

export function exportPlan(snap: ProjectSnapshot, s: ExportSettings, source: ExportSource | undefined, device?: Device): ExportPlan {
  const p = snap.project;
  const curvesId = p.activeCurvesId ?? p.curves[p.curves.length - 1]?.id;
  const curves = p.curves.find((c) => c.id === curvesId);
  const personaId = curves?.personaId && p.personas.some((x) => x.id === curves.personaId) ? curves.personaId : (p.activePersonaId ?? p.personas[0]?.id);
  const mediaId = curves?.mediaId && p.media.some((m) => m.id === curves.mediaId) ? curves.mediaId : p.activeVoiceoverId;
  const preset = PRESETS[s.preset];
  const fileName = source && !source.photoreal ? previewFileName(s.name) : s.name;
  const file = joinPath(s.folder, fileName);
  let geometry: OutputGeometry | undefined;
  let note: string | undefined;
  let framingChoice = false;
  if (source) {
    geometry = outputGeometry(preset, s.framing, source.width, source.height, faceFocus(source.camera, source.meanPose));
    note = framingNote(geometry, source.width, source.height);
    framingChoice = aspectDiffers(preset, source.width, source.height);
  }
  const base = { geometry, note, framingChoice, fileName, file };
  const reason = !personaId
    ? 'Build the persona first (Persona panel): the export shows its face.'
    : !mediaId
      ? 'Import a voice-over first: it is the sound of the video.'
      : !curvesId
        ? 'Generate the motion first (Generate motion, under the preview): the export plays it.'
        : !s.name
          ? 'Choose where to save the video.'
          : undefined;
  if (reason) return { ...base, reason };
  const candidate = {
    kind: 'render.export',
    projectDir: snap.dir,
    personaId,
    mediaId,
    curvesId,
    preset: s.preset,
    ...(framingChoice ? { framing: s.framing } : {}),
    fps: s.fps,
    // The UI names a preview itself (shown above); the host writes exactly this path.
    out: file,
    ...(s.overwrite ? { overwrite: true } : {}),
    ...(device ? { device } : {}),
    ...(source?.synthesisChoice ? { synthesis: s.synthesis } : {}),
  };
  const r = JobRequestSchema.safeParse(candidate);
  if (!r.success) return { ...base, reason: `The export cannot start: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.` };
  return { ...base, request: r.data };
}

/** The default save location: the last folder used for exports, else the project's renders folder; a readable name. */
export function defaultSaveAs(snap: ProjectSnapshot, lastFolder: string | null): { folder: string; name: string } {
  const p = snap.project;
  const curves = p.curves.find((c) => c.id === p.activeCurvesId) ?? p.curves[p.curves.length - 1];
  const voice = p.media.find((m) => m.id === (curves?.mediaId ?? p.activeVoiceoverId));
  return { folder: lastFolder || joinPath(snap.dir, 'renders'), name: exportFileName(p.name, voice?.name) };
}

/** What a finished export left: the render's id (for open / show in folder) and its file. */
export function exportResult(job: JobInfo | undefined): { renderId: string; file: string; kind?: string; framing?: string; width?: number; height?: number } | undefined {
  if (!job || job.state !== 'done' || !job.result || typeof job.result !== 'object') return undefined;
  const r = job.result as { id?: unknown; file?: unknown; path?: unknown; kind?: unknown; framing?: unknown; width?: unknown; height?: unknown };
  const file = typeof r.file === 'string' ? r.file : typeof r.path === 'string' ? r.path : undefined;
  if (typeof r.id !== 'string' || !file) return undefined;
  return {
    renderId: r.id,
    file,
    ...(typeof r.kind === 'string' ? { kind: r.kind } : {}),
    ...(typeof r.framing === 'string' ? { framing: r.framing } : {}),
    ...(typeof r.width === 'number' ? { width: r.width } : {}),
    ...(typeof r.height === 'number' ? { height: r.height } : {}),
  };
}
