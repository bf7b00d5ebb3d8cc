import path from 'node:path';
import { UsageError, flagString, type CliCommand } from '../command';
import { extractAudioFeatures, parseEncoderSpec, type EncoderSpec } from '../../engine/audio/index';
import { encoderFile } from '../../engine/audio/encoder';
import { writeNpy } from '../../engine/io/npy';
import { checkOutput } from '../../engine/util/output-path';

/** "30", "29.97" or "30000/1001". */
function parseFps(v: string | undefined): number {
  if (v === undefined) return 30;
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(v.trim());
  const fps = m ? Number(m[1]) / (m[2] ? Number(m[2]) : 1) : NaN;
  if (!Number.isFinite(fps) || fps <= 0 || fps > 240) throw new UsageError(`--fps expects a frame rate such as 25, 29.97, 30000/1001 or 60, got "${v}"`);
  return fps;
}

export const command: CliCommand = {
  path: ['features'],
  summary: 'Compute FACIAL audio features [T,16,29] for a voice-over (or video) file',
  usage: 'facial-studio features --audio FILE [--fps 30] [--encoder builtin|onnx:PATH|npy:PATH] --out FILE.npy [--activity FILE.npy] [--json]',
  async run(args, io) {
    const audio = flagString(args, 'audio', true);
    const out = flagString(args, 'out', true);
    if (!/\.npy$/i.test(out)) throw new UsageError(`--out must name a .npy file, got "${out}"`);
    const activityOut = flagString(args, 'activity');
    const fps = parseFps(flagString(args, 'fps'));
    let encoder: EncoderSpec;
    try {
      encoder = parseEncoderSpec(flagString(args, 'encoder') ?? 'builtin');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    // Before any work: no output is an input (or the other output), and their folders are writable.
    const inputs = [{ label: '--audio', path: audio }, { label: '--encoder', path: encoderFile(encoder) }];
    await checkOutput(out, { label: '--out', kind: 'file', inputs });
    if (activityOut) await checkOutput(activityOut, { label: '--activity', kind: 'file', inputs: [...inputs, { label: '--out', path: out }] });
    const t0 = performance.now();
    const f = await io.withProgress('features', (onProgress) => extractAudioFeatures(audio, { fps, encoder, signal: io.signal, onProgress }));
    const seconds = (performance.now() - t0) / 1000;
    await writeNpy(out, f.features, [f.frameCount, 16, 29]);
    if (activityOut) {
      const act = new Float32Array(f.frameCount * 2);
      for (let t = 0; t < f.frameCount; t++) {
        act[2 * t] = f.speech[t];
        act[2 * t + 1] = f.rmsDb[t];
      }
      await writeNpy(activityOut, act, [f.frameCount, 2]);
    }
    let speechFrames = 0;
    for (const v of f.speech) if (v >= 0.5) speechFrames++;
    const audioS = f.totalSamples / 16000;
    const summary = {
      audio: f.source.file,
      out: path.resolve(out),
      activity: activityOut ? path.resolve(activityOut) : undefined,
      shape: [f.frameCount, 16, 29],
      fps: f.fps,
      encoder: f.encoder,
      durationS: Number(audioS.toFixed(3)),
      source: { sampleRate: f.source.sampleRate, channels: f.source.channels, codec: f.source.codec },
      speechFraction: Number((speechFrames / Math.max(1, f.frameCount)).toFixed(3)),
      seconds: Number(seconds.toFixed(3)),
      realTimeFactor: Number((audioS / Math.max(seconds, 1e-6)).toFixed(1)),
      warnings: f.warnings,
    };
    if (io.json) io.out(JSON.stringify(summary));
    else {
      io.out(`features [${summary.shape.join(', ')}] -> ${summary.out}`);
      io.out(`  audio ${f.source.file}: ${audioS.toFixed(2)} s, ${f.source.codec} ${f.source.sampleRate} Hz ${f.source.channels} ch; ${f.fps} fps; encoder ${f.encoder}`);
      io.out(`  speech in ${Math.round(summary.speechFraction * 100)}% of frames${activityOut ? `; activity [${f.frameCount}, 2] -> ${summary.activity}` : ''}`);
      io.out(`  took ${seconds.toFixed(2)} s (${summary.realTimeFactor}x real time)`);
      for (const w of f.warnings) io.err(`warning: ${w}`);
    }
    return 0;
  },
};
