/**
 * Reverse-mode autodiff over a traced graph. The backward pass is built on a copy of
 * the graph (Graph.copy), so the forward graph is never changed and can be compiled
 * again or differentiated for something else. Gradient nodes come from each op's
 * rule in the op table; only nodes between a `wrt` tensor and an output are
 * differentiated, and a rule is told which inputs need a gradient, so a frozen
 * discriminator passes gradients through without computing its own weight gradients.
 */
import type { Graph } from './graph';
import type { Node, Tensor } from './ir';
import * as F from './ops/functional';
import { fmtShape, shapeEq } from './shape';

/** An output to differentiate, with the gradient arriving at it (default: ones, i.e. d(sum of y)). */
export type Differentiated = Tensor | { tensor: Tensor; seed?: Tensor };

export interface Backward {
  /** The copy of the forward graph with the gradient nodes added. */
  graph: Graph;
  /** A tensor of the forward graph in `graph`. */
  map(t: Tensor): Tensor;
  /** d(sum over outputs of <y, seed>)/d(wrt), in `graph`; undefined where no output depends on that tensor. */
  grads: (Tensor | undefined)[];
}

/**
 * Gradients of several outputs at once with respect to `wrt` (tensors of `graph`):
 * the outputs' seeds are summed, so two losses differentiated together give the
 * gradient of their sum. Seeds may be tensors of `graph` (mapped) or of the copy.
 */
export function differentiate(graph: Graph, outputs: Differentiated[], wrt: Tensor[], opts: { name?: string } = {}): Backward {
  const { graph: g, map } = graph.copy(opts.name ?? graph.name);
  const inCopy = (t: Tensor) => (t.graph === g ? t : map(t));
  const outs = outputs.map((o) => ('tensor' in o ? { tensor: inCopy(o.tensor), seed: o.seed && inCopy(o.seed) } : { tensor: inCopy(o), seed: undefined }));
  const targets = wrt.map(inCopy);
  const nodes = g.nodes.slice(); // gradient nodes are appended while we walk
  const requires = new Set<number>(targets.map((t) => t.id));
  for (const n of nodes) {
    if (!g.ops[n.op].grad) continue;
    if (n.inputs.some((t) => requires.has(t.id))) for (const o of n.outputs) requires.add(o.id);
  }

  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, d: Tensor) => {
    if (!shapeEq(t.shape, d.shape)) g.fail(`internal: gradient ${fmtShape(d.shape)} for tensor ${fmtShape(t.shape)}`);
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? F.add(prev, d) : d);
  };
  for (const o of outs) {
    if (!requires.has(o.tensor.id)) continue;
    if (o.seed && !shapeEq(o.seed.shape, o.tensor.shape)) g.fail(`seed ${fmtShape(o.seed.shape)} does not match output ${fmtShape(o.tensor.shape)}`);
    accumulate(o.tensor, o.seed ?? F.expand(g.scalar(1, o.tensor.dtype), o.tensor.shape));
  }

  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    const dys = n.outputs.map((o) => (requires.has(o.id) ? grads.get(o.id) : undefined));
    if (dys.every((d) => !d)) continue;
    const needs = n.inputs.map((t) => requires.has(t.id));
    const dxs = backward(g, n, dys, needs);
    n.inputs.forEach((t, i) => {
      const d = dxs[i];
      if (d && needs[i]) accumulate(t, d);
    });
  }
  return { graph: g, map, grads: targets.map((t) => grads.get(t.id)) };
}

function backward(g: Graph, n: Node, dys: (Tensor | undefined)[], needs: boolean[]): (Tensor | undefined)[] {
  const rule = g.ops[n.op].grad!;
  // Gradient nodes carry the forward node's module path, so their errors (and profiles) name the layer.
  const path = n.scope ? `${n.scope}.grad` : 'grad';
  return g.scope(path, () => {
    const y = n.outputs[0];
    const dy = dys[0] ?? F.expand(g.scalar(0, y.dtype), y.shape);
    return rule({ node: n, x: n.inputs, y, dy, ys: n.outputs, dys, needs, attrs: n.attrs });
  });
}
