import { flagNumber, flagString, type CliCommand } from '../command';
import { evaluateGan, formatEvalTable, ganPath } from '../../engine/gan';
import { evaluateSynthesis } from '../../engine/export';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { LIMITS } from '../../shared/limits';

export const command: CliCommand = {
  path: ['eval'],
  summary: 'Evaluate FACIAL-GAN and the zero-training prior on the held-out part of a persona\'s clip',
  usage: `facial-studio eval --persona DIR [--seed N] [--synthesis] ${DEVICE_USAGE} [--json]\n  Writes DIR/gan/eval.json.\n` +
    '  --synthesis instead compares the ways to make a mouth on the held-out frames (real pixels of the training part, and the\n' +
    '  trained renderer G_r when there is one): PSNR, SSIM and sharpness of the lip box; writes DIR/synthesis/eval.json, which\n' +
    '  the export reads to decide whether G_r is used.',
  async run(args, io) {
    const persona = flagString(args, 'persona', true);
    const device = deviceFlag(args);
    const seed = flagNumber(args, 'seed', 1, LIMITS.seed);
    const bar = io.progress('eval');
    if (args.flags.synthesis) {
      let ev;
      try {
        ev = await evaluateSynthesis(persona, { device, signal: io.signal, onProgress: bar.onProgress });
      } finally {
        bar.done();
      }
      if (io.json) {
        io.out(JSON.stringify({ ok: true, ...ev }));
        return 0;
      }
      const row = (name: string, m: { psnrDb: number; ssim: number; sharpness: number }) => `  ${name.padEnd(22)} ${m.psnrDb.toFixed(2).padStart(6)} dB   SSIM ${m.ssim.toFixed(3)}   sharpness ${m.sharpness.toFixed(2)}x`;
      io.out(`held-out frames ${ev.testRange[0]}-${ev.testRange[1] - 1} (${ev.frames}), mouth donors from frames ${ev.donorRange[0]}-${ev.donorRange[1] - 1}; lip box vs the real frame:`);
      io.out(row('real pixels (retrieval)', ev.retrieval));
      if (ev.renderer) io.out(row(`G_r (${ev.renderer.steps} steps)`, ev.renderer));
      io.out(ev.renderer ? (ev.rendererWins ? '  G_r wins: exports use it' : '  real pixels win: exports use them') : '  no renderer trained');
      return 0;
    }
    let r;
    try {
      r = await evaluateGan(persona, { seed, device, signal: io.signal, onProgress: bar.onProgress });
    } finally {
      bar.done();
    }
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...r }));
      return 0;
    }
    io.out(formatEvalTable(r));
    io.out(`written to ${ganPath(persona, 'eval')}`);
    return 0;
  },
};
