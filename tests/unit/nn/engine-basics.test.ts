import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm2d, Conv2d, F, Graph, Linear, ParameterStore, Sequential, ShapeError, decodeModel, decodeSafetensors, emitModel,
  encodeSafetensors, initValues, probeProviders,
} from '../../../src/engine/nn';
import { createSession, describeChoice } from '../../../src/engine/nn/providers';

describe('graph building', () => {
  it('shape errors name the module path', () => {
    const g = new Graph('facial-gan');
    const temporal = new Sequential('temporal', [new Conv2d(1, 32, { kernel: 4, stride: 2, padding: 1 }), new Conv2d(32, 64, { kernel: 3, name: 'conv2' })]);
    const gen = new Sequential('generator', [temporal]);
    expect(() => gen.forward(g, g.input('audio', [16, 128, 29]))).toThrow('generator.temporal.0: expected 4-D input, got [16,128,29]');
    expect(() => new Sequential('generator', [new Sequential('temporal', [new Conv2d(3, 8, { kernel: 3, name: 'conv2' })])]).forward(g, g.input('x', [2, 4, 8, 8])))
      .toThrow('generator.temporal.conv2: expected 3 channels on axis 1, got [2,4,8,8]');
    expect(() => new Linear(5, 2, { name: 'fc' }).forward(g, g.input('v', [3, 4]))).toThrow(/fc: expected input \[\.\.\., 5\], got \[3,4\]/);
    const a = g.input('a', [2, 3]);
    expect(() => g.scope('head', () => F.add(a, g.input('b', [4])))).toThrow(ShapeError);
    expect(() => g.scope('head', () => F.matmul(a, g.input('c', [4, 2])))).toThrow(/^head: MatMul: inner dimensions differ/);
  });

  it('parameters are named by path, shared on reuse and initialised deterministically', () => {
    const g = new Graph('g');
    const net = new Sequential('net', [new Conv2d(2, 4, { kernel: 3 }), new BatchNorm2d(4)]);
    net.forward(g, g.input('x', [1, 2, 5, 5]));
    net.forward(g, g.input('x2', [1, 2, 5, 5]));
    expect([...g.params.keys()]).toEqual(['net.0.weight', 'net.0.bias', 'net.1.weight', 'net.1.bias']);
    expect([...g.buffers.keys()]).toEqual(['net.1.running_mean', 'net.1.running_var']);
    const a = initValues({ kind: 'uniform', bound: 0.1 }, 50, 7, 'net.0.weight');
    const b = initValues({ kind: 'uniform', bound: 0.1 }, 50, 7, 'net.0.weight');
    const c = initValues({ kind: 'uniform', bound: 0.1 }, 50, 8, 'net.0.weight');
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(0.1);
    const s = new ParameterStore(3);
    s.ensure('w', [2, 3], { kind: 'normal', std: 1 });
    expect(() => s.ensure('w', [3, 2], { kind: 'normal', std: 1 })).toThrow(/shape \[2,3\]/);
  });
});

describe('ONNX protobuf', () => {
  it('round-trips a model and ONNX Runtime runs it', async () => {
    const g = new Graph('proto');
    const x = g.input('x', [2, 3]);
    const y = F.leakyRelu(F.add(F.transpose(x, [1, 0]), g.constant([1, -5], [2])), 0.5);
    const bytes = emitModel(g, { inputs: [{ name: 'x', tensor: x, dimParams: {} }], outputs: [{ name: 'y', tensor: y }], metadata: { who: 'test' } });
    const m = decodeModel(bytes);
    expect(m.opsetImports).toEqual([{ domain: '', version: 18 }]);
    expect(m.metadata).toEqual({ who: 'test' });
    expect(m.graph.inputs).toEqual([{ name: 'x', elemType: 1, shape: [2, 3] }]);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Transpose', 'Add', 'LeakyRelu']);
    expect(m.graph.nodes[2].attributes).toEqual([{ name: 'alpha', type: 1, f: 0.5 }]);
    expect(m.graph.nodes.every((n) => !n.domain)).toBe(true);
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, -0.5, 3, 0, 4, 1]);
  });
});

describe('safetensors', () => {
  it('round-trips tensors and metadata, 8-byte aligned', () => {
    const bytes = encodeSafetensors(new Map([
      ['b', { dtype: 'F32' as const, shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
      ['a', { dtype: 'F64' as const, shape: [3], data: Float64Array.from([0.5, -1, 1e-300]) }],
    ]), { step: '12', config: '{"x":1}' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ step: '12', config: '{"x":1}' });
    expect(Array.from(back.tensors.get('b')!.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(back.tensors.get('a')!.data)).toEqual([0.5, -1, 1e-300]);
    expect(back.tensors.get('a')!.shape).toEqual([3]);
  });
});

describe('execution providers', () => {
  it('probes cpu, webgpu and cuda and says why one is unavailable', async () => {
    const probes = await probeProviders();
    expect(probes.map((p) => p.name)).toEqual(['cpu', 'webgpu', 'cuda']);
    expect(probes[0]).toEqual({ name: 'cpu', available: true });
    for (const p of probes) if (!p.available) expect(p.reason).toMatch(/^(WebGPU|CUDA) .{20,}/);
  });

  it('falls back to CPU with a one-line reason', async () => {
    const g = new Graph('tiny');
    const x = g.input('x', [2]);
    const bytes = emitModel(g, { inputs: [{ name: 'x', tensor: x }], outputs: [{ name: 'y', tensor: F.mul(x, 2) }] });
    const probes = await probeProviders();
    for (const want of ['webgpu', 'cuda'] as const) {
      const created = await createSession(bytes, { provider: want });
      const ok = probes.find((p) => p.name === want)!.available;
      expect(created.provider).toBe(ok ? want : 'cpu');
      if (!ok) {
        expect(created.fallbackReason).toBeTruthy();
        expect(describeChoice(want, created)).not.toContain('\n');
      }
      await created.session.release();
    }
    const auto = await createSession(bytes, { provider: 'auto' });
    expect(['cpu', 'webgpu', 'cuda']).toContain(auto.provider);
    await auto.session.release();
  });
});
