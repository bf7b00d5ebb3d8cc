import { describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { decodePng, encodePng } from '../../../src/engine/io/png';

describe('png codec', () => {
  for (const channels of [1, 3, 4] as const) {
    it(`round-trips a ${channels}-channel image`, () => {
      const width = 37, height = 23;
      const data = new Uint8Array(width * height * channels);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + ((i / 13) | 0) * 3) & 0xff;
      const png = encodePng({ width, height, channels, data });
      const back = decodePng(png);
      expect(back.width).toBe(width);
      expect(back.height).toBe(height);
      expect(back.channels).toBe(channels);
      expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
    });
  }

  it('round-trips with one row filter chosen for every row (the fast encode), and refuses an unknown filter', () => {
    const width = 29, height = 17;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 11 + ((i / 7) | 0) * 5) & 0xff;
    for (let f = 0; f <= 4; f++) {
      const png = encodePng({ width, height, channels: 3, data }, 1, f);
      expect(Buffer.from(decodePng(png).data).equals(Buffer.from(data))).toBe(true);
      // Every row carries the filter asked for.
      const idat = png.subarray(8 + 25 + 8, png.length - 12 - 4);
      const raw = inflateSync(idat);
      for (let y = 0; y < height; y++) expect(raw[y * (width * 3 + 1)]).toBe(f);
    }
    expect(() => encodePng({ width, height, channels: 3, data }, 1, 5)).toThrow(/filter 5/);
  });

  it('writes a standard PNG: signature, IHDR first, valid zlib stream, CRCs checked by a strict reader', () => {
    const png = encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(12).fill(200) });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    const idatLen = new DataView(png.buffer, png.byteOffset).getUint32(33);
    expect(String.fromCharCode(...png.subarray(37, 41))).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(2 * (1 + 6));
    // IHDR CRC for this header, computed independently of the encoder's table.
    const crc = (bytes: Uint8Array) => {
      let c = 0xffffffff;
      for (const b of bytes) { c ^= b; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; }
      return (c ^ 0xffffffff) >>> 0;
    };
    expect(new DataView(png.buffer, png.byteOffset).getUint32(29)).toBe(crc(png.subarray(12, 29)));
  });

  it('rejects a file that is not a PNG with a clear error', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'x.png')).toThrow(/x\.png is not a PNG/);
  });
});
