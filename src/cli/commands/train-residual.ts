import { flagNumber, flagString, UsageError, type CliCommand } from '../command';
import { isResidualConfigName, trainResidual } from '../../engine/synthesis';
import { trainMouthCorrection } from '../../engine/export/residual-flow';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { LIMITS } from '../../shared/limits';
import { DEFAULT_TRAINING_PRESET, TRAINING_PRESETS, TRAINING_PRESET_NAMES, isTrainingPresetName } from '../../engine/common/training-presets';

const presetsUsage = TRAINING_PRESET_NAMES.map((n) => `${n} ${TRAINING_PRESETS.residual[n].steps} steps / ${(TRAINING_PRESETS.residual[n].maxSeconds ?? 0) / 60} min`).join(', ');

export const command: CliCommand = {
  path: ['train', 'residual'],
  summary: 'Train the residual G_r: a masked correction of the mouth on top of real-pixel synthesis',
  usage:
    `facial-studio train residual --persona DIR [--preset draft|standard|best] [--steps N] [--minutes M] [--exclude N] [--pairs own|pose-neighbour] [--config draft|gpu-full|tiny] [--checked] ${DEVICE_USAGE} [--json]\n` +
    '  Re-makes every frame the persona was fitted on from real pixels, with a mouth donor at least --exclude frames\n' +
    '  away (default 8), on its own frame (--pairs own, the default) or on the frame of the nearest head pose as an\n' +
    '  export would (--pairs pose-neighbour; measured no better, docs/rendering.md), and trains a small network to correct that mouth towards the real frame, inside the mouth\n' +
    '  mask only, up to the preset\'s steps or minutes of training, whichever comes first (--steps and --minutes win;\n' +
    `  ${presetsUsage}; default draft). --config gpu-full is a wider, deeper network for a GPU (give --steps). Writes DIR/residual/.\n` +
    '  --checked runs the whole checked flow below as one run (the studio\'s "Train mouth correction"): the evaluation\n' +
    '  persona, a residual trained on it, the held-out check, and DIR\'s own residual only if the check says it wins.\n' +
    '  For held-out figures train it on DIR/eval/train-part and run facial-studio eval --persona DIR --synthesis;\n' +
    '  exports use the residual G_r of DIR (train it on DIR too) only where that evaluation says it beats real pixels.',
  async run(args, io) {
    const persona = flagString(args, 'persona', true);
    const device = deviceFlag(args);
    const config = flagString(args, 'config') ?? 'draft';
    if (!isResidualConfigName(config)) throw new UsageError(`--config expects draft, gpu-full or tiny, got "${config}"`);
    const presetName = flagString(args, 'preset') ?? DEFAULT_TRAINING_PRESET.residual;
    if (!isTrainingPresetName(presetName)) throw new UsageError(`--preset expects ${TRAINING_PRESET_NAMES.join(', ')}, got "${presetName}"`);
    const preset = TRAINING_PRESETS.residual[presetName];
    // The presets are for the draft network; another keeps its own default steps unless a preset is named.
    const presetSteps = config === 'draft' || args.flags.preset !== undefined ? preset.steps : undefined;
    const steps = args.flags.steps === undefined ? presetSteps : flagNumber(args, 'steps', preset.steps, LIMITS.steps);
    const minutes = flagNumber(args, 'minutes', (preset.maxSeconds ?? 540) / 60);
    if (!(minutes > 0)) throw new UsageError(`--minutes expects a positive number, got ${minutes}`);
    const exclude = flagNumber(args, 'exclude', 8);
    if (!(exclude >= 0 && exclude <= 1000)) throw new UsageError(`--exclude expects 0 to 1000 frames, got ${exclude}`);
    const pairs = flagString(args, 'pairs') ?? 'own';
    if (pairs !== 'own' && pairs !== 'pose-neighbour') throw new UsageError(`--pairs expects own or pose-neighbour, got "${pairs}"`);
    if (args.flags.checked) {
      const maxSeconds = args.flags.minutes === undefined ? undefined : minutes * 60;
      const c = await io.withProgress('mouth correction', (onProgress) => trainMouthCorrection(persona, { preset: presetName, config, steps, maxSeconds, device, signal: io.signal, onProgress }));
      io.out(io.json ? JSON.stringify({ ok: true, ...c }) : c.message);
      return 0;
    }
    const r = await io.withProgress('train residual', (onProgress) =>
      trainResidual(persona, { config, steps, maxSeconds: minutes * 60, exclude, pairSource: pairs, device, signal: io.signal, onProgress }),
    );
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...r }));
      return 0;
    }
    const i = r.info;
    io.out(`residual G_r trained: ${i.steps} steps in ${r.seconds.train.toFixed(1)} s on ${i.provider} (${r.pairs} pairs from frames ${i.trainFrames[0]}-${i.trainFrames[1] - 1}, made in ${r.seconds.pairs.toFixed(1)} s; donors > ${i.exclude} frames away)`);
    io.out(`  loss (L1 + 1-SSIM of the mouth crop): ${i.loss.first.toFixed(4)} over the first 10 % of steps, ${i.loss.last.toFixed(4)} over the last`);
    io.out(`  written to ${r.dir}; held-out figures: facial-studio eval --persona PERSONA --synthesis (with the residual trained on PERSONA/eval/train-part)`);
    return 0;
  },
};
