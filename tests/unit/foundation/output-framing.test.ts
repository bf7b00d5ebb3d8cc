import { describe, it, expect } from 'vitest';
import { PRESETS, aspectDiffers, exportFileName, faceFocus, framingNote, outputGeometry, previewFileName } from '../../../src/engine/common/export-timing';
import { JobRequest } from '../../../src/shared/contract';

/** Output framing: one geometry for the export's filter and the export dialog's thumbnail. */
describe('output framing', () => {
  const face = { x: 540, y: 700 };

  it('keeps a vertical phone video vertical at its own size with the source preset', () => {
    const g = outputGeometry(PRESETS.source, undefined, 1080, 1920, face);
    expect(g).toMatchObject({ width: 1080, height: 1920, framing: 'source', bars: false });
    // Odd sizes lose a row or column: H.264 4:2:0 needs even ones.
    expect(outputGeometry(PRESETS.source, 'fill', 721, 1281, face)).toMatchObject({ width: 720, height: 1280 });
  });

  it('fit shows the whole frame with bars; fill crops to the preset around the face, without bars', () => {
    const fit = outputGeometry(PRESETS['720p'], 'fit', 512, 512, { x: 256, y: 256 });
    expect(fit).toMatchObject({ width: 1280, height: 720, framing: 'fit', bars: true, place: { x: 280, y: 0, w: 720, h: 720 } });
    const fill = outputGeometry(PRESETS['720p'], 'fill', 512, 512, { x: 256, y: 200 });
    expect(fill).toMatchObject({ width: 1280, height: 720, framing: 'fill', bars: false, crop: { x: 0, y: 56, w: 512, h: 288 }, place: { x: 0, y: 0, w: 1280, h: 720 } });
    // The crop stays inside the frame when the face is near an edge.
    const edge = outputGeometry(PRESETS['1080p'], 'fill', 1080, 1920, { x: 1000, y: 10 });
    expect(edge.crop).toEqual({ x: 0, y: 0, w: 1080, h: 608 });
    const vertical = outputGeometry(PRESETS['1080p'], 'fill', 1080, 1920, { x: 540, y: 900 });
    expect(vertical.crop.y + vertical.crop.h / 2).toBeCloseTo(900, -1);
  });

  it('offers no choice when the aspect matches, and says in words which framing it is', () => {
    expect(aspectDiffers(PRESETS['1080p'], 1280, 720)).toBe(false);
    expect(aspectDiffers(PRESETS['720p'], 512, 512)).toBe(true);
    expect(aspectDiffers(PRESETS.source, 512, 512)).toBe(false);
    expect(framingNote(outputGeometry(PRESETS['720p'], 'fit', 512, 512, face), 512, 512)).toBe('1280 × 720: the whole picture, with black bars left and right (your footage is 1:1)');
    expect(framingNote(outputGeometry(PRESETS['720p'], 'fill', 1080, 1920, face), 1080, 1920)).toBe('1280 × 720: cropped to 16:9 around the face (your footage is 9:16)');
    expect(framingNote(outputGeometry(PRESETS.source, undefined, 1080, 1920, face), 1080, 1920)).toBe('1080 × 1920: the whole picture, as filmed');
  });

  it('finds the face from the mean pose and the camera', () => {
    const cam = { fx: 1000, fy: 1000, cx: 540, cy: 960, width: 1080, height: 1920 };
    expect(faceFocus(cam, [0, 0, 0, 10, -50, 500])).toEqual({ x: 560, y: 860 });
    expect(faceFocus(cam, [0, 0, 0, 0, 0, 0])).toEqual({ x: 540, y: 960 });
  });

  it('names exports readably, and previews say so', () => {
    expect(exportFileName('Launch video', 'obama2-first-8s.wav')).toBe('Launch video - obama2-first-8s.mp4');
    expect(exportFileName('a/b:c?', 'a/b:c?.mp3')).toBe('a b c.mp4');
    expect(exportFileName('   ', undefined)).toBe('FACIAL Studio export.mp4');
    expect(previewFileName('Launch video - talk.mp4')).toBe('Launch video - talk.preview.mp4');
    expect(previewFileName('my preview.mp4')).toBe('my preview.mp4');
  });

  it('the contract takes the framing and a save location ending in .mp4', () => {
    const req = { kind: 'render.export', projectDir: '/p', personaId: 'a', mediaId: 'm' };
    expect(JobRequest.safeParse({ ...req, preset: 'source' }).success).toBe(true);
    expect(JobRequest.safeParse({ ...req, preset: '720p', framing: 'fill', out: '/home/me/talk.mp4', overwrite: true }).success).toBe(true);
    expect(JobRequest.safeParse({ ...req, framing: 'stretch' }).success).toBe(false);
    expect(JobRequest.safeParse({ ...req, out: '/home/me/talk.mov' }).success).toBe(false);
  });
});
