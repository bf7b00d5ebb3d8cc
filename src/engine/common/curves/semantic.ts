import type { SemanticControl } from '../../../shared/curve-document';
import type { FaceModel } from '../face-model';
import { EXPRESSION_COMPONENTS } from '../face-model';

/**
 * Semantic expression controls (jaw open, smile, …) as directions in the persona's
 * 64-d expression space. A control is defined by how it moves a few landmarks
 * (MediaPipe face-mesh indices, model space: +x image right, +y down, +z into the
 * head); its direction is the least-norm expression change that produces that
 * motion, i.e. the projection of the motion onto the orthonormal basis, normalised.
 * One unit along a control therefore moves the face by 1 mm (root-sum-square).
 */
export interface SemanticDefinition {
  name: string;
  label: string;
  /** landmark → displacement direction (x, y, z). */
  moves: [number, [number, number, number]][];
}

const down: [number, number, number] = [0, 1, 0];
const up: [number, number, number] = [0, -1, 0];

export const SEMANTIC_DEFINITIONS: SemanticDefinition[] = [
  {
    name: 'jaw',
    label: 'Jaw open',
    // Chin and lower lip down; the upper lip stays.
    moves: [[152, down], [175, down], [199, down], [200, down], [18, down], [17, down], [14, [0, 0.8, 0]], [13, [0, 0, 0]], [0, [0, 0, 0]]],
  },
  {
    name: 'smile',
    label: 'Smile',
    // Mouth corners out and up (61: image left, 291: image right).
    moves: [[61, [-0.7, -0.7, 0]], [291, [0.7, -0.7, 0]], [40, [-0.3, -0.3, 0]], [270, [0.3, -0.3, 0]], [91, [-0.3, -0.3, 0]], [321, [0.3, -0.3, 0]]],
  },
  {
    name: 'pucker',
    label: 'Lip pucker',
    // Corners in, lips forward (towards the camera is -z).
    moves: [[61, [0.8, 0, -0.3]], [291, [-0.8, 0, -0.3]], [0, [0, 0, -1]], [17, [0, 0, -1]], [13, [0, 0, -0.8]], [14, [0, 0, -0.8]]],
  },
  {
    name: 'brow',
    label: 'Brow raise',
    moves: [[70, up], [63, up], [105, up], [66, up], [107, up], [336, up], [296, up], [334, up], [293, up], [300, up]],
  },
];

/** The semantic controls of a face model (those its basis can express). */
export function semanticControls(model: FaceModel, defs: SemanticDefinition[] = SEMANTIC_DEFINITIONS): SemanticControl[] {
  const V = model.vertexCount;
  const out: SemanticControl[] = [];
  for (const def of defs) {
    const dir = new Float64Array(EXPRESSION_COMPONENTS);
    for (const [landmark, d] of def.moves) {
      const v = landmark < model.landmarkToVertex.length ? model.landmarkToVertex[landmark] : landmark;
      if (v < 0 || v >= V) continue;
      for (let k = 0; k < EXPRESSION_COMPONENTS; k++) {
        const o = (k * V + v) * 3;
        dir[k] += model.basis[o] * d[0] + model.basis[o + 1] * d[1] + model.basis[o + 2] * d[2];
      }
    }
    let norm = 0;
    for (let k = 0; k < EXPRESSION_COMPONENTS; k++) norm += dir[k] * dir[k];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-9)) continue;
    out.push({ name: def.name, label: def.label, direction: Array.from(dir, (x) => x / norm) });
  }
  return out;
}
