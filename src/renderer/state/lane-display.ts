import { isRotation } from '../../engine/common/curves/channels';

/**
 * How a lane shows its channel to a person: a plain name, a unit, and values mapped
 * so that "up" on the lane means something (positions relative to the generated
 * motion's average, head up and blink closed upwards). Keys store raw values; a lane
 * draws and edits display values: display = (raw − offset) · scale.
 */
export interface LaneDisplay {
  /** Short name for the lane header. */
  label: string;
  /** What the value means, for the header's tooltip and the inspector. */
  meaning: string;
  unit: string;
  scale: number;
  offset: number;
  digits: number;
  /** Words for the top and bottom of the lane's value axis, when a direction has a name. */
  up?: string;
  down?: string;
  /** The smallest value span a lane shows (display units): flat curves stay flat, and dragging stays gentle. */
  minSpan: number;
}

const ROTATION: Record<string, { label: string; meaning: string }> = {
  yaw: { label: 'Head turn', meaning: 'Turning the head left and right (yaw), in degrees' },
  pitch: { label: 'Head nod', meaning: 'Nodding the head up and down (pitch), in degrees' },
  roll: { label: 'Head tilt', meaning: 'Tilting the head to a shoulder (roll), in degrees' },
};

/**
 * The display of a channel. `mean` is the average of the generated motion on that
 * channel (positions are shown relative to it: "+3 mm" rather than "794 mm").
 */
export function laneDisplay(channel: string, semanticLabels: Record<string, string> = {}, mean = 0): LaneDisplay {
  if (isRotation(channel)) return { ...ROTATION[channel], unit: '°', scale: 180 / Math.PI, offset: 0, digits: 1, minSpan: 6 };
  if (channel === 'x') return { label: 'Side to side', meaning: 'Head position left and right of its average (x), in mm; up on the lane is to the right of the picture', unit: 'mm', scale: 1, offset: mean, digits: 1, up: 'right', down: 'left', minSpan: 10 };
  // Camera y points down: flipped, so up on the lane is up in the picture.
  if (channel === 'y') return { label: 'Up and down', meaning: 'Head height relative to its average (y), in mm; up on the lane is up in the picture', unit: 'mm', scale: -1, offset: mean, digits: 1, up: 'up', down: 'down', minSpan: 10 };
  if (channel === 'z') return { label: 'Distance', meaning: 'Distance from the camera relative to its average (z), in mm; up on the lane is farther away', unit: 'mm', scale: 1, offset: mean, digits: 1, up: 'farther', down: 'closer', minSpan: 10 };
  if (channel === 'blink') return { label: 'Blink', meaning: 'How closed the eyes are: 0 % open, 100 % closed', unit: '%', scale: 100, offset: 0, digits: 0, up: 'closed', down: 'open', minSpan: 100 };
  if (channel.startsWith('sem:')) {
    const name = channel.slice(4);
    return { label: semanticLabels[name] ?? name, meaning: `${semanticLabels[name] ?? name}: how far the face moves for it, in mm (0 is the persona’s resting face)`, unit: 'mm', scale: 1, offset: 0, digits: 1, minSpan: 2 };
  }
  if (channel.startsWith('expr:')) {
    const k = channel.slice(5);
    return { label: `Shape ${k}`, meaning: `Raw expression component ${k} of this persona’s face model: a direction of face shape, without a physical unit`, unit: '', scale: 1, offset: 0, digits: 2, minSpan: 1 };
  }
  return { label: channel, meaning: channel, unit: '', scale: 1, offset: 0, digits: 2, minSpan: 1 };
}

export const toDisplay = (d: LaneDisplay, raw: number) => (raw - d.offset) * d.scale;
export const fromDisplay = (d: LaneDisplay, shown: number) => shown / d.scale + d.offset;

/** "+3.2 mm", "-0.4°", "80 %": a display value with its unit (positions signed, relative to their average). */
export function formatLaneValue(d: LaneDisplay, raw: number): string {
  const v = toDisplay(d, raw);
  const text = v.toFixed(d.digits);
  const signed = d.offset !== 0 && v > 0 ? `+${text}` : text === `-${(0).toFixed(d.digits)}` ? (0).toFixed(d.digits) : text;
  return d.unit === '°' ? `${signed}°` : d.unit ? `${signed} ${d.unit}` : signed;
}

/** The vertical range a lane shows (display units): the curve and its base, padded, at least the channel's span. */
export function displayRange(lo: number, hi: number, minSpan: number, blink = false): { lo: number; hi: number } {
  if (blink) return { lo: Math.min(-5, lo), hi: Math.max(105, hi) };
  let a = Math.min(lo, hi);
  let b = Math.max(lo, hi);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return { lo: -minSpan / 2, hi: minSpan / 2 };
  const pad = (b - a) * 0.1;
  a -= pad;
  b += pad;
  if (b - a < minSpan) {
    const mid = (a + b) / 2;
    a = mid - minSpan / 2;
    b = mid + minSpan / 2;
  }
  return { lo: a, hi: b };
}

/** Value-axis ticks: round values (1, 2 or 5 × 10^n) at least `minPx` apart on a lane of `heightPx`. */
export function axisTicks(lo: number, hi: number, heightPx: number, minPx = 18): number[] {
  const span = hi - lo;
  if (!(span > 0) || heightPx < minPx * 1.5) return [];
  const maxTicks = Math.max(1, Math.floor(heightPx / minPx));
  const raw = span / maxTicks;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < step * 1e-6 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** The lane heights the vertical zoom steps through (px). */
export const LANE_HEIGHTS = [28, 36, 48, 64, 88, 120, 160, 220];
export const DEFAULT_LANE_HEIGHT = 48;

/** One step of vertical zoom: taller (+1) or shorter (−1) lanes. */
export function stepLaneHeight(current: number, dir: 1 | -1): number {
  if (dir > 0) return LANE_HEIGHTS.find((h) => h > current) ?? LANE_HEIGHTS[LANE_HEIGHTS.length - 1];
  return [...LANE_HEIGHTS].reverse().find((h) => h < current) ?? LANE_HEIGHTS[0];
}

/**
 * How much a key's value changes for a vertical drag of `dyPx` (down is positive) on a
 * lane of `heightPx` showing `span` display units; Ctrl/⌘ drags ten times finer.
 */
export function dragDelta(dyPx: number, heightPx: number, span: number, fine: boolean): number {
  const perPx = span / Math.max(8, heightPx - 6);
  return -dyPx * perPx * (fine ? 0.1 : 1);
}
