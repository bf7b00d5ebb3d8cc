import { promises as fs } from 'node:fs';
import path from 'node:path';
import { mouthOpening } from '../persona/expression-basis';
import { evaluationPersona, fittedFrames, loadPersona, loadPersonaHull, loadPersonaLandmarks, type Persona } from '../persona';
import { splitFrames, type Segment } from '../common/numeric';
import { RawFrameStream } from '../media/raw-frame-stream';
import { writeJsonAtomic } from '../util/atomic-file';
import { UserError, throwIfCancelled } from '../util/errors';
import { generateCurves } from '../gan/generate';
import type { RunOptions } from '../util/progress';
import { StageRunner } from '../util/stages';
import type { ProviderChoice } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { ConditioningRenderer } from '../render/conditioning';
import { loadPersonaTexture } from '../render/dataset';
import { psnr, ssimRgb } from '../render/metrics';
import { loadRendererRunner, type RendererRunner } from '../render/train-renderer';
import {
  DEFAULT_PLAN_WEIGHTS, NearestMouthBaseline, OUTER_LIP_CONTOUR, RetrievalSynthesizer, cropImage, footageMouths, lipBasis, lipShapes,
  mouthSharpness, planMouthFrames, pointsBox, footageLipReadings, loadResidualRunner, ResidualRefiner, type RetrievalPlan,
} from '../synthesis';
import { RendererPainter, type FramePainter } from './frame-painters';
import { measureHeldOutFollowing, residualKeepsFollowing, type HeldOutFollowing } from './heldout-following';

/**
 * Held-out comparison of the ways to make a mouth (issue 11), on frames no part of the
 * persona was fitted on: the persona's *evaluation persona* (persona/evaluation-persona.ts:
 * the same clip and tracking, everything fitted on the frames before the test part only,
 * built once into `<persona>/eval/train-part`). On its test part (the last 40 %) each
 * frame is re-made from its own tracked parameters on its own frame by
 *  - the studio's retrieval path (retrieval-synth.ts), mouth donors from the training part;
 *  - the training-free baseline (nearest-mouth-baseline.ts), donors from the same frames;
 *  - G_r, when one is trained on the evaluation persona (`train renderer --persona <persona>/eval/train-part`);
 *  - the residual G_r (synthesis/residual-train.ts) on top of the retrieval output, when one is
 *    trained on the evaluation persona (`train residual --persona <persona>/eval/train-part`);
 * and its lip box (the quality report's: the outer lip contour grown by a quarter mouth
 * width) compared with the real frame: PSNR, SSIM, and sharpness relative to the real lip
 * box. Written to `<persona>/synthesis/eval.json`; the export reads it to decide whether
 * G_r beats the retrieval path.
 */

export interface MouthFigures {
  psnrDb: number;
  ssim: number;
  sharpness: number;
  /**
   * PSNR and SSIM of the mouth's core only: a box 0.8 x 0.6 mouth widths about the lip
   * centre, which every method here replaces entirely (the baseline's ellipse less its
   * feather holds it for head rolls up to ~10°). The lip box also scores the pixels a method
   * left real at its edges, so it favours smaller masks; the core does not.
   */
  core?: { psnrDb: number; ssim: number };
}

export interface SynthesisEval {
  formatVersion: 2;
  personaId: string;
  /** The persona the figures were measured on, and the frames [start, end) everything in it was fitted on. */
  evaluationPersona: { dir: string; id: string; fittedFrames: [number, number] };
  testRange: [number, number];
  donorRange: [number, number];
  frames: number;
  retrieval: MouthFigures;
  /** The nearest real mouth by lip shape, affine-warped by its lip landmarks and blended. */
  baseline: MouthFigures;
  renderer?: MouthFigures & { steps: number };
  /** The residual G_r's correction on top of the retrieval output (its model's identity, steps and training time). */
  residual?: MouthFigures & { steps: number; trainSeconds: number; identity: string };
  /** True when G_r has higher PSNR and SSIM than the retrieval path at ≥ 0.8x its sharpness. */
  rendererWins: boolean;
  /**
   * The test frames made as an export makes them (sources chosen by pose, never the frame
   * itself), encoded and tracked again: how their mouth follows the curves, with and without
   * the residual (heldout-following.ts). Measured when a residual is trained on the
   * evaluation persona; absent in files written before it existed.
   */
  following?: HeldOutFollowing;
  /**
   * The same test for the residual G_r against the retrieval path, and its mouth following
   * no worse than real pixels alone (absent in files written before it existed).
   */
  residualWins?: boolean;
  /** Issue 11's bar: higher PSNR and SSIM than the baseline at ≥ 0.8x its sharpness. */
  beatsBaseline: { retrieval: boolean; renderer?: boolean; residual?: boolean };
  notes: string[];
  createdAt: string;
}

export const SYNTHESIS_EVAL_FILE = path.join('synthesis', 'eval.json');

export const SYNTHESIS_EVAL_STAGES = { evaluationPersona: 40, plan: 5, donors: 10, measure: 30, following: 15 };

/** The mouth's core (see MouthFigures.core): half-sizes in mouth widths. */
export const MOUTH_CORE = { halfWidth: 0.4, halfHeight: 0.3 };

/** The core box of a frame's landmarks (2-D points [478*2]): about the outer lip contour's centre, sized by the corner distance. */
export function mouthCoreBox(pts: Float32Array, W: number, H: number): { x0: number; y0: number; x1: number; y1: number } {
  let cx = 0, cy = 0;
  for (const v of OUTER_LIP_CONTOUR) { cx += pts[v * 2] / OUTER_LIP_CONTOUR.length; cy += pts[v * 2 + 1] / OUTER_LIP_CONTOUR.length; }
  const w = Math.hypot(pts[291 * 2] - pts[61 * 2], pts[291 * 2 + 1] - pts[61 * 2 + 1]);
  return {
    x0: Math.max(0, Math.round(cx - MOUTH_CORE.halfWidth * w)), x1: Math.min(W, Math.round(cx + MOUTH_CORE.halfWidth * w)),
    y0: Math.max(0, Math.round(cy - MOUTH_CORE.halfHeight * w)), y1: Math.min(H, Math.round(cy + MOUTH_CORE.halfHeight * w)),
  };
}

class MouthScore {
  private n = 0;
  private p = 0;
  private s = 0;
  private sharp = 0;
  private cp = 0;
  private cs = 0;
  add(out: Uint8Array, real: Uint8Array, W: number, H: number, lm: Float32Array): void {
    const pts = new Float32Array(478 * 2);
    for (let v = 0; v < 478; v++) { pts[v * 2] = lm[v * 3]; pts[v * 2 + 1] = lm[v * 3 + 1]; }
    const tight = pointsBox(pts, OUTER_LIP_CONTOUR, 0, W, H);
    const box = pointsBox(pts, OUTER_LIP_CONTOUR, 0.25 * (tight.x1 - tight.x0), W, H);
    const a = cropImage(out, W, box), b = cropImage(real, W, box);
    this.p += Math.min(100, psnr(a.data, b.data));
    this.s += ssimRgb(a.data, b.data, a.width, a.height);
    const core = mouthCoreBox(pts, W, H);
    const ca = cropImage(out, W, core), cb = cropImage(real, W, core);
    this.cp += Math.min(100, psnr(ca.data, cb.data));
    this.cs += ssimRgb(ca.data, cb.data, ca.width, ca.height);
    const sr = mouthSharpness(real, W, H, lm);
    this.sharp += sr > 0 ? mouthSharpness(out, W, H, lm) / sr : 1;
    this.n++;
  }
  figures(): MouthFigures {
    const r = (x: number, d: number) => Math.round((x / Math.max(1, this.n)) * 10 ** d) / 10 ** d;
    return { psnrDb: r(this.p, 2), ssim: r(this.s, 4), sharpness: r(this.sharp, 3), core: { psnrDb: r(this.cp, 2), ssim: r(this.cs, 4) } };
  }
}

/** Higher PSNR and SSIM than `than`, at no less than 0.8x its sharpness. */
export function beats(a: MouthFigures, than: MouthFigures): boolean {
  return a.psnrDb > than.psnrDb && a.ssim > than.ssim && a.sharpness >= 0.8 * than.sharpness;
}

/** What the measuring pass needs: the evaluation persona, its test frames and the three ways to make a mouth. */
interface EvalSetup {
  persona: Persona;
  landmarks: Float32Array;
  test: Segment;
  donors: Segment;
  synth: RetrievalSynthesizer;
  baseline: NearestMouthBaseline;
  baselineDonor: Int32Array;
  net?: RendererRunner;
  painter?: FramePainter;
  residual?: ResidualRefiner;
}

export interface EvaluateSynthesisOptions extends RunOptions {
  /** Test frames to score at most (default: the whole test part). */
  maxFrames?: number;
  device?: ProviderChoice;
  /**
   * Measure on the persona itself rather than its evaluation persona: when it was fitted on
   * the whole clip the figures are optimistic (its fits saw the test frames). For comparison
   * with figures from before the clean split only; nothing is written.
   */
  onPersonaItself?: boolean;
}

export async function evaluateSynthesis(personaDir: string, opts: EvaluateSynthesisOptions = {}): Promise<SynthesisEval> {
  const own = await loadPersona(personaDir);
  const run = new StageRunner<keyof typeof SYNTHESIS_EVAL_STAGES>(opts, SYNTHESIS_EVAL_STAGES);
  const evp = opts.onPersonaItself ? { dir: personaDir } : await run.stage('evaluationPersona', (ctx) => evaluationPersona(personaDir, ctx.runOptions));
  const setup = await run.stage('plan', () => planEvaluation(evp.dir, opts));
  try {
    await run.stage('donors', (ctx) => collectEvalDonors(setup, ctx.signal));
    const figures = await run.stage('measure', (ctx) => measureHeldOut(setup, ctx.signal, (f, m) => ctx.progress(f, m)));
    const { persona, test, donors } = setup;
    const following = setup.residual
      ? await run.stage('following', async (ctx) => measureHeldOutFollowing({
        ...setup, residual: setup.residual?.net, generatedCurves: await generatedTestCurves(setup, ctx.signal), signal: ctx.signal, onProgress: (f, m) => ctx.progress(f, m),
      }))
      : undefined;
    const fitted = fittedFrames(persona.meta);
    const clean = fitted[1] <= test.start || fitted[0] >= test.end;
    const notes = [clean
      ? `everything in the evaluation persona was fitted on frames ${fitted[0]}-${fitted[1] - 1}; the test frames ${test.start}-${test.end - 1} were only tracked and expressed in it`
      : `measured on a persona fitted on frames ${fitted[0]}-${fitted[1] - 1}, the test frames ${test.start}-${test.end - 1} included: optimistic, for comparison only (not written)`];
    if (!setup.net && clean) notes.push(`no G_r trained on the evaluation persona: train one with facial-studio train renderer --persona ${path.relative(process.cwd(), evp.dir) || evp.dir} --preset draft`);
    if (!setup.residual && clean) notes.push(`no residual G_r trained on the evaluation persona: train one with facial-studio train residual --persona ${path.relative(process.cwd(), evp.dir) || evp.dir}`);
    const { retrieval, baseline, renderer, residual } = figures;
    const ev: SynthesisEval = {
      formatVersion: 2, personaId: own.meta.id,
      evaluationPersona: { dir: path.relative(personaDir, evp.dir) || '.', id: persona.meta.id, fittedFrames: fitted },
      testRange: [test.start, test.end], donorRange: [donors.start, donors.end], frames: test.end - test.start,
      retrieval, baseline, ...(renderer ? { renderer } : {}), ...(residual ? { residual } : {}), ...(following ? { following } : {}),
      rendererWins: Boolean(renderer && beats(renderer, retrieval)),
      residualWins: Boolean(residual && beats(residual, retrieval) && residualKeepsFollowing(following)),
      beatsBaseline: { retrieval: beats(retrieval, baseline), ...(renderer ? { renderer: beats(renderer, baseline) } : {}), ...(residual ? { residual: beats(residual, baseline) } : {}) },
      notes, createdAt: new Date().toISOString(),
    };
    // Only clean figures decide what the export uses.
    if (clean) {
      await fs.mkdir(path.join(own.dir, path.dirname(SYNTHESIS_EVAL_FILE)), { recursive: true });
      await writeJsonAtomic(path.join(own.dir, SYNTHESIS_EVAL_FILE), ev);
    }
    return ev;
  } finally {
    await setup.net?.dispose();
    await setup.residual?.net.dispose();
  }
}

/**
 * The curves the studio generates for the clip's own sound, over the test frames (the
 * evaluation persona's prior or FACIAL-GAN); undefined when the clip has no usable sound.
 */
async function generatedTestCurves(s: EvalSetup, signal?: AbortSignal): Promise<Float32Array | undefined> {
  const { persona, test } = s;
  try {
    const g = await generateCurves(persona.dir, persona.meta.source.file, { signal });
    // The sound may end a frame or two before the picture: its last frame is held.
    if (g.fps !== persona.meta.fps || g.frameCount < test.end - 2) return undefined;
    const out = new Float32Array((test.end - test.start) * PARAM_COUNT);
    for (let t = test.start; t < test.end; t++) {
      const k = Math.min(t, g.frameCount - 1);
      out.set(g.base.subarray(k * PARAM_COUNT, (k + 1) * PARAM_COUNT), (t - test.start) * PARAM_COUNT);
    }
    return out;
  } catch (err) {
    throwIfCancelled(signal);
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

/** The plan stage: the evaluation persona's test frames, the retrieval plan and the baseline's donors, G_r if trained. */
async function planEvaluation(dir: string, opts: EvaluateSynthesisOptions): Promise<EvalSetup> {
  const persona = await loadPersona(dir);
  const landmarks = await loadPersonaLandmarks(persona);
  const T = persona.frameCount, W = persona.camera.width, H = persona.camera.height;
  const split = splitFrames(T);
  const from = split.test.start, n = Math.min(split.test.end - from, opts.maxFrames ?? Infinity);
  const curves = persona.params.slice(from * PARAM_COUNT, (from + n) * PARAM_COUNT);
  const source = Int32Array.from({ length: n }, (_, i) => from + i);
  const lb = lipBasis(persona.model);
  const donors = Array.from({ length: T }, (_, t) => t >= split.train.start && t < split.train.end);
  const readings = await footageLipReadings(persona, landmarks, T);
  const { footageLips } = readings;
  const mouths = await footageMouths(persona, landmarks, { signal: opts.signal });
  const mouth = planMouthFrames({
    curves, footage: persona.params, curveLips: lipShapes(curves, n, lb), ...readings,
    lipDims: lb.dims, rate: 1, donors, mouthSharpness: mouths.sharpness, footageTeethMm: mouths.teethMm, curveTeethMm: mouths.teethMm.slice(from, from + n),
    curveSecondLips: readings.footageSecondLips?.slice(from * lb.dims, (from + n) * lb.dims),
    // As the export plans it (prepare.ts): the inner-lip gap term needs the neutral's gap.
    neutralLipGap: mouthOpening(persona.model.neutral),
  }, source, DEFAULT_PLAN_WEIGHTS);
  const plan: RetrievalPlan = { source, mouth, eyes: source, eyeGain: new Float32Array(n), sourceJumps: 0, sourceSteps: [] };
  const synth = new RetrievalSynthesizer({ model: persona.model, camera: persona.camera, params: persona.params, landmarks, width: W, height: H }, plan, curves);
  const baseline = new NearestMouthBaseline({ landmarks, lips: footageLips, lipDims: lb.dims, donors, width: W, height: H });
  const baselineDonor = Int32Array.from(source, (t) => baseline.nearest(t));
  const net = await loadRendererRunner(persona.dir, { device: opts.device, persona });
  // G_r reads the hull of "source frame" j: the painter's j is the footage frame index.
  const painter = net ? new RendererPainter(persona, new ConditioningRenderer(persona.model, loadPersonaTexture(persona)), net, curves, await loadPersonaHull(persona)) : undefined;
  const resNet = await loadResidualRunner(persona.dir, { device: opts.device, personaId: persona.meta.id });
  const residual = resNet ? new ResidualRefiner(persona, synth, curves, resNet) : undefined;
  return { persona, landmarks, test: { start: from, end: from + n }, donors: split.train, synth, baseline, baselineDonor, net, painter, residual };
}

/** The donors stage: one pass over the footage up to the last donor, keeping the mouth crops both methods borrow. */
async function collectEvalDonors(s: EvalSetup, signal?: AbortSignal): Promise<void> {
  const forSynth = new Set(s.synth.donorFrames()), forBaseline = new Set(s.baselineDonor);
  const last = Math.max(-1, ...forSynth, ...forBaseline);
  if (last < 0) return;
  const { persona } = s;
  const stream = new RawFrameStream(persona.meta.source.file, persona.camera.width, persona.camera.height, { fps: persona.meta.fps, frames: last + 1, signal });
  try {
    let f = 0;
    for (let frame = await stream.next(); frame && f <= last; frame = await stream.next(), f++) {
      if (forSynth.has(f)) s.synth.addDonor(f, frame);
      if (forBaseline.has(f)) s.baseline.addDonor(f, frame);
      if (f % 25 === 0) throwIfCancelled(signal);
    }
  } finally {
    await stream.close();
  }
}

/** The measure stage: every test frame re-made each way and its lip box scored against the real frame. */
async function measureHeldOut(s: EvalSetup, signal: AbortSignal | undefined, progress: (f: number, m: string) => void): Promise<Pick<SynthesisEval, 'retrieval' | 'baseline' | 'renderer' | 'residual'>> {
  const { persona, landmarks, test } = s;
  const W = persona.camera.width, H = persona.camera.height, n = test.end - test.start;
  const retrieval = new MouthScore(), baseline = new MouthScore(), gr = new MouthScore(), res = new MouthScore();
  const stream = new RawFrameStream(persona.meta.source.file, W, H, { fps: persona.meta.fps, startFrame: test.start, frames: n, signal });
  try {
    let i = 0;
    for (let f = await stream.next(); f && i < n; f = await stream.next(), i++) {
      throwIfCancelled(signal);
      const t = test.start + i;
      const lm = landmarks.subarray(t * 478 * 3, (t + 1) * 478 * 3);
      const out = f.slice();
      s.synth.compose(i, out);
      retrieval.add(out, f, W, H, lm);
      if (s.residual) {
        // The residual G_r corrects the retrieval output itself.
        await s.residual.refine(i, out);
        res.add(out, f, W, H, lm);
      }
      const base = f.slice();
      s.baseline.compose(t, s.baselineDonor[i], base);
      baseline.add(base, f, W, H, lm);
      if (s.painter) {
        const g = f.slice();
        await s.painter.paint(i, t, g);
        gr.add(g, f, W, H, lm);
      }
      progress((i + 1) / n, `frame ${i + 1}/${n}`);
    }
  } finally {
    await stream.close();
  }
  const ri = s.residual?.net.info;
  return {
    retrieval: retrieval.figures(), baseline: baseline.figures(), ...(s.net ? { renderer: { ...gr.figures(), steps: s.net.info.steps } } : {}),
    ...(ri ? { residual: { ...res.figures(), steps: ri.steps, trainSeconds: ri.trainSeconds, identity: ri.identity } } : {}),
  };
}
