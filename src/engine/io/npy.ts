import { UserError } from '../util/errors';
import { writeFileAtomic } from '../util/atomic-file';
import { reasonOf } from '../util/system-errors';
import { readRegularFile } from '../util/read-file';

/**
 * NumPy .npy files (format 1.0/2.0/3.0), the exchange format of the reference
 * implementation (DeepSpeech features, FACIAL-GAN outputs) and of our persona folders.
 * Supports little-endian float32, float64, int32, uint8, C order.
 */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'uint8';
export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface NpyArray<T extends NpyData = NpyData> {
  dtype: NpyDtype;
  shape: number[];
  data: T;
}

const DESCR: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', uint8: '|u1' };

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

export function encodeNpy(data: NpyData, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape [${shape}] holds ${count} values, data has ${data.length}`);
  const dtype = dtypeOf(data);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // Pad so that magic(6)+version(2)+len(2)+header is a multiple of 64, ending in \n.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = (header.length >> 8) & 0xff;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export function decodeNpy(bytes: Uint8Array, file = '<buffer>'): NpyArray {
  const bad = (why: string) =>
    new UserError('npy-invalid', `${file} is not a readable .npy array: ${why}.`, {
      file,
      hint: 'Save it with numpy.save() as a little-endian float32/float64 array in C order.',
    });
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw bad('missing the NUMPY magic header');
  const major = bytes[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    offset = 12;
  } else throw bad(`unsupported format version ${major}`);
  const header = new TextDecoder().decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw bad('malformed header');
  if (fortran === 'True') throw bad('Fortran-ordered arrays are not supported');
  const shape = shapeStr.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((k) => DESCR[k] === descr || (k === 'uint8' && descr === '<u1'));
  if (!dtype) throw bad(`unsupported dtype ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const width = { float32: 4, float64: 8, int32: 4, uint8: 1 }[dtype];
  if (bytes.length - start < count * width) throw bad(`truncated: expected ${count * width} data bytes, found ${bytes.length - start}`);
  // Copy into an aligned buffer: the header length does not guarantee alignment.
  const raw = bytes.slice(start, start + count * width).buffer;
  const data =
    dtype === 'float32' ? new Float32Array(raw) : dtype === 'float64' ? new Float64Array(raw) : dtype === 'int32' ? new Int32Array(raw) : new Uint8Array(raw);
  return { dtype, shape, data };
}

export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file);
  } catch (err) {
    throw new UserError('file-not-found', `Cannot read ${file}: ${reasonOf(err)}.`, { file, hint: 'Check the path.' });
  }
  return decodeNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}

/** Reads an .npy and returns float32 data whatever its float dtype. */
export async function readNpyFloat32(file: string): Promise<NpyArray<Float32Array>> {
  const a = await readNpy(file);
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>);
  return { dtype: 'float32', shape: a.shape, data };
}

export async function writeNpy(file: string, data: NpyData, shape: number[]): Promise<void> {
  await writeFileAtomic(file, encodeNpy(data, shape));
}
