import { BLINK_INDEX, PARAM_COUNT } from '../../../shared/facial-params';
import { referenceFrameFor } from '../export-timing';
import { createCurveDocument, type CurveDocument } from './document';
import { REVOICE_KEY } from '../../../shared/motion-origin';

export { REVOICE_KEY, isRevoicedTake } from '../../../shared/motion-origin';

/**
 * Re-voicing the persona's own clip (docs/rendering.md, "Re-voice a take"): a take whose
 * head pose and blink lanes are the clip's tracked ones, frame for frame (played back
 * and forth where the voice-over is longer, as the export maps it), and whose expression
 * (the mouth) comes from the voice-over. The lanes stay editable; the export keeps the
 * filmed frames as long as they are not edited (`isTakeAsFilmed`).
 */

export interface FootageMotion {
  /** The persona's tracked parameters [T, 71]. */
  params: Float32Array;
  fps: number;
  frameCount: number;
}

/** The footage frame behind frame i of a take at `fps`. */
export function filmedFrame(i: number, fps: number, footage: Pick<FootageMotion, 'fps' | 'frameCount'>): number {
  return referenceFrameFor(i, fps, footage.fps, footage.frameCount);
}

/** The generated take with the clip's own head pose and blinks (the blink curve as tracked, not split into events). */
export function revoicedDocument(doc: CurveDocument, footage: FootageMotion): CurveDocument {
  const base = Float32Array.from(doc.base);
  for (let i = 0; i < doc.frameCount; i++) {
    const j = filmedFrame(i, doc.fps, footage);
    for (let c = 0; c <= BLINK_INDEX; c++) base[i * PARAM_COUNT + c] = footage.params[j * PARAM_COUNT + c];
  }
  return createCurveDocument({
    source: doc.source, personaId: doc.personaId, fps: doc.fps, base, mediaId: doc.mediaId, semantic: doc.semantic,
    edits: { layers: [], blinks: [] },
    generator: { ...(doc.generator ?? {}), [REVOICE_KEY]: { pose: 'footage', blink: 'footage', footageFrames: footage.frameCount, footageFps: footage.fps } },
    createdAt: doc.createdAt,
  });
}

/** Whether a document is a re-voiced take (its generator says so). */
/**
 * Whether curves [N, 71] at `fps` still hold the clip's own head pose and blinks at every
 * frame (within `tolerance`, degrees / mm / blink units): an unedited re-voiced take,
 * which the export plays as filmed.
 */
export function isTakeAsFilmed(curves: Float32Array, fps: number, footage: FootageMotion, tolerance = 0.02): boolean {
  const N = curves.length / PARAM_COUNT;
  for (let i = 0; i < N; i++) {
    const j = filmedFrame(i, fps, footage);
    for (let c = 0; c <= BLINK_INDEX; c++) {
      if (!(Math.abs(curves[i * PARAM_COUNT + c] - footage.params[j * PARAM_COUNT + c]) <= tolerance)) return false;
    }
  }
  return true;
}
