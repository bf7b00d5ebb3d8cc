/** Shape helpers shared by the graph and the op registry (no imports: breaks the cycle). */
export type Shape = readonly number[];

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/** NumPy broadcasting of two shapes; throws ShapeError when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const da = a[a.length - n + k] ?? 1;
    const db = b[b.length - n + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new ShapeError(`shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}
