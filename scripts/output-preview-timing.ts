/**
 * Times the studio's output preview on a persona (docs/rendering.md, "The studio's
 * output preview"): preparing a take (cold: the footage's mouth sharpness measured
 * first; warm: cached), then frames along the playhead (stepping on) and scrubbing
 * (random frames), each painted, scaled and PNG-encoded as preview.frame does, and how long the
 * host's event loop is held at most while it prepares.
 *
 *   npx tsx scripts/output-preview-timing.ts --persona DIR --audio FILE [--seconds 8] [--cold]
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { OutputPreview } from '../src/engine/export/output-preview';
import { generateCurves } from '../src/engine/gan/generate';
import { encodePng } from '../src/engine/io/png';
import { resizeRgb } from '../src/engine/export/compose';
import { ffmpegPath, runProcess } from '../src/engine/media/ffmpeg';

const { values } = parseArgs({ options: { persona: { type: 'string' }, audio: { type: 'string' }, seconds: { type: 'string', default: '8' }, cold: { type: 'boolean', default: false } } });
if (!values.persona || !values.audio) throw new Error('usage: --persona DIR --audio FILE [--seconds 8] [--cold]');

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'output-preview-timing-'));
try {
  const voice = path.join(tmp, 'voice.wav');
  const cut = await runProcess(ffmpegPath(), ['-v', 'error', '-y', '-i', values.audio, '-t', values.seconds, voice]);
  if (cut.code !== 0) throw new Error(cut.stderr);
  if (values.cold) await fs.rm(path.join(values.persona, 'synthesis', 'mouth-sharpness.json'), { force: true });
  const g = await generateCurves(values.persona, voice, { prior: true });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t0 = performance.now();
  const preview = await OutputPreview.prepare({ persona: values.persona, audio: voice, curves: g.base, curvesFps: g.fps });
  const prepareS = (performance.now() - t0) / 1000;
  loop.disable();
  const time = async (frames: number[]) => {
    const paint: number[] = [], png: number[] = [];
    for (const f of frames) {
      const a = performance.now();
      const rgb = await preview.paint(f);
      const b = performance.now();
      // As preview.frame does: at most 1024 px on the long side.
      const k = Math.min(1, 1024 / Math.max(preview.width, preview.height));
      const w = Math.round(preview.width * k), h = Math.round(preview.height * k);
      encodePng({ width: w, height: h, channels: 3, data: k < 1 ? resizeRgb(rgb, preview.width, preview.height, w, h) : rgb }, 1, 2);
      paint.push(b - a);
      png.push(performance.now() - b);
    }
    const med = (x: number[]) => x.slice().sort((p, q) => p - q)[Math.floor(x.length / 2)];
    return `median ${med(paint).toFixed(0)} ms painting + ${med(png).toFixed(0)} ms scaling and PNG (max ${Math.max(...paint).toFixed(0)} ms)`;
  };
  const N = preview.frameCount;
  const stepping = Array.from({ length: Math.min(25, N) }, (_, i) => Math.floor(N / 3) + i);
  const scrubbing = Array.from({ length: 15 }, (_, i) => Math.floor(((i * 7919) % 97) / 97 * N));
  console.log(`${path.basename(values.persona)}: ${preview.width}x${preview.height}, ${N} frames at ${preview.fps} fps, synthesis ${preview.method}`);
  console.log(`prepare (${values.cold ? 'cold: sharpness measured' : 'warm'}): ${prepareS.toFixed(2)} s; stages ${JSON.stringify(preview.prepareSeconds)}; event loop held at most ${(loop.max / 1e6).toFixed(0)} ms (p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms)`);
  console.log(`stepping on (${stepping.length} frames): ${await time(stepping)}`);
  console.log(`scrubbing (${scrubbing.length} random frames): ${await time(scrubbing)}`);
  // An edit (a wider smile over a second): a new version, reusing this one's donor crops.
  const edited = Float32Array.from(g.base);
  for (let f = Math.floor(N / 3); f < Math.floor(N / 3) + 25 && f < edited.length / 71; f++) edited[f * 71 + 7] += 1.5;
  const t1 = performance.now();
  const again = await OutputPreview.prepare({ persona: values.persona, audio: voice, curves: edited, curvesFps: g.fps, reuse: preview });
  console.log(`prepare an edited take, reusing the donor crops: ${((performance.now() - t1) / 1000).toFixed(2)} s`);
  await again.close();
  console.log(`load average: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  await preview.close();
} finally {
  await fs.rm(tmp, { recursive: true, force: true });
}
