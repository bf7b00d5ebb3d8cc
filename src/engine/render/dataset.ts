/**
 * Training data of the rendering network, per persona:
 * - real frames: the reference video's frames cropped with the persona's stable,
 *   face-centred square crop and scaled to S x S (decoded once with ffmpeg, cached as
 *   a uint8 .npy [T, S, S, 3] in `<persona>/renderer/`, read back frame by frame);
 * - conditioning frames: rendered on the fly from the persona's per-frame parameters
 *   (a few ms each), stacked over the window and scaled to [-1, 1];
 * - the split in time: common/numeric's splitFrames, 5 : 1 : 4 (method doc section 7).
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { decodePng, encodePng } from '../io/png';
import type { Persona } from '../persona';
import { PARAM_COUNT } from '../../shared/facial-params';
import { UserError, throwIfCancelled } from '../util/errors';
import { tempPathFor, writeJsonAtomic } from '../util/atomic-file';
import type { RunOptions } from '../util/progress';
import { RawFrameStream } from '../media/raw-frame-stream';
import { ConditioningRenderer, type ConditioningFrame, type RenderView, type RgbTexture } from './conditioning';
import { COND_CHANNELS, windowOffsets } from './face2vid-net';

export const RENDERER_DIR = 'renderer';

export function rendererDir(personaDir: string): string {
  return path.join(personaDir, RENDERER_DIR);
}

/** The persona's texture as the renderer wants it. */
export function loadPersonaTexture(persona: Persona): RgbTexture {
  let bytes: Buffer;
  try {
    bytes = readFileSync(persona.files.texture);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'persona-file-missing' : 'persona-file-unreadable', `The persona's face texture ${persona.files.texture} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? 'error'})`}.`, {
      file: persona.files.texture,
      hint: 'Rebuild the persona (facial-studio persona build), or restore texture.png from a backup.',
    });
  }
  const png = decodePng(new Uint8Array(bytes), persona.files.texture);
  if (png.channels === 1) {
    const rgb = new Uint8Array(png.width * png.height * 3);
    for (let i = 0; i < png.width * png.height; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = png.data[i];
    return { width: png.width, height: png.height, channels: 3, data: rgb };
  }
  return { width: png.width, height: png.height, channels: png.channels, data: png.data };
}

export function personaView(persona: Persona, size: number): RenderView {
  const { x, y, size: side } = persona.meta.crop;
  return { camera: persona.camera, crop: { x, y, size: side }, size };
}

interface FramesCacheInfo {
  video: string;
  videoSize: number;
  videoMtimeMs: number;
  crop: { x: number; y: number; size: number };
  size: number;
  frames: number;
}

/**
 * Real frame crops [T, S, S, 3] uint8 on disk, read by index. Built on first use
 * from the persona's source video (streamed: one frame in memory at a time).
 */
export class RealFrames {
  private constructor(
    readonly file: string,
    readonly size: number,
    readonly count: number,
    private readonly handle: fs.FileHandle,
    private readonly dataOffset: number,
  ) {}

  static async open(persona: Persona, size: number, opts: RunOptions = {}): Promise<RealFrames> {
    const dir = rendererDir(persona.dir);
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, `frames-${size}.npy`);
    const infoFile = path.join(dir, `frames-${size}.json`);
    const video = persona.meta.source.file;
    let st: import('node:fs').Stats;
    try {
      st = await fs.stat(video);
    } catch {
      throw new UserError('reference-video-missing', `The persona's reference video ${video} is not there any more.`, {
        file: video,
        hint: 'Put the video back at that path, or rebuild the persona from a copy of it.',
      });
    }
    const want: FramesCacheInfo = { video, videoSize: st.size, videoMtimeMs: Math.round(st.mtimeMs), crop: { x: persona.meta.crop.x, y: persona.meta.crop.y, size: persona.meta.crop.size }, size, frames: persona.frameCount };
    let fresh = false;
    if (existsSync(file) && existsSync(infoFile)) {
      try {
        const have = JSON.parse(await fs.readFile(infoFile, 'utf8')) as FramesCacheInfo;
        fresh = JSON.stringify(have) === JSON.stringify(want);
      } catch { /* rebuild */ }
    }
    if (!fresh) await buildFramesCache(persona, size, file, opts);
    await writeJsonAtomic(infoFile, want);
    const handle = await fs.open(file, 'r');
    const head = Buffer.alloc(10);
    await handle.read(head, 0, 10, 0);
    const headerLen = head[8] | (head[9] << 8);
    return new RealFrames(file, size, persona.frameCount, handle, 10 + headerLen);
  }

  /** Frame t, RGB24 [S*S*3]. */
  async get(t: number, out = new Uint8Array(this.size * this.size * 3)): Promise<Uint8Array> {
    const n = this.size * this.size * 3;
    const { bytesRead } = await this.handle.read(out, 0, n, this.dataOffset + t * n);
    if (bytesRead !== n) throw new UserError('renderer-cache-damaged', `${this.file} is damaged (frame ${t} is short).`, { file: this.file, hint: 'Delete it; it is rebuilt on the next training run.' });
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function buildFramesCache(persona: Persona, size: number, file: string, opts: RunOptions): Promise<void> {
  const { x, y, size: side } = persona.meta.crop;
  const T = persona.frameCount;
  const frameBytes = size * size * 3;
  const header = npyHeader([T, size, size, 3]);
  const tmp = tempPathFor(file);
  const handle = await fs.open(tmp, 'w');
  const stream = new RawFrameStream(persona.meta.source.file, size, size, {
    filter: `crop=${side}:${side}:${x}:${y},scale=${size}:${size}:flags=area`,
    signal: opts.signal,
  });
  try {
    await handle.write(header);
    let last: Uint8Array | undefined;
    for (let t = 0; t < T; t++) {
      throwIfCancelled(opts.signal);
      const f = (await stream.next()) ?? last;
      if (!f) throw new UserError('reference-video-unreadable', `No frames could be decoded from ${persona.meta.source.file}.`, { file: persona.meta.source.file, hint: 'Check that the video plays; rebuild the persona if it was replaced.' });
      last = f;
      await handle.write(f, 0, frameBytes);
      if (t % 25 === 0) opts.onProgress?.({ stage: 'frames', fraction: t / T, message: `decoding frame ${t + 1}/${T}` });
    }
    await handle.sync();
    await handle.close();
    await fs.rename(tmp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  } finally {
    await stream.close();
  }
}

function npyHeader(shape: number[]): Uint8Array {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = (header.length >> 8) & 0xff;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/**
 * Builds network inputs: the conditioning window around frame t (frames clamped to
 * the curve's range), as float32 [-1, 1] channels-first, written at `out[offset]`.
 */
export class ConditioningWindow {
  private readonly cache = new Map<number, ConditioningFrame>();
  readonly channels: number;
  private readonly offsets: number[];

  constructor(
    private readonly renderer: ConditioningRenderer,
    private readonly view: RenderView,
    /** [T*71] per-frame parameters. */
    private params: Float32Array,
    window: number,
    private readonly maxCache = 16,
  ) {
    this.offsets = windowOffsets({ window });
    this.channels = COND_CHANNELS * this.offsets.length;
  }

  get frameCount(): number {
    return this.params.length / PARAM_COUNT;
  }

  /** The rendered conditioning frame t (cached for neighbouring windows). */
  frame(t: number): ConditioningFrame {
    const T = this.frameCount;
    const k = Math.max(0, Math.min(T - 1, t));
    const hit = this.cache.get(k);
    if (hit) return hit;
    const f = this.renderer.render(this.params.subarray(k * PARAM_COUNT, (k + 1) * PARAM_COUNT), this.view);
    if (this.cache.size >= this.maxCache) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(k, f);
    return f;
  }

  /** Writes the window of frame t as [channels, S, S] at out[offset…]. */
  fill(t: number, out: Float32Array, offset = 0): void {
    const S = this.view.size;
    const n = S * S;
    let c = offset;
    for (const o of this.offsets) {
      const f = this.frame(t + o);
      for (let ch = 0; ch < 3; ch++) {
        for (let i = 0; i < n; i++) out[c + i] = f.rgb[i * 3 + ch] / 127.5 - 1;
        c += n;
      }
      for (let i = 0; i < n; i++) out[c + i] = f.eye[i] / 127.5 - 1;
      c += n;
    }
  }
}

/** RGB24 [S*S*3] → float32 [3, S, S] in [-1, 1] at out[offset…]. */
export function rgbToPlanar(rgb: Uint8Array, S: number, out: Float32Array, offset = 0): void {
  const n = S * S;
  for (let ch = 0; ch < 3; ch++) for (let i = 0; i < n; i++) out[offset + ch * n + i] = rgb[i * 3 + ch] / 127.5 - 1;
}

/** float32 [3, S, S] in [-1, 1] → RGB24. */
export function planarToRgb(planar: Float32Array, S: number, out: Uint8Array = new Uint8Array(S * S * 3), offset = 0): Uint8Array {
  const n = S * S;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = (planar[offset + ch * n + i] + 1) * 127.5;
      out[i * 3 + ch] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

/** A PNG grid: rows of equally sized RGB tiles (e.g. conditioning | generated | real). */
export function encodeGrid(rows: Uint8Array[][], S: number): Uint8Array {
  const cols = Math.max(...rows.map((r) => r.length));
  const W = cols * S + (cols - 1) * 2, H = rows.length * S + (rows.length - 1) * 2;
  const img = new Uint8Array(W * H * 3).fill(255);
  rows.forEach((row, r) => {
    row.forEach((tile, c) => {
      for (let y = 0; y < S; y++) img.set(tile.subarray(y * S * 3, (y + 1) * S * 3), ((r * (S + 2) + y) * W + c * (S + 2)) * 3);
    });
  });
  return encodePng({ width: W, height: H, channels: 3, data: img }, 6);
}
