import type { CliCommand } from '../command';
import { runDoctor } from '../../host/doctor';

export const command: CliCommand = {
  path: ['doctor'],
  summary: 'Check ONNX Runtime providers, ffmpeg, face-tracking models and Electron',
  usage: 'facial-studio doctor [--json]',
  async run(_args, io) {
    const r = await runDoctor();
    if (io.json) {
      io.out(JSON.stringify(r, null, 2));
      return 0;
    }
    const mark = (ok: boolean) => (ok ? 'ok ' : 'no ');
    io.out(`FACIAL Studio ${r.app.version}  (node ${r.app.node}, ${r.app.platform})`);
    io.out(`ONNX Runtime ${r.onnxruntime.version}`);
    for (const p of r.onnxruntime.providers) io.out(`  ${mark(p.available)} ${p.name.padEnd(7)} ${p.reason ?? ''}`);
    io.out(`  device 'auto' uses ${r.onnxruntime.auto ?? 'cpu'} here; choose with --device auto|cpu|webgpu|cuda (train gan, train renderer, generate, render, eval) or in the studio's persona panel`);
    io.out(`${mark(r.ffmpeg.found)} ffmpeg  ${r.ffmpeg.version ?? ''} ${r.ffmpeg.path ?? r.ffmpeg.reason ?? ''}`);
    io.out(`${mark(r.ffprobe.found)} ffprobe ${r.ffprobe.version ?? ''} ${r.ffprobe.path ?? r.ffprobe.reason ?? ''}`);
    io.out(`${mark(r.faceModels.found)} face-tracking models ${r.faceModels.found ? `(${r.faceModels.models.join(', ')}) in ${r.faceModels.dir}` : r.faceModels.reason}`);
    io.out(`${mark(r.electron.installed)} Electron ${r.electron.version ?? ''} ${r.electron.path ?? r.electron.reason ?? ''}`);
    return 0;
  },
};
