#!/usr/bin/env node
// Output frames beside real ones, for the README and docs/rendering.md: for each
// requested frame, the rendered MP4's frame next to a frame of the person's own footage,
// both cropped to the same box (the face), in one PNG.
//
//   node scripts/side-by-side.mjs --video out.mp4 --real footage.mp4 --frames 40,200 \
//        --real-frames 10,150 --crop W:H:X:Y [--height 320] --out docs/images/x.png
//
// Rows: one per frame; columns: real | rendered. Uses the bundled ffmpeg.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ffmpeg = process.env.FFMPEG_PATH || require('@ffmpeg-installer/ffmpeg').path;

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
for (const k of ['video', 'real', 'frames', 'crop', 'out']) {
  if (!args[k]) {
    console.error(`missing --${k}\nusage: node scripts/side-by-side.mjs --video out.mp4 --real footage.mp4 --frames 40,200 [--real-frames 10,150] --crop W:H:X:Y [--height 320] --out x.png`);
    process.exit(2);
  }
}
const frames = args.frames.split(',').map(Number);
const realFrames = (args['real-frames'] ?? args.frames).split(',').map(Number);
if (realFrames.length !== frames.length) {
  console.error('--real-frames must list as many frames as --frames');
  process.exit(2);
}
const h = Number(args.height ?? 320);
const pick = (list) => list.map((n) => `eq(n\\,${n})`).join('+');
// Each input: the chosen frames, cropped and scaled, stacked vertically; then the two stacks side by side.
const filter = [
  `[0:v]select='${pick(realFrames)}',crop=${args.crop},scale=-2:${h},tile=1x${frames.length}[real]`,
  `[1:v]select='${pick(frames)}',crop=${args.crop},scale=-2:${h},tile=1x${frames.length}[out]`,
  '[real][out]hstack=inputs=2[v]',
].join(';');
const r = spawnSync(ffmpeg, ['-v', 'error', '-y', '-i', args.real, '-i', args.video, '-filter_complex', filter, '-map', '[v]', '-frames:v', '1', '-vsync', '0', args.out], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(args.out);
