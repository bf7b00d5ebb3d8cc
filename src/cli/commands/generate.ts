import { flagNumber, flagString, UsageError, type CliCommand } from '../command';
import { generateCurves, writeCurves, IMPLICIT_MODES, type ImplicitMode } from '../../engine/gan';
import { parseEncoderSpec } from '../../engine/audio';
import { encoderFile } from '../../engine/audio/encoder';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { checkOutput } from '../../engine/util/output-path';
import { LIMITS } from '../../shared/limits';

export const command: CliCommand = {
  path: ['generate'],
  summary: 'Generate expression, head-pose and blink curves for a voice-over (FACIAL-GAN, or the zero-training prior)',
  usage:
    `facial-studio generate --persona DIR --audio FILE --out curves.json [--prior] [--implicit model|prior|auto] [--seed N] ${DEVICE_USAGE} [--encoder builtin|onnx:FILE|npy:FILE] [--json]\n` +
    '  Uses the persona\'s trained FACIAL-GAN (gan/audio-path.onnx, state-path.onnx) as a refinement of the zero-training prior; without one, or with --prior, the prior alone.\n' +
    '  --implicit: expression, blinks and head pose from the model, from the prior, or (auto, default) as the model\'s held-out verdict says (gan/model.json): the prior refined by what the model learned.',
  async run(args, io) {
    const persona = flagString(args, 'persona', true);
    const audio = flagString(args, 'audio', true);
    const out = flagString(args, 'out', true);
    if (!out.toLowerCase().endsWith('.json')) throw new UsageError(`--out should name a .json curve document, got "${out}"`);
    const device = deviceFlag(args);
    const enc = flagString(args, 'encoder');
    const implicit = flagString(args, 'implicit') ?? 'auto';
    if (!(IMPLICIT_MODES as readonly string[]).includes(implicit)) throw new UsageError(`--implicit expects one of ${IMPLICIT_MODES.join(', ')}, got "${implicit}"`);
    const encoder = enc ? parseEncoderSpec(enc) : undefined;
    // Before any work: --out is none of the inputs and its folder is writable.
    await checkOutput(out, { label: '--out', kind: 'file', inputs: [{ label: '--audio', path: audio }, { label: '--encoder', path: encoderFile(encoder) }] });
    const seed = flagNumber(args, 'seed', 1, LIMITS.seed);
    const bar = io.progress('generate');
    let r;
    try {
      r = await generateCurves(persona, audio, {
        prior: Boolean(args.flags.prior),
        seed,
        implicit: implicit as ImplicitMode,
        device,
        encoder,
        signal: io.signal,
        onProgress: bar.onProgress,
      });
    } finally {
      bar.done();
    }
    await writeCurves(out, r);
    const secs = r.frameCount / r.fps;
    const speed = secs / Math.max(1e-9, r.seconds.generate);
    if (io.json) {
      io.out(JSON.stringify({ ok: true, out, source: r.source, personaId: r.personaId, fps: r.fps, frameCount: r.frameCount, durationS: secs, window: r.window, note: r.note, implicit: r.implicit, blinks: r.document.edits.blinks.length, seconds: r.seconds, realTimeFactor: speed }));
      return 0;
    }
    io.out(`${r.frameCount} frames (${secs.toFixed(2)} s at ${r.fps} fps) of ${r.source === 'prior' ? 'zero-training prior' : `FACIAL-GAN (window ${r.window})`} curves -> ${out}`);
    if (r.note) io.out(`  ${r.note}`);
    io.out(`  ${r.document.edits.blinks.length} blinks; features ${r.seconds.features.toFixed(2)} s, generation ${r.seconds.generate.toFixed(3)} s (${speed.toFixed(0)}x real time)`);
    return 0;
  },
};
