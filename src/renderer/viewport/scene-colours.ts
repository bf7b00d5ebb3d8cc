/** Colours of the preview's blink view (no three.js here, so it is unit-tested on its own). */
const SKIN = [0.62, 0.6, 0.58];
const EYE_LIT = [1.0, 0.55, 0.12];

/** Colour of a vertex in the blink view: skin, and the eye region lit by the blink amount (0 open … 1 closed). */
export function eyeViewColour(isEye: boolean, blink: number, out: number[] = [0, 0, 0]): number[] {
  const a = isEye ? 0.15 + 0.85 * Math.min(1, Math.max(0, blink)) : 0;
  for (let c = 0; c < 3; c++) out[c] = SKIN[c] + (EYE_LIT[c] - SKIN[c]) * a;
  return out;
}
