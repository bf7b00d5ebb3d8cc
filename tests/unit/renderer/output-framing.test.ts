import { describe, it, expect } from 'vitest';
import { exportFramingReducer as reduce, initialExportFraming, outputFramingView, type ExportFramingChoice } from '../../../src/renderer/state/output-framing';
import { PRESETS, PRESET_NAMES, outputGeometry } from '../../../src/engine/common/export-timing';
import { initialExportSettings } from '../../../src/renderer/state/export-dialog';
import { initialOutputPreview, outputPreviewReducer } from '../../../src/renderer/state/output-preview';

/** Issue 11: the Output view frames its picture as the export will, for the export dialog's last size and fit/fill. */
const centre = (w: number, h: number) => ({ x: w / 2, y: h / 2 });

/** Where source pixel (x, y) lands in the shown frame (fractions 0..1), by the view's boxes. */
function shownAt(v: ReturnType<typeof outputFramingView>, srcW: number, srcH: number, x: number, y: number): [number, number] {
  const ix = (v.image.left + (x / srcW) * v.image.width) / 100;
  const iy = (v.image.top + (y / srcH) * v.image.height) / 100;
  return [(v.window.left + ix * v.window.width) / 100, (v.window.top + iy * v.window.height) / 100];
}

describe('the export dialog\'s framing choice, kept for the Output view', () => {
  it('starts at the footage\'s own size; a choice replaces it; unknown names keep what is there', () => {
    expect(initialExportFraming).toEqual({ preset: 'source', framing: 'fill' });
    const hd = reduce(initialExportFraming, { type: 'choose', preset: '720p', framing: 'fit' });
    expect(hd).toEqual({ preset: '720p', framing: 'fit' });
    expect(reduce(hd, { type: 'choose', preset: '720p', framing: 'fit' })).toBe(hd);
    expect(reduce(hd, { type: 'choose', preset: '4k-imaginary', framing: 'stretch' })).toBe(hd);
    expect(reduce(hd, { type: 'choose', preset: 'square512', framing: 'stretch' })).toEqual({ preset: 'square512', framing: 'fit' });
  });

  it('the dialog opens again with the last size and framing (other settings as new)', () => {
    const s = initialExportSettings('/r', 'a.mp4', { preset: '1080p', framing: 'fit' });
    expect([s.preset, s.framing, s.fps, s.overwrite]).toEqual(['1080p', 'fit', 25, false]);
    expect([initialExportSettings('/r', 'a.mp4').preset, initialExportSettings('/r', 'a.mp4').framing]).toEqual(['source', 'fill']);
  });

  it('"Whole frame" is a toggle of the Output view\'s state', () => {
    expect(initialOutputPreview.wholeFrame).toBe(false);
    const on = outputPreviewReducer(initialOutputPreview, { type: 'whole-frame', on: true });
    expect(on.wholeFrame).toBe(true);
    expect(outputPreviewReducer(on, { type: 'whole-frame', on: true })).toBe(on);
  });
});

describe('outputFramingView: the export\'s geometry as boxes to draw', () => {
  it('the source preset shows the footage as it is', () => {
    const v = outputFramingView(initialExportFraming, 512, 512, centre(512, 512));
    expect([v.width, v.height, v.geometry.framing, v.cropped]).toEqual([512, 512, 'source', false]);
    expect(v.window).toEqual({ left: 0, top: 0, width: 100, height: 100 });
    expect(v.image).toEqual({ left: 0, top: 0, width: 100, height: 100 });
    expect(v.caption).toBe("Export framing: same as the footage, 512 × 512, the source's own framing");
  });

  it('fit: a square clip in HD 1280 × 720 is the whole picture between bars left and right', () => {
    const v = outputFramingView({ preset: '720p', framing: 'fit' }, 512, 512, centre(512, 512));
    expect([v.width, v.height, v.geometry.framing, v.cropped]).toEqual([1280, 720, 'fit', false]);
    // 720 × 720 of picture in the middle of 1280: bars of 280 px each side.
    expect(v.window.width).toBeCloseTo((100 * 720) / 1280, 6);
    expect(v.window.left).toBeCloseTo((100 * 280) / 1280, 6);
    expect(v.window.height).toBeCloseTo(100, 6);
    expect(v.caption).toBe('Export framing: HD 1280 × 720, fit (the whole picture, black bars left and right)');
  });

  it('fill: the vertical 1080 × 1920 clip in HD is a 16:9 crop centred on the face, clamped inside the frame', () => {
    const face = { x: 540, y: 700 };
    const v = outputFramingView({ preset: '720p', framing: 'fill' }, 1080, 1920, face);
    const { crop } = v.geometry;
    expect([v.width, v.height, v.geometry.framing, v.cropped]).toEqual([1280, 720, 'fill', true]);
    expect([crop.x, crop.w, crop.h]).toEqual([0, 1080, 608]);
    expect(crop.y).toBe(700 - 304);
    // The crop's corners land on the frame's corners; the rest of the footage is outside it.
    expect(shownAt(v, 1080, 1920, crop.x, crop.y).map((n) => +n.toFixed(6) + 0)).toEqual([0, 0]);
    expect(shownAt(v, 1080, 1920, crop.x + crop.w, crop.y + crop.h).map((n) => +n.toFixed(6) + 0)).toEqual([1, 1]);
    expect(v.caption).toBe('Export framing: HD 1280 × 720, fill (cropped to 16:9 around the face; your footage is 9:16)');
    // A face near the top: the crop stops at the frame's edge.
    expect(outputFramingView({ preset: '720p', framing: 'fill' }, 1080, 1920, { x: 540, y: 40 }).geometry.crop.y).toBe(0);
  });

  it('whole frame: the footage at its own shape, with the export\'s crop outlined', () => {
    const v = outputFramingView({ preset: '720p', framing: 'fill' }, 1080, 1920, { x: 540, y: 700 }, true);
    expect([v.width, v.height]).toEqual([1080, 1920]);
    expect(v.image).toEqual({ left: 0, top: 0, width: 100, height: 100 });
    expect(v.outline!.top).toBeCloseTo((100 * 396) / 1920, 6);
    expect(v.outline!.height).toBeCloseTo((100 * 608) / 1920, 6);
    expect(v.outline!.width).toBeCloseTo(100, 6);
    expect(v.caption).toMatch(/fill \(cropped to 16:9.*whole footage shown, the export’s crop outlined$/);
    // Nothing is cropped with fit: there is no outline to show.
    const fit = outputFramingView({ preset: '720p', framing: 'fit' }, 1080, 1920, { x: 540, y: 700 }, true);
    expect([fit.width, fit.height, fit.outline]).toEqual([1280, 720, undefined]);
  });

  it('for every preset, framing and source, the boxes put the crop exactly where the export places it', () => {
    const sources: [number, number][] = [[512, 512], [1080, 1920], [1920, 1080], [641, 479]];
    for (const [w, h] of sources)
      for (const preset of PRESET_NAMES)
        for (const framing of ['fit', 'fill'] as const) {
          const choice: ExportFramingChoice = { preset, framing };
          const focus = { x: w * 0.4, y: h * 0.35 };
          const v = outputFramingView(choice, w, h, focus);
          const g = outputGeometry(PRESETS[preset], framing, w, h, focus);
          expect(v.geometry).toEqual(g);
          const [x0, y0] = shownAt(v, w, h, g.crop.x, g.crop.y);
          const [x1, y1] = shownAt(v, w, h, g.crop.x + g.crop.w, g.crop.y + g.crop.h);
          expect(x0 * g.width).toBeCloseTo(g.place.x, 6);
          expect(y0 * g.height).toBeCloseTo(g.place.y, 6);
          expect(x1 * g.width).toBeCloseTo(g.place.x + g.place.w, 6);
          expect(y1 * g.height).toBeCloseTo(g.place.y + g.place.h, 6);
          expect(v.caption.startsWith('Export framing: ')).toBe(true);
        }
  });
});
