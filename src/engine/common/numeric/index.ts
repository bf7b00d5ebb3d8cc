/**
 * The numeric base: one seeded random generator, summary statistics with one
 * percentile convention, the train/validation/test split in time, 1-D linear
 * interpolation, ridge regression and Cholesky solves. Pure TypeScript (no Node, no DOM): the engine,
 * the CLI and the studio UI share it.
 */
export { Rng } from './rng';
export { mean, std, percentile, median, pearson, slope, meanAbsDiff, movingAverage, column } from './stats';
export { splitFrames, type Split, type Segment } from './split';
export { linearTap, resampleLinear, alignCornersPosition } from './interpolate';
export { ridge } from './regression';
export { choleskyFactor, choleskySolve, solveSymmetric } from './cholesky';
