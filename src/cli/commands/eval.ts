import { flagNumber, flagString, type CliCommand } from '../command';
import { evaluateGan, formatEvalTable, ganPath } from '../../engine/gan';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { LIMITS } from '../../shared/limits';

export const command: CliCommand = {
  path: ['eval'],
  summary: 'Evaluate FACIAL-GAN and the zero-training prior on the held-out part of a persona\'s clip',
  usage: `facial-studio eval --persona DIR [--seed N] ${DEVICE_USAGE} [--json]\n  Writes DIR/gan/eval.json.`,
  async run(args, io) {
    const persona = flagString(args, 'persona', true);
    const device = deviceFlag(args);
    const seed = flagNumber(args, 'seed', 1, LIMITS.seed);
    const bar = io.progress('eval');
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
