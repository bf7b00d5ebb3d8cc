import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DoctorReport } from '../shared/contract';
import { ffmpegPath, ffprobePath, runProcess } from '../engine/media/ffmpeg';
import { appVersion } from './app-info';

const requireCjs = createRequire(import.meta.url);

async function binaryVersion(resolve: () => string): Promise<DoctorReport['ffmpeg']> {
  let p: string;
  try {
    p = resolve();
  } catch (err) {
    return { found: false, reason: (err as Error).message };
  }
  try {
    const r = await runProcess(p, ['-version'], { timeoutMs: 15_000 });
    const first = r.stdout.toString('utf8').split('\n')[0] ?? '';
    const version = /version\s+(\S+)/.exec(first)?.[1];
    if (r.code !== 0) return { found: false, path: p, reason: `exited with code ${r.code}` };
    return { found: true, path: p, version };
  } catch (err) {
    return { found: false, path: p, reason: `cannot run: ${(err as Error).message}` };
  }
}

/** The face-tracking models that must ship inside @vladmandic/human. */
export const FACE_MODELS = ['blazeface', 'facemesh', 'iris'];

export function faceModelDir(): string | undefined {
  // The package's exports do not include package.json: walk up from its entry point.
  try {
    let dir = path.dirname(requireCjs.resolve('@vladmandic/human'));
    while (path.basename(dir) !== 'human' && path.dirname(dir) !== dir) dir = path.dirname(dir);
    return path.join(dir, 'models');
  } catch {
    return undefined;
  }
}

function checkFaceModels(): DoctorReport['faceModels'] {
  const dir = faceModelDir();
  if (!dir) return { found: false, models: [], reason: '@vladmandic/human is not installed (run npm ci)' };
  const missing = FACE_MODELS.filter((m) => !existsSync(path.join(dir, `${m}.json`)) || !existsSync(path.join(dir, `${m}.bin`)));
  if (missing.length) return { found: false, dir, models: FACE_MODELS.filter((m) => !missing.includes(m)), reason: `missing ${missing.join(', ')} in ${dir}` };
  return { found: true, dir, models: FACE_MODELS };
}

function checkElectron(): DoctorReport['electron'] {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(requireCjs.resolve('electron/package.json'));
  } catch {
    return { installed: false, reason: 'the electron package is not installed (run npm ci)' };
  }
  const version = (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { installed: false, version, reason: 'the Electron binary has not been downloaded (npm ci skips install scripts); `npm start` fetches it, or use browser mode: `npm run serve`' };
  }
  const bin = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(bin)) return { installed: false, version, reason: `the Electron binary is missing at ${bin}` };
  return { installed: true, version, path: bin };
}

export async function runDoctor(): Promise<DoctorReport> {
  const ort = requireCjs('onnxruntime-node') as { env: { versions: { node: string } } };
  const { probeProviders, autoProvider } = await import('../engine/nn/providers');
  const providers = await probeProviders();
  const [ffmpeg, ffprobe] = await Promise.all([binaryVersion(ffmpegPath), binaryVersion(ffprobePath)]);
  return {
    app: { version: appVersion(), node: process.version, platform: `${process.platform}-${process.arch}` },
    onnxruntime: {
      version: ort.env.versions.node,
      providers: providers.map((p) => ({ name: p.name, available: p.available, ...(p.reason ? { reason: p.reason } : {}) })),
      auto: autoProvider(providers),
    },
    ffmpeg,
    ffprobe,
    faceModels: checkFaceModels(),
    electron: checkElectron(),
  };
}
