/**
 * Render quality report benchmark (issue 11): how fast the quality analysis runs (video
 * frames per second: decoding, re-tracking, pixel and landmark measures, comparisons) and
 * its peak memory, on the AOC clip measured against its own persona and curves; the
 * persona's reference profile (its footage measured once, then cached) separately. In
 * full mode also a 60 s 1080x1920 video (the vertical clip looped 3x), which shows the
 * memory stays bounded on a long, large video. Every analysis runs in a child Node
 * process so its peak RSS is its own. Skipped when ../shared/data is absent.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { BenchContext, BenchFigure } from './types';
import { ffmpegPath, runProcess } from '../src/engine/media/ffmpeg';
import { buildPersona } from '../src/engine/persona';
import { defaultTrackerThreads } from '../src/engine/tracking/tracker-pool';

export const topic = 'quality';
export const title = 'Render quality report: analysis speed and peak memory (AOC clip, 8 s 512x512; 60 s 1080x1920)';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  frames: number;
  stageSeconds: Record<string, number>;
  summary: string;
}

async function analyseInChild(script: string, video: string, persona: string, withCurves: boolean): Promise<ChildResult> {
  const res = await runProcess(process.execPath, ['--import', 'tsx', script, video, persona, withCurves ? '1' : '0'], { timeoutMs: 1_800_000 });
  if (res.code !== 0) throw new Error(`quality analysis failed (exit ${res.code}): ${res.stderr.slice(-2000)}`);
  const line = res.stdout.toString('utf8').trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildResult;
}

export async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const aoc = ctx.sharedData ? path.join(ctx.sharedData, 'aoc_hdtf_8s.mp4') : undefined;
  if (!aoc || !existsSync(aoc)) {
    ctx.log('skipped: ../shared/data/aoc_hdtf_8s.mp4 is absent');
    return [];
  }
  const persona = path.join(ctx.tmpDir, 'aoc-persona');
  ctx.log('building the AOC persona (not timed)');
  await buildPersona(aoc, persona, { name: 'AOC' });

  const script = path.join(ctx.tmpDir, 'quality-child.mts');
  const entry = (rel: string) => JSON.stringify(pathToFileURL(path.join(repoRoot, rel)).href);
  writeFileSync(script, [
    `import { analyseRender, qualitySummaryLines } from ${entry('src/engine/quality/index.ts')};`,
    `import { loadPersona } from ${entry('src/engine/persona/index.ts')};`,
    `const [video, dir, withCurves] = process.argv.slice(2);`,
    `const persona = await loadPersona(dir);`,
    `const stageSeconds = {};`,
    `let stage = '', t = performance.now();`,
    `const onProgress = (p) => { if (p.stage !== stage) { const now = performance.now(); if (stage) stageSeconds[stage] = (stageSeconds[stage] ?? 0) + (now - t) / 1000; stage = p.stage; t = now; } };`,
    `const c0 = process.cpuUsage();`,
    `const t0 = performance.now();`,
    `const r = await analyseRender(video, { persona, curves: withCurves === '1' ? persona.params : undefined, onProgress });`,
    `const seconds = (performance.now() - t0) / 1000;`,
    `stageSeconds[stage] = (stageSeconds[stage] ?? 0) + (performance.now() - t) / 1000;`,
    `const cpu = process.cpuUsage(c0);`,
    `console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024, frames: r.video.frames, stageSeconds, summary: qualitySummaryLines(r).join(' | ') }));`,
  ].join('\n'));

  const cores = os.cpus().length;
  const threads = defaultTrackerThreads();
  const figures: BenchFigure[] = [];
  // First run: the reference profile is measured (and cached); then the cached case, best of runs.
  const first = await analyseInChild(script, aoc, persona, true);
  ctx.log(`first run (reference measured): ${first.seconds.toFixed(1)} s, stages ${JSON.stringify(first.stageSeconds)}`);
  const runs: ChildResult[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
    const r = await analyseInChild(script, aoc, persona, true);
    ctx.log(`run ${i + 1}: ${r.seconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU, peak RSS ${r.maxRssMiB.toFixed(0)} MiB, stages ${JSON.stringify(r.stageSeconds)}`);
    runs.push(r);
  }
  ctx.log(`report: ${runs[0].summary}`);
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  figures.push(
    {
      name: 'Quality analysis speed, AOC clip vs its own persona and curves (200 frames 512x512, reference cached)',
      value: round(best.frames / best.seconds),
      unit: 'frames/s',
      note: `${best.seconds.toFixed(1)} s wall for ${(best.frames / 25).toFixed(1)} s of video = ${round(best.seconds / (best.frames / 25), 2)}x real time, ${best.cpuSeconds.toFixed(1)} s CPU; re-tracking on ${threads} worker thread(s) of ${cores} cores; stages ${JSON.stringify(Object.fromEntries(Object.entries(best.stageSeconds).map(([k, v]) => [k, round(v)])))}`,
    },
    {
      name: 'Quality analysis: the persona\'s reference profile, first report only (AOC footage, 200 frames)',
      value: round(first.stageSeconds.reference ?? NaN),
      unit: 's',
      note: 'streams the source video once and measures it with the persona\'s landmarks; cached in the persona folder (quality-reference.json) afterwards',
    },
    {
      name: 'Quality analysis peak memory (RSS of the analysing process, AOC)',
      value: Math.round(Math.max(first.maxRssMiB, ...runs.map((r) => r.maxRssMiB))),
      unit: 'MiB',
      note: 'frames are streamed; landmarks kept for the whole video (5.7 KB per frame); the trackers\' models load in each worker thread',
    },
  );

  const vertical = path.join(ctx.sharedData!, 'vertical_demo2_20s.mp4');
  if (!ctx.quick && existsSync(vertical)) {
    const long = path.join(ctx.tmpDir, 'vertical-60s.mp4');
    ctx.log('encoding a 60 s 1080x1920 video (the vertical clip, 3x; not timed)');
    const enc = await runProcess(ffmpegPath(), ['-v', 'error', '-y', '-stream_loop', '2', '-i', vertical, '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-pix_fmt', 'yuv420p', '-c:a', 'aac', long], { timeoutMs: 1_200_000 });
    if (enc.code !== 0) throw new Error(`ffmpeg could not make the 60 s video: ${enc.stderr.slice(-500)}`);
    // Against the AOC persona: another person, so the figures mean nothing; speed and memory are what is measured.
    const r = await analyseInChild(script, long, persona, false);
    ctx.log(`60 s 1080x1920: ${r.seconds.toFixed(1)} s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB, stages ${JSON.stringify(r.stageSeconds)}`);
    figures.push(
      {
        name: 'Quality analysis speed, 60 s 1080x1920 H.264 (1500 frames, no curves)',
        value: round(r.frames / r.seconds),
        unit: 'frames/s',
        note: `${r.seconds.toFixed(0)} s wall = ${round(r.seconds / 60, 2)}x real time; ${r.cpuSeconds.toFixed(0)} s CPU; measured against the AOC persona (another person: only speed and memory mean something here)`,
      },
      {
        name: 'Quality analysis peak memory, 60 s 1080x1920',
        value: Math.round(r.maxRssMiB),
        unit: 'MiB',
        goal: 'bounded (a few frames in memory)',
        note: `a 1080x1920 RGB frame is ${(1080 * 1920 * 3 / 2 ** 20).toFixed(1)} MiB; the whole video would be ${Math.round((1500 * 1080 * 1920 * 3) / 2 ** 30)} GiB`,
      },
    );
  }
  return figures;
}
