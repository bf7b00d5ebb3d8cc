/** Colours of the preview's blink view (no three.js here, so it is unit-tested on its own). */
const SKIN = [0.62, 0.6, 0.58];
const EYE_LIT = [1.0, 0.55, 0.12];

/** Colour of a vertex in the blink view: skin, and the eye region lit by the blink amount (0 open … 1 closed). */
export function eyeViewColour(isEye: boolean, blink: number, out: number[] = [0, 0, 0]): number[] {
  const a = isEye ? 0.15 + 0.85 * Math.min(1, Math.max(0, blink)) : 0;
  for (let c = 0; c < 3; c++) out[c] = SKIN[c] + (EYE_LIT[c] - SKIN[c]) * a;
  return out;
}

const SHADED_SKIN = [0.58, 0.46, 0.38];
/** How dark the lid edges (lash lines) are drawn: the eye opening reads as a dark almond that a blink closes. */
const LASH_DARKENING = 0.75;

/** Colour of a vertex in the shaded view: skin, darkened on the lid edges (`lid` 1) so the eyes' opening shows. */
export function shadedColour(lid: number, out: number[] = [0, 0, 0]): number[] {
  for (let c = 0; c < 3; c++) out[c] = SHADED_SKIN[c] * (1 - LASH_DARKENING * lid);
  return out;
}

/** The blink view's colour with the lid edges darkened the same way. */
export function eyeViewLidColour(isEye: boolean, blink: number, lid: number, out: number[] = [0, 0, 0]): number[] {
  eyeViewColour(isEye, blink, out);
  for (let c = 0; c < 3; c++) out[c] *= 1 - LASH_DARKENING * lid;
  return out;
}
