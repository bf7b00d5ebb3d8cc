import { CurveDocumentFile, CURVES_FORMAT_VERSION, type CurveEdits, type SemanticControl, type BlinkEvent } from '../../../shared/curve-document';
import { PARAM_COUNT, BLINK_INDEX } from '../../../shared/facial-params';
import { float32ToBase64, base64ToFloat32 } from './base64';
import { extractBlinks } from './blinks';
import { newId } from './ids';
import { column as columnOf } from '../numeric/stats';

/**
 * A curve document in memory: the generated base [frameCount, 71] as a
 * Float32Array (row-major, one row per frame) and the creator's edits. Documents
 * are immutable values: edits produce new documents sharing the base.
 */
export interface CurveDocument {
  formatVersion: typeof CURVES_FORMAT_VERSION;
  kind: 'facial-curves';
  source: 'prior' | 'facial-gan';
  personaId: string;
  mediaId?: string;
  fps: number;
  frameCount: number;
  /** [frameCount * 71]; the blink column holds the eye-openness baseline (blinks are events). */
  base: Float32Array;
  semantic: SemanticControl[];
  edits: CurveEdits;
  createdAt: string;
  updatedAt?: string;
  generator?: Record<string, unknown>;
}

export class CurveDocumentError extends Error {
  readonly code = 'curves-invalid';
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'CurveDocumentError';
  }
}

export interface CreateCurveDocumentOptions {
  source: 'prior' | 'facial-gan';
  personaId: string;
  fps: number;
  /** [frameCount, 71] float32, row-major. */
  base: Float32Array;
  /** Defaults to base.length / 71. */
  frameCount?: number;
  mediaId?: string;
  /** Semantic expression controls of the persona (see semanticControls). */
  semantic?: SemanticControl[];
  /**
   * Turn the blinks of the generated blink curve into editable events (default true).
   * The base keeps the eye-openness baseline; evaluate() puts the blinks back.
   */
  extractBlinks?: boolean;
  edits?: CurveEdits;
  generator?: Record<string, unknown>;
  createdAt?: string;
}

export function createCurveDocument(opts: CreateCurveDocumentOptions): CurveDocument {
  const frameCount = opts.frameCount ?? opts.base.length / PARAM_COUNT;
  if (!Number.isInteger(frameCount) || frameCount < 1) throw new CurveDocumentError(`The base curves hold ${opts.base.length} values, not a whole number (≥ 1) of 71-parameter frames.`);
  if (opts.base.length !== frameCount * PARAM_COUNT) throw new CurveDocumentError(`The base curves hold ${opts.base.length} values; ${frameCount} frames of 71 parameters need ${frameCount * PARAM_COUNT}.`);
  if (!(opts.fps > 0 && opts.fps <= 120)) throw new CurveDocumentError(`fps must be in (0, 120], got ${opts.fps}.`);
  for (let i = 0; i < opts.base.length; i++) {
    if (!Number.isFinite(opts.base[i])) throw new CurveDocumentError(`The base curves contain ${opts.base[i]} at frame ${Math.floor(i / PARAM_COUNT)}, parameter ${i % PARAM_COUNT}.`);
  }
  const base = Float32Array.from(opts.base);
  const blinks: BlinkEvent[] = [];
  if (opts.extractBlinks !== false && !opts.edits) {
    const { events, residual } = extractBlinks(column(base, frameCount, BLINK_INDEX));
    setColumn(base, frameCount, BLINK_INDEX, residual);
    for (const e of events) blinks.push({ id: newId('b'), ...e });
  }
  return {
    formatVersion: CURVES_FORMAT_VERSION,
    kind: 'facial-curves',
    source: opts.source,
    personaId: opts.personaId,
    ...(opts.mediaId ? { mediaId: opts.mediaId } : {}),
    fps: opts.fps,
    frameCount,
    base,
    semantic: opts.semantic ?? [],
    edits: opts.edits ?? { layers: [], blinks },
    createdAt: opts.createdAt ?? new Date().toISOString(),
    ...(opts.generator ? { generator: opts.generator } : {}),
  };
}

/** Channel `index` of a [frameCount, 71] parameter array (a copy). */
export function column(base: Float32Array, frameCount: number, index: number): Float32Array {
  return columnOf(base, frameCount, PARAM_COUNT, index);
}

function setColumn(base: Float32Array, frameCount: number, index: number, values: Float32Array): void {
  for (let f = 0, o = index; f < frameCount; f++, o += PARAM_COUNT) base[o] = values[f];
}

/** The JSON object written to disk. */
export function toCurveDocumentFile(doc: CurveDocument): CurveDocumentFile {
  return {
    formatVersion: doc.formatVersion,
    kind: doc.kind,
    source: doc.source,
    personaId: doc.personaId,
    ...(doc.mediaId ? { mediaId: doc.mediaId } : {}),
    fps: doc.fps,
    frameCount: doc.frameCount,
    paramCount: PARAM_COUNT,
    base: { encoding: 'base64-f32le', data: float32ToBase64(doc.base) },
    semantic: doc.semantic,
    edits: doc.edits,
    createdAt: doc.createdAt,
    ...(doc.updatedAt ? { updatedAt: doc.updatedAt } : {}),
    ...(doc.generator ? { generator: doc.generator } : {}),
  };
}

/** JSON text of a document (what `curves/<id>.json` holds). */
export function serializeCurveDocument(doc: CurveDocument): string {
  return JSON.stringify(toCurveDocumentFile(doc));
}

/**
 * Reads a document from JSON text or a parsed object, validating everything: a
 * damaged or foreign file gets an error that says what is wrong.
 */
export function parseCurveDocument(input: string | unknown, file?: string): CurveDocument {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch {
      throw new CurveDocumentError(`${file ?? 'The curve document'} is not valid JSON.`, file);
    }
  }
  if (raw && typeof raw === 'object' && typeof (raw as { formatVersion?: unknown }).formatVersion === 'number' && (raw as { formatVersion: number }).formatVersion > CURVES_FORMAT_VERSION) {
    throw new CurveDocumentError(`${file ?? 'The curve document'} was written by a newer FACIAL Studio (format ${(raw as { formatVersion: number }).formatVersion}; this version reads ${CURVES_FORMAT_VERSION}).`, file);
  }
  const parsed = CurveDocumentFile.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new CurveDocumentError(`${file ?? 'The curve document'} is not a valid curve document (${why}).`, file);
  }
  return fromCurveDocumentFile(parsed.data, file);
}

/** A validated file object → document (decodes the base, checks cross-field rules). */
export function fromCurveDocumentFile(f: CurveDocumentFile, file?: string): CurveDocument {
  let base: Float32Array;
  try {
    base = base64ToFloat32(f.base.data);
  } catch (err) {
    throw new CurveDocumentError(`${file ?? 'The curve document'} has damaged base curves: ${(err as Error).message}.`, file);
  }
  if (base.length !== f.frameCount * PARAM_COUNT) {
    throw new CurveDocumentError(`${file ?? 'The curve document'} says ${f.frameCount} frames but its base holds ${base.length / PARAM_COUNT} frames of 71 values.`, file);
  }
  const names = new Set(f.semantic.map((s) => s.name));
  for (const l of f.edits.layers) {
    if (l.channel.startsWith('sem:') && !names.has(l.channel.slice(4))) {
      throw new CurveDocumentError(`${file ?? 'The curve document'} edits ${l.channel}, which is not one of its semantic controls (${[...names].join(', ') || 'none'}).`, file);
    }
  }
  const ids = new Set<string>();
  for (const id of [...f.edits.layers.map((l) => l.id), ...f.edits.blinks.map((b) => b.id)]) {
    if (ids.has(id)) throw new CurveDocumentError(`${file ?? 'The curve document'} uses the edit id "${id}" twice.`, file);
    ids.add(id);
  }
  // Keys are kept sorted by frame (evaluation relies on it).
  const layers = f.edits.layers.map((l) => (l.kind === 'keys' ? { ...l, keys: [...l.keys].sort((a, b) => a.frame - b.frame) } : l));
  return {
    formatVersion: f.formatVersion,
    kind: f.kind,
    source: f.source,
    personaId: f.personaId,
    ...(f.mediaId ? { mediaId: f.mediaId } : {}),
    fps: f.fps,
    frameCount: f.frameCount,
    base,
    semantic: f.semantic,
    edits: { layers, blinks: f.edits.blinks },
    createdAt: f.createdAt,
    ...(f.updatedAt ? { updatedAt: f.updatedAt } : {}),
    ...(f.generator ? { generator: f.generator } : {}),
  };
}

/** The same document with other edits (the base is shared, not copied). */
export function withEdits(doc: CurveDocument, edits: CurveEdits): CurveDocument {
  return edits === doc.edits ? doc : { ...doc, edits };
}
