import { flagNumber, flagString, UsageError, type CliCommand } from '../command';
import { LIMITS } from '../../shared/limits';
import { runDemo, defaultDemoDir } from '../../engine/demo/run-demo';

export const command: CliCommand = {
  path: ['demo'],
  summary: 'Run the whole chain (persona, curves, renderer, MP4) on built-in sample input or on your files',
  usage:
    'facial-studio demo [--video FILE --audio FILE] [--out DIR] [--steps N] [--json]\n' +
    `  Without --video/--audio it makes its own input (a synthetic talking head and a speech-like voice-over); output in ${defaultDemoDir()} unless --out.`,
  async run(args, io) {
    const video = flagString(args, 'video');
    const audio = flagString(args, 'audio');
    if (Boolean(video) !== Boolean(audio)) throw new UsageError('give both --video and --audio, or neither');
    const steps = args.flags.steps === undefined ? undefined : flagNumber(args, 'steps', 200, LIMITS.steps);
    const r = await io.withProgress('demo', (onProgress) =>
      runDemo({
        video,
        audio,
        out: flagString(args, 'out'),
        steps,
        signal: io.signal,
        onProgress,
        log: io.json ? undefined : (l) => io.err(l),
      }),
    );
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...r }));
      return 0;
    }
    const s = r.seconds;
    io.err(`done in ${s.total.toFixed(0)} s (inputs ${s.inputs.toFixed(0)} s, persona ${s.persona.toFixed(0)} s, curves ${s.curves.toFixed(0)} s, training ${s.train.toFixed(0)} s, export ${s.export.toFixed(0)} s)`);
    io.err(`${r.export.label}; held-out PSNR ${r.renderer.eval.psnrDb} dB, SSIM ${r.renderer.eval.ssim}`);
    io.out(r.mp4);
    return 0;
  },
};
