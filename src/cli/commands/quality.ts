import { flagString, type CliCommand } from '../command';
import { readCurvesFile, resampleCurves } from '../../engine/export';
import { probeMedia } from '../../engine/media/ffmpeg';
import { loadPersona } from '../../engine/persona';
import { analyseRender, qualitySummaryLines, writeQualityReport } from '../../engine/quality';
import { videoFps } from '../../engine/tracking/track-video';
import { UserError } from '../../engine/util/errors';
import { PARAM_COUNT } from '../../shared/facial-params';

export const command: CliCommand = {
  path: ['quality'],
  summary: 'Measure a rendered video: track it again and compare it with the persona\'s footage and the curves',
  usage:
    'facial-studio quality --video X.mp4 --persona DIR [--curves FILE.json|FILE.npy] [--json]\n' +
    '  Face found, face and mouth sharpness and flicker against the persona\'s own footage, seams, blinks, mouth\n' +
    '  opening and head pose against the curves (with --curves), lip-audio sync and closure on pauses (from the\n' +
    '  video\'s sound). Writes X.quality.json beside the video. Definitions: docs/quality.md.',
  async run(args, io) {
    const video = flagString(args, 'video', true);
    const personaDir = flagString(args, 'persona', true);
    const curvesFile = flagString(args, 'curves');
    const persona = await loadPersona(personaDir);
    let curves: Float32Array | undefined;
    if (curvesFile) {
      // One row per frame of the video, as the export resamples them.
      const info = await probeMedia(video, { signal: io.signal });
      if (!info.video) throw new UserError('video-missing', `${video} has no video track.`, { file: video, hint: 'Choose the exported MP4.' });
      const fps = videoFps(info);
      const frames = info.video.frameCount ?? Math.round(info.durationS * fps);
      const c = await readCurvesFile(persona, curvesFile);
      curves = resampleCurves(c.curves, PARAM_COUNT, c.fps, Math.max(1, frames), fps);
    }
    const report = await io.withProgress('quality', (onProgress) => analyseRender(video, { persona, curves, signal: io.signal, onProgress }));
    const file = await writeQualityReport(video, report);
    if (io.json) {
      io.out(JSON.stringify({ ok: true, path: file, ...report }));
      return 0;
    }
    for (const line of qualitySummaryLines(report, { detail: true })) io.out(line);
    io.out(`written to ${file} (${report.seconds.toFixed(1)} s)`);
    return 0;
  },
};
