/**
 * Reverse-mode autodiff over the traced graph. Gradient nodes are appended to the
 * same graph by each op's registry rule; only nodes that lie between a `wrt` tensor
 * and the loss are differentiated, and a rule is told which inputs need a gradient,
 * so a frozen discriminator passes gradients through without computing its own
 * weight gradients.
 */
import type { Graph, Node, Tensor } from './graph';
import { OPS } from './ops/registry';
import * as F from './ops/functional';
import { fmtShape, shapeEq } from './shape';

/**
 * d(sum of `y` * seed)/d(wrt) for each `wrt` tensor; y is usually a scalar loss
 * (seed 1). A wrt tensor the loss does not depend on gets `undefined`.
 */
export function gradients(y: Tensor, wrt: Tensor[], seed?: Tensor): (Tensor | undefined)[] {
  const g = y.graph;
  const nodes = g.nodes.slice(); // gradient nodes are appended while we walk
  const requires = new Set<number>(wrt.map((t) => t.id));
  for (const n of nodes) {
    if (!OPS[n.op].grad) continue;
    if (n.inputs.some((t) => requires.has(t.id))) for (const o of n.outputs) requires.add(o.id);
  }
  if (!requires.has(y.id)) return wrt.map(() => undefined);

  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, d: Tensor) => {
    if (!shapeEq(t.shape, d.shape)) g.fail(`internal: gradient ${fmtShape(d.shape)} for tensor ${fmtShape(t.shape)}`);
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? F.add(prev, d) : d);
  };
  accumulate(y, seed ?? F.expand(g.scalar(1, y.dtype), y.shape));

  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    const out = n.outputs[0];
    const dy = grads.get(out.id);
    if (!dy || !requires.has(out.id)) continue;
    const needs = n.inputs.map((t) => requires.has(t.id));
    const dxs = backward(g, n, dy, needs);
    n.inputs.forEach((t, i) => {
      const d = dxs[i];
      if (d && needs[i]) accumulate(t, d);
    });
  }
  return wrt.map((t) => grads.get(t.id));
}

function backward(g: Graph, n: Node, dy: Tensor, needs: boolean[]): (Tensor | undefined)[] {
  const rule = OPS[n.op].grad!;
  // Gradient nodes carry the forward node's module path, so their errors name the layer.
  const path = n.scope ? `${n.scope}.grad` : 'grad';
  return g.scope(path, () => rule({ node: n, x: n.inputs, y: n.outputs[0], dy, needs, attrs: n.attrs }));
}
