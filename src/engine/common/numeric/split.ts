/**
 * The split of a clip in time into training, validation and test parts,
 * train : validation : test = 5 : 1 : 4 (the FACIAL paper's split, method doc
 * sections 4 and 7), shared by FACIAL-GAN and the renderer so both hold out the same
 * frames.
 */

/** Frames [start, end) of a clip. */
export interface Segment {
  /** First frame (inclusive). */
  start: number;
  /** Last frame (exclusive). */
  end: number;
}

export interface Split {
  train: Segment;
  val: Segment;
  test: Segment;
}

/**
 * Train : validation : test = 5 : 1 : 4 in time, boundaries at round(T/2) and
 * round(0.6 T). Edge rule: when T >= 3 every part has at least one frame (the
 * boundaries are pushed apart, which only matters below 10 frames); below 3 frames there is nothing to hold out and every
 * part is the whole clip.
 */
export function splitFrames(T: number): Split {
  if (T < 3) {
    const all = { start: 0, end: Math.max(0, T) };
    return { train: { ...all }, val: { ...all }, test: { ...all } };
  }
  const a = Math.min(T - 2, Math.max(1, Math.round(T / 2)));
  const b = Math.min(T - 1, Math.max(a + 1, Math.round((T * 6) / 10)));
  return { train: { start: 0, end: a }, val: { start: a, end: b }, test: { start: b, end: T } };
}
