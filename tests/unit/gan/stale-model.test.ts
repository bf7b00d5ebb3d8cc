import { describe, expect, it } from 'vitest';
import { staleResidual, PRIOR_VERSION } from '../../../src/engine/gan';

describe('a trained correction belongs to one version of the prior', () => {
  it('uses a residual model only with the prior version it corrects', () => {
    expect(staleResidual({ target: 'residual-expression', priorVersion: PRIOR_VERSION })).toBeUndefined();
    // Saved before the version was recorded: version 1, whose mouth was a loudness envelope.
    expect(staleResidual({ target: 'residual-expression' })).toBe(`corrects version 1 of the built-in motion, and this FACIAL Studio's is version ${PRIOR_VERSION}`);
    // A model of the full expression does not depend on the prior.
    expect(staleResidual({})).toBeUndefined();
  });
});
