import path from 'node:path';
import { loadPersona, loadPersonaHull, loadPersonaLandmarks } from '../persona';
import { splitFrames } from '../common/numeric';
import { RawFrameStream } from '../media/raw-frame-stream';
import { writeJsonAtomic } from '../util/atomic-file';
import { throwIfCancelled } from '../util/errors';
import type { RunOptions } from '../util/progress';
import type { ProviderChoice } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { ConditioningRenderer } from '../render/conditioning';
import { loadPersonaTexture } from '../render/dataset';
import { psnr, ssimRgb } from '../render/metrics';
import { loadRendererRunner } from '../render/train-renderer';
import {
  DEFAULT_PLAN_WEIGHTS, OUTER_LIP_CONTOUR, RetrievalSynthesizer, collectDonors, cropImage, footageMouthSharpness, lipBasis, lipShapes,
  mouthSharpness, planMouthFrames, pointsBox, trackedLipShapes, type RetrievalPlan,
} from '../synthesis';
import { RendererPainter, type FramePainter } from './frame-painters';

/**
 * Held-out comparison of the ways to make a mouth (issue 11): on the last 40 % of the
 * persona's clip, each frame is re-made from its own tracked parameters on its own
 * frame — by the retrieval path with donors from the training part only (the first
 * half), and by G_r when one is trained — and its lip box (the quality report's: the
 * outer lip contour grown by a quarter mouth width) compared with the real frame: PSNR,
 * SSIM, and sharpness relative to the real lip box. Written to
 * `<persona>/synthesis/eval.json`; the export reads it to decide whether G_r beats the
 * retrieval path. (The persona's model, texture and blink calibration are still fitted on
 * the whole clip: the figures are optimistic for both methods alike.)
 */

export interface MouthFigures { psnrDb: number; ssim: number; sharpness: number }

export interface SynthesisEval {
  formatVersion: 1;
  personaId: string;
  testRange: [number, number];
  donorRange: [number, number];
  frames: number;
  retrieval: MouthFigures;
  renderer?: MouthFigures & { steps: number };
  /** True when G_r has higher PSNR and SSIM than the retrieval path at ≥ 0.8x its sharpness. */
  rendererWins: boolean;
  createdAt: string;
}

export const SYNTHESIS_EVAL_FILE = path.join('synthesis', 'eval.json');

class MouthScore {
  private n = 0;
  private p = 0;
  private s = 0;
  private sharp = 0;
  add(out: Uint8Array, real: Uint8Array, W: number, H: number, lm: Float32Array): void {
    const pts = new Float32Array(478 * 2);
    for (let v = 0; v < 478; v++) { pts[v * 2] = lm[v * 3]; pts[v * 2 + 1] = lm[v * 3 + 1]; }
    const tight = pointsBox(pts, OUTER_LIP_CONTOUR, 0, W, H);
    const box = pointsBox(pts, OUTER_LIP_CONTOUR, 0.25 * (tight.x1 - tight.x0), W, H);
    const a = cropImage(out, W, box), b = cropImage(real, W, box);
    this.p += Math.min(100, psnr(a.data, b.data));
    this.s += ssimRgb(a.data, b.data, a.width, a.height);
    const sr = mouthSharpness(real, W, H, lm);
    this.sharp += sr > 0 ? mouthSharpness(out, W, H, lm) / sr : 1;
    this.n++;
  }
  figures(): MouthFigures {
    const r = (x: number, d: number) => Math.round((x / Math.max(1, this.n)) * 10 ** d) / 10 ** d;
    return { psnrDb: r(this.p, 2), ssim: r(this.s, 4), sharpness: r(this.sharp, 3) };
  }
}

export async function evaluateSynthesis(personaDir: string, opts: RunOptions & { maxFrames?: number; device?: ProviderChoice } = {}): Promise<SynthesisEval> {
  const persona = await loadPersona(personaDir);
  const landmarks = await loadPersonaLandmarks(persona);
  const T = persona.frameCount, W = persona.camera.width, H = persona.camera.height;
  const split = splitFrames(T);
  const from = split.test.start, n = Math.min(split.test.end - from, opts.maxFrames ?? Infinity);
  const curves = persona.params.slice(from * PARAM_COUNT, (from + n) * PARAM_COUNT);
  const source = Int32Array.from({ length: n }, (_, i) => from + i);
  const lb = lipBasis(persona.model);
  const donors = Array.from({ length: T }, (_, t) => t >= split.train.start && t < split.train.end);
  const mouth = planMouthFrames({
    curves, footage: persona.params, curveLips: lipShapes(curves, n, lb), footageLips: trackedLipShapes(persona.model, persona.camera, landmarks, T),
    lipDims: lb.dims, rate: 1, donors, mouthSharpness: await footageMouthSharpness(persona, landmarks, { signal: opts.signal }),
  }, source, DEFAULT_PLAN_WEIGHTS);
  const plan: RetrievalPlan = { source, mouth, eyes: source, eyeGain: new Float32Array(n), sourceJumps: 0, sourceSteps: [] };
  const synth = new RetrievalSynthesizer({ model: persona.model, camera: persona.camera, params: persona.params, landmarks, width: W, height: H }, plan, curves);
  await collectDonors(synth, persona.meta.source.file, W, H, persona.meta.fps, { signal: opts.signal });
  const net = await loadRendererRunner(persona.dir, { device: opts.device, persona });
  let painter: FramePainter | undefined;
  if (net) painter = new RendererPainter(persona, new ConditioningRenderer(persona.model, loadPersonaTexture(persona)), net, curves, await loadPersonaHull(persona));
  // G_r reads the hull of "source frame" j: the painter's j is the footage frame index.
  const retrieval = new MouthScore(), gr = new MouthScore();
  const stream = new RawFrameStream(persona.meta.source.file, W, H, { fps: persona.meta.fps, startFrame: from, frames: n, signal: opts.signal });
  try {
    let i = 0;
    for (let f = await stream.next(); f && i < n; f = await stream.next(), i++) {
      throwIfCancelled(opts.signal);
      const lm = landmarks.subarray((from + i) * 478 * 3, (from + i + 1) * 478 * 3);
      const out = f.slice();
      synth.compose(i, out);
      retrieval.add(out, f, W, H, lm);
      if (painter) {
        const g = f.slice();
        await painter.paint(i, from + i, g);
        gr.add(g, f, W, H, lm);
      }
      opts.onProgress?.({ stage: 'eval', fraction: (i + 1) / n, message: `frame ${i + 1}/${n}` });
    }
  } finally {
    await stream.close();
    await net?.dispose();
  }
  const r = retrieval.figures();
  const g = net ? { ...gr.figures(), steps: net.info.steps } : undefined;
  const ev: SynthesisEval = {
    formatVersion: 1, personaId: persona.meta.id, testRange: [from, from + n], donorRange: [split.train.start, split.train.end], frames: n,
    retrieval: r, ...(g ? { renderer: g } : {}),
    rendererWins: Boolean(g && g.psnrDb > r.psnrDb && g.ssim > r.ssim && g.sharpness >= 0.8 * r.sharpness),
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(path.join(persona.dir, SYNTHESIS_EVAL_FILE), ev);
  return ev;
}
