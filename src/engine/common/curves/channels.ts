import { PARAM_COUNT, POSE_CHANNELS, EXPR_COUNT, channelName, paramIndex } from '../../../shared/facial-params';
import { CHANNEL_RE } from '../../../shared/curve-document';

/** The 71 raw channels in parameter order: pitch … z, blink, expr:0 … expr:63. */
export const RAW_CHANNELS: readonly string[] = Array.from({ length: PARAM_COUNT }, (_, i) => channelName(i));

export function isChannel(name: string): boolean {
  return CHANNEL_RE.test(name);
}

export function isSemanticChannel(name: string): boolean {
  return name.startsWith('sem:');
}

/** Parameter index of a raw channel, or -1 for a semantic one. */
export function channelIndex(name: string): number {
  return isSemanticChannel(name) ? -1 : paramIndex(name);
}

export function isRotation(name: string): boolean {
  return name === 'pitch' || name === 'yaw' || name === 'roll';
}

/** How a channel's value is shown: rotations in degrees (stored in radians), translations in mm. */
export function displayScale(name: string): { scale: number; unit: string; digits: number } {
  if (isRotation(name)) return { scale: 180 / Math.PI, unit: '°', digits: 1 };
  if (name === 'x' || name === 'y' || name === 'z') return { scale: 1, unit: 'mm', digits: 1 };
  return { scale: 1, unit: '', digits: 2 };
}

export function channelLabel(name: string, semanticLabels: Record<string, string> = {}): string {
  if (isSemanticChannel(name)) return semanticLabels[name.slice(4)] ?? name.slice(4);
  if (name === 'x' || name === 'y' || name === 'z') return `${name.toUpperCase()} position`;
  if (name.startsWith('expr:')) return `Expression ${name.slice(5)}`;
  return name[0].toUpperCase() + name.slice(1);
}

export { POSE_CHANNELS, EXPR_COUNT };
