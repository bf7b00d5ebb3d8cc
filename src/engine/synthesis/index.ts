/**
 * Synthesis from the person's own footage (docs/rendering.md): frames chosen by pose,
 * mouth and eyes from real frames, warped and blended. Above render, below quality/export.
 */
export { smoothPath, countJumps, playbackSteps, type PathCosts } from './smooth-path';
export { planRetrieval, planSourceFrames, planMouthFrames, planEyeFrames, eyeGains, eyeTargets, sharpnessCosts, DEFAULT_PLAN_WEIGHTS, type PlanInput, type PlanWeights, type RetrievalPlan } from './retrieval-plan';
export { faceRegions, lipBasis, lipShapes, trackedLipShapes, withCentres, withRing, INNER_LIP_LOOP, EYE_LOOPS, type FaceRegions } from './face-regions';
export { RetrievalSynthesizer, collectDonors, type FootageGeometry } from './retrieval-synth';
export { warpTriangles, matchColour, blendInto, cropImage, pointsBox, fitAffine, applyAffine, type ImageCrop, type WarpedPatch } from './warp';
export { NearestMouthBaseline, BASELINE_ELLIPSE, type BaselineInput } from './nearest-mouth-baseline';
export { prepareRetrieval, planSourcePath, footageLipReadings, retrievalUnavailable, footageSynthesisProblem, type PrepareRetrievalOptions } from './prepare';
export { footageMouths, mouthSharpness, teethShown, OUTER_LIP_CONTOUR, type FootageMouths } from './mouth-sharpness';
export { RESIDUAL_CONFIGS, residualIdentity, isResidualConfigName, buildResidualNet, buildResidualInferenceGraph, buildResidualTrainGraph, residualComposite, RESIDUAL_INPUT_CHANNELS, type ResidualNetConfig, type ResidualConfigName } from './residual-net';
export { mouthCrop, maskWeight, addCorrection, fillStack, sampleCrop, stackToInput, conditioningParams, CROP_MOUTH_WIDTHS, RESIDUAL_MASK, STACK_PLANES, type MouthCrop } from './residual-crop';
export { trainResidual, trainingDonors, pickTrainingDonors, buildResidualPairs, loadResidualRunner, readResidualInfo, residualPath, ResidualRefiner, RESIDUAL_DIR, type ResidualInfo, type ResidualRunner, type TrainResidualOptions, type TrainResidualResult, type DonorChoiceInput } from './residual-train';
