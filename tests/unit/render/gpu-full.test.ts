import { describe, expect, it } from 'vitest';
import { ParameterStore, Trainer, adam } from '../../../src/engine/nn';
import { Rng } from '../../../src/engine/common/numeric';
import { RENDERER_CONFIGS, buildRendererTrainGraphs, inputChannels } from '../../../src/engine/render/face2vid-net';

/**
 * gpu-full is the pix2pixHD-size G_r meant for a GPU; no test can train it at 256 px
 * on this CPU, so it is built at full width and stepped once at 32x32 (its smallest
 * size: 4 downsamplings leave 2x2 for the 3x3 reflect-padded residual blocks).
 */
describe('renderer gpu-full configuration', () => {
  it('builds the 183 M-parameter generator and takes one D and one G step at 32x32 on the CPU', async () => {
    const cfg = RENDERER_CONFIGS['gpu-full'];
    const size = 32;
    const graphs = buildRendererTrainGraphs(cfg, size, 1);
    const count = (prefix: string) => [...graphs.gStep.graph.params.values()].filter((p) => p.name.startsWith(prefix)).reduce((n, p) => n + p.tensor.size, 0);
    const gCount = count('generator.');
    expect(gCount).toBeGreaterThan(180e6);
    expect(gCount).toBeLessThan(190e6);
    expect(count('discriminator.')).toBeGreaterThan(5e6);

    const params = new ParameterStore(1);
    const optimizer = adam({ lr: cfg.lr, betas: [0.5, 0.999] });
    const trainer = await Trainer.create({
      graphs: { d: { ...graphs.dStep, trainable: ['discriminator'], optimizer }, g: { ...graphs.gStep, trainable: ['generator'], optimizer } },
      params,
      threads: 2,
    });
    try {
      const rng = new Rng(3);
      const batch = {
        cond: new Float32Array(inputChannels(cfg) * size * size).map(() => 2 * rng.next() - 1),
        real: new Float32Array(3 * size * size).map(() => 2 * rng.next() - 1),
      };
      const gKey = 'generator.res4_conv1.weight', dKey = 'discriminator.d0.conv1.weight';
      const g0 = params.get(gKey).slice(0, 64), d0 = params.get(dKey).slice(0, 64);
      const d = await trainer.step('d', batch);
      const g = await trainer.step('g', batch);
      for (const v of [d.loss, g.loss, g.adv, g.l1]) expect(Number.isFinite(v)).toBe(true);
      expect(params.get(gKey).slice(0, 64)).not.toEqual(g0);
      expect(params.get(dKey).slice(0, 64)).not.toEqual(d0);
      expect(trainer.steps).toEqual({ d: 1, g: 1 });
    } finally {
      await trainer.dispose();
    }
  }, 180_000);
});
