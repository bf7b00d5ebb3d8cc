/**
 * The 71 per-frame parameters of FACIAL, in the reference implementation's order:
 * [pose 0-5 | blink 6 | expression 7-70].
 *
 * Pose, in the persona's space: rotations in radians about the camera's x (pitch),
 * y (yaw) and z (roll) axes, then translation x, y, z in millimetres in camera space
 * (the persona's model is scaled to a 63 mm inter-pupil distance).
 * Blink: 0 (eyes open) .. 1 (closed), calibrated per person.
 * Expression: 64 coefficients of the persona's expression basis.
 */
export const PARAM_COUNT = 71;
export const POSE_OFFSET = 0;
export const POSE_COUNT = 6;
export const BLINK_INDEX = 6;
export const EXPR_OFFSET = 7;
export const EXPR_COUNT = 64;

export const POSE_CHANNELS = ['pitch', 'yaw', 'roll', 'x', 'y', 'z'] as const;
export type PoseChannel = (typeof POSE_CHANNELS)[number];

/** Index in the 71-vector of a named channel: 'yaw', 'blink', 'expr:12'. */
export function paramIndex(channel: string): number {
  const pose = (POSE_CHANNELS as readonly string[]).indexOf(channel);
  if (pose >= 0) return POSE_OFFSET + pose;
  if (channel === 'blink') return BLINK_INDEX;
  const m = /^expr:(\d+)$/.exec(channel);
  if (m && Number(m[1]) < EXPR_COUNT) return EXPR_OFFSET + Number(m[1]);
  throw new Error(`Unknown parameter channel "${channel}"`);
}

export function channelName(index: number): string {
  if (index < POSE_COUNT) return POSE_CHANNELS[index];
  if (index === BLINK_INDEX) return 'blink';
  if (index >= EXPR_OFFSET && index < PARAM_COUNT) return `expr:${index - EXPR_OFFSET}`;
  throw new Error(`Parameter index ${index} is outside 0..${PARAM_COUNT - 1}`);
}
