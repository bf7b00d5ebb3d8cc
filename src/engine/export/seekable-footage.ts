import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Persona } from '../persona';
import { ffmpegPath, ffprobePath, runProcess } from '../media/ffmpeg';
import { UserError } from '../util/errors';
import { writeFileAtomic } from '../util/atomic-file';

/**
 * The footage as an export reads it: the source path jumps and plays backwards through
 * it (src/engine/synthesis), and every jump is a seek that decodes from the keyframe
 * before. Phone videos put seconds between keyframes (the vertical demo clip: 3 in 20 s
 * of HEVC 1080x1920), so each seek would decode hundreds of frames. Such footage is
 * transcoded once into a copy with a keyframe every 10 frames (H.264, CRF 12: the
 * difference to the source is below what the quality report sees), cached in the
 * persona folder (`synthesis/footage-seekable.mp4`, keyed by the source video). The
 * user's file is only read.
 */

const MAX_KEYFRAME_GAP = 30;
const GOP = 10;

/** Largest gap between keyframes, in frames (from the keyframes' times; decodes nothing else). */
export async function maxKeyframeGap(file: string, fps: number, durationS: number, signal?: AbortSignal): Promise<number> {
  const r = await runProcess(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file], { signal });
  if (r.code !== 0) return Infinity;
  const times = r.stdout.toString().split('\n').map((l) => Number(l.split(',')[0])).filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  if (times.length === 0) return Infinity;
  let gap = times[0];
  for (let k = 1; k < times.length; k++) gap = Math.max(gap, times[k] - times[k - 1]);
  gap = Math.max(gap, durationS - times[times.length - 1]);
  return Math.round(gap * fps);
}

/** The file an export should decode the persona's footage from: the source itself, or its seekable copy. */
export async function seekableFootage(persona: Persona, signal?: AbortSignal): Promise<string> {
  const src = persona.meta.source.file;
  const st = await fs.stat(src);
  const key = JSON.stringify({ file: src, sizeBytes: st.size, mtimeMs: Math.round(st.mtimeMs), gop: GOP });
  const dir = path.join(persona.dir, 'synthesis');
  const copy = path.join(dir, 'footage-seekable.mp4');
  const keyFile = path.join(dir, 'footage-seekable.json');
  if (existsSync(copy) && existsSync(keyFile) && (await fs.readFile(keyFile, 'utf8')) === key) return copy;
  const gap = await maxKeyframeGap(src, persona.meta.fps, persona.meta.durationS, signal);
  if (gap <= MAX_KEYFRAME_GAP) return src;
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${copy}.part.mp4`;
  const r = await runProcess(ffmpegPath(), [
    '-v', 'error', '-nostdin', '-y', '-i', src, '-map', '0:v:0', '-an', '-sn',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '12', '-g', String(GOP), '-keyint_min', String(GOP), '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', '-r', String(persona.meta.fps), tmp,
  ], { signal });
  if (r.code !== 0) {
    await fs.rm(tmp, { force: true });
    if (signal?.aborted) return src;
    throw new UserError('footage-transcode-failed', `Could not prepare ${src} for synthesis: ${r.stderr.trim().split('\n').pop() ?? 'ffmpeg failed'}.`, { file: src, hint: 'Check that the video still plays, or rebuild the persona.' });
  }
  await fs.rename(tmp, copy);
  await writeFileAtomic(keyFile, key);
  return copy;
}
