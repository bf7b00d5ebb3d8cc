import { describe, expect, it } from 'vitest';
import { fitPrior, generatePrior, predictOpening, blinkStats, poseStats, tauForNormSpeed, DEFAULT_BLINK_MS } from '../../../src/engine/gan';
import { PARAM_COUNT } from '../../../src/shared/facial-params';
import { jawDirection, syntheticAudio, syntheticClip } from '../../helpers/gan-synthetic';

const fps = 25;
const blinkCol = (a: Float32Array) => Array.from({ length: a.length / PARAM_COUNT }, (_, t) => a[t * PARAM_COUNT + 6]);

describe('zero-training prior', () => {
  // 60 s clip with 14 blinks (14 per minute).
  const clip = syntheticClip(60 * fps, fps, Array.from({ length: 14 }, (_, i) => 2 + i * 4.1));
  const model = fitPrior(clip.input);

  it('finds the jaw-opening direction in expression space from the tracked lip opening', () => {
    const d = model.jawDirection;
    const n = Math.hypot(...d);
    const truth = jawDirection();
    const cos = d.reduce((s, x, k) => s + (x / n) * truth[k], 0);
    expect(cos).toBeGreaterThan(0.98);
    expect(model.jawFit).toBeGreaterThan(0.9);
  });

  it('closes the mouth in silence and opens it with speech', () => {
    const audio = syntheticAudio(30, fps, 3, 1);
    const open = predictOpening(model, audio);
    const out = generatePrior(model, audio, { seed: 3 });
    let silentMax = -Infinity, speechMean = 0, n = 0;
    for (let t = 0; t < audio.frameCount; t++) {
      // away from speech boundaries (the gate spans a frame each side; the lips lead the sound by 0.1 s = 3 frames)
      const near = audio.speech.slice(Math.max(0, t - 3), t + 4);
      if (audio.speech.slice(Math.max(0, t - 3), t + 6).every((v) => v === 0)) {
        silentMax = Math.max(silentMax, open[t]);
        for (let k = 0; k < 64; k++) expect(out[t * PARAM_COUNT + 7 + k]).toBeCloseTo(model.exprRest[k], 3);
      } else if (near.every((v) => v === 1)) {
        speechMean += open[t];
        n++;
      }
    }
    expect(silentMax).toBeLessThanOrEqual(model.openClosed + 1e-6);
    expect(speechMean / n).toBeGreaterThan(model.openClosed + 0.05);
  });

  it('takes the typical speaking opening from the speech gate only when the lips open with the clip\'s speech', () => {
    const mean = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0) / a.length;
    const open = clip.input.opening;
    const speaking = Array.from(open).filter((_, t) => clip.input.speech![t] >= 0.5);
    expect(model.loudnessOpen).toBeCloseTo(mean(speaking), 6);
    // A sound track that is not the person's (a dub): speech where the lips rest, silence where they move.
    const dub = Float32Array.from(clip.input.speech!, (v) => 1 - v);
    const dubbed = fitPrior({ ...clip.input, speech: dub });
    const p75 = Array.from(open).sort((a, b) => a - b)[Math.floor(0.75 * (open.length - 1))];
    expect(dubbed.loudnessOpen).toBeGreaterThan(model.openClosed + 0.05);
    expect(Math.abs(dubbed.loudnessOpen - p75)).toBeLessThan(0.01);
    expect(dubbed.loudnessOpen).toBeGreaterThan(mean(Array.from(open).filter((_, t) => dub[t] >= 0.5)) + 0.05);
  });

  it('opens the mouth as wide as the persona does while speaking (its 90th percentile), also for a talker whose lips mostly rest', () => {
    const pct = (a: ArrayLike<number>, q: number) => {
      const s = Array.from(a).sort((x, y) => x - y);
      return s[Math.floor(q * (s.length - 1))];
    };
    const audio = syntheticAudio(30, fps);
    const speechP90 = (open: Float32Array) => pct(Array.from(open).filter((_, t) => audio.speech[t] >= 0.5), 0.9);
    // The 60 s clip (audio regressor) and an 8 s one (band levels) of the synthetic talker.
    const short = fitPrior(syntheticClip(8 * fps, fps, [2]).input);
    for (const m of [model, short]) {
      expect(Math.abs(speechP90(predictOpening(m, audio)) - m.openWide) / (m.openWide - m.openClosed)).toBeLessThan(0.05);
    }
    // Lips nearly closed while speaking except a wide vowel every second: the mean says 0.04, the open syllables 0.2.
    const input = { ...clip.input, opening: Float32Array.from(clip.input.opening, (_, t) => (clip.input.speech![t] >= 0.5 && t % 25 < 3 ? 0.2 : 0.01)) };
    const wide = fitPrior(input);
    const speaking = Array.from(input.opening).filter((_, t) => clip.input.speech![t] >= 0.5);
    expect(wide.openWide).toBeCloseTo(pct(speaking, 0.9), 2);
    expect(wide.openWide).toBeGreaterThan(0.15);
    const open = predictOpening(wide, audio);
    expect(speechP90(open)).toBeGreaterThan(0.15);
    expect(Math.max(...open)).toBeLessThanOrEqual(wide.openMax * 1.1 + 1e-6);
  });

  it('samples blinks at the persona\'s measured rate (shrunk towards 17/min) and durations', () => {
    expect(model.blink.measured.count).toBe(14);
    expect(model.blink.perMinute).toBeCloseTo((14 + 17) / 2, 1);
    const out = generatePrior(model, syntheticAudio(600, fps), { seed: 11 });
    const bs = blinkStats(blinkCol(out), fps);
    expect(Math.abs(bs.perMinute - model.blink.perMinute) / model.blink.perMinute).toBeLessThan(0.2);
    const measuredMs = model.blink.measured.meanDurationMs;
    expect(Math.abs(bs.meanDurationMs - measuredMs) / measuredMs).toBeLessThan(0.3);
    // nothing stays closed between blinks
    expect(Math.min(...blinkCol(out))).toBeLessThan(0.1);
  });

  it('uses human defaults when the clip shows no blinks', () => {
    const noBlinks = fitPrior(syntheticClip(8 * fps, fps, []).input);
    expect(noBlinks.blink.durationsMs).toEqual([]);
    expect(noBlinks.blink.perMinute).toBeGreaterThan(12);
    expect(noBlinks.blink.perMinute).toBeLessThan(20);
    const bs = blinkStats(blinkCol(generatePrior(noBlinks, syntheticAudio(300, fps), { seed: 2 })), fps);
    expect(bs.perMinute).toBeGreaterThan(10);
    expect(bs.perMinute).toBeLessThan(25);
    expect(bs.meanDurationMs).toBeGreaterThanOrEqual(DEFAULT_BLINK_MS[0] * 0.8);
    expect(bs.meanDurationMs).toBeLessThanOrEqual(DEFAULT_BLINK_MS[1] * 1.1);
  });

  it('matches the persona\'s head-pose spread and speed, with more motion while speaking', () => {
    const audio = syntheticAudio(600, fps, 6, 3);
    const out = generatePrior(model, audio, { seed: 5 });
    const gen = poseStats(out, fps);
    const truth = poseStats(clip.input.params, fps);
    // The speed of one draw varies by +-0.05 around a bias of about 0.25 between seeds:
    // judge the generator's speed on the mean of four draws, not on one seed's luck.
    const draws = [gen, ...[6, 7, 8].map((seed) => poseStats(generatePrior(model, audio, { seed }), fps))];
    for (let c = 0; c < 6; c++) {
      expect(Math.abs(gen[c].std - truth[c].std) / truth[c].std).toBeLessThan(0.15);
      const target = Math.min(6, Math.max(0.5, truth[c].normSpeed));
      const speed = draws.reduce((s, d) => s + d[c].normSpeed, 0) / draws.length;
      expect(Math.abs(speed - target) / target).toBeLessThan(0.3);
    }
    let sp = 0, si = 0, ns = 0, ni = 0;
    for (let t = 1; t < audio.frameCount; t++) {
      const d = Math.abs(out[t * PARAM_COUNT + 1] - out[(t - 1) * PARAM_COUNT + 1]);
      if (audio.speech[t] > 0.5) { sp += d; ns++; } else { si += d; ni++; }
    }
    expect(sp / ns).toBeGreaterThan(1.2 * (si / ni));
  });

  it('is deterministic for a seed', () => {
    const audio = syntheticAudio(20, fps);
    const a = generatePrior(model, audio, { seed: 4 });
    const b = generatePrior(model, audio, { seed: 4 });
    const c = generatePrior(model, audio, { seed: 5 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('tunes the smoothing time constant to the wanted speed', () => {
    expect(tauForNormSpeed(1, 25)).toBeGreaterThan(tauForNormSpeed(4, 25));
  });
});
