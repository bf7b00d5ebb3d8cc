import type { RenderQualityReport } from '../../src/shared/render-quality';

/** A complete quality report as the engine writes it: a blurry render whose blinks are missing. */
export function sampleQualityReport(): RenderQualityReport {
  const m = (status: 'good' | 'fair' | 'poor' | 'unmeasured', label: string, detail = `${label} (figures)`) => ({ status, label, detail });
  const angle = { r: 0.9, maeDeg: 1.2, curvesStdDeg: 3, videoStdDeg: 3.1 };
  return {
    formatVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    seconds: 47.6,
    video: { file: '/p/renders/r-1.mp4', width: 512, height: 512, fps: 25, frames: 609, durationS: 24.36, hasAudio: true },
    persona: { id: 'p1', name: 'AOC' },
    curves: { given: true, frames: 609 },
    framing: { scale: 1, offsetX: 0, offsetY: 0, origin: 'given' },
    overall: { status: 'poor', label: 'not good enough', problems: ['Face sharpness: blurry', 'Blinks: 2 of 2 blinks missing'] },
    faceFound: { ...m('good', 'face found in every frame'), trackedFrames: 609, frames: 609, fraction: 1, longestGapFrames: 0 },
    faceSharpness: { ...m('poor', 'blurry'), video: 485, real: 2351, ratio: 0.206 },
    mouthSharpness: { ...m('good', 'sharp'), video: 600, real: 610, ratio: 0.984 },
    seam: { ...m('good', 'invisible'), ratio: 1.1, detailFactor: 1.2, regions: ['face'], rings: [{ region: 'face', grow: 0, video: 44, real: 40, ratio: 1.1, detailVideo: -0.3, detailReal: -0.12, detailFactor: 1.2 }] },
    blinks: { ...m('poor', '2 of 2 blinks missing'), video: 0, curves: 2, seen: 0, missed: 2, extra: 0, ratePerMin: 0, videoEvents: [], curveEvents: [{ start: 10, end: 15, peak: 12 }, { start: 300, end: 305, peak: 302 }] },
    mouth: { ...m('good', 'follows the curves'), r: 0.91, bestLag: 0, rBest: 0.91, videoRangeMm: 9, curvesRangeMm: 10 },
    pose: { ...m('good', 'follows the curves'), pitch: angle, yaw: angle, roll: angle },
    flicker: { ...m('good', 'steady'), video: 4, real: 4, ratio: 1 },
    lipAudio: { ...m('good', 'in sync with the voice'), r: 0.4, lag: 1 },
    silenceClosure: { ...m('unmeasured', 'no pauses'), silences: 0, closed: 0, fraction: null, openingSilenceMm: null, openingSpeechMm: 8, closedBelowMm: 3.6, realSilences: 1, realClosed: 0 },
    notes: ['a note'],
  };
}
