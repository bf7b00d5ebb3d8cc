import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { F, Graph, OPS, decodeModel, defineOp, differentiate, emitModel, type OpTable } from '../../../src/engine/nn';
import { AttributeType } from '../../../src/engine/nn/onnx-proto';

const NN = path.resolve(__dirname, '../../../src/engine/nn');

/** Relative imports (type-only ones too) of every module under src/engine/nn, by path relative to it. */
function nnImports(): Map<string, string[]> {
  const files = readdirSync(NN, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const src = readFileSync(path.join(NN, f), 'utf8');
    const deps = [...src.matchAll(/^(?:import|export)[^'";]*?from\s+'(\.[^']+)'/gm)].map((m) => path.normalize(path.join(path.dirname(f), m[1])) + '.ts');
    graph.set(path.normalize(f), deps.filter((d) => files.includes(d)));
  }
  return graph;
}

describe('the nn IR', () => {
  it('ir.ts is a leaf (imports only shape.ts) and nn has no import cycle', () => {
    const g = nnImports();
    expect(g.get('ir.ts')).toEqual(['shape.ts']);
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const d of g.get(f) ?? []) visit(d, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of g.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('attributes are checked against the op schema and typed by it, not by their name', () => {
    const g = new Graph('attrs');
    const x = g.input('x', [2, 3]);
    expect(() => g.op1('LeakyRelu', [x], { slope: 0.2 })).toThrow(/LeakyRelu: unknown attribute 'slope'/);
    expect(() => g.op1('LeakyRelu', [x])).toThrow(/missing attribute 'alpha'/);
    expect(() => g.op1('Gemm', [x, x], { transA: 0.5, transB: 1 })).toThrow(/'transA' must be int/);
    expect(() => g.op1('Cast', [x], { to: 'float16' })).toThrow(/'to' must be dtype/);
    // An op of another table whose float attribute has a name no list knows: still written as FLOAT.
    const table: OpTable = {
      ...OPS,
      Elu: defineOp({ attrs: { alpha: 'float' }, infer: (t) => [{ shape: t[0].shape, dtype: t[0].dtype }] }),
      HardSigmoid: defineOp({ attrs: { alpha: 'float', beta: 'float' }, infer: (t) => [{ shape: t[0].shape, dtype: t[0].dtype }] }),
    };
    const h = new Graph('custom', { ops: table });
    const a = h.input('a', [4]);
    const y = h.op1('HardSigmoid', [h.op1('Elu', [a], { alpha: 1 })], { alpha: 2, beta: 0.5 });
    const c = F.cast(F.leakyRelu(y, 1), 'float64');
    const m = decodeModel(emitModel(h, { inputs: [{ name: 'a', tensor: a }], outputs: [{ name: 'c', tensor: c }] }));
    const attr = (op: string, name: string) => m.graph.nodes.find((n) => n.opType === op)!.attributes.find((t) => t.name === name)!;
    expect(attr('Elu', 'alpha')).toMatchObject({ type: AttributeType.FLOAT, f: 1 });
    expect(attr('HardSigmoid', 'beta')).toMatchObject({ type: AttributeType.FLOAT, f: 0.5 });
    expect(attr('LeakyRelu', 'alpha')).toMatchObject({ type: AttributeType.FLOAT, f: 1 });
    expect(attr('Cast', 'to')).toMatchObject({ type: AttributeType.INT, i: 11 });
  });

  it('autodiff leaves its graph alone and differentiates several outputs together', async () => {
    const g = new Graph('two-outputs', { dtype: 'float64' });
    const x = g.input('x', [3]);
    const w = g.input('w', [3]);
    const a = F.reduceSum(F.mul(F.mul(x, x), w)); // d/dx = 2 x w
    const b = F.mul(F.tanh(x), w); // vector output, seeded with s: d/dx = s w (1 - tanh^2 x)
    const s = g.constant([1, -2, 0.5], [3]);
    const nodes = g.nodes.length;
    const bw = differentiate(g, [a, { tensor: b, seed: s }], [x, w]);
    expect(g.nodes.length).toBe(nodes);
    expect(bw.graph).not.toBe(g);
    expect(bw.map(a).graph).toBe(bw.graph);
    const again = differentiate(g, [a], [x]); // the same forward graph, differentiated again
    const model = emitModel(bw.graph, {
      inputs: [{ name: 'x', tensor: bw.map(x) }, { name: 'w', tensor: bw.map(w) }],
      outputs: [{ name: 'dx', tensor: bw.grads[0]! }, { name: 'dw', tensor: bw.grads[1]! }],
    });
    const session = await ort.InferenceSession.create(model);
    const xv = [0.3, -0.7, 1.1], wv = [2, 0.5, -1], sv = [1, -2, 0.5];
    const out = await session.run({ x: new ort.Tensor('float64', Float64Array.from(xv), [3]), w: new ort.Tensor('float64', Float64Array.from(wv), [3]) });
    const dx = Array.from(out.dx.data as Float64Array);
    const dw = Array.from(out.dw.data as Float64Array);
    xv.forEach((xi, k) => {
      expect(dx[k]).toBeCloseTo(2 * xi * wv[k] + sv[k] * wv[k] * (1 - Math.tanh(xi) ** 2), 12);
      expect(dw[k]).toBeCloseTo(xi * xi + sv[k] * Math.tanh(xi), 12);
    });
    await session.release();
    expect(again.grads[0]!.shape).toEqual([3]);
  });
});
