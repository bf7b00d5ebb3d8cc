import { flagNumber, flagString, type CliCommand } from '../command';
import { evaluateGan, formatEvalTable, ganPath } from '../../engine/gan';
import { evaluateSynthesis, type MouthFigures } from '../../engine/export';
import { beats } from '../../engine/export/evaluate-synthesis';
import { followingShortfall } from '../../engine/export/heldout-following';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { LIMITS } from '../../shared/limits';

export const command: CliCommand = {
  path: ['eval'],
  summary: 'Evaluate FACIAL-GAN and the zero-training prior on the held-out part of a persona\'s clip',
  usage: `facial-studio eval --persona DIR [--seed N] [--synthesis [--on-persona-itself]] ${DEVICE_USAGE} [--json]\n  Writes DIR/gan/eval.json.\n` +
    '  --synthesis instead compares the ways to make a mouth on held-out frames that no part of the persona was fitted on: it\n' +
    '  builds (once) the evaluation persona DIR/eval/train-part (the same clip and tracking, everything fitted on the frames\n' +
    '  before the test part only) and re-makes its test frames by real pixels of the training part, by the training-free\n' +
    '  baseline (nearest real mouth by lip shape, affine-warped, blended), by G_r and by the residual G_r on top of real\n' +
    '  pixels when they are trained on the evaluation persona: PSNR, SSIM and sharpness of the lip box; writes DIR/synthesis/eval.json, which the export reads to decide\n' +
    '  whether G_r is used. --on-persona-itself measures on the persona itself instead (fitted on the whole clip, test\n' +
    '  frames included: optimistic; for comparison with figures from before the clean split; nothing is written).',
  async run(args, io) {
    const persona = flagString(args, 'persona', true);
    const device = deviceFlag(args);
    const seed = flagNumber(args, 'seed', 1, LIMITS.seed);
    const bar = io.progress('eval');
    if (args.flags.synthesis) {
      let ev;
      try {
        ev = await evaluateSynthesis(persona, { device, onPersonaItself: Boolean(args.flags['on-persona-itself']), signal: io.signal, onProgress: bar.onProgress });
      } finally {
        bar.done();
      }
      if (io.json) {
        io.out(JSON.stringify({ ok: true, ...ev }));
        return 0;
      }
      const row = (name: string, m: MouthFigures) => `  ${name.padEnd(33)} ${m.psnrDb.toFixed(2).padStart(6)} dB   SSIM ${m.ssim.toFixed(3)}   sharpness ${m.sharpness.toFixed(2)}x`
        + (m.core ? `   | core ${m.core.psnrDb.toFixed(2).padStart(6)} dB   SSIM ${m.core.ssim.toFixed(3)}` : '');
      const [f0, f1] = ev.evaluationPersona.fittedFrames;
      io.out(`measured on ${ev.evaluationPersona.dir === '.' ? 'the persona itself' : `the evaluation persona ${ev.evaluationPersona.dir}`} (everything fitted on frames ${f0}-${f1 - 1})`);
      io.out(`held-out frames ${ev.testRange[0]}-${ev.testRange[1] - 1} (${ev.frames}), mouth donors from frames ${ev.donorRange[0]}-${ev.donorRange[1] - 1}; lip box (and the mouth's core, which every method replaces entirely) vs the real frame:`);
      io.out(row('real pixels (retrieval)', ev.retrieval));
      io.out(row('baseline (nearest mouth, affine)', ev.baseline));
      if (ev.renderer) io.out(row(`G_r (${ev.renderer.steps} steps)`, ev.renderer));
      if (ev.residual) io.out(row(`residual G_r (${ev.residual.steps} steps)`, ev.residual));
      if (ev.following) {
        const f = ev.following;
        const line = (name: string, x: { r: number; slope: number }) => `  ${name.padEnd(33)} r ${x.r.toFixed(2)}   slope ${x.slope.toFixed(2)}`;
        io.out(`the same frames made as an export makes them (sources chosen by pose, ${f.sourceCuts} cuts), encoded and tracked again: mouth opening vs the curves'`);
        io.out(line('real pixels (retrieval)', f.retrieval));
        if (f.residual) io.out(line('residual G_r', f.residual));
        if (f.generated) {
          io.out(`the same with the curves generated for the clip's own sound (${f.generated.sourceCuts} cuts):`);
          io.out(line('real pixels (retrieval)', f.generated.retrieval));
          if (f.generated.residual) io.out(line('residual G_r', f.generated.residual));
        }
      }
      io.out(`  real pixels ${ev.beatsBaseline.retrieval ? 'beat' : 'do not beat'} the baseline (higher PSNR and SSIM at >= 0.8x its sharpness)`);
      if (ev.renderer) io.out(`  G_r ${ev.beatsBaseline.renderer ? 'beats' : 'does not beat'} the baseline; ${ev.rendererWins ? 'G_r beats real pixels: exports use it' : 'real pixels win: exports use them'}`);
      if (ev.residual) {
        const shortfall = followingShortfall(ev.following);
        const verdict = ev.residualWins
          ? 'it beats real pixels alone: exports apply it (when trained on the persona itself)'
          : beats(ev.residual, ev.retrieval) && shortfall
            ? `it beats real pixels alone in the lip box, but ${shortfall}: exports do not apply it`
            : 'it does not beat real pixels alone (higher PSNR and SSIM at >= 0.8x their sharpness): exports do not apply it';
        io.out(`  residual G_r ${ev.beatsBaseline.residual ? 'beats' : 'does not beat'} the baseline; ${verdict}`);
      }
      for (const n of ev.notes) io.out(`note: ${n}`);
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
