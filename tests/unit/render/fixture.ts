import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ffmpegPath, runProcess } from '../../../src/engine/media/ffmpeg';
import { encodeNpy } from '../../../src/engine/io/npy';
import { encodePng } from '../../../src/engine/io/png';

/**
 * A tiny persona folder for export tests, written by hand in the persona folder format
 * (src/engine/persona/persona-folder.ts): a flat 5x5-vertex "face" in front of a
 * 64x64 test-pattern video of `frames` frames, a checker texture, and a sine voice-over.
 */
export async function makeTinyPersona(root: string, opts: { frames?: number; audioS?: number; size?: number } = {}): Promise<{ personaDir: string; video: string; audio: string; curves: Float32Array }> {
  const T = opts.frames ?? 10;
  const S = opts.size ?? 64;
  await fs.mkdir(root, { recursive: true });
  const video = path.join(root, 'ref.mp4');
  const audio = path.join(root, 'voice.wav');
  const ff = async (args: string[]) => {
    const r = await runProcess(ffmpegPath(), ['-v', 'error', '-y', ...args]);
    if (r.code !== 0) throw new Error(r.stderr);
  };
  await ff(['-f', 'lavfi', '-i', `testsrc=size=${S}x${S}:rate=25`, '-frames:v', String(T), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '4', video]);
  await ff(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${opts.audioS ?? 0.6}`, '-ar', '16000', '-ac', '1', audio]);
  const dir = path.join(root, 'persona');
  await fs.mkdir(dir, { recursive: true });
  // 5x5 grid, 20 mm spacing, centred, z = 0; triangles wound like the persona's.
  const n = 5, V = n * n;
  const neutral = new Float32Array(V * 3), uvs: number[] = [];
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const k = j * n + i;
    neutral[k * 3] = (i - 2) * 20;
    neutral[k * 3 + 1] = (j - 2) * 20;
    uvs.push(i / (n - 1), j / (n - 1));
  }
  const tris: number[] = [];
  for (let j = 0; j < n - 1; j++) for (let i = 0; i < n - 1; i++) {
    const a = j * n + i;
    tris.push(a, a + 1, a + n + 1, a, a + n + 1, a + n);
  }
  const oval = [0, 1, 2, 3, 4, 9, 14, 19, 24, 23, 22, 21, 20, 15, 10, 5];
  const camera = { fx: 200, fy: 200, cx: S / 2, cy: S / 2, width: S, height: S };
  const params = new Float32Array(T * 71);
  const hull = new Float32Array(T * oval.length * 2);
  for (let t = 0; t < T; t++) {
    params[t * 71 + 1] = 0.1 * Math.sin(t);
    params[t * 71 + 5] = 300;
    params[t * 71 + 6] = t % 5 === 0 ? 1 : 0;
    oval.forEach((v, k) => {
      hull[(t * oval.length + k) * 2] = (camera.fx * neutral[v * 3]) / 300 + camera.cx;
      hull[(t * oval.length + k) * 2 + 1] = (camera.fy * neutral[v * 3 + 1]) / 300 + camera.cy;
    });
  }
  const tex = new Uint8Array(16 * 16 * 3);
  for (let i = 0; i < 256; i++) tex.fill(((i % 16) >> 2) % 2 === ((i >> 6) % 2) ? 220 : 60, i * 3, i * 3 + 3);
  const w = (name: string, data: Uint8Array | string) => fs.writeFile(path.join(dir, name), data);
  await w('neutral.npy', encodeNpy(neutral, [V, 3]));
  await w('basis.npy', encodeNpy(new Float32Array(V * 3), [1, V, 3]));
  await w('params.npy', encodeNpy(params, [T, 71]));
  await w('hull.npy', encodeNpy(hull, [T, oval.length, 2]));
  await w('texture.png', encodePng({ width: 16, height: 16, channels: 3, data: tex }));
  await w('model.json', JSON.stringify({
    formatVersion: 1, vertexCount: V, triangleCount: tris.length / 3, triangles: tris, uvs, eyeVertices: [6, 7, 8],
    landmarkToVertex: [], faceOval: oval, expressionCount: 1, expressionStd: [0],
  }));
  await w('persona.json', JSON.stringify({
    formatVersion: 1, id: 'tiny-persona', name: 'Tiny', createdAt: new Date().toISOString(),
    source: { file: video, sizeBytes: (await fs.stat(video)).size, durationS: T / 25, width: S, height: S, fps: 25, videoCodec: 'h264' },
    fps: 25, frameCount: T, durationS: T / 25,
    camera: { ...camera, model: 'pinhole', note: 'test' },
    crop: { x: 0, y: 0, size: S, renderSizes: [256] },
    paste: { hullFile: 'hull.npy', hullVertexCount: oval.length, featherPx: 2, note: 'test' },
    eye: { threshold: 1, centres: [[0, 0], [0, 0]], rule: 'test' },
    hasAudio: false, canTrainGan: false,
  }));
  return { personaDir: dir, video, audio, curves: params };
}
