import { describe, expect, it } from 'vitest';
import { mouthCorrectionWeights } from '../../../src/engine/export/residual-flow';
import { residualTrainWeights } from '../../../src/engine/synthesis/residual-train';

/** The job's fraction (and so its ETA) follows time: stage weights from the measured figures, the frames and the budget. */
describe('mouth-correction stage weights', () => {
  it('training dominates a draft run on a short clip; the pairs and the check grow with the footage; the time cap bounds training', () => {
    const short = residualTrainWeights(200, 1200, 540);
    expect(short.train / (short.pairs + short.train + short.save)).toBeGreaterThan(0.9);
    const long = residualTrainWeights(7500, 1200, 540);
    expect(long.pairs).toBeGreaterThan(short.pairs * 30);
    expect(residualTrainWeights(200, 1e6, 540).train).toBe(540);
    const w = mouthCorrectionWeights(200, 1200, 540);
    expect(w.ownTraining).toBeGreaterThan(w.heldOutTraining);
    // The check makes, encodes and tracks the test part twice: still a fraction of a training run.
    expect(w.heldOutTraining).toBeGreaterThan(4 * w.heldOutCheck);
    expect(w.heldOutCheck).toBeGreaterThan(w.evaluationPersona);
    const five = mouthCorrectionWeights(7500, 1200, 540);
    expect(five.heldOutCheck / five.ownTraining).toBeGreaterThan(w.heldOutCheck / w.ownTraining);
  });
});
