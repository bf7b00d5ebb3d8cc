/**
 * Finite-difference gradient checks through ONNX Runtime. The loss is sum(y * r)
 * with a fixed random r, so every output element is checked. float64 graphs check
 * single elements and random directions with central differences at eps 1e-6;
 * float32 graphs (ops ONNX Runtime only has in float32, e.g. Conv) check random
 * directions at a larger eps with a matching tolerance.
 */
import ort from 'onnxruntime-node';
import { differentiate } from '../../../src/engine/nn/autodiff';
import { emitModel } from '../../../src/engine/nn/emit';
import { Graph, type Tensor } from '../../../src/engine/nn/graph';
import { Rng } from '../../../src/engine/common/numeric';
import * as F from '../../../src/engine/nn/ops/functional';

export interface CheckInput {
  tensor: Tensor;
  data: Float64Array;
}

export interface GradCheckCase {
  dtype: 'float32' | 'float64';
  /** Builds the function; inputs from `inp` are differentiated. */
  build(g: Graph, inp: (name: string, shape: number[], opts?: ValueOpts) => Tensor): Tensor;
}

export interface ValueOpts {
  /** Keep values away from 0 (kinks of relu/abs/max) and, if positive, > 0. */
  positive?: boolean;
  awayFromZero?: boolean;
  /** Keep out of the differentiation (e.g. a constant operand). */
  constant?: boolean;
  scale?: number;
}

export interface GradCheckResult {
  maxRelErr: number;
  checks: number;
}

function typed(dtype: 'float32' | 'float64', data: Float64Array): Float32Array | Float64Array {
  return dtype === 'float64' ? data : Float32Array.from(data);
}

export async function gradCheck(c: GradCheckCase, seed = 7): Promise<GradCheckResult> {
  const rng = new Rng(seed);
  const g = new Graph('gradcheck', { dtype: c.dtype });
  const inputs: (CheckInput & { constant: boolean })[] = [];
  const y = c.build(g, (name, shape, o = {}) => {
    const t = g.input(name, shape);
    const data = new Float64Array(t.size);
    const s = o.scale ?? 1;
    for (let k = 0; k < data.length; k++) {
      if (o.positive) data[k] = s * (0.5 + rng.next());
      else if (o.awayFromZero) data[k] = s * (0.2 + 0.8 * rng.next()) * (rng.next() < 0.5 ? -1 : 1);
      else data[k] = s * (2 * rng.next() - 1);
    }
    inputs.push({ tensor: t, data, constant: !!o.constant });
    return t;
  });
  // Module parameters are differentiated too; buffers (running statistics) are fed as constants.
  const values = (size: number, lo: number, hi: number) => Float64Array.from({ length: size }, () => lo + (hi - lo) * rng.next());
  for (const p of g.params.values()) inputs.push({ tensor: p.tensor, data: values(p.tensor.size, -0.5, 0.5), constant: false });
  for (const b of g.buffers.values()) inputs.push({ tensor: b.tensor, data: values(b.tensor.size, 0.5, 1), constant: true });
  const r = g.constant(Array.from({ length: y.size }, () => 2 * rng.next() - 1), y.shape);
  const loss = F.reduceSum(F.mul(y, r));
  const diff = inputs.filter((i) => !i.constant);
  const absLoss = F.reduceSum(F.abs(F.mul(y, r)));
  const nodesBefore = g.nodes.length;
  // The backward pass is built on a copy: the forward graph g stays as it was.
  const bw = differentiate(g, [loss], diff.map((i) => i.tensor));
  if (g.nodes.length !== nodesBefore) throw new Error('differentiate changed its input graph');
  bw.grads.forEach((gr, k) => {
    if (!gr) throw new Error(`no gradient for ${diff[k].tensor.name}`);
  });
  const ins = inputs.map((i) => ({ name: i.tensor.name!, tensor: i.tensor }));
  const full = await ort.InferenceSession.create(
    emitModel(bw.graph, {
      inputs: ins.map((i) => ({ name: i.name, tensor: bw.map(i.tensor) })),
      outputs: [{ name: 'loss', tensor: bw.map(loss) }, { name: 'abs_loss', tensor: bw.map(absLoss) }, ...bw.grads.map((gr, k) => ({ name: `grad_${k}`, tensor: gr! }))],
    }),
  );
  const fwd = await ort.InferenceSession.create(emitModel(g, { inputs: ins, outputs: [{ name: 'loss', tensor: loss }] }));
  const feeds = (over?: Map<string, Float64Array>) => {
    const f: Record<string, ort.Tensor> = {};
    for (const i of inputs) f[i.tensor.name!] = new ort.Tensor(c.dtype, typed(c.dtype, over?.get(i.tensor.name!) ?? i.data), [...i.tensor.shape]);
    return f;
  };
  const out = await full.run(feeds());
  const analytic = diff.map((_, k) => Float64Array.from(out[`grad_${k}`].data as Float32Array | Float64Array));
  // Rounding noise of a float32 sum of these terms, as seen through the difference quotient.
  // (float64 too: a parameter with no influence, e.g. a bias before BatchNorm, has only noise as its numeric gradient.)
  const noise = (8 * (c.dtype === 'float32' ? 6e-8 : 1.1e-16) * Number(out.abs_loss.data[0])) / (2 * (c.dtype === 'float32' ? 3e-3 : 1e-6));
  const lossAt = async (over: Map<string, Float64Array>) => Number((await fwd.run(feeds(over))).loss.data[0]);

  const f64 = c.dtype === 'float64';
  const eps = f64 ? 1e-6 : 3e-3;
  let maxRelErr = 0;
  let checks = 0;
  const compare = (a: number, n: number, scale: number, what: string) => {
    const err = Math.abs(a - n);
    const tolRel = f64 ? 1e-6 : 2e-2;
    const tolAbs = f64 ? 1e-8 * scale + noise : 2e-3 * scale + noise;
    const rel = err / Math.max(Math.abs(a), Math.abs(n), 1e-12);
    checks++;
    if (err > tolRel * Math.max(Math.abs(a), Math.abs(n)) + tolAbs) {
      throw new Error(`gradient mismatch (${what}): analytic ${a}, numeric ${n}, |diff| ${err}`);
    }
    if (err > tolAbs) maxRelErr = Math.max(maxRelErr, rel);
  };

  for (let k = 0; k < diff.length; k++) {
    const inp = diff[k];
    const gnorm = Math.sqrt(analytic[k].reduce((s, v) => s + v * v, 0));
    // Random directions (all elements at once).
    for (let rep = 0; rep < (f64 ? 2 : 3); rep++) {
      const d = new Float64Array(inp.data.length);
      for (let i = 0; i < d.length; i++) d[i] = rng.normal();
      const dn = Math.sqrt(d.reduce((s, v) => s + v * v, 0));
      for (let i = 0; i < d.length; i++) d[i] /= dn;
      const plus = inp.data.map((v, i) => v + eps * d[i]);
      const minus = inp.data.map((v, i) => v - eps * d[i]);
      const num = ((await lossAt(new Map([[inp.tensor.name!, plus]]))) - (await lossAt(new Map([[inp.tensor.name!, minus]])))) / (2 * eps);
      const ana = analytic[k].reduce((s, v, i) => s + v * d[i], 0);
      compare(ana, num, gnorm + 1e-3, `${inp.tensor.name} direction ${rep}`);
    }
    if (f64) {
      // Single elements.
      const n = inp.data.length;
      const picks = new Set<number>();
      while (picks.size < Math.min(n, 6)) picks.add(Math.floor(rng.next() * n));
      for (const i of picks) {
        const plus = inp.data.slice(); plus[i] += eps;
        const minus = inp.data.slice(); minus[i] -= eps;
        const num = ((await lossAt(new Map([[inp.tensor.name!, plus]]))) - (await lossAt(new Map([[inp.tensor.name!, minus]])))) / (2 * eps);
        compare(analytic[k][i], num, gnorm + 1e-3, `${inp.tensor.name}[${i}]`);
      }
    }
  }
  await full.release();
  await fwd.release();
  return { maxRelErr, checks };
}
