/**
 * A small hand-written protobuf codec for the part of onnx.proto the engine needs:
 * ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto.
 * Field numbers follow onnx/onnx.proto (IR version 8). No protobuf dependency: the
 * encoder writes sub-messages bottom-up (each knows its length once encoded), the
 * decoder reads what the encoder writes plus the common fields other tools emit.
 */

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 18;

export enum DataType {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  DOUBLE = 11,
}

export enum AttributeType {
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
}

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: DataType;
  /** Little-endian bytes of the elements (raw_data). */
  rawData: Uint8Array;
}

export type AttributeValue =
  | { type: AttributeType.FLOAT; f: number }
  | { type: AttributeType.INT; i: number }
  | { type: AttributeType.STRING; s: string }
  | { type: AttributeType.TENSOR; t: TensorProto }
  | { type: AttributeType.FLOATS; floats: number[] }
  | { type: AttributeType.INTS; ints: number[] }
  | { type: AttributeType.STRINGS; strings: string[] };

export type AttributeProto = { name: string } & AttributeValue;

export interface NodeProto {
  name: string;
  opType: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeProto[];
}

/** A dimension is a fixed size or a symbolic name (e.g. 'batch'). */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  elemType: DataType;
  shape: Dim[];
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
  metadata: Record<string, string>;
}

// ---------------------------------------------------------------- encoder

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
const utf8 = new TextEncoder();

/** Collects chunks; a message is encoded once and its bytes reused as a field. */
class Writer {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  length = 0;

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    const c = Uint8Array.from(this.scratch);
    this.chunks.push(c);
    this.length += c.length;
    this.scratch = [];
  }

  private byte(b: number): void {
    this.scratch.push(b);
  }

  varint(v: number | bigint): void {
    // int64 fields: negative values are ten-byte two's complement.
    let x = BigInt.asUintN(64, BigInt(v));
    if (typeof v === 'number' && v >= 0 && v < 2 ** 31) {
      let n = v;
      while (n >= 0x80) {
        this.byte((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.byte(n);
      return;
    }
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(data.length);
    this.flushScratch();
    if (data.length > 0) {
      this.chunks.push(data);
      this.length += data.length;
    }
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  int(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.byte(x);
  }

  packedInts(field: number, vs: number[]): void {
    const w = new Writer();
    for (const v of vs) w.varint(v);
    this.bytes(field, w.finish());
  }

  packedFloats(field: number, vs: number[]): void {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, k) => dv.setFloat32(k * 4, v, true));
    this.bytes(field, b);
  }

  message(field: number, w: Writer): void {
    this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    this.flushScratch();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

function writeTensor(t: TensorProto): Writer {
  const w = new Writer();
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.rawData);
  return w;
}

function writeAttribute(a: AttributeProto): Writer {
  const w = new Writer();
  w.string(1, a.name);
  w.int(20, a.type);
  switch (a.type) {
    case AttributeType.FLOAT: w.float(2, a.f); break;
    case AttributeType.INT: w.int(3, a.i); break;
    case AttributeType.STRING: w.string(4, a.s); break;
    case AttributeType.TENSOR: w.message(5, writeTensor(a.t)); break;
    case AttributeType.FLOATS: w.packedFloats(7, a.floats); break;
    case AttributeType.INTS: w.packedInts(8, a.ints); break;
    case AttributeType.STRINGS: for (const s of a.strings) w.string(9, s); break;
  }
  return w;
}

function writeNode(n: NodeProto): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes) w.message(5, writeAttribute(a));
  if (n.domain) w.string(7, n.domain);
  return w;
}

function writeValueInfo(v: ValueInfoProto): Writer {
  const shape = new Writer();
  for (const d of v.shape) {
    const dim = new Writer();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new Writer();
  tensorType.int(1, v.elemType);
  tensorType.message(2, shape);
  const type = new Writer();
  type.message(1, tensorType);
  const w = new Writer();
  w.string(1, v.name);
  w.message(2, type);
  return w;
}

function writeGraph(g: GraphProto): Writer {
  const w = new Writer();
  for (const n of g.nodes) w.message(1, writeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, writeTensor(t));
  for (const i of g.inputs) w.message(11, writeValueInfo(i));
  for (const o of g.outputs) w.message(12, writeValueInfo(o));
  return w;
}

export function encodeModel(m: ModelProto): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.message(7, writeGraph(m.graph));
  for (const o of m.opsetImports) {
    const ow = new Writer();
    if (o.domain) ow.string(1, o.domain);
    ow.int(2, o.version);
    w.message(8, ow);
  }
  for (const [key, value] of Object.entries(m.metadata)) {
    const kv = new Writer();
    kv.string(1, key);
    kv.string(2, value);
    w.message(14, kv);
  }
  return w.finish();
}

// ---------------------------------------------------------------- decoder

const utf8d = new TextDecoder();

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  int(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }
  bytes(): Uint8Array {
    const n = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  float(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_I64) this.pos += 8;
    else if (wire === WIRE_LEN) this.bytes();
    else if (wire === WIRE_I32) this.pos += 4;
    else throw new Error(`onnx-proto: unsupported wire type ${wire}`);
  }
  /** Calls fn(field, wire) for every field; fn returns false to have it skipped. */
  fields(fn: (field: number, wire: number, r: Reader) => boolean): void {
    while (!this.done()) {
      const tag = Number(this.varint());
      const field = tag >>> 3;
      const wire = tag & 7;
      if (!fn(field, wire, this)) this.skip(wire);
    }
  }
}

function sub(bytes: Uint8Array): Reader {
  return new Reader(bytes);
}

function readInts(r: Reader, wire: number, out: number[]): void {
  if (wire === WIRE_LEN) {
    const p = sub(r.bytes());
    while (!p.done()) out.push(p.int());
  } else out.push(r.int());
}

function readTensor(bytes: Uint8Array): TensorProto {
  const t: TensorProto = { name: '', dims: [], dataType: DataType.FLOAT, rawData: new Uint8Array(0) };
  const floats: number[] = [];
  sub(bytes).fields((field, wire, r) => {
    switch (field) {
      case 1: readInts(r, wire, t.dims); return true;
      case 2: t.dataType = r.int(); return true;
      case 4:
        if (wire === WIRE_LEN) {
          const b = r.bytes();
          for (let k = 0; k + 4 <= b.length; k += 4) floats.push(new DataView(b.buffer, b.byteOffset + k, 4).getFloat32(0, true));
        } else floats.push(r.float());
        return true;
      case 8: t.name = utf8d.decode(r.bytes()); return true;
      case 9: t.rawData = r.bytes().slice(); return true;
      default: return false;
    }
  });
  if (t.rawData.length === 0 && floats.length > 0) t.rawData = new Uint8Array(Float32Array.from(floats).buffer);
  return t;
}

function readAttribute(bytes: Uint8Array): AttributeProto {
  let name = '';
  let type = 0;
  let f = 0, i = 0, s = '';
  let t: TensorProto | undefined;
  const floats: number[] = [], ints: number[] = [], strings: string[] = [];
  sub(bytes).fields((field, wire, r) => {
    switch (field) {
      case 1: name = utf8d.decode(r.bytes()); return true;
      case 2: f = r.float(); return true;
      case 3: i = r.int(); return true;
      case 4: s = utf8d.decode(r.bytes()); return true;
      case 5: t = readTensor(r.bytes()); return true;
      case 7:
        if (wire === WIRE_LEN) {
          const b = r.bytes();
          for (let k = 0; k + 4 <= b.length; k += 4) floats.push(new DataView(b.buffer, b.byteOffset + k, 4).getFloat32(0, true));
        } else floats.push(r.float());
        return true;
      case 8: readInts(r, wire, ints); return true;
      case 9: strings.push(utf8d.decode(r.bytes())); return true;
      case 20: type = r.int(); return true;
      default: return false;
    }
  });
  switch (type) {
    case AttributeType.FLOAT: return { name, type, f };
    case AttributeType.INT: return { name, type, i };
    case AttributeType.STRING: return { name, type, s };
    case AttributeType.TENSOR: return { name, type, t: t! };
    case AttributeType.FLOATS: return { name, type, floats };
    case AttributeType.INTS: return { name, type, ints };
    case AttributeType.STRINGS: return { name, type, strings };
    default: throw new Error(`onnx-proto: attribute ${name} has unsupported type ${type}`);
  }
}

function readNode(bytes: Uint8Array): NodeProto {
  const n: NodeProto = { name: '', opType: '', inputs: [], outputs: [], attributes: [] };
  sub(bytes).fields((field, _w, r) => {
    switch (field) {
      case 1: n.inputs.push(utf8d.decode(r.bytes())); return true;
      case 2: n.outputs.push(utf8d.decode(r.bytes())); return true;
      case 3: n.name = utf8d.decode(r.bytes()); return true;
      case 4: n.opType = utf8d.decode(r.bytes()); return true;
      case 5: n.attributes.push(readAttribute(r.bytes())); return true;
      case 7: n.domain = utf8d.decode(r.bytes()); return true;
      default: return false;
    }
  });
  return n;
}

function readValueInfo(bytes: Uint8Array): ValueInfoProto {
  const v: ValueInfoProto = { name: '', elemType: DataType.FLOAT, shape: [] };
  sub(bytes).fields((field, _w, r) => {
    if (field === 1) { v.name = utf8d.decode(r.bytes()); return true; }
    if (field !== 2) return false;
    sub(r.bytes()).fields((tf, _w1, tr) => {
      if (tf !== 1) return false;
      sub(tr.bytes()).fields((ttf, _w2, rr) => {
        if (ttf === 1) { v.elemType = rr.int(); return true; }
        if (ttf !== 2) return false;
        sub(rr.bytes()).fields((sf, _w3, sr) => {
          if (sf !== 1) return false;
          let dim: Dim = -1;
          sub(sr.bytes()).fields((df, _w4, dr) => {
            if (df === 1) { dim = dr.int(); return true; }
            if (df === 2) { dim = utf8d.decode(dr.bytes()); return true; }
            return false;
          });
          v.shape.push(dim);
          return true;
        });
        return true;
      });
      return true;
    });
    return true;
  });
  return v;
}

function readGraph(bytes: Uint8Array): GraphProto {
  const g: GraphProto = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  sub(bytes).fields((field, _w, r) => {
    switch (field) {
      case 1: g.nodes.push(readNode(r.bytes())); return true;
      case 2: g.name = utf8d.decode(r.bytes()); return true;
      case 5: g.initializers.push(readTensor(r.bytes())); return true;
      case 11: g.inputs.push(readValueInfo(r.bytes())); return true;
      case 12: g.outputs.push(readValueInfo(r.bytes())); return true;
      default: return false;
    }
  });
  return g;
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  const m: ModelProto = {
    irVersion: 0,
    opsetImports: [],
    producerName: '',
    producerVersion: '',
    graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [] },
    metadata: {},
  };
  sub(bytes).fields((field, _w, r) => {
    switch (field) {
      case 1: m.irVersion = r.int(); return true;
      case 2: m.producerName = utf8d.decode(r.bytes()); return true;
      case 3: m.producerVersion = utf8d.decode(r.bytes()); return true;
      case 7: m.graph = readGraph(r.bytes()); return true;
      case 8: {
        const o = { domain: '', version: 0 };
        sub(r.bytes()).fields((of, _w5, rr) => {
          if (of === 1) { o.domain = utf8d.decode(rr.bytes()); return true; }
          if (of === 2) { o.version = rr.int(); return true; }
          return false;
        });
        m.opsetImports.push(o);
        return true;
      }
      case 14: {
        let key = '', value = '';
        sub(r.bytes()).fields((kf, _w6, rr) => {
          if (kf === 1) { key = utf8d.decode(rr.bytes()); return true; }
          if (kf === 2) { value = utf8d.decode(rr.bytes()); return true; }
          return false;
        });
        m.metadata[key] = value;
        return true;
      }
      default: return false;
    }
  });
  return m;
}
