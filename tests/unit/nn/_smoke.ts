import ort from 'onnxruntime-node';
import { Graph } from '../../../src/engine/nn/graph';
import * as F from '../../../src/engine/nn/ops/functional';
import { gradients } from '../../../src/engine/nn/autodiff';
import { emitModel } from '../../../src/engine/nn/emit';

const g = new Graph('t', { dtype: 'float32' });
const x = g.input('x', [2, 3, 8, 8]);
const w = g.input('w', [4, 3, 3, 3]);
const y = F.conv(x, w, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] });
const loss = F.reduceSum(F.mul(y, y));
const [dx, dw] = gradients(loss, [x, w]);
const bytes = emitModel(g, { inputs: [{ name: 'x', tensor: x }, { name: 'w', tensor: w }], outputs: [{ name: 'loss', tensor: loss }, { name: 'dx', tensor: dx! }, { name: 'dw', tensor: dw! }] });
const s = await ort.InferenceSession.create(bytes);
const xv = Float32Array.from({ length: 2 * 3 * 64 }, (_, i) => Math.sin(i));
const wv = Float32Array.from({ length: 4 * 27 }, (_, i) => Math.cos(i));
const out = await s.run({ x: new ort.Tensor('float32', xv, [2, 3, 8, 8]), w: new ort.Tensor('float32', wv, [4, 3, 3, 3]) });
console.log(out.loss.data, out.dx.dims, out.dw.dims);
// numeric check of dw[5]
async function L(wv2: Float32Array) { const o = await s.run({ x: new ort.Tensor('float32', xv, [2, 3, 8, 8]), w: new ort.Tensor('float32', wv2, [4, 3, 3, 3]) }); return (o.loss.data as Float32Array)[0]; }
for (const k of [5, 17, 50]) {
  const a = wv.slice(); a[k] += 1e-2; const b = wv.slice(); b[k] -= 1e-2;
  console.log('dw', k, ((await L(a)) - (await L(b))) / 2e-2, (out.dw.data as Float32Array)[k]);
}
