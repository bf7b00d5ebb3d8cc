import { z } from 'zod';

/**
 * The curve document on disk (`curves/<id>.json` in a project): the generated base
 * curves [T, 71] (FACIAL-GAN or the prior, labelled) and the creator's edit layers.
 * The schema lives here (zod may be used by src/shared only); the model that
 * evaluates and edits documents is src/engine/common/curves.
 */
export const CURVES_FORMAT_VERSION = 1;

/** pitch, yaw, roll, x, y, z, blink, expr:0..expr:63, or a semantic control sem:<name>. */
export const CHANNEL_RE = /^(pitch|yaw|roll|x|y|z|blink|expr:(?:[0-9]|[1-5][0-9]|6[0-3])|sem:[a-z][a-z0-9_-]{0,31})$/;
export const ChannelName = z.string().regex(CHANNEL_RE, 'not a curve channel (pitch, yaw, roll, x, y, z, blink, expr:0-63, sem:name)');

const Id = z.string().min(1).max(64);
const Frame = z.number().int().min(0);
const Finite = z.number().finite();

export const Easing = z.enum(['linear', 'bezier', 'hold']);
export type Easing = z.infer<typeof Easing>;

export const Keyframe = z.object({
  id: Id,
  frame: Frame,
  /** The channel's value at this frame (absolute, in the channel's unit). */
  value: Finite,
  /** Interpolation from this key to the next. */
  easing: Easing,
  /** cubic-bezier(x1, y1, x2, y2) timing of a 'bezier' segment; default ease-in-out. */
  ease: z.tuple([z.number().min(0).max(1), Finite, z.number().min(0).max(1), Finite]).optional(),
});
export type Keyframe = z.infer<typeof Keyframe>;

/**
 * Keyframes on one channel. 'offset' (default): each key corrects the curve by
 * (value - curve at the key); corrections are interpolated between keys, so the
 * generated motion keeps its detail, and fade out over `falloff` frames beyond
 * the first and last key. 'absolute': between the first and last key the curve
 * follows the keys alone, blending back over `falloff` frames.
 */
export const KeysLayer = z.object({
  kind: z.literal('keys'),
  id: Id,
  channel: ChannelName,
  mode: z.enum(['offset', 'absolute']),
  falloff: z.number().int().min(0).max(10_000),
  keys: z.array(Keyframe),
  enabled: z.boolean().optional(),
});

const RangeBase = {
  id: Id,
  channel: ChannelName,
  start: Frame,
  /** Last frame, inclusive. */
  end: Frame,
  /** Frames at each end over which the edit fades in and out. */
  fade: z.number().int().min(0).max(10_000),
  enabled: z.boolean().optional(),
};

/** Adds `value` over [start, end]. */
export const OffsetLayer = z.object({ kind: z.literal('offset'), ...RangeBase, value: Finite });
/** Replaces the curve by `value` over [start, end]. */
export const OverrideLayer = z.object({ kind: z.literal('override'), ...RangeBase, value: Finite });
/** Smooths the curve over [start, end] with a Gaussian of the given radius (frames, ≈ 2.5 σ). */
export const SmoothLayer = z.object({ kind: z.literal('smooth'), ...RangeBase, radius: z.number().int().min(1).max(250) });

export const EditLayer = z.discriminatedUnion('kind', [KeysLayer, OffsetLayer, OverrideLayer, SmoothLayer]).refine((l) => l.kind === 'keys' || l.start <= l.end, { message: 'start must not be after end' });
export type KeysLayer = z.infer<typeof KeysLayer>;
export type OffsetLayer = z.infer<typeof OffsetLayer>;
export type OverrideLayer = z.infer<typeof OverrideLayer>;
export type SmoothLayer = z.infer<typeof SmoothLayer>;
export type EditLayer = KeysLayer | OffsetLayer | OverrideLayer | SmoothLayer;
export type RangeLayer = OffsetLayer | OverrideLayer | SmoothLayer;

/** One blink: the eyes close and open again over `duration` frames from `start`. */
export const BlinkEvent = z.object({
  id: Id,
  start: z.number().finite().min(0),
  duration: z.number().finite().min(1).max(250),
  /** Peak closure added to the eye-openness baseline, 0..1. */
  strength: z.number().finite().min(0).max(1),
});
export type BlinkEvent = z.infer<typeof BlinkEvent>;

export const CurveEdits = z.object({
  /** Applied in order, each to the result of the previous ones. */
  layers: z.array(EditLayer),
  blinks: z.array(BlinkEvent),
});
export type CurveEdits = z.infer<typeof CurveEdits>;

/** A semantic expression control: a unit direction in the persona's 64-d expression space. */
export const SemanticControl = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
  label: z.string().min(1).max(60),
  direction: z.array(Finite).length(64),
});
export type SemanticControl = z.infer<typeof SemanticControl>;

export const CurveDocumentFile = z.object({
  formatVersion: z.literal(CURVES_FORMAT_VERSION),
  kind: z.literal('facial-curves'),
  source: z.enum(['prior', 'facial-gan']),
  personaId: z.string().min(1),
  /** The voice-over the curves were generated from. */
  mediaId: z.string().optional(),
  fps: z.number().positive().max(120),
  frameCount: z.number().int().min(1).max(10_000_000),
  paramCount: z.literal(71),
  /** [frameCount, 71] float32, little-endian, base64: the generated curves, never edited in place. */
  base: z.object({ encoding: z.literal('base64-f32le'), data: z.string() }),
  semantic: z.array(SemanticControl),
  edits: CurveEdits,
  createdAt: z.string(),
  updatedAt: z.string().optional(),
  /** Free-form facts from the generator (model, seed, checkpoint), shown in the inspector. */
  generator: z.record(z.string(), z.unknown()).optional(),
});
export type CurveDocumentFile = z.infer<typeof CurveDocumentFile>;
