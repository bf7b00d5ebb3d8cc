/**
 * Evaluation on the held-out test part of the persona's clip (the last 40 %, never
 * seen in training or validation): the trained FACIAL-GAN's raw output, the default
 * output (the prior refined by the model as its verdict says) and the zero-training
 * prior (fitted on the training + validation part) side by side, against the tracked truth.
 * Written to <persona>/gan/eval.json for the studio.
 */
import { deformMesh, projectVertices } from '../common/face-model';
import { PARAM_COUNT, POSE_COUNT, BLINK_INDEX, EXPR_OFFSET, EXPR_COUNT } from '../../shared/facial-params';
import { UserError } from '../util/errors';
import type { RunOptions } from '../util/progress';
import type { ProviderChoice } from '../nn';
import { GAN_FORMAT_VERSION, ganPath, readGanModelInfo, writeGanJson } from './files';
import { blinkStats, LIP_INNER_LOWER, LIP_INNER_UPPER, LIP_LANDMARKS, poseStats } from './metrics';
import { modelCurves, runGanModel, personaPrior } from './generate';
import { LANDMARK_COUNT, loadGanPersona, requireAudio, trackedOpening, type GanPersona } from './persona-data';
import { generatePrior } from './prior';
import { chooseImplicit, substituteImplicit, verdictLines, type ImplicitVerdict } from './implicit';
import { mean, pearson, percentile, splitFrames } from '../common/numeric';

const RAD2DEG = 180 / Math.PI;

export interface MotionSummary {
  blinkPerMinute: number;
  blinkCount: number;
  /** Mean blink duration (full width at half maximum), ms; null without blinks. */
  blinkMeanMs: number | null;
  /** Mean over pitch/yaw/roll of the mean absolute speed, degrees per second. */
  rotationSpeedDegS: number;
  /** Mean over pitch/yaw/roll of the 5-95 % range, degrees. */
  rotationRangeDeg: number;
  /** Mean over x/y/z of the speed (mm/s) and range (mm). */
  translationSpeedMmS: number;
  translationRangeMm: number;
  /** Per channel (pitch, yaw, roll in deg; x, y, z in mm). */
  poseSpeed: number[];
  poseRange: number[];
}

export interface EvalColumn extends MotionSummary {
  source: 'prior' | 'facial-gan';
  /** Mean squared error of the 64 expression coefficients (mm^2). */
  exprMse: number;
  /** The same in network units (expression divided by the model's scale). */
  exprMseNorm: number;
  /** Pearson r of the mouth opening (generated vs tracked landmarks). */
  mouthCorr: number;
  /**
   * How far the mouth opens: the 5th-95th percentile range of the model-space inner-lip
   * gap (mm). MSE and lip distance reward a mouth that barely moves when the timing is
   * uncertain; this shows whether it opens as much as the person's (the report's `truth`).
   */
  mouthRangeMm: number;
  /** Mean 2-D distance of the 40 lip landmarks, generated expression + tracked pose vs tracked landmarks (px). */
  lipDistancePx: number;
  /** The `generated` column (the default output): the prior refined by the model, per attribute (expression: the weight of the model's correction). */
  implicit?: { pose: 'model' | 'prior'; blink: 'model' | 'prior'; expression: number };
}

export interface GanEvalReport {
  formatVersion: number;
  personaId: string;
  personaName: string;
  createdAt: string;
  fps: number;
  test: { start: number; end: number; frames: number; seconds: number };
  /** Frames [start, end) the persona's model, expression basis and calibrations were fitted on (the truth is expressed in them). */
  fittedFrames: [number, number];
  /** Window length of the trained model (null without one). */
  window: number | null;
  modelStep: number | null;
  truth: MotionSummary;
  /** The persona's own fit (its per-frame parameters) against the tracked lips: the floor of lipDistancePx. */
  fitLipDistancePx: number;
  /** The tracked truth's mouth opening range (mm, as EvalColumn.mouthRangeMm). */
  truthMouthRangeMm: number;
  /**
   * prior: the zero-training prior; model: the trained model's raw output; generated: what
   * the studio generates by default (`--implicit auto`): the model with the prior's blinks
   * and/or head pose where its verdict says it did not learn them (equal to model otherwise).
   */
  columns: { prior: EvalColumn; model: EvalColumn | null; generated: EvalColumn | null };
  /** The model's implicit-attribute verdict (gan/model.json; null: no model, or trained before the check). */
  implicit: ImplicitVerdict | null;
  notes: string[];
}

export function motionSummary(params: Float32Array, fps: number): MotionSummary {
  const T = params.length / PARAM_COUNT;
  const blink = new Float32Array(T);
  for (let t = 0; t < T; t++) blink[t] = params[t * PARAM_COUNT + BLINK_INDEX];
  const bs = blinkStats(blink, fps, { threshold: 0.5 });
  const ps = poseStats(params, fps);
  const speed = ps.map((s, c) => (c < 3 ? s.speed * RAD2DEG : s.speed));
  const range = ps.map((s, c) => (c < 3 ? s.range * RAD2DEG : s.range));
  return {
    blinkPerMinute: bs.perMinute,
    blinkCount: bs.count,
    blinkMeanMs: Number.isFinite(bs.meanDurationMs) ? bs.meanDurationMs : null,
    rotationSpeedDegS: mean(speed.slice(0, 3)),
    rotationRangeDeg: mean(range.slice(0, 3)),
    translationSpeedMmS: mean(speed.slice(3, 6)),
    translationRangeMm: mean(range.slice(3, 6)),
    poseSpeed: speed,
    poseRange: range,
  };
}

/** Model-space inner-lip gap (mm) per frame of a [T*71] array. */
export function modelOpening(p: GanPersona, params: Float32Array): Float32Array {
  const T = params.length / PARAM_COUNT;
  const out = new Float32Array(T);
  const u = p.model.landmarkToVertex[LIP_INNER_UPPER];
  const l = p.model.landmarkToVertex[LIP_INNER_LOWER];
  for (let t = 0; t < T; t++) {
    const v = deformMesh(p.model, params.subarray(t * PARAM_COUNT + EXPR_OFFSET, t * PARAM_COUNT + EXPR_OFFSET + EXPR_COUNT));
    out[t] = Math.hypot(v[u * 3] - v[l * 3], v[u * 3 + 1] - v[l * 3 + 1], v[u * 3 + 2] - v[l * 3 + 2]);
  }
  return out;
}

/**
 * Mean 2-D distance (px) of the lip landmarks: each frame's generated blink and
 * expression with the frame's tracked pose, projected with the persona's camera, vs
 * the tracked landmarks of frames [from, from + T).
 */
export function lipDistancePx(p: GanPersona, generated: Float32Array, from: number): number {
  const T = generated.length / PARAM_COUNT;
  let s = 0, n = 0;
  const frame = new Float32Array(PARAM_COUNT);
  for (let t = 0; t < T; t++) {
    frame.set(generated.subarray(t * PARAM_COUNT, (t + 1) * PARAM_COUNT));
    for (let c = 0; c < POSE_COUNT; c++) frame[c] = p.params[(from + t) * PARAM_COUNT + c];
    const uv = projectVertices(p.model, frame, p.camera);
    for (const lm of LIP_LANDMARKS) {
      const v = p.model.landmarkToVertex[lm];
      const o = ((from + t) * LANDMARK_COUNT + lm) * 3;
      s += Math.hypot(uv[v * 2] - p.landmarks[o], uv[v * 2 + 1] - p.landmarks[o + 1]);
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** 5th-95th percentile range of an opening series. */
function openingRange(opening: Float32Array): number {
  return percentile(opening, 0.95) - percentile(opening, 0.05);
}

function column(p: GanPersona, source: EvalColumn['source'], gen: Float32Array, from: number, exprScale: number): EvalColumn {
  const T = gen.length / PARAM_COUNT;
  let se = 0;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < EXPR_COUNT; k++) {
      const d = gen[t * PARAM_COUNT + EXPR_OFFSET + k] - p.params[(from + t) * PARAM_COUNT + EXPR_OFFSET + k];
      se += d * d;
    }
  }
  const exprMse = se / (T * EXPR_COUNT);
  const tracked = trackedOpening(p.landmarks, p.frameCount).subarray(from, from + T);
  const opening = modelOpening(p, gen);
  return {
    source,
    exprMse,
    exprMseNorm: exprMse / (exprScale * exprScale),
    mouthCorr: pearson(opening, tracked),
    mouthRangeMm: openingRange(opening),
    lipDistancePx: lipDistancePx(p, gen, from),
    ...motionSummary(gen, p.fps),
  };
}

export interface EvaluateOptions extends RunOptions {
  device?: ProviderChoice;
  seed?: number;
  /** Write gan/eval.json (default true). */
  write?: boolean;
}

export async function evaluateGan(personaDir: string, opts: EvaluateOptions = {}): Promise<GanEvalReport> {
  const p = await loadGanPersona(personaDir);
  requireAudio(p);
  const T = p.frameCount;
  const split = splitFrames(T);
  const { start, end } = split.test;
  if (end - start < 2) {
    throw new UserError('gan-clip-too-short', `The persona's clip (${T} frames) is too short to hold out a test part.`, { file: personaDir, hint: 'Build the persona from a longer clip.' });
  }
  const notes: string[] = [];
  opts.onProgress?.({ stage: 'eval', fraction: 0, message: 'prior' });
  const audio = {
    frameCount: end - start,
    features: p.features.subarray(start * 16 * 29, end * 16 * 29),
    speech: p.speech.subarray(start, end),
    rmsDb: p.rmsDb.subarray(start, end),
    encoder: p.encoder,
  };
  const truth = p.params.subarray(start * PARAM_COUNT, end * PARAM_COUNT);
  const prior = generatePrior(personaPrior(p, split.val.end), audio, { seed: opts.seed ?? 1 });
  const info = await readGanModelInfo(personaDir, p);
  const exprScale = info?.norm.exprScale ?? 1;
  let model: EvalColumn | null = null;
  let generated: EvalColumn | null = null;
  if (info) {
    opts.onProgress?.({ stage: 'eval', fraction: 0.3, message: 'FACIAL-GAN' });
    if (info.training.split.frames !== T) notes.push('the model was trained on a different frame count; its test part may overlap its training data');
    const r = await runGanModel(personaDir, info, audio.features, audio.frameCount, { device: opts.device, signal: opts.signal });
    const own = modelCurves(r.base, info, prior, { fps: p.fps, speech: audio.speech });
    model = column(p, 'facial-gan', own, start, exprScale);
    const ch = chooseImplicit('auto', info.implicit);
    generated = { ...column(p, 'facial-gan', substituteImplicit(own, prior, ch), start, exprScale), implicit: { pose: ch.pose, blink: ch.blink, expression: ch.expression } };
    if (ch.note) notes.push(`generated: ${ch.note}`);
    const v = info.implicit;
    if (v && v.frames.start < end && v.frames.end > start) notes.push(`the verdict was decided on frames ${v.frames.start}-${v.frames.end}, inside this test part: the generated column's choice saw them (the raw model and prior columns did not)`);
  } else notes.push(`no trained model (${ganPath(personaDir, 'info')}): only the prior is evaluated`);
  opts.onProgress?.({ stage: 'eval', fraction: 0.8, message: 'metrics' });
  const priorCol = column(p, 'prior', prior, start, exprScale);
  if (!info) priorCol.exprMseNorm = NaN;
  const fitted = p.fittedFrames ?? [0, T];
  if (fitted[0] < end && fitted[1] > start) notes.push(fitNote(fitted, start, end));
  const seconds = (end - start) / p.fps;
  if (seconds < 20) notes.push(`the test part is ${seconds.toFixed(1)} s: blink and pose statistics over so short a span are rough`);
  const report: GanEvalReport = {
    formatVersion: GAN_FORMAT_VERSION,
    personaId: p.id,
    personaName: p.name,
    createdAt: new Date().toISOString(),
    fps: p.fps,
    test: { start, end, frames: end - start, seconds },
    fittedFrames: fitted,
    window: info?.arch.window ?? null,
    modelStep: info?.training.step ?? null,
    truth: motionSummary(truth, p.fps),
    fitLipDistancePx: lipDistancePx(p, truth, start),
    truthMouthRangeMm: openingRange(modelOpening(p, truth)),
    columns: { prior: priorCol, model, generated },
    implicit: info?.implicit ?? null,
    notes,
  };
  if (opts.write !== false) await writeGanJson(personaDir, 'eval', report);
  opts.onProgress?.({ stage: 'eval', fraction: 1 });
  return report;
}

/** Why figures on a persona whose fit saw its test part are optimistic, and how to get clean ones. */
function fitNote(fitted: [number, number], start: number, end: number): string {
  return `the persona's expression basis, neutral shape and blink calibration were fitted on frames ${fitted[0]}-${fitted[1] - 1}, test frames ${start}-${end - 1} included, `
    + 'so the expression figures are optimistic; for clean ones train and evaluate on its evaluation persona (fitted on the frames before the test part only; '
    + '`facial-studio eval --persona DIR --synthesis` builds it as DIR/eval/train-part): `train gan --persona DIR/eval/train-part`, then `eval --persona DIR/eval/train-part`';
}

/** The report as a text table (CLI). */
export function formatEvalTable(r: GanEvalReport): string {
  const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
  const m = r.columns.model;
  const g = r.columns.generated;
  const rows0: [string, string, string, string][] = [
    ['expression MSE (mm^2)', f(m?.exprMse), f(r.columns.prior.exprMse), '0'],
    ['mouth opening r', f(m?.mouthCorr), f(r.columns.prior.mouthCorr), '1'],
    ['mouth opening range (mm)', f(m?.mouthRangeMm, 1), f(r.columns.prior.mouthRangeMm, 1), f(r.truthMouthRangeMm, 1)],
    ['lip landmark distance (px)', f(m?.lipDistancePx, 2), f(r.columns.prior.lipDistancePx, 2), `${f(r.fitLipDistancePx, 2)} (fit)`],
    ['blinks per minute', f(m?.blinkPerMinute, 1), f(r.columns.prior.blinkPerMinute, 1), f(r.truth.blinkPerMinute, 1)],
    ['mean blink duration (ms)', f(m?.blinkMeanMs, 0), f(r.columns.prior.blinkMeanMs, 0), f(r.truth.blinkMeanMs, 0)],
    ['head rotation speed (deg/s)', f(m?.rotationSpeedDegS, 2), f(r.columns.prior.rotationSpeedDegS, 2), f(r.truth.rotationSpeedDegS, 2)],
    ['head rotation range (deg)', f(m?.rotationRangeDeg, 2), f(r.columns.prior.rotationRangeDeg, 2), f(r.truth.rotationRangeDeg, 2)],
    ['head translation speed (mm/s)', f(m?.translationSpeedMmS, 2), f(r.columns.prior.translationSpeedMmS, 2), f(r.truth.translationSpeedMmS, 2)],
    ['head translation range (mm)', f(m?.translationRangeMm, 2), f(r.columns.prior.translationRangeMm, 2), f(r.truth.translationRangeMm, 2)],
  ];
  // The generated column (model expression + the prior's implicit channels where not learnt) next to the raw model.
  const gen: Record<string, string> = {
    'expression MSE (mm^2)': f(g?.exprMse),
    'mouth opening r': f(g?.mouthCorr),
    'mouth opening range (mm)': f(g?.mouthRangeMm, 1),
    'lip landmark distance (px)': f(g?.lipDistancePx, 2),
    'blinks per minute': f(g?.blinkPerMinute, 1),
    'mean blink duration (ms)': f(g?.blinkMeanMs, 0),
    'head rotation speed (deg/s)': f(g?.rotationSpeedDegS, 2),
    'head rotation range (deg)': f(g?.rotationRangeDeg, 2),
    'head translation speed (mm/s)': f(g?.translationSpeedMmS, 2),
    'head translation range (mm)': f(g?.translationRangeMm, 2),
  };
  const rows: string[][] = rows0.map(([name, a, b, c]) => [name, a, gen[name] ?? '-', b, c]);
  const genHead = g?.implicit ? `refined (default: expression ${Math.round(g.implicit.expression * 100)} % model, pose ${g.implicit.pose}, blinks ${g.implicit.blink})` : 'refined (default)';
  const head: string[] = ['', m ? `FACIAL-GAN raw (step ${r.modelStep}, L=${r.window})` : 'FACIAL-GAN (not trained)', genHead, 'prior', 'truth'];
  const all = [head, ...rows];
  const w = [0, 1, 2, 3, 4].map((k) => Math.max(...all.map((row) => row[k].length)));
  const lines = all.map((row) => row.map((c, k) => (k === 0 ? c.padEnd(w[k]) : c.padStart(w[k]))).join('  '));
  lines.splice(1, 0, w.map((n) => '-'.repeat(n)).join('  '));
  const verdict = r.implicit ? verdictLines(r.implicit) : m ? ['verdict: none recorded (a model saved before the check, or a cancelled run): the model\'s own output is used; train again to judge it'] : [];
  const fit = r.fittedFrames ? `; persona fitted on frames ${r.fittedFrames[0]}-${r.fittedFrames[1] - 1}` : '';
  return [`Persona ${r.personaName}: test frames ${r.test.start}-${r.test.end} (${r.test.seconds.toFixed(1)} s, held out${fit})`, ...lines, ...verdict, ...r.notes.map((n) => `note: ${n}`)].join('\n');
}
