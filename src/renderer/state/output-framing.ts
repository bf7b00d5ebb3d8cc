import { PRESETS, aspectName, isFraming, isPresetName, outputGeometry, type Framing, type OutputGeometry, type PresetName } from '../../engine/common/export-timing';
import { createStore } from './store';

/**
 * How the Output view frames its picture: as the export will, for the size and fit/fill
 * last chosen in the export dialog. The choice is kept here (not in the dialog, which
 * forgets its state when closed) so the Output view can show it while the dialog is
 * closed. The framing itself is the export's own `outputGeometry` (engine/common): this
 * module only turns it into boxes to draw and a caption.
 */
export interface ExportFramingChoice {
  preset: PresetName;
  framing: Framing;
}

/** As the export dialog starts: the footage's own size (fill applies once a size of another shape is chosen). */
export const initialExportFraming: ExportFramingChoice = { preset: 'source', framing: 'fill' };

export type ExportFramingAction = { type: 'choose'; preset: string; framing: string };

export function exportFramingReducer(s: ExportFramingChoice, a: ExportFramingAction): ExportFramingChoice {
  switch (a.type) {
    case 'choose': {
      // Unknown names (an older build's choice) keep what is there.
      const preset = isPresetName(a.preset) ? a.preset : s.preset;
      const framing = isFraming(a.framing) ? a.framing : s.framing;
      return preset === s.preset && framing === s.framing ? s : { preset, framing };
    }
  }
}

/** The export dialog's last choice, for the whole session of the studio. */
export const exportFramingStore = createStore(exportFramingReducer, initialExportFraming);

/** A rectangle in percent of its container. */
export interface PercentBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface OutputFramingView {
  geometry: OutputGeometry;
  /** The shape the picture is drawn at (the output's, or the footage's when the whole frame is shown). */
  width: number;
  height: number;
  /** Where the picture lies in that frame (bars around it with fit), in percent of the frame. */
  window: PercentBox;
  /** The whole source image, in percent of the window (larger than it where the export crops). */
  image: PercentBox;
  /** The export's crop outlined on the whole source frame (only when `whole` is asked and the export crops). */
  outline?: PercentBox;
  /** The export crops the footage (fill): showing the whole frame with the crop outlined is a choice. */
  cropped: boolean;
  /** What the frame shows, in plain words. */
  caption: string;
}

const pct = (part: number, whole: number) => (100 * part) / whole;

function caption(choice: ExportFramingChoice, g: OutputGeometry, srcW: number, srcH: number, whole: boolean): string {
  const preset = PRESETS[choice.preset];
  const size = choice.preset === 'source' ? `same as the footage, ${g.width} × ${g.height}` : preset.label;
  const how =
    g.framing === 'source'
      ? "the source's own framing"
      : g.framing === 'fill'
        ? `fill (cropped to ${aspectName(g.width, g.height)} around the face; your footage is ${aspectName(srcW, srcH)})`
        : `fit (the whole picture, black bars ${g.place.w < g.width ? 'left and right' : 'above and below'})`;
  return `Export framing: ${size}, ${how}${whole ? ' · whole footage shown, the export\u2019s crop outlined' : ''}`;
}

/**
 * The Output view's frame for a source of srcW × srcH with the face at `focus`: the
 * export's geometry for the chosen preset and framing, as boxes to draw the source image
 * in. `whole`: show the whole source frame with the export's crop outlined instead.
 */
export function outputFramingView(choice: ExportFramingChoice, srcW: number, srcH: number, focus: { x: number; y: number }, whole = false): OutputFramingView {
  const g = outputGeometry(PRESETS[choice.preset], choice.framing, srcW, srcH, focus);
  const { crop, place } = g;
  const cropped = crop.w < srcW - 1 || crop.h < srcH - 1;
  if (whole && cropped) {
    return {
      geometry: g, width: srcW, height: srcH, cropped,
      window: { left: 0, top: 0, width: 100, height: 100 },
      image: { left: 0, top: 0, width: 100, height: 100 },
      outline: { left: pct(crop.x, srcW), top: pct(crop.y, srcH), width: pct(crop.w, srcW), height: pct(crop.h, srcH) },
      caption: caption(choice, g, srcW, srcH, true),
    };
  }
  return {
    geometry: g, width: g.width, height: g.height, cropped,
    window: { left: pct(place.x, g.width), top: pct(place.y, g.height), width: pct(place.w, g.width), height: pct(place.h, g.height) },
    // The crop fills the window: the source image is scaled by window / crop and shifted by the crop's corner.
    image: { left: 0 - pct(crop.x, crop.w), top: 0 - pct(crop.y, crop.h), width: pct(srcW, crop.w), height: pct(srcH, crop.h) },
    caption: caption(choice, g, srcW, srcH, false),
  };
}
