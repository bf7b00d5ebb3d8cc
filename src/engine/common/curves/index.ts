/**
 * Curves: the generated motion and the creator's edits, as pure TypeScript (no
 * Node, no DOM): the studio UI, the engine and the CLI share it.
 *
 * Producing a document (e.g. src/engine/gan):
 *   const doc = createCurveDocument({ source: 'facial-gan', personaId, fps, base, mediaId, semantic });
 *   await writeFileAtomic(file, serializeCurveDocument(doc));
 * Reading one: parseCurveDocument(text) (validated; CurveDocumentError on damage).
 * Using one: evaluate(doc, frame) → Float32Array(71); evaluateAll(doc) → [T, 71].
 */
export {
  createCurveDocument,
  serializeCurveDocument,
  parseCurveDocument,
  toCurveDocumentFile,
  fromCurveDocumentFile,
  withEdits,
  column,
  CurveDocumentError,
  type CurveDocument,
  type CreateCurveDocumentOptions,
} from './document';
export { evaluate, evaluateAll, evaluateChannel, channelBase, semanticBase, layersOf, applyLayer, rangeWeight, cubicBezier, easeSegment, CurveEvaluator, DEFAULT_EASE } from './evaluate';
export * from './edits';
export { createHistory, commit, undo, redo, mark, canUndo, canRedo, undoLabel, redoLabel, HISTORY_LIMIT, type History, type HistoryEntry } from './history';
export { regenerateRange, type RegenerateResult } from './merge';
export { extractBlinks, addBlinks, blinkShape, BLINK_CLOSING } from './blinks';
export { semanticControls, SEMANTIC_DEFINITIONS, type SemanticDefinition } from './semantic';
export { MinMaxPyramid } from './decimate';
export { RAW_CHANNELS, isChannel, isSemanticChannel, channelIndex, channelLabel, displayScale, isRotation } from './channels';
export { float32ToBase64, base64ToFloat32, bytesToBase64, base64ToBytes } from './base64';
export { newId } from './ids';
export type { CurveEdits, EditLayer, KeysLayer, Keyframe, RangeLayer, OffsetLayer, OverrideLayer, SmoothLayer, BlinkEvent, SemanticControl, Easing, CurveDocumentFile } from '../../../shared/curve-document';
export { revoicedDocument, isRevoicedTake, isTakeAsFilmed, filmedFrame, REVOICE_KEY, type FootageMotion } from './revoice';
