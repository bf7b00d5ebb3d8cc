import { flagNumber, flagString, UsageError, type CliCommand } from '../command';
import { trainRenderer } from '../../engine/render';
import { isRendererConfigName } from '../../engine/render/face2vid-net';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { LIMITS } from '../../shared/limits';
import { TRAINING_PRESETS, TRAINING_PRESET_NAMES, DEFAULT_TRAINING_PRESET, isTrainingPresetName } from '../../engine/common/training-presets';

export const command: CliCommand = {
  path: ['train', 'renderer'],
  summary: 'Train the rendering-to-video network (3D render -> real frames) on a persona',
  usage:
    `facial-studio train renderer --persona DIR [--preset draft|standard|best] [--size 256|512] [--steps N] [--config cpu-small|gpu-full] ${DEVICE_USAGE} [--restart] [--json]\n` +
    "  Resumes from the persona's renderer/checkpoint.safetensors unless --restart; --steps is the total to reach.\n" +
    `  --preset sets the budget of the cpu-small network (${TRAINING_PRESET_NAMES.map((n) => `${n}: ${TRAINING_PRESETS.renderer[n].steps} steps`).join(', ')}; default ${DEFAULT_TRAINING_PRESET.renderer}); --steps overrides it.\n` +
    '  Writes preview grids (conditioning | generated | real) to renderer/previews/ and held-out figures to renderer/eval.json.',
  async run(args, io) {
    const persona = flagString(args, 'persona', true);
    const device = deviceFlag(args);
    const config = flagString(args, 'config') ?? 'cpu-small';
    if (!isRendererConfigName(config)) throw new UsageError(`--config expects cpu-small or gpu-full, got "${config}"`);
    const size = flagNumber(args, 'size', 256);
    if (size !== 256 && size !== 512) throw new UsageError(`--size expects 256 or 512, got ${size}`);
    const stepsFlag = args.flags.steps;
    const presetName = flagString(args, 'preset');
    if (presetName !== undefined && !isTrainingPresetName(presetName)) throw new UsageError(`--preset expects ${TRAINING_PRESET_NAMES.join(', ')}, got "${presetName}"`);
    // The gpu-full network keeps its own default budget unless a preset is named.
    const presetSteps = presetName ? TRAINING_PRESETS.renderer[presetName].steps : config === 'cpu-small' ? TRAINING_PRESETS.renderer[DEFAULT_TRAINING_PRESET.renderer].steps : undefined;
    const steps = stepsFlag === undefined ? presetSteps : flagNumber(args, 'steps', 300, LIMITS.steps);
    const r = await io.withProgress('train renderer', (onProgress) =>
      trainRenderer(persona, {
        size,
        steps,
        config,
        device,
        restart: Boolean(args.flags.restart),
        signal: io.signal,
        onProgress,
      }),
    );
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...r }));
      return 0;
    }
    const e = r.eval;
    io.out(`renderer trained: ${r.steps} steps (${r.stepsThisRun} this run${r.resumedFrom ? `, resumed from ${r.resumedFrom}` : ''}) on ${r.provider}, ${r.secondsPerStep.toFixed(2)} s/step`);
    if (r.losses) io.out(`  last losses: G ${r.losses.g.toFixed(3)} (adv ${r.losses.adv.toFixed(3)}, FM ${r.losses.fm.toFixed(3)}, 1-MS-SSIM ${r.losses.perceptual.toFixed(3)}, L1 ${r.losses.l1.toFixed(3)}), D ${r.losses.d.toFixed(3)}`);
    io.out(`  held-out frames ${e.testRange[0]}-${e.testRange[1] - 1}: PSNR ${e.psnrDb.toFixed(2)} dB, SSIM ${e.ssim.toFixed(3)} (3D render alone: ${e.baseline.psnrDb.toFixed(2)} dB, ${e.baseline.ssim.toFixed(3)})`);
    io.out(`  flicker (mean |frame t - frame t-1|): generated ${e.flicker.generated.toFixed(2)} vs real ${e.flicker.real.toFixed(2)} (ratio ${e.flicker.ratio.toFixed(2)})`);
    io.out(`  model: ${r.model}`);
    if (r.previews.length) io.out(`  last preview: ${r.previews[r.previews.length - 1]}`);
    return 0;
  },
};
