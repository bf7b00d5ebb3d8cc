/**
 * FACIAL-GAN (method doc section 4): from a voice-over's features, per-frame
 * expression (64), head pose (6) and blink (1) of a persona, with temporal context.
 *
 *   await trainGan(personaDir, { steps, device, windowLength, signal, onProgress }); // gan/audio-path.onnx, state-path.onnx, model.json
 *   const curves = await generateCurves(personaDir, 'voice.wav', { prior? });        // curve document (facial-gan or prior)
 *   await writeCurves('curves.json', curves);
 *   const report = await evaluateGan(personaDir);                                    // gan/eval.json
 *
 * Without a trained model, generation falls back to the zero-training prior
 * (prior.ts), labelled `source: 'prior'`. Details: docs/facial-gan.md.
 */
export { trainGan, validationLoss, judgeSavedModel, prepareTraining, buildResidualDataset, residualTargets, GAN_TRAIN_STAGES, type TrainGanOptions, type TrainGanResult, type GanTrainingSetup, type GanTrainFiles } from './train';
export { generateCurves, generateFromFeatures, runGanModel, modelCurves, checkEncoder, personaPrior, staleResidual, writeCurves, checkCurves, type GenerateOptions, type GeneratedCurves, type CurveSource } from './generate';
export { evaluateGan, formatEvalTable, motionSummary, lipDistancePx, modelOpening, type GanEvalReport, type EvalColumn, type MotionSummary, type EvaluateOptions } from './evaluate';
export { fitPrior, generatePrior, predictOpening, sampleBlinks, tauForNormSpeed, PRIOR_VERSION, DEFAULT_BLINK_PER_MIN, DEFAULT_BLINK_MS, type PriorModel, type PriorInput, type PriorAudio, type PriorOptions } from './prior';
export { buildGenerator, buildAudioPath, buildStatePath, buildDiscriminator, motion, AUDIO_STEPS, AUDIO_DIM, CONTEXT_DIM, GEN_PREFIX, DIS_PREFIX, type GanArchitecture, type AudioEncoding } from './model';
export { generatorLoss, discriminatorLoss, regressionLossArrays, DEFAULT_LOSS_WEIGHTS, type LossWeights, type GeneratorLossTerms } from './losses';
export { generatorStep, discriminatorStep, inferenceGraph, encoderGraph, decoderGraph, compiledInference, exportGenerator, exportedWindowModel, ENCODE_BATCH, type StepConfig, type ExportedGenerator } from './network';
export { buildDataset, makeBatch, WindowSampler, DEFAULT_AUGMENTATION, NO_AUGMENTATION, FRAME_FEATURES, type GanDataset, type Batch, type Augmentation } from './data';
export { computeNormStats, normalizeParams, denormalizeParams, restState, EXPR_TARGET_RMS, type NormStats } from './normalize';
export {
  trainingStarts, inferencePlan, seamFrames, padFrames, writeWindow, seamBlendFrames, checkWindowLength, chooseWindowLength,
  DEFAULT_WINDOW, WINDOW_MULTIPLE, type WindowPlanItem,
} from './windows';
export { postFilter, savitzkyGolay5, gaussianSmooth, POSE_SIGMA_S } from './post-filter';
export { runWindows, asWindowModel, type WindowPredictor, type WindowModel, type RunWindowsOptions } from './infer';
export { detectBlinks, blinkStats, poseStats, mouthOpeningFromLandmarks, frameSteps, mse, LIP_LANDMARKS, type BlinkEvent, type BlinkStats, type PoseChannelStats } from './metrics';
export { loadGanPersona, trackedOpening, priorInputOf, requireAudio, hashFloats, type GanPersona } from './persona-data';
export {
  GAN_DIR, GAN_FILES, LEGACY_GAN_FILES, GAN_FORMAT_VERSION, ganPath, generatorFiles, readGanModelInfo, readTrainingLog, checkpointIdentity,
  type GanModelInfo, type TrainingLog, type LossPoint,
} from './files';
export {
  judgeImplicit, judgeExpression, chooseImplicit, substituteImplicit, refineExpression, expressionOrigin, heldOutFrames, verdictLines,
  IMPLICIT_MODES, IMPLICIT_VERDICT_VERSION, BLINK_RATE_FACTOR, POSE_SPEED_RANGE, NO_BLINK_EVIDENCE_S, HELD_OUT_MIN_S, EXPRESSION_MIN_S, EXPRESSION_MIN_GAIN,
  type ImplicitVerdict, type ImplicitChannels, type ImplicitMode, type ExpressionVerdict,
} from './implicit';
export { pretrainGanBase, type PretrainOptions, type PretrainResult } from './base-model';
export { initFromBase, readBaseModel, FINE_TUNE_LR, type GanBaseInfo } from './base-weights';
export { acquireWindowModel, closeWindowModels, RUNNER_IDLE_MS } from './runner-cache';
