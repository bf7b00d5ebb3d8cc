import { flagNumber, flagString, UsageError, type CliCommand } from '../command';
import { exportVideo } from '../../engine/export';
import { isFraming, isPresetName, PRESETS } from '../../engine/export/timing';
import { qualitySummaryLines } from '../../engine/quality';
import { DEVICE_USAGE, deviceFlag } from '../device-flag';
import { checkOutput } from '../../engine/util/output-path';
import { LIMITS } from '../../shared/limits';

export const command: CliCommand = {
  path: ['render'],
  summary: 'Render a talking-head MP4 of a persona saying an audio file',
  usage:
    `facial-studio render --persona DIR --audio FILE --out FILE.mp4 [--curves FILE.json|FILE.npy] [--preset source|square512|720p|1080p] [--framing fit|fill] [--fps 25|30] [--crf 18] [--synthesis auto|retrieval|renderer] [--revoice] [--preview] [--no-quality] ${DEVICE_USAGE} [--json]\n` +
    '  Without --curves the motion is generated from the audio (FACIAL-GAN when trained, else the prior).\n' +
    '  --preset source (the default) keeps the footage\'s own size and aspect (a vertical phone video gives a vertical MP4).\n' +
    '  A preset of another aspect than the footage shows it whole with black bars (--framing fit, the default for 720p/1080p)\n' +
    '  or cropped to the preset\'s aspect around the face (--framing fill, the default for square512).\n' +
    '  Frames are made from the person\'s own footage: each output frame is a real frame chosen by head pose, its mouth and eyes\n' +
    '  taken from the real frames nearest the curves (lip shape, blink), warped and blended (--synthesis retrieval, the default).\n' +
    '  In auto mode a residual G_r (facial-studio train residual) corrects the mouth on top of them where eval --synthesis\n' +
    '  says it beats real pixels alone; --synthesis retrieval never applies it.\n' +
    '  --synthesis renderer uses the trained rendering network (G_r) instead. With --preview (or when the persona cannot be\n' +
    '  synthesised and no renderer is trained) the textured 3D render is composited instead; the file is still written at --out,\n' +
    '  labelled a preview in its metadata and in the message.\n' +
    '  --revoice re-voices the persona\'s own take: its footage plays as filmed (head motion and blinks kept frame for frame)\n' +
    '  and only the mouth follows the new speech.\n' +
    '  At the end the video is tracked again and measured (see facial-studio quality); the report is written beside it\n' +
    '  as FILE.quality.json. --no-quality skips that.',
  async run(args, io) {
    const persona = flagString(args, 'persona', true);
    const audio = flagString(args, 'audio', true);
    const out = flagString(args, 'out', true);
    const preset = flagString(args, 'preset') ?? 'source';
    if (!isPresetName(preset)) throw new UsageError(`--preset expects ${Object.keys(PRESETS).join(', ')}, got "${preset}"`);
    const framing = flagString(args, 'framing');
    if (framing !== undefined && !isFraming(framing)) throw new UsageError(`--framing expects fit or fill, got "${framing}"`);
    const fps = flagNumber(args, 'fps', 25);
    if (fps !== 25 && fps !== 30) throw new UsageError(`--fps expects 25 or 30, got ${fps}`);
    const crf = flagNumber(args, 'crf', 18, LIMITS.crf);
    const device = deviceFlag(args);
    const synthesis = flagString(args, 'synthesis') ?? 'auto';
    if (synthesis !== 'auto' && synthesis !== 'retrieval' && synthesis !== 'renderer') throw new UsageError(`--synthesis expects auto, retrieval or renderer, got "${synthesis}"`);
    const curves = flagString(args, 'curves');
    // Before any work: --out is none of the inputs and its folder is writable.
    await checkOutput(out, { label: '--out', kind: 'file', inputs: [{ label: '--audio', path: audio }, { label: '--curves', path: curves }] });
    const r = await io.withProgress('render', (onProgress) =>
      exportVideo({
        persona,
        audio,
        out,
        curves,
        preset,
        ...(framing ? { framing } : {}),
        fps,
        crf,
        mode: args.flags.preview ? 'preview' : 'auto',
        synthesis,
        revoice: Boolean(args.flags.revoice),
        device,
        quality: !args.flags['no-quality'],
        signal: io.signal,
        onProgress,
      }),
    );
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...r }));
      return 0;
    }
    io.out(r.path);
    io.out(`  ${r.label}; ${r.width}x${r.height} (${r.framing === 'source' ? 'as filmed' : r.framing === 'fill' ? 'cropped around the face' : 'whole frame with bars'}) at ${r.fps} fps, ${r.frames} frames (${r.durationS.toFixed(2)} s; audio ${r.audioDurationS.toFixed(2)} s); curves: ${r.curves}`);
    io.out(`  took ${r.seconds.toFixed(1)} s (${r.msPerFrame.toFixed(0)} ms per frame)`);
    for (const n of r.notes) io.err(`note: ${n}`);
    if (r.quality) {
      for (const line of qualitySummaryLines(r.quality)) io.out(line);
      io.out(`  report: ${r.qualityPath}`);
    }
    return 0;
  },
};
