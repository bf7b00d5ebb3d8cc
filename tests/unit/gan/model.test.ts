import { describe, expect, it } from 'vitest';
import { Graph, Trainer, ParameterStore, compileForward, ShapeError } from '../../../src/engine/nn';
import { buildGenerator, buildDiscriminator, encoderGraph, decoderGraph, inferenceGraph, ENCODE_BATCH, exportedWindowModel, exportGenerator, acquireWindowModel, closeWindowModels } from '../../../src/engine/gan';
import { Rng } from '../../../src/engine/common/numeric';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const count = (g: Graph, prefix: string) => [...g.params.values()].filter((p) => p.name.startsWith(prefix)).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);

describe('FACIAL-GAN model shapes', () => {
  for (const L of [32, 64, 128]) {
    it(`generator and discriminator for windows of ${L}`, () => {
      const g = new Graph('shapes', { training: true });
      const audio = g.input('audio', [2, L, 16, 29]);
      const state = g.input('state', [2, 71]);
      const y = buildGenerator(g, audio, state, { window: L, width: 1 });
      expect(y.shape).toEqual([2, L, 71]);
      const d = buildDiscriminator(g, y, { window: L, width: 1 });
      // [2L-1, 71] image, three stride-2 layers
      const down = (n: number) => Math.floor((n - 1) / 2) + 1;
      expect(d.shape).toEqual([2, 1, down(down(down(2 * L - 1))), down(down(down(71)))]);
      // The reference's sizes (zhangchenxu528/FACIAL audio2face/model.py TfaceGAN and NLayerDiscriminator,
      // counted with PyTorch): 9,688,967 generator, 1,555,329 discriminator parameters.
      expect(count(g, 'gen.')).toBe(9688967);
      expect(count(g, 'dis.')).toBe(1555329);
    });
  }

  it('refuses a window that is not a multiple of 32, naming the layer', () => {
    const g = new Graph('bad', { training: true });
    expect(() => buildGenerator(g, g.input('audio', [1, 48, 16, 29]), g.input('state', [1, 71]), { window: 48, width: 1 })).toThrow(ShapeError);
    const g2 = new Graph('bad2', { training: true });
    expect(() => buildGenerator(g2, g2.input('audio', [1, 64, 16, 29]), g2.input('state', [1, 71]), { window: 32, width: 1 })).toThrow(/generator: audio must be/);
  });

  it('the exported encoder (batched) + decoder compute exactly the one-window generator', async () => {
    const arch = { window: 32, width: 0.125 };
    const params = new ParameterStore(7);
    for (const g of [encoderGraph(arch), decoderGraph(arch)]) for (const p of [...g.params.values(), ...g.buffers.values()]) params.ensure(p.name, p.shape, p.init);
    // non-trivial BatchNorm statistics and output layer
    const rng = new Rng(1);
    for (const k of params.keys()) {
      const v = params.get(k);
      if (k.endsWith('running_var')) for (let i = 0; i < v.length; i++) v[i] = 0.5 + rng.next();
      if (k.endsWith('running_mean') || k.startsWith('gen.fc')) for (let i = 0; i < v.length; i++) v[i] = 0.2 * rng.normal();
    }
    const full = await Trainer.create({ graphs: { f: compileForward(inferenceGraph(arch)) }, params });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gan-split-'));
    try {
      const files = { audioPath: path.join(dir, 'audio-path.onnx'), statePath: path.join(dir, 'state-path.onnx') };
      await exportGenerator(arch, params, files, {});
      const split = await exportedWindowModel(files, arch);
      const windows = Array.from({ length: ENCODE_BATCH + 1 }, () => new Float32Array(32 * 16 * 29).map(() => rng.normal()));
      const predict = await split.model.prepare(windows);
      for (let k = 0; k < windows.length; k++) {
        const state = new Float32Array(71).map(() => rng.normal());
        const a = (await full.run('f', { audio: windows[k], state })).params.data as Float32Array;
        const b = await predict(k, state);
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        expect(worst).toBeLessThan(1e-4);
        expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(1e-3);
      }
      await split.dispose();
      // Generation keeps the sessions open between calls, and opens them anew when the model on disk changes.
      const a1 = await acquireWindowModel(files, arch);
      const a2 = await acquireWindowModel(files, arch);
      expect(a2.runner).toBe(a1.runner);
      a1.release();
      a2.release();
      const a3 = await acquireWindowModel(files, arch);
      expect(a3.runner).toBe(a1.runner);
      a3.release();
      await new Promise((r) => setTimeout(r, 20));
      await exportGenerator(arch, params, files, {}); // a model saved again
      const a4 = await acquireWindowModel(files, arch);
      expect(a4.runner).not.toBe(a1.runner);
      a4.release();
      closeWindowModels();
    } finally {
      await full.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
