/**
 * The demo's synthetic "reference video": the built-in generic head talking (mouth
 * opening driven by a synthesised speech track, which is also the video's sound),
 * blinking every few seconds and moving its head a little, rendered frame by frame
 * and piped into ffmpeg (H.264 + AAC). Deterministic for a seed.
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { Rng } from '../common/numeric';
import { throwIfCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';
import { VideoWriter } from '../export/video-writer';
import { REST_POSE, SYNTH_SIZE, SyntheticFrameRenderer, type HeadPose } from './synthetic-frame';
import { synthesizeSpeech, writeWav } from './speech';

export interface SyntheticVideoOptions extends RunOptions {
  durationS?: number;
  fps?: number;
  seed?: number;
}

export interface SyntheticVideoInfo {
  file: string;
  frames: number;
  fps: number;
  width: number;
  height: number;
  blinks: number;
  seconds: number;
}

/** Blink strength per frame: a blink every 2.5 to 4.5 s, 5 to 7 frames long (closing faster than opening). */
export function blinkTrack(T: number, fps: number, rng: Rng): { blink: Float32Array; count: number } {
  const blink = new Float32Array(T);
  let count = 0;
  let t = (1.2 + rng.next()) * fps;
  while (t < T - 8) {
    const len = 5 + Math.floor(rng.next() * 3);
    const peak = Math.floor(len * 0.4);
    for (let k = 0; k < len; k++) {
      const v = k <= peak ? k / peak : 1 - (k - peak) / (len - peak);
      blink[Math.floor(t) + k] = Math.max(0, Math.min(1, v * 1.05));
    }
    count++;
    t += (2.5 + 2 * rng.next()) * fps;
  }
  return { blink, count };
}

/** Smooth head motion: a few slow sinusoids per channel around the rest pose. */
export function headPose(time: number, speaking: number, phase: number[]): HeadPose {
  const s = (f: number, p: number) => Math.sin(2 * Math.PI * f * time + p);
  return {
    pitch: REST_POSE.pitch + 0.045 * s(0.31, phase[0]) + 0.02 * s(0.87, phase[1]) + 0.025 * speaking,
    yaw: REST_POSE.yaw + 0.11 * s(0.19, phase[2]) + 0.035 * s(0.53, phase[3]),
    roll: REST_POSE.roll + 0.03 * s(0.23, phase[4]),
    x: REST_POSE.x + 7 * s(0.13, phase[5]),
    y: REST_POSE.y + 3 * s(0.29, phase[6]),
    z: REST_POSE.z + 10 * s(0.11, phase[7]),
  };
}

export async function makeSyntheticVideo(file: string, opts: SyntheticVideoOptions = {}): Promise<SyntheticVideoInfo> {
  const t0 = performance.now();
  const fps = opts.fps ?? 25;
  const durationS = opts.durationS ?? 10;
  const seed = opts.seed ?? 11;
  const T = Math.round(durationS * fps);
  const speech = synthesizeSpeech(durationS, { seed, fps });
  const wav = path.join(os.tmpdir(), `facial-demo-ref-${process.pid}-${seed}.wav`);
  await writeWav(wav, speech.samples, speech.sampleRate);
  const rng = new Rng(seed * 31 + 5);
  const phase = Array.from({ length: 8 }, () => rng.next() * 2 * Math.PI);
  const { blink, count } = blinkTrack(T, fps, rng);
  const frames = new SyntheticFrameRenderer(SYNTH_SIZE);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const writer = new VideoWriter({ out: file, width: SYNTH_SIZE, height: SYNTH_SIZE, fps, audio: wav, crf: 15, signal: opts.signal, metadata: { comment: 'FACIAL Studio demo: synthetic reference video of the built-in generic head' } });
  const buf = new Uint8Array(SYNTH_SIZE * SYNTH_SIZE * 3);
  try {
    for (let i = 0; i < T; i++) {
      throwIfCancelled(opts.signal);
      const time = i / fps;
      const mouth = speech.mouth[i] ?? 0;
      const pose = headPose(time, mouth, phase);
      frames.render(pose, { blink: blink[i], mouthOpen: Math.min(1, mouth * 1.1), gaze: 0.15 * Math.sin(2 * Math.PI * 0.07 * time) }, buf);
      await writer.write(buf);
      if (i % 10 === 0) opts.onProgress?.({ stage: 'video', fraction: i / T, message: `synthetic frame ${i + 1}/${T}` });
    }
    await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await fs.rm(wav, { force: true });
  }
  return { file, frames: T, fps, width: SYNTH_SIZE, height: SYNTH_SIZE, blinks: count, seconds: (performance.now() - t0) / 1000 };
}
