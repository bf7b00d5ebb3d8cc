import { flagNumber, flagString, UsageError, type CliCommand } from '../command';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { LIMITS } from '../../shared/limits';
import { pretrainGanBase, trainGan, verdictLines } from '../../engine/gan';
import { TRAINING_PRESETS, TRAINING_PRESET_NAMES, DEFAULT_TRAINING_PRESET, isTrainingPresetName } from '../../engine/common/training-presets';

export const command: CliCommand = {
  path: ['train', 'gan'],
  summary: 'Train FACIAL-GAN on a persona (expression, head pose and blinks from audio)',
  usage:
    `facial-studio train gan --persona DIR [--preset draft|standard|best] [--steps N] ${DEVICE_USAGE} [--window 32|64|96|128] [--batch 16] [--lr 1e-4] [--init BASE] [--restart] [--json]\n` +
    `facial-studio train gan --personas DIR1,DIR2[,...] --out BASE [--steps N] [--window 64] [--batch 16] [--lr 1e-4] [--json]\n` +
    '  Resumes from the persona\'s gan/checkpoint.safetensors unless --restart; stops early when the validation loss stops improving.\n' +
    '  The model learns a correction to the zero-training prior; at the end it is judged per attribute on held-out frames (the verdict generation follows).\n' +
    '  --personas ... --out BASE pretrains a base model on several personas; --init BASE fine-tunes a persona from it (learning rate 1e-5 unless --lr).\n' +
    `  --preset sets the budget (${TRAINING_PRESET_NAMES.map((n) => `${n}: ${TRAINING_PRESETS.gan[n].steps} steps`).join(', ')}; default ${DEFAULT_TRAINING_PRESET.gan}); --steps and --patience override it.`,
  async run(args, io) {
    if (flagString(args, 'personas') !== undefined) return pretrain(args, io);
    const persona = flagString(args, 'persona', true);
    const device = deviceFlag(args);
    const windowFlag = flagString(args, 'window');
    const presetName = flagString(args, 'preset') ?? DEFAULT_TRAINING_PRESET.gan;
    if (!isTrainingPresetName(presetName)) throw new UsageError(`--preset expects ${TRAINING_PRESET_NAMES.join(', ')}, got "${presetName}"`);
    const preset = TRAINING_PRESETS.gan[presetName];
    // Every number in the API's own ranges (src/shared/limits.ts), checked before any work.
    const steps = flagNumber(args, 'steps', preset.steps, LIMITS.steps);
    const windowLength = windowFlag !== undefined ? flagNumber(args, 'window', 0, LIMITS.window) : undefined;
    const batchSize = flagNumber(args, 'batch', 16, LIMITS.batch);
    // Without --lr: 1e-4, or the fine-tuning rate 1e-5 with --init (trainGan's default).
    const lr = flagString(args, 'lr') !== undefined ? flagNumber(args, 'lr', 1e-4, LIMITS.learningRate) : undefined;
    const evalEvery = flagNumber(args, 'eval-every', 10, LIMITS.evalEvery);
    const patience = flagNumber(args, 'patience', preset.patience ?? 8, LIMITS.patience);
    const r = await io.withProgress('train gan', (onProgress) =>
      trainGan(persona, {
        steps,
        device,
        windowLength,
        batchSize,
        lr,
        init: flagString(args, 'init'),
        evalEvery,
        patience,
        restart: Boolean(args.flags.restart),
        signal: io.signal,
        onProgress,
        log: io.json ? undefined : (l) => io.err(l),
      }),
    );
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...r, points: undefined, curve: r.points.filter((p) => p.val !== undefined) }));
      return 0;
    }
    const first = r.points[0];
    const last = r.points[r.points.length - 1];
    io.out(`FACIAL-GAN trained on ${persona}: window ${r.window} frames, batch ${r.batch}, ${r.provider}`);
    io.out(`  steps: ${r.steps} in total (${r.stepsThisRun} now${r.resumedFrom ? `, resumed from ${r.resumedFrom}` : ''}), ${r.stepSeconds.toFixed(2)} s per D+G step (${r.secondsPerStep.toFixed(2)} s with validation and checkpoints), ${r.seconds.toFixed(0)} s overall`);
    if (first && last) io.out(`  generator loss ${first.g.toFixed(3)} -> ${last.g.toFixed(3)}; discriminator ${first.d.toFixed(3)} -> ${last.d.toFixed(3)}`);
    io.out(`  best validation loss ${r.bestVal.toFixed(4)} at step ${r.bestStep} (${r.stopReason})`);
    if (r.implicit) {
      for (const line of verdictLines(r.implicit)) io.out(`  ${line}`);
      io.out('  generation follows this verdict (--implicit auto); force either side with --implicit model|prior');
    }
    io.out(`  model: ${r.files.audioPath}, ${r.files.statePath}`);
    return 0;
  },
};

async function pretrain(args: Parameters<CliCommand['run']>[0], io: Parameters<CliCommand['run']>[1]): Promise<number> {
  const dirs = (flagString(args, 'personas', true)).split(',').map((d) => d.trim()).filter(Boolean);
  const out = flagString(args, 'out');
  if (!out) throw new UsageError('--personas pretrains a base model: name its folder with --out BASE');
  const windowFlag = flagString(args, 'window');
  const r = await io.withProgress('pretrain gan', (onProgress) =>
    pretrainGanBase(dirs, out, {
      steps: flagNumber(args, 'steps', 2000, LIMITS.steps),
      device: deviceFlag(args),
      windowLength: windowFlag !== undefined ? flagNumber(args, 'window', 0, LIMITS.window) : undefined,
      batchSize: flagNumber(args, 'batch', 16, LIMITS.batch),
      lr: flagNumber(args, 'lr', 1e-4, LIMITS.learningRate),
      patience: flagNumber(args, 'patience', 8, LIMITS.patience),
      signal: io.signal,
      onProgress,
      log: io.json ? undefined : (l) => io.err(l),
    }),
  );
  if (io.json) {
    io.out(JSON.stringify({ ok: true, ...r }));
    return 0;
  }
  io.out(`FACIAL-GAN base model pretrained on ${r.personas.length} personas -> ${r.dir}: window ${r.window}, ${r.steps} steps, best mean validation loss ${r.bestVal.toFixed(4)} at step ${r.bestStep} (${r.stopReason})`);
  io.out(`  fine-tune a persona from it: facial-studio train gan --persona DIR --init ${r.dir}`);
  return 0;
}
