/**
 * Audio front end benchmark (issue 4): decode + built-in features as a multiple of
 * real time for a 60 s speech-like file, and memory for a 1-hour file (5 minutes in
 * quick mode). Inputs are generated with the bundled ffmpeg into ctx.tmpDir.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import type { BenchContext, BenchFigure } from './types';
import { median } from '../src/engine/common/numeric';
import { ffmpegPath, runProcess } from '../src/engine/media/ffmpeg';
import { decodeAudio, decodeAudioStream, extractAudioFeatures, SpectralAnalyzer } from '../src/engine/audio/index';

export const topic = 'audio';
export const title = 'Audio front end: decode + features speed, memory for long files';

/** Speech-like signal: a 140 Hz voice with harmonics and pink noise, amplitude-modulated at syllable rate, with pauses. */
async function makeSpeechLike(file: string, seconds: number, codecArgs: string[]): Promise<void> {
  const d = String(seconds);
  const res = await runProcess(ffmpegPath(), [
    '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `sine=frequency=140:sample_rate=44100:duration=${d}`,
    '-f', 'lavfi', '-i', `sine=frequency=420:sample_rate=44100:duration=${d}`,
    '-f', 'lavfi', '-i', `sine=frequency=980:sample_rate=44100:duration=${d}`,
    '-f', 'lavfi', '-i', `anoisesrc=color=pink:sample_rate=44100:amplitude=0.05:duration=${d}`,
    '-filter_complex', '[0][1][2][3]amix=inputs=4,tremolo=f=4:d=0.9,apulsator=hz=0.3:amount=1',
    '-ac', '1', ...codecArgs, file,
  ], { timeoutMs: 600_000 });
  if (res.code !== 0) throw new Error(`ffmpeg could not generate ${file}: ${res.stderr}`);
}

export async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const reps = ctx.quick ? 1 : 5;

  // ---- 60 s: speed
  const mp3 = path.join(ctx.tmpDir, 'speech60.mp3');
  const wav = path.join(ctx.tmpDir, 'speech60.wav');
  await makeSpeechLike(mp3, 60, ['-c:a', 'libmp3lame', '-b:a', '128k']);
  await makeSpeechLike(wav, 60, ['-c:a', 'pcm_s16le']);
  await extractAudioFeatures(wav, { fps: 30 }); // warm-up (JIT, binaries in page cache)

  for (const [file, label] of [[mp3, 'MP3 44.1 kHz'], [wav, 'WAV 44.1 kHz']] as const) {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < reps; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const f = await extractAudioFeatures(file, { fps: 30 });
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      walls.push(wall);
      cpus.push((cpu.user + cpu.system) / 1e6);
      if (f.frameCount !== 1800) throw new Error(`expected 1800 frames, got ${f.frameCount}`);
    }
    const wall = median(walls);
    figures.push({
      name: `decode + built-in features, 60 s ${label} (wall clock)`,
      value: 60 / wall,
      unit: 'x real time',
      goal: '>= 200x real time',
      note: `median of ${reps}: ${(wall * 1000).toFixed(0)} ms incl. ffprobe + ffmpeg start; ffmpeg decodes in its own process, in parallel with the feature loop`,
    });
    figures.push({
      name: `decode + built-in features, 60 s ${label} (Node process CPU)`,
      value: 60 / median(cpus),
      unit: 'x real time',
      note: 'CPU time of the Node process only (the feature loop runs on one thread)',
    });
  }

  // components
  const { samples } = await decodeAudio(wav);
  const featTimes: number[] = [];
  for (let i = 0; i < Math.max(reps, 3); i++) {
    const t0 = performance.now();
    const a = new SpectralAnalyzer();
    for (let o = 0; o < samples.length; o += 16384) a.push(samples.subarray(o, o + 16384));
    a.finish();
    featTimes.push((performance.now() - t0) / 1000);
  }
  figures.push({ name: 'built-in front end alone (log-mel 29 + voicing + loudness), one core', value: 60 / median(featTimes), unit: 'x real time', note: 'in-memory 16 kHz samples, no decoding' });
  const decTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await decodeAudioStream(mp3, { onChunk: () => undefined });
    decTimes.push((performance.now() - t0) / 1000);
  }
  figures.push({ name: 'decode alone, 60 s MP3 to 16 kHz mono float32 (ffprobe + ffmpeg)', value: 60 / median(decTimes), unit: 'x real time' });

  // ---- long file: memory
  const longS = ctx.quick ? 300 : 3600;
  const longLabel = ctx.quick ? '5-minute (quick mode; the full run uses 1 hour)' : '1-hour';
  const opus = path.join(ctx.tmpDir, 'long.ogg');
  ctx.log(`generating a ${longLabel} Opus file...`);
  await makeSpeechLike(opus, longS, ['-ar', '48000', '-c:a', 'libopus', '-b:a', '24k']);
  ctx.log(`  ${(statSync(opus).size / 2 ** 20).toFixed(1)} MiB`);
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeapExt = base.heapUsed + base.external + base.arrayBuffers;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeapExt = Math.max(peakHeapExt, m.heapUsed + m.external + m.arrayBuffers);
  }, 20);
  const t0 = performance.now();
  const f = await extractAudioFeatures(opus, { fps: 30 });
  const wall = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeapExt = Math.max(peakHeapExt, m.heapUsed + m.external + m.arrayBuffers);
  const outMiB = (f.features.byteLength + f.speech.byteLength + f.rmsDb.byteLength) / 2 ** 20;
  const pcmMiB = (f.totalSamples * 4) / 2 ** 20;
  figures.push({
    name: `peak RSS increase, ${longLabel} Opus file, 30 fps`,
    value: (peakRss - base.rss) / 2 ** 20,
    unit: 'MiB',
    note: `the result itself is ${outMiB.toFixed(0)} MiB ([${f.frameCount}, 16, 29] float32 + activity); the decoded audio would be ${pcmMiB.toFixed(0)} MiB and is never held whole (sampled every 20 ms)`,
  });
  figures.push({
    name: `peak JS heap + buffers increase, ${longLabel} file`,
    value: (peakHeapExt - (base.heapUsed + base.external + base.arrayBuffers)) / 2 ** 20,
    unit: 'MiB',
  });
  figures.push({ name: `decode + built-in features, ${longLabel} Opus file (wall clock)`, value: longS / wall, unit: 'x real time', note: `${wall.toFixed(1)} s` });
  return figures;
}
