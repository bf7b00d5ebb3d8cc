import { describe, expect, it } from 'vitest';
import { ParameterStore, Trainer, adam } from '../../../src/engine/nn';
import { Rng } from '../../../src/engine/common/numeric';
import { RESIDUAL_CONFIGS, RESIDUAL_INPUT_CHANNELS, buildResidualTrainGraph, residualIdentity } from '../../../src/engine/synthesis/residual-net';

/**
 * gpu-full is the residual G_r meant for a GPU (4x draft's filters, one level deeper, four
 * residual blocks). No test trains it at 160 px on this CPU: it is built at full width and
 * depth and stepped twice at 32x32, batch 1 (its smallest size: 4 downsamplings leave 2x2),
 * so it cannot rot unnoticed.
 */
describe('residual G_r gpu-full configuration', () => {
  it('builds at full width and depth, and two Adam steps at 32x32 on the CPU move its zero-initialised last layer', async () => {
    const full = RESIDUAL_CONFIGS['gpu-full'];
    expect(full.baseFilters).toBeGreaterThan(RESIDUAL_CONFIGS.draft.baseFilters);
    expect(full.downsamplings).toBeGreaterThan(RESIDUAL_CONFIGS.draft.downsamplings);
    expect(full.size % 2 ** full.downsamplings).toBe(0);
    expect(residualIdentity(full)).not.toBe(residualIdentity(RESIDUAL_CONFIGS.draft));
    const cfg = { ...full, size: 32, batch: 1 };
    const built = buildResidualTrainGraph(cfg);
    const count = [...built.graph.params.values()].reduce((n, p) => n + p.tensor.size, 0);
    // 32 → 256 filters over 4 levels and four 256-channel residual blocks: 7.3 M weights (draft has 0.14 M).
    expect(count).toBeGreaterThan(7e6);
    expect(count).toBeLessThan(8e6);
    const params = new ParameterStore(1);
    const trainer = await Trainer.create({ graphs: { g: { ...built, trainable: ['residual'], optimizer: adam({ lr: cfg.lr, betas: [0.9, 0.999] }) } }, params, threads: 2 });
    try {
      const rng = new Rng(7);
      const S = cfg.size;
      const input = new Float32Array(RESIDUAL_INPUT_CHANNELS * S * S).map(() => 2 * rng.next() - 1);
      for (let k = 7 * S * S; k < input.length; k++) input[k] = 1; // the mask: correct everywhere
      const real = new Float32Array(3 * S * S).map(() => 2 * rng.next() - 1);
      const first = await trainer.step('g', { input, real });
      const second = await trainer.step('g', { input, real });
      for (const v of [first.loss, second.loss, second.l1, second.ssim, second.detail]) expect(Number.isFinite(v)).toBe(true);
      expect(params.get('residual.out_conv.weight').some((v) => v !== 0)).toBe(true);
      expect(params.has('residual.res3_conv2.weight')).toBe(true);
      expect(params.has('residual.down4.weight')).toBe(true);
      expect(trainer.steps).toEqual({ g: 2 });
    } finally {
      await trainer.dispose();
    }
  }, 120_000);
});
