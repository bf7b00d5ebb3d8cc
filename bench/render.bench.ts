/**
 * Rendering benchmark (issue 7): the conditioning rasteriser's frames/s at 256 and
 * 512 (one core, the JS thread), G_r inference frames/s at 256 and 512 on CPU
 * (cpu-small; the speed does not depend on the weights), and the wall time to export
 * 60 s of video (10 s in quick mode) with the trained network and as a preview.
 * Self-contained: the persona is built from the demo's synthetic talking head (same
 * MediaPipe mesh topology as a real persona), the voice-over is synthesised.
 */
import path from 'node:path';
import type { BenchContext, BenchFigure } from './types';
import { makeSyntheticVideo } from '../src/engine/demo/synthetic-video';
import { synthesizeSpeech, writeWav } from '../src/engine/demo/speech';
import { buildPersona, loadPersona } from '../src/engine/persona';
import { ConditioningRenderer } from '../src/engine/render/conditioning';
import { loadPersonaTexture, personaView } from '../src/engine/render/dataset';
import { RENDERER_CONFIGS, buildRendererInferenceGraph, inputChannels } from '../src/engine/render/face2vid-net';
import { trainRenderer } from '../src/engine/render/train-renderer';
import { exportVideo } from '../src/engine/export/export-video';
import { ParameterStore, exportInference, InferenceRunner } from '../src/engine/nn';

export const topic = 'render';
export const title = 'Rendering: conditioning rasteriser, G_r inference, MP4 export';

export async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const video = path.join(ctx.tmpDir, 'head.mp4');
  await makeSyntheticVideo(video, { durationS: 6 });
  const dir = path.join(ctx.tmpDir, 'persona');
  await buildPersona(video, dir, { name: 'bench head' });
  const persona = await loadPersona(dir);

  // --- conditioning rasteriser
  const renderer = new ConditioningRenderer(persona.model, loadPersonaTexture(persona));
  for (const size of [256, 512]) {
    const view = personaView(persona, size);
    let f = renderer.render(persona.params.subarray(0, 71), view);
    const n = ctx.quick ? 100 : 600;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const t = i % persona.frameCount;
      f = renderer.render(persona.params.subarray(t * 71, t * 71 + 71), view, f);
    }
    const fps = n / ((performance.now() - t0) / 1000);
    figures.push({ name: `conditioning render ${size}x${size} (RGB + eye map, ${renderer.triangleCount} triangles after 1 Loop step)`, value: Math.round(fps), unit: 'frames/s', goal: size === 256 ? '>= 100 frames/s on one core' : undefined, note: 'one JS thread' });
  }

  // --- G_r inference (cpu-small), untrained weights
  const cfg = RENDERER_CONFIGS['cpu-small'];
  for (const size of [256, 512]) {
    const g = buildRendererInferenceGraph(cfg, size, 1);
    const runner = await InferenceRunner.create(await exportInference(g, storeFor(g)), { provider: 'cpu' });
    const cond = new Float32Array(inputChannels(cfg) * size * size).map((_, i) => Math.sin(i) * 0.5);
    const feed = { cond: { data: cond, shape: [1, inputChannels(cfg), size, size] } };
    await runner.run(feed);
    const n = ctx.quick ? 3 : 20;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await runner.run(feed);
    const fps = n / ((performance.now() - t0) / 1000);
    figures.push({ name: `G_r inference ${size}x${size} (cpu-small, window of 2 frames)`, value: Math.round(fps * 10) / 10, unit: 'frames/s', note: 'ONNX Runtime CPU, default threads' });
    await runner.dispose();
  }

  // --- export of 60 s (10 s quick): trained network (1 step: speed only) and preview
  const seconds = ctx.quick ? 10 : 60;
  const speech = synthesizeSpeech(seconds, { seed: 3 });
  const wav = path.join(ctx.tmpDir, 'voice.wav');
  await writeWav(wav, speech.samples, speech.sampleRate);
  const curves = new Float32Array(Math.round(seconds * 25) * 71);
  for (let t = 0; t < curves.length / 71; t++) curves.set(persona.params.subarray((t % persona.frameCount) * 71, (t % persona.frameCount) * 71 + 71), t * 71);
  const prev = await exportVideo({ persona: dir, audio: wav, curves, out: path.join(ctx.tmpDir, 'preview.mp4'), mode: 'preview', preset: 'square512' });
  figures.push({ name: `export ${seconds} s of video, preview (textured render), square 512`, value: Math.round(prev.seconds * 10) / 10, unit: 's', note: `${prev.msPerFrame.toFixed(0)} ms per frame` });
  const real = await exportVideo({ persona: dir, audio: wav, curves, out: path.join(ctx.tmpDir, 'real.mp4'), synthesis: 'retrieval', preset: 'square512', quality: false });
  figures.push({ name: `export ${seconds} s of video from the footage's own pixels (pose path, mouth and eyes retrieved), square 512`, value: Math.round(real.seconds * 10) / 10, unit: 's', goal: '<= 2x real time', note: `${real.msPerFrame.toFixed(0)} ms per frame; ${(real.seconds / seconds).toFixed(2)}x real time (synthetic 6 s persona)` });
  await trainRenderer(dir, { steps: 1, evalFrames: 1 });
  const photo = await exportVideo({ persona: dir, audio: wav, curves, out: path.join(ctx.tmpDir, 'photo.mp4'), synthesis: 'renderer', preset: 'square512', quality: false });
  figures.push({ name: `export ${seconds} s of video through G_r (cpu-small 256), square 512`, value: Math.round(photo.seconds * 10) / 10, unit: 's', note: `${photo.msPerFrame.toFixed(0)} ms per frame; ${(photo.seconds / seconds).toFixed(2)}x real time` });
  if (ctx.sharedData && !ctx.quick) figures.push(...(await realFootageExports(ctx, seconds, wav)));
  return figures;
}

/** The goal on real footage: 60 s exported at the source's size from the AOC clip and the vertical phone clip. */
async function realFootageExports(ctx: BenchContext, seconds: number, wav: string): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const [clip, label] of [['aoc_hdtf_8s.mp4', 'AOC 512x512'], ['vertical_demo2_20s.mp4', 'vertical 1080x1920']] as const) {
    const dir = path.join(ctx.tmpDir, `persona-${clip}`);
    await buildPersona(path.join(ctx.sharedData!, clip), dir, { name: label });
    const persona = await loadPersona(dir);
    const curves = new Float32Array(Math.round(seconds * 25) * 71);
    // The footage's own motion played back and forth: a realistic pose path with cuts.
    for (let t = 0; t < curves.length / 71; t++) {
      const k = Math.floor(t / persona.frameCount) % 2 === 0 ? t % persona.frameCount : persona.frameCount - 1 - (t % persona.frameCount);
      curves.set(persona.params.subarray(k * 71, k * 71 + 71), t * 71);
    }
    const r = await exportVideo({ persona: dir, audio: wav, curves, out: path.join(ctx.tmpDir, `real-${clip}.mp4`), synthesis: 'retrieval', preset: 'source', quality: false });
    figures.push({ name: `export ${seconds} s from the footage's own pixels, ${label} at the source's size`, value: Math.round(r.seconds * 10) / 10, unit: 's', goal: '<= 2x real time', note: `${r.msPerFrame.toFixed(0)} ms per frame; ${(r.seconds / seconds).toFixed(2)}x real time; ${r.width}x${r.height}` });
  }
  return figures;
}

function storeFor(g: ReturnType<typeof buildRendererInferenceGraph>): ParameterStore {
  const s = new ParameterStore(1);
  for (const p of [...g.params.values(), ...g.buffers.values()]) s.ensure(p.name, p.shape, p.init);
  return s;
}
