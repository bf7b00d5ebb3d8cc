/**
 * One (or more) steps of Loop subdivision of a triangle mesh, precomputed as a sparse
 * linear operator: every vertex of the refined mesh is a fixed weighted sum of the
 * coarse mesh's vertices. The face deforms every frame (expression basis), so the
 * operator is built once per model and applied per frame in O(nonzeros).
 *
 * Rules (Loop 1987, Warren's weights):
 * - new edge vertex, interior edge (two opposite vertices c, d): 3/8 (a + b) + 1/8 (c + d);
 *   boundary edge: (a + b) / 2.
 * - old vertex, interior (valence n): (1 - n·β) v + β Σ neighbours, β = 3/16 (n = 3) or 3/(8n);
 *   boundary (exactly two boundary neighbours): 3/4 v + 1/8 (n0 + n1); anything
 *   non-manifold stays where it is.
 * Texture coordinates are interpolated linearly (edge midpoints), never smoothed, so
 * the texture does not slide. Pure code: no Node, no DOM.
 */

export interface SubdivisionOperator {
  /** Vertices of the coarse mesh. */
  coarseCount: number;
  /** Vertices of the refined mesh (coarse ones first, same indices, then edge vertices). */
  fineCount: number;
  /** CSR rows: weights of coarse vertices for each fine vertex. */
  rowStart: Int32Array;
  cols: Int32Array;
  weights: Float32Array;
  /** CSR rows for texture coordinates (linear: 1 for old vertices, 1/2 + 1/2 for edge vertices). */
  uvRowStart: Int32Array;
  uvCols: Int32Array;
  uvWeights: Float32Array;
  /** [F'*3] refined triangles, same orientation as the coarse ones. */
  triangles: Uint32Array;
  /** [F'] index of the coarse triangle each refined triangle came from. */
  parent: Int32Array;
}

interface SparseRows {
  start: number[];
  cols: number[];
  weights: number[];
}

function pushRow(rows: SparseRows, entries: Map<number, number>): void {
  const keys = [...entries.keys()].sort((a, b) => a - b);
  for (const k of keys) {
    rows.cols.push(k);
    rows.weights.push(entries.get(k)!);
  }
  rows.start.push(rows.cols.length);
}

/** One Loop step over `triangles` ([F*3]) of a mesh of `vertexCount` vertices. */
function loopStep(vertexCount: number, triangles: Uint32Array): { pos: SparseRows; uv: SparseRows; triangles: Uint32Array; parent: Int32Array; fineCount: number } {
  const F = triangles.length / 3;
  const edgeIndex = new Map<number, number>();
  const edgeEnds: number[] = [];
  const edgeOpp: number[][] = [];
  const key = (a: number, b: number) => (a < b ? a * vertexCount + b : b * vertexCount + a);
  const edgeOf = (a: number, b: number, opp: number): number => {
    const k = key(a, b);
    let e = edgeIndex.get(k);
    if (e === undefined) {
      e = edgeEnds.length / 2;
      edgeIndex.set(k, e);
      edgeEnds.push(Math.min(a, b), Math.max(a, b));
      edgeOpp.push([]);
    }
    edgeOpp[e].push(opp);
    return e;
  };
  const triEdges = new Int32Array(F * 3);
  for (let f = 0; f < F; f++) {
    const a = triangles[f * 3], b = triangles[f * 3 + 1], c = triangles[f * 3 + 2];
    triEdges[f * 3] = edgeOf(a, b, c);
    triEdges[f * 3 + 1] = edgeOf(b, c, a);
    triEdges[f * 3 + 2] = edgeOf(c, a, b);
  }
  const E = edgeEnds.length / 2;
  // Neighbours and boundary neighbours of every old vertex.
  const neighbours: Set<number>[] = Array.from({ length: vertexCount }, () => new Set<number>());
  const boundaryNeighbours: number[][] = Array.from({ length: vertexCount }, () => []);
  const nonManifold = new Set<number>();
  for (let e = 0; e < E; e++) {
    const a = edgeEnds[e * 2], b = edgeEnds[e * 2 + 1];
    neighbours[a].add(b);
    neighbours[b].add(a);
    if (edgeOpp[e].length === 1) {
      boundaryNeighbours[a].push(b);
      boundaryNeighbours[b].push(a);
    } else if (edgeOpp[e].length > 2) {
      nonManifold.add(a);
      nonManifold.add(b);
    }
  }
  const pos: SparseRows = { start: [0], cols: [], weights: [] };
  const uv: SparseRows = { start: [0], cols: [], weights: [] };
  for (let v = 0; v < vertexCount; v++) {
    const n = neighbours[v].size;
    const m = new Map<number, number>();
    if (n === 0 || nonManifold.has(v)) m.set(v, 1);
    else if (boundaryNeighbours[v].length > 0) {
      if (boundaryNeighbours[v].length === 2) {
        m.set(v, 0.75);
        m.set(boundaryNeighbours[v][0], 0.125);
        m.set(boundaryNeighbours[v][1], 0.125);
      } else m.set(v, 1);
    } else {
      const beta = n === 3 ? 3 / 16 : 3 / (8 * n);
      m.set(v, 1 - n * beta);
      for (const u of neighbours[v]) m.set(u, beta);
    }
    pushRow(pos, m);
    pushRow(uv, new Map([[v, 1]]));
  }
  for (let e = 0; e < E; e++) {
    const a = edgeEnds[e * 2], b = edgeEnds[e * 2 + 1];
    const opp = edgeOpp[e];
    const m = new Map<number, number>();
    if (opp.length === 2) {
      m.set(a, 0.375);
      m.set(b, 0.375);
      m.set(opp[0], (m.get(opp[0]) ?? 0) + 0.125);
      m.set(opp[1], (m.get(opp[1]) ?? 0) + 0.125);
    } else {
      m.set(a, 0.5);
      m.set(b, 0.5);
    }
    pushRow(pos, m);
    pushRow(uv, new Map([[a, 0.5], [b, 0.5]]));
  }
  const out = new Uint32Array(F * 12);
  const parent = new Int32Array(F * 4);
  for (let f = 0; f < F; f++) {
    const a = triangles[f * 3], b = triangles[f * 3 + 1], c = triangles[f * 3 + 2];
    const ab = vertexCount + triEdges[f * 3], bc = vertexCount + triEdges[f * 3 + 1], ca = vertexCount + triEdges[f * 3 + 2];
    out.set([a, ab, ca, ab, b, bc, ca, bc, c, ab, bc, ca], f * 12);
    parent.fill(f, f * 4, f * 4 + 4);
  }
  return { pos, uv, triangles: out, parent, fineCount: vertexCount + E };
}

/** Composes sparse operators: (B ∘ A) where A maps coarse → mid and B maps mid → fine. */
function compose(a: SparseRows, b: SparseRows): SparseRows {
  const out: SparseRows = { start: [0], cols: [], weights: [] };
  for (let r = 0; r + 1 < b.start.length; r++) {
    const m = new Map<number, number>();
    for (let j = b.start[r]; j < b.start[r + 1]; j++) {
      const mid = b.cols[j], w = b.weights[j];
      for (let k = a.start[mid]; k < a.start[mid + 1]; k++) m.set(a.cols[k], (m.get(a.cols[k]) ?? 0) + w * a.weights[k]);
    }
    pushRow(out, m);
  }
  return out;
}

/** Builds `levels` Loop steps (0 = identity operator over the same triangles). */
export function buildSubdivision(vertexCount: number, triangles: Uint32Array, levels = 1): SubdivisionOperator {
  let pos: SparseRows = { start: [0], cols: [], weights: [] };
  for (let v = 0; v < vertexCount; v++) pushRow(pos, new Map([[v, 1]]));
  let uv = pos;
  let tris = triangles;
  let parent = Int32Array.from({ length: triangles.length / 3 }, (_, i) => i);
  let count = vertexCount;
  for (let l = 0; l < levels; l++) {
    const step = loopStep(count, tris);
    pos = compose(pos, step.pos);
    uv = compose(uv, step.uv);
    const p2 = new Int32Array(step.parent.length);
    for (let i = 0; i < p2.length; i++) p2[i] = parent[step.parent[i]];
    parent = p2;
    tris = step.triangles;
    count = step.fineCount;
  }
  return {
    coarseCount: vertexCount,
    fineCount: count,
    rowStart: Int32Array.from(pos.start),
    cols: Int32Array.from(pos.cols),
    weights: Float32Array.from(pos.weights),
    uvRowStart: Int32Array.from(uv.start),
    uvCols: Int32Array.from(uv.cols),
    uvWeights: Float32Array.from(uv.weights),
    triangles: tris,
    parent,
  };
}

/** Applies a CSR operator to `dim`-vectors per vertex: out[fine*dim] = Σ w · in[coarse*dim]. */
export function applySparse(rowStart: Int32Array, cols: Int32Array, weights: Float32Array, input: ArrayLike<number>, dim: number, out: Float32Array): Float32Array {
  const rows = rowStart.length - 1;
  for (let r = 0; r < rows; r++) {
    let s0 = 0, s1 = 0, s2 = 0;
    const e = rowStart[r + 1];
    if (dim === 3) {
      for (let j = rowStart[r]; j < e; j++) {
        const c = cols[j] * 3, w = weights[j];
        s0 += w * input[c];
        s1 += w * input[c + 1];
        s2 += w * input[c + 2];
      }
      out[r * 3] = s0;
      out[r * 3 + 1] = s1;
      out[r * 3 + 2] = s2;
    } else {
      for (let j = rowStart[r]; j < e; j++) {
        const c = cols[j] * 2, w = weights[j];
        s0 += w * input[c];
        s1 += w * input[c + 1];
      }
      out[r * 2] = s0;
      out[r * 2 + 1] = s1;
    }
  }
  return out;
}
