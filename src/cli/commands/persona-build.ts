import { flagString, type CliCommand } from '../command';
import { buildPersona, parseFitFrames } from '../../engine/persona/index';
import { checkOutput } from '../../engine/util/output-path';

export const command: CliCommand = {
  path: ['persona', 'build'],
  summary: 'Build a persona (personalised 3D face model + per-frame parameters) from a video of a person',
  usage: 'facial-studio persona build --video FILE --out DIR [--name NAME] [--fit-frames START:END] [--force] [--json]\n' +
    '  --fit-frames fits everything (model, calibrations, texture) on frames START..END-1 only and expresses the other frames\n' +
    '  in it (an evaluation persona: held-out figures on the other frames are clean; eval --synthesis builds one itself).',
  async run(args, io) {
    const video = flagString(args, 'video', true);
    const out = flagString(args, 'out', true);
    const name = flagString(args, 'name');
    const fitText = flagString(args, 'fit-frames');
    const fitFrames = fitText === undefined ? undefined : parseFitFrames(fitText);
    // Before any work: the persona folder does not hold (and is not) the video, and can be written.
    await checkOutput(out, { label: '--out', kind: 'dir', inputs: [{ label: '--video', path: video }] });
    const s = await io.withProgress('persona', (onProgress) =>
      buildPersona(video, out, { name, overwrite: Boolean(args.flags.force), fitFrames, signal: io.signal, onProgress }),
    );
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...s }));
      return 0;
    }
    io.out(`persona "${s.name}" -> ${s.dir}`);
    io.out(`  ${s.frameCount} frames at ${s.fps} fps (${s.durationS.toFixed(2)} s), face tracked in ${s.trackedPct}% of frames`);
    io.out(`  fit residual (fitted model vs the tracked landmarks it was fitted to): median ${s.reprojectionPx.median} px, p95 ${s.reprojectionPx.p95} px`);
    io.out(`  ${s.blinkCount} blinks (${s.blinkRatePerMin} per minute)`);
    io.out(`  audio: ${s.hasAudio ? 'features computed' : 'none'}; FACIAL-GAN training: ${s.canTrainGan ? 'possible' : 'not possible without audio'}`);
    io.out(`  took ${s.buildSeconds.toFixed(1)} s (${(s.buildSeconds / Math.max(s.durationS, 1e-9)).toFixed(2)}x the clip's duration); details in report.json`);
    for (const w of s.warnings) io.err(`warning: ${w}`);
    return 0;
  },
};
