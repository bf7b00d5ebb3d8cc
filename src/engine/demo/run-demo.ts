/**
 * `npm run demo`: the whole chain on an embedded default, or on the user's files.
 *
 * With no inputs it makes its own (no downloads, nothing from ../shared): a
 * synthetic reference video of the built-in generic head (demo/synthetic-video.ts)
 * and a synthesised speech-like voice-over (demo/speech.ts). Then:
 *   persona build (face tracking on the video) → curves from the voice-over (the
 *   zero-training prior, or FACIAL-GAN when the persona has one) → a short training
 *   of the rendering network → MP4 export.
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { buildPersona, type PersonaSummary } from '../persona';
import { generateCurves } from '../gan/generate';
import { createCurveDocument, serializeCurveDocument } from '../common/curves';
import { trainRenderer, type TrainRendererResult } from '../render/train-renderer';
import { exportVideo, type ExportVideoResult } from '../export/export-video';
import { writeFileAtomic } from '../util/atomic-file';
import { subProgress, type RunOptions } from '../util/progress';
import type { ProviderChoice } from '../nn';
import { makeSyntheticVideo } from './synthetic-video';
import { synthesizeSpeech, writeWav } from './speech';

export interface DemoOptions extends RunOptions {
  /** Reference video of a person (default: the synthetic one). */
  video?: string;
  /** Voice-over (default: synthesised). */
  audio?: string;
  /** Output folder (default: <tmp>/facial-studio-demo). */
  out?: string;
  /** Renderer training steps (default 200). */
  steps?: number;
  /** Seconds of synthetic reference video and of synthetic voice-over. */
  videoSeconds?: number;
  audioSeconds?: number;
  device?: ProviderChoice;
  log?: (line: string) => void;
}

export interface DemoResult {
  mp4: string;
  outDir: string;
  inputs: { video: string; audio: string; synthetic: boolean };
  persona: PersonaSummary;
  curves: { file: string; source: string; frames: number };
  renderer: Pick<TrainRendererResult, 'steps' | 'secondsPerStep' | 'eval' | 'previews'> & { seconds: number };
  export: ExportVideoResult;
  seconds: { inputs: number; persona: number; curves: number; train: number; export: number; total: number };
}

export function defaultDemoDir(): string {
  return path.join(os.tmpdir(), 'facial-studio-demo');
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const out = path.resolve(opts.out ?? defaultDemoDir());
  await fs.mkdir(out, { recursive: true });
  const p = opts.onProgress;
  const lap = (() => { let last = performance.now(); return () => { const n = performance.now(); const s = (n - last) / 1000; last = n; return s; }; })();

  // 1. Inputs.
  const synthetic = !opts.video || !opts.audio;
  let video = opts.video ? path.resolve(opts.video) : '';
  let audio = opts.audio ? path.resolve(opts.audio) : '';
  if (!opts.video) {
    video = path.join(out, 'input', 'generic-head.mp4');
    log(`making the synthetic reference video (${opts.videoSeconds ?? 10} s) -> ${video}`);
    await makeSyntheticVideo(video, { durationS: opts.videoSeconds ?? 10, signal: opts.signal, onProgress: subProgress(p, 0, 0.06, 'inputs') });
  }
  if (!opts.audio) {
    audio = path.join(out, 'input', 'voice-over.wav');
    const s = synthesizeSpeech(opts.audioSeconds ?? 12, { seed: 23 });
    await writeWav(audio, s.samples, s.sampleRate);
    log(`synthesised a speech-like voice-over (${(opts.audioSeconds ?? 12).toFixed(1)} s) -> ${audio}`);
  }
  const tInputs = lap();

  // 2. Persona.
  const personaDir = path.join(out, 'persona');
  log('building the persona (face tracking, 3D face model, per-frame parameters)');
  const persona = await buildPersona(video, personaDir, { name: synthetic && !opts.video ? 'Generic head (demo)' : undefined, overwrite: true, signal: opts.signal, onProgress: subProgress(p, 0.06, 0.2, 'persona') });
  log(`  ${persona.frameCount} frames, face tracked in ${persona.trackedPct}% of them, ${persona.blinkCount} blinks`);
  const tPersona = lap();

  // 3. Curves.
  log('generating motion curves from the voice-over');
  const g = await generateCurves(personaDir, audio, { signal: opts.signal, device: opts.device, onProgress: subProgress(p, 0.2, 0.25, 'curves') });
  const curvesFile = path.join(out, 'curves.json');
  const doc = createCurveDocument({ source: g.source, personaId: g.personaId, fps: g.fps, base: g.base, generator: { demo: true, note: g.note ?? null } });
  await writeFileAtomic(curvesFile, serializeCurveDocument(doc));
  log(`  ${g.frameCount} frames (${g.source})`);
  const tCurves = lap();

  // 4. Renderer.
  const steps = opts.steps ?? 200;
  log(`training the rendering network (${steps} steps, cpu-small, 256 px)`);
  const r = await trainRenderer(personaDir, { steps, size: 256, config: 'cpu-small', device: opts.device, restart: true, signal: opts.signal, onProgress: subProgress(p, 0.25, 0.85, 'train') });
  log(`  ${r.steps} steps at ${r.secondsPerStep.toFixed(2)} s/step; held-out PSNR ${r.eval.psnrDb} dB, SSIM ${r.eval.ssim}`);
  const tTrain = lap();

  // 5. Export.
  log('rendering the MP4');
  const e = await exportVideo({ persona: personaDir, audio, curves: curvesFile, out: path.join(out, 'demo.mp4'), preset: 'square512', fps: 25, device: opts.device, signal: opts.signal, onProgress: subProgress(p, 0.85, 1, 'export') });
  const tExport = lap();
  return {
    mp4: e.path,
    outDir: out,
    inputs: { video, audio, synthetic },
    persona,
    curves: { file: curvesFile, source: g.source, frames: g.frameCount },
    renderer: { steps: r.steps, secondsPerStep: r.secondsPerStep, eval: r.eval, previews: r.previews, seconds: tTrain },
    export: e,
    seconds: { inputs: tInputs, persona: tPersona, curves: tCurves, train: tTrain, export: tExport, total: (performance.now() - t0) / 1000 },
  };
}
