/**
 * FACIAL-GAN benchmark (issue 6): generation speed as a multiple of real time for
 * 60 s of audio on CPU (goal >= 300x), training time to the validation plateau on the
 * AOC persona (8 s clip, window 64), peak memory of both.
 *
 * Generation runs the exported encoder/decoder pair (the weights do not change the
 * time, so an untrained generator of the reference's size is exported for the
 * 128-frame window); training and the trained model's generation need ../shared/data.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { BenchContext, BenchFigure } from './types';
import { median } from '../src/engine/common/numeric';
import { ParameterStore } from '../src/engine/nn';
import {
  decoderGraph, encoderGraph, exportGenerator, exportedWindowModel, runWindows, trainGan, generateCurves, generateFromFeatures, fitPrior, generatePrior,
  loadGanPersona, priorInputOf, type GanArchitecture,
} from '../src/engine/gan';
import { extractAudioFeatures } from '../src/engine/audio';
import { buildPersona } from '../src/engine/persona';

export const topic = 'gan';
export const title = 'FACIAL-GAN: generation speed (60 s of audio, CPU), training time to the validation plateau (AOC persona), memory';

const GOAL = '>= 300x real time';

/** Samples the process's RSS every 50 ms while `fn` runs; returns fn's result and the peak (MiB). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function generationSpeed(ctx: BenchContext, arch: GanArchitecture, reps: number): Promise<{ x: number; cpuX: number; loadMs: number; peakMiB: number; windows: number }> {
  const fps = 25;
  const T = 60 * fps;
  const params = new ParameterStore(1);
  for (const g of [encoderGraph(arch), decoderGraph(arch)]) for (const p of [...g.params.values(), ...g.buffers.values()]) params.ensure(p.name, p.shape, p.init);
  const files = { audioPath: path.join(ctx.tmpDir, `audio-path-${arch.window}.onnx`), statePath: path.join(ctx.tmpDir, `state-path-${arch.window}.onnx`) };
  await exportGenerator(arch, params, files, {});
  const features = new Float32Array(T * 16 * 29);
  let s = 12345;
  for (let i = 0; i < features.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    features[i] = s / 2 ** 31 - 1;
  }
  const t0 = performance.now();
  const runner = await exportedWindowModel(files, arch, 'cpu');
  const loadMs = performance.now() - t0;
  const state = new Float32Array(71);
  try {
    await runWindows(features, T, arch.window, runner.model, { initialState: state }); // warm-up
    const times: number[] = [];
    const cpu: number[] = [];
    const { peakMiB } = await withPeakRss(async () => {
      for (let i = 0; i < reps; i++) {
        const c0 = process.cpuUsage();
        const a = performance.now();
        await runWindows(features, T, arch.window, runner.model, { initialState: state });
        times.push((performance.now() - a) / 1000);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      }
    });
    const windows = Math.ceil((T - arch.window) / (arch.window - 1)) + 1;
    return { x: 60 / median(times), cpuX: 60 / median(cpu), loadMs, peakMiB, windows };
  } finally {
    await runner.dispose();
  }
}

export async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const reps = ctx.quick ? 2 : 5;

  for (const window of [128, 64]) {
    const g = await generationSpeed(ctx, { window, width: 1 }, reps);
    ctx.log(`generation, window ${window}: ${g.x.toFixed(0)}x real time`);
    figures.push({
      name: `generation, 60 s of audio at 25 fps (1500 frames), window ${window}, reference-size generator (9.7 M parameters), CPU`,
      value: g.x,
      unit: 'x real time',
      goal: GOAL,
      note: `wall clock, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} while measuring; ${g.windows} windows (stride ${window - 1}): audio path batched 4 windows per call, state path one window at a time; median of ${reps}; excludes model loading (${g.loadMs.toFixed(0)} ms) and audio features; peak RSS ${g.peakMiB.toFixed(0)} MiB`,
    });
    figures.push({
      name: `generation, 60 s of audio, window ${window}: per CPU-second (all threads' CPU time)`,
      value: g.cpuX,
      unit: 'x real time per CPU-second',
      note: 'seconds of audio per second of process CPU time: less sensitive than wall clock to other load on the machine; with 2 free cores the wall-clock figure approaches 2x this',
    });
  }

  if (!ctx.sharedData) {
    ctx.log('../shared/data is absent: training and real-audio figures skipped');
    return figures;
  }

  // ---- the AOC persona: build, then train to the validation plateau
  const personaDir = path.join(ctx.tmpDir, 'aoc-persona');
  await buildPersona(path.join(ctx.sharedData, 'aoc_hdtf_8s.mp4'), personaDir, { name: 'AOC' });
  const maxSteps = ctx.quick ? 30 : 300;
  const evalEvery = 10;
  const patience = ctx.quick ? 2 : 5;
  const trained = await withPeakRss(() => trainGan(personaDir, { steps: maxSteps, batchSize: 16, evalEvery, patience, minSteps: 2 * evalEvery, device: 'cpu', restart: true }));
  const r = trained.value;
  const first = r.points[0];
  const last = r.points[r.points.length - 1];
  ctx.log(`training: ${r.steps} steps, ${r.seconds.toFixed(0)} s, best val ${r.bestVal.toFixed(4)} at step ${r.bestStep}; ${r.stopReason}`);
  figures.push({
    name: `training time to the validation plateau, AOC persona (8 s clip, ${r.window}-frame windows, batch ${r.batch}, reference-size model), CPU`,
    value: r.seconds,
    unit: 's',
    note: `${r.steps} steps (${r.stoppedEarly ? 'stopped early' : `capped at ${maxSteps}`}: ${r.stopReason}); ${r.secondsPerStep.toFixed(2)} s wall time per step; generator loss ${first.g.toFixed(2)} -> ${last.g.toFixed(2)}; peak RSS ${trained.peakMiB.toFixed(0)} MiB`,
  });
  figures.push({ name: 'training step time (discriminator + generator optimiser steps alone), batch 16, window 64, CPU', value: r.stepSeconds * 1000, unit: 'ms', note: `mean of ${r.stepsThisRun} steps; load average ${os.loadavg()[0].toFixed(1)} at the end` });
  figures.push({ name: 'training wall time per step (with validation every 10 steps, checkpoints, model exports, judging)', value: r.secondsPerStep * 1000, unit: 'ms' });
  figures.push({ name: 'peak memory, training (RSS)', value: trained.peakMiB, unit: 'MiB' });

  // ---- real audio end to end: obama2.wav (24.4 s), features included
  const wav = path.join(ctx.sharedData, 'obama2.wav');
  if (existsSync(wav)) {
    const times: number[] = [];
    let frames = 0;
    for (let i = 0; i < reps; i++) {
      const c = await generateCurves(personaDir, wav);
      times.push(c.seconds.features + c.seconds.generate);
      frames = c.frameCount;
    }
    figures.push({ name: 'obama2.wav (24.4 s) end to end with the trained model: audio features + model loading + generation', value: frames / 25 / median(times), unit: 'x real time', note: `median of ${reps}` });
    const persona = await loadGanPersona(personaDir);
    const prior = fitPrior(priorInputOf(persona));
    const audio = await extractAudioFeatures(wav, { fps: persona.fps });
    const pt: number[] = [];
    for (let i = 0; i < reps; i++) {
      const a = performance.now();
      generatePrior(prior, audio, { seed: i });
      pt.push((performance.now() - a) / 1000);
    }
    figures.push({ name: 'zero-training prior, obama2.wav (24.4 s), curves only', value: (audio.frameCount / persona.fps) / median(pt), unit: 'x real time' });
    // The default output for 60 s of audio (obama2's features repeated): the trained model's
    // correction, the prior it refines, the post-filter; the model's sessions kept open between calls.
    const T60 = 60 * persona.fps;
    const rep = (x: Float32Array, per: number) => {
      const o = new Float32Array(T60 * per);
      for (let t = 0; t < T60; t++) o.set(x.subarray((t % audio.frameCount) * per, ((t % audio.frameCount) + 1) * per), t * per);
      return o;
    };
    const a60 = { frameCount: T60, features: rep(audio.features, 16 * 29), speech: rep(audio.speech, 1), rmsDb: rep(audio.rmsDb, 1), encoderId: audio.encoderId };
    await generateFromFeatures(persona, a60);
    const gt: number[] = [];
    for (let i = 0; i < reps; i++) {
      const a = performance.now();
      await generateFromFeatures(persona, a60);
      gt.push((performance.now() - a) / 1000);
    }
    figures.push({ name: 'default output (model refining the prior, post-filter), 60 s of audio, model sessions kept open, CPU', value: 60 / median(gt), unit: 'x real time', note: `median of ${reps}; goal >= 300x; load average ${os.loadavg()[0].toFixed(1)}` });
  }
  return figures;
}
