/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__:
 * {string: string}}, then the raw little-endian tensor bytes. Only F32 and F64 here.
 */

export interface SafeTensor {
  dtype: 'F32' | 'F64';
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafeTensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

export function encodeSafetensors(tensors: Map<string, SafeTensor> | [string, SafeTensor][], metadata: Record<string, string> = {}): Uint8Array {
  const entries = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: ${name} has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad so the data starts 8-byte aligned (lets readers map it as typed arrays).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): SafeTensorsFile {
  if (bytes.length < 8) throw new Error('safetensors: file too short');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error('safetensors: header length exceeds the file');
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as unknown as Record<string, string>;
      continue;
    }
    const [s, e] = info.data_offsets;
    if (base + e > bytes.length || e < s) throw new Error(`safetensors: ${name} lies outside the file`);
    // Copy: the result must not alias (or depend on the alignment of) the file buffer.
    const raw = bytes.slice(base + s, base + e);
    let data: Float32Array | Float64Array;
    if (info.dtype === 'F32') data = new Float32Array(raw.buffer, 0, raw.length / 4);
    else if (info.dtype === 'F64') data = new Float64Array(raw.buffer, 0, raw.length / 8);
    else throw new Error(`safetensors: ${name} has unsupported dtype ${info.dtype}`);
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data });
  }
  return { tensors, metadata };
}
