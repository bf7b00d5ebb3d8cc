/**
 * float32 little-endian arrays as base64 (the curve document's `base`), without
 * Node's Buffer or the browser's atob so it runs in both.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 16384;
  for (let off = 0; off < bytes.length; off += CHUNK) {
    const end = Math.min(bytes.length, off + CHUNK);
    const chars: string[] = [];
    let i = off;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      chars.push(ALPHABET[n >> 18], ALPHABET[(n >> 12) & 63], ALPHABET[(n >> 6) & 63], ALPHABET[n & 63]);
    }
    if (i < end) {
      const rest = end - i;
      const n = (bytes[i] << 16) | (rest > 1 ? bytes[i + 1] << 8 : 0);
      chars.push(ALPHABET[n >> 18], ALPHABET[(n >> 12) & 63], rest > 1 ? ALPHABET[(n >> 6) & 63] : '=', '=');
    }
    parts.push(chars.join(''));
  }
  return parts.join('');
}

export function base64ToBytes(text: string): Uint8Array {
  const s = text.replace(/[\s]/g, '');
  if (s.length % 4 !== 0) throw new Error(`base64 text has ${s.length} characters, not a multiple of 4`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const a = LOOKUP[s.charCodeAt(i)] ?? -1;
    const b = LOOKUP[s.charCodeAt(i + 1)] ?? -1;
    const c = s[i + 2] === '=' ? 0 : (LOOKUP[s.charCodeAt(i + 2)] ?? -1);
    const d = s[i + 3] === '=' ? 0 : (LOOKUP[s.charCodeAt(i + 3)] ?? -1);
    if ((a | b | c | d) < 0) throw new Error(`invalid base64 character near position ${i}`);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  if (LITTLE_ENDIAN) bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  else {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  }
  return bytesToBase64(bytes);
}

export function base64ToFloat32(text: string): Float32Array {
  const bytes = base64ToBytes(text);
  if (bytes.length % 4 !== 0) throw new Error(`${bytes.length} bytes is not a whole number of float32 values`);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
