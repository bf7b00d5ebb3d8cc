import { deflateSync, inflateSync } from 'node:zlib';
import { UserError } from '../util/errors';

/**
 * Minimal PNG codec: 8-bit greyscale, RGB and RGBA, non-interlaced. Encoding picks a
 * filter per row (the one with the smallest sum of absolute values, the usual heuristic).
 */

export interface PngImage {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
  /** Row-major, top row first, [height*width*channels]. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPE: Record<number, number> = { 1: 0, 3: 2, 4: 6 };

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array, start = 0, end = bytes.length, init = 0xffffffff): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = init;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, (crc32(out, 4, 8 + data.length) ^ 0xffffffff) >>> 0);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * What row filter `f` predicts for byte i of `row` (unfiltered bytes) from its left,
 * upper and upper-left neighbours (0 outside the image); -1 for an unknown filter.
 */
function filterPrediction(f: number, row: Uint8Array, prev: Uint8Array | undefined, i: number, channels: number): number {
  const a = i >= channels ? row[i - channels] : 0;
  const b = prev ? prev[i] : 0;
  const c = prev && i >= channels ? prev[i - channels] : 0;
  return f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : f === 4 ? paeth(a, b, c) : -1;
}

/**
 * `filter`: one PNG row filter (0-4) for every row instead of the best of the five per
 * row: a faster encode (the studio's preview frames, written once, read once).
 */
export function encodePng(img: PngImage, level = 9, filter?: number): Uint8Array {
  const { width, height, channels, data } = img;
  if (!(channels in COLOR_TYPE)) throw new Error(`encodePng: ${channels} channels are not supported`);
  if (data.length !== width * height * channels) throw new Error(`encodePng: expected ${width * height * channels} bytes, got ${data.length}`);
  if (filter !== undefined && !(Number.isInteger(filter) && filter >= 0 && filter <= 4)) throw new Error(`encodePng: filter ${filter} is not one of 0-4`);
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  const candidates = Array.from({ length: 5 }, () => new Uint8Array(stride));
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : undefined;
    let best = filter ?? 0, bestSum = Infinity;
    for (let f = filter ?? 0; f < (filter === undefined ? 5 : filter + 1); f++) {
      const out = candidates[f];
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const v = (row[i] - filterPrediction(f, row, prev, i, channels)) & 0xff;
        out[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) { bestSum = sum; best = f; }
    }
    raw[y * (stride + 1)] = best;
    raw.set(candidates[best], y * (stride + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = COLOR_TYPE[channels];
  const idat = deflateSync(raw, { level });
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength)), chunk('IEND', new Uint8Array(0))];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function decodePng(bytes: Uint8Array, file = '<buffer>'): PngImage {
  const bad = (why: string) => new UserError('png-invalid', `${file} is not a PNG image this studio can read: ${why}.`, {
    file, hint: 'Save it as an 8-bit RGB or RGBA PNG without interlacing.',
  });
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) throw bad('missing the PNG signature');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8;
  let width = 0, height = 0, channels: 1 | 3 | 4 = 3;
  const idat: Uint8Array[] = [];
  while (o + 8 <= bytes.length) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    if (o + 12 + len > bytes.length) throw bad('truncated');
    const body = bytes.subarray(o + 8, o + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      const depth = body[8], color = body[9], interlace = body[12];
      if (depth !== 8) throw bad(`bit depth ${depth}`);
      if (interlace !== 0) throw bad('interlaced');
      const ch = color === 0 ? 1 : color === 2 ? 3 : color === 6 ? 4 : 0;
      if (!ch) throw bad(`colour type ${color}`);
      channels = ch as 1 | 3 | 4;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  if (!width || !height) throw bad('no image header');
  const raw = inflateSync(Buffer.concat(idat.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw bad('truncated image data');
  const data = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : undefined;
    for (let i = 0; i < stride; i++) {
      const pred = filterPrediction(f, row, prev, i, channels);
      if (pred < 0) throw bad(`unknown row filter ${f}`);
      row[i] = (src[i] + pred) & 0xff;
    }
  }
  return { width, height, channels, data };
}
