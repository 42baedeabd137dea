/**
 * The safetensors format, read and written: an 8-byte little-endian u64 header length N,
 * N bytes of JSON header ({name: {dtype, shape, data_offsets: [begin, end]}} plus an
 * optional "__metadata__" of string -> string), padded with spaces to a multiple of 8,
 * then the tensors' little-endian bytes packed with no gaps.
 *
 * Written as the reference writer does: tensors sorted by dtype (wider first: F64, F32,
 * I32, BOOL) then by name, packed in that order; the header lists "__metadata__" first
 * and then the tensors in file order, as compact JSON.
 *
 * Read: F32, F64, I32, BOOL as they are; F16 and BF16 into float32 and I64 into int32
 * (when every value fits) by native conversions. Every tensor's bytes go from the file
 * into native memory in one positional read (native/addon/io_entries.cc).
 */
import * as fs from 'node:fs';
import { itemSize, type DType } from '../dtype';
import { ArgumentError, fmtShape } from '../errors';
import { native } from '../native';
import { MAX_DIMS } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { copyToContiguous } from '../ops/copy';
import { SafetensorsError } from './errors';
import { writeFileAtomic } from './atomic';

/** Tensors to save: a plain object or a Map (e.g. a model's stateDict()). */
export type TensorDict = Record<string, Tensor> | Map<string, Tensor>;
/** The free-form "__metadata__" of a file: string keys to string values. */
export type Metadata = Record<string, string>;

/** Options of save and serialize. */
export interface SaveOptions {
  /** Stored as the header's "__metadata__" (strings only). */
  metadata?: Metadata;
}

/** The reference implementation's cap on the header size: checked before allocating. */
export const MAX_HEADER_BYTES = 100_000_000;

const WRITE_CODES: Record<DType, string> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' };
/** Position of each written dtype in the reference's Dtype enum (the writer sorts by it, descending). */
const DTYPE_RANK: Record<string, number> = { BOOL: 0, I32: 9, F32: 11, F64: 12 };

interface ReadDType { dtype: DType; fileSize: number; convert: number }
/** File dtypes we read: target dtype, bytes per element in the file, native conversion (convert.h). */
const READ_CODES: Record<string, ReadDType> = {
  F32: { dtype: 'float32', fileSize: 4, convert: 0 },
  F64: { dtype: 'float64', fileSize: 8, convert: 0 },
  I32: { dtype: 'int32', fileSize: 4, convert: 0 },
  BOOL: { dtype: 'bool', fileSize: 1, convert: 0 },
  F16: { dtype: 'float32', fileSize: 2, convert: 1 },
  BF16: { dtype: 'float32', fileSize: 2, convert: 2 },
  I64: { dtype: 'int32', fileSize: 8, convert: 3 },
};
/** Valid safetensors dtypes that tensorforge has no tensor type for. */
const UNSUPPORTED = new Set(['U8', 'I8', 'I16', 'U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E4M3FN', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** One tensor's entry of a parsed header. */
export interface HeaderEntry {
  name: string;
  /** The dtype code in the file (F16, I64, ...). */
  fileDType: string;
  shape: number[];
  begin: number;
  end: number;
  /** The tensor's dtype once loaded, its conversion code, and its element size in the file. */
  read: ReadDType;
}

/** A parsed and validated header. */
export interface ParsedHeader {
  /** Entries in the header's order. */
  entries: HeaderEntry[];
  metadata: Metadata | null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates the header length against the file size (before any allocation).
 * @returns the header length N
 */
export function checkHeaderLength(op: string, file: string, lengthField: bigint, fileSize: number): number {
  if (lengthField > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(op, file, null, `header size ${lengthField} exceeds the limit of ${MAX_HEADER_BYTES} bytes (not a safetensors file, or a corrupt one)`);
  }
  const n = Number(lengthField);
  if (8 + n > fileSize) {
    throw new SafetensorsError(op, file, null, `header length ${n} goes past the end of the file (${fileSize} bytes in all)`);
  }
  if (n < 2) throw new SafetensorsError(op, file, null, `header length ${n} is too small for a JSON object`);
  return n;
}

/** Parses and checks a header: dtypes, shapes against byte counts, offsets that tile the data section exactly. */
export function parseHeader(op: string, file: string, headerBytes: Uint8Array, dataSize: number): ParsedHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(op, file, null, 'the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(op, file, null, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) throw new SafetensorsError(op, file, null, `the header must be a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  let metadata: Metadata | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(info)) throw new SafetensorsError(op, file, null, `"__metadata__" must be an object of strings, got ${JSON.stringify(info)}`);
      metadata = {};
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw new SafetensorsError(op, file, null, `"__metadata__" value of key '${k}' must be a string, got ${JSON.stringify(v)}`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const fail = (msg: string): never => {
      throw new SafetensorsError(op, file, name, msg);
    };
    if (!isPlainObject(info)) fail(`entry must be an object {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(`dtype must be a string, got ${JSON.stringify(dtype)}`);
    const read = READ_CODES[dtype as string];
    if (read === undefined) {
      if (UNSUPPORTED.has(dtype as string)) fail(`dtype ${dtype} is not supported (tensorforge reads F32, F64, I32, BOOL, F16, BF16 and I64)`);
      fail(`unknown dtype ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every(isSize)) fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    const dims = shape as number[];
    if (dims.length > MAX_DIMS) fail(`shape ${fmtShape(dims)} has ${dims.length} dims; at most ${MAX_DIMS} are supported`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
      fail(`data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they start`);
    let numel = 1;
    for (const d of dims) {
      numel *= d;
      if (!Number.isSafeInteger(numel * read.fileSize)) fail(`shape ${fmtShape(dims)} is too large`);
    }
    const want = numel * read.fileSize;
    if (want !== end - begin) {
      fail(`shape ${fmtShape(dims)} with dtype ${dtype} needs ${want} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, fileDType: dtype as string, shape: dims.slice(), begin, end, read });
  }
  // The data section must be covered exactly: no overlaps, no holes, nothing past its end.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: HeaderEntry | null = null;
  for (const e of sorted) {
    if (e.begin < covered) {
      throw new SafetensorsError(op, file, e.name, `data_offsets [${e.begin}, ${e.end}] overlap tensor '${prev!.name}' [${prev!.begin}, ${prev!.end}]`);
    }
    if (e.begin > covered) {
      throw new SafetensorsError(op, file, e.name, `data_offsets [${e.begin}, ${e.end}] leave a hole in the data: bytes ${covered}..${e.begin} belong to no tensor`);
    }
    if (e.end > dataSize) {
      throw new SafetensorsError(op, file, e.name, `truncated data: data_offsets [${e.begin}, ${e.end}] go past the end of the data section (${dataSize} bytes)`);
    }
    covered = e.end;
    prev = e;
  }
  if (covered !== dataSize) {
    throw new SafetensorsError(op, file, null, `the data section has ${dataSize - covered} trailing bytes after the last tensor (${dataSize} bytes, tensors cover ${covered}): a hole in the data`);
  }
  return { entries, metadata };
}

function entriesOf(op: string, tensors: TensorDict): Array<[string, Tensor]> {
  if (tensors === null || typeof tensors !== 'object') throw new ArgumentError(op, `expected an object or a Map of name -> Tensor, got ${tensors === null ? 'null' : typeof tensors}`);
  const list: Array<[string, Tensor]> = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (typeof name !== 'string' || name === '') throw new ArgumentError(op, `tensor names must be non-empty strings, got ${JSON.stringify(name)}`);
    if (name === '__metadata__') throw new ArgumentError(op, `'__metadata__' is reserved for the metadata; use another tensor name`);
    if (!isTensor(t)) throw new ArgumentError(op, `value of '${name}' must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    t.handle(op);
  }
  return list;
}

function checkMetadata(op: string, metadata: unknown): Metadata | null {
  if (metadata === undefined || metadata === null) return null;
  if (!isPlainObject(metadata)) throw new ArgumentError(op, `metadata must be an object of string -> string, got ${typeof metadata}`);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new ArgumentError(op, `metadata value of key '${k}' must be a string, got ${typeof v}`);
  }
  return metadata as Metadata;
}

interface Layout {
  header: Buffer;
  order: Array<{ name: string; tensor: Tensor; begin: number; nbytes: number }>;
  dataSize: number;
}

/** The header bytes (padded) and the data layout, in the reference writer's order. */
function layout(op: string, tensors: TensorDict, metadata: Metadata | null): Layout {
  const list = entriesOf(op, tensors);
  const keyed = list.map(([name, tensor]) => ({ name, tensor, key: Buffer.from(name, 'utf8') }));
  keyed.sort((a, b) => DTYPE_RANK[WRITE_CODES[b.tensor.dtype]] - DTYPE_RANK[WRITE_CODES[a.tensor.dtype]] || Buffer.compare(a.key, b.key));
  const header: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => Object.defineProperty(header, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (metadata !== null) {
    const m: Record<string, string> = {};
    for (const k of Object.keys(metadata).sort()) Object.defineProperty(m, k, { value: metadata[k], enumerable: true, writable: true, configurable: true });
    put('__metadata__', m);
  }
  let offset = 0;
  const order: Layout['order'] = [];
  for (const { name, tensor } of keyed) {
    const nbytes = tensor.size * itemSize(tensor.dtype);
    put(name, { dtype: WRITE_CODES[tensor.dtype], shape: tensor.shape.slice(), data_offsets: [offset, offset + nbytes] });
    order.push({ name, tensor, begin: offset, nbytes });
    offset += nbytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.alloc(8 + Math.ceil(json.length / 8) * 8, 0x20);
  padded.writeBigUInt64LE(BigInt(padded.length - 8), 0);
  json.copy(padded, 8);
  return { header: padded, order, dataSize: offset };
}

/** Runs fn with a contiguous version of t (t itself, or a temporary copy). */
function withContiguous<R>(op: string, t: Tensor, fn: (c: Tensor) => R): R {
  if (t.isContiguous()) return fn(t);
  const c = copyToContiguous(op, t);
  try {
    return fn(c);
  } finally {
    c.dispose();
  }
}

/**
 * Saves tensors to a safetensors file, atomically (a temporary file in the same
 * directory, fsynced, then renamed over path). Non-contiguous tensors are written as
 * their logical contents.
 * @param tensors name -> tensor (an object or a Map such as model.stateDict())
 * @param filePath the file to write (its directory must exist)
 * @example
 * tf.save({ w: tf.randn([3, 4]), step: tf.tensor(7, { dtype: 'int32' }) }, 'weights.safetensors', { metadata: { format: 'pt' } });
 */
export function save(tensors: TensorDict, filePath: string, opts: SaveOptions = {}): void {
  const op = 'save';
  if (typeof filePath !== 'string' || filePath === '') throw new ArgumentError(op, `path must be a non-empty string, got ${JSON.stringify(filePath)}`);
  const { header, order } = layout(op, tensors, checkMetadata(op, opts?.metadata));
  writeFileAtomic(op, filePath, (fd) => {
    fs.writeSync(fd, header, 0, header.length, 0);
    const base = header.length;
    for (const { tensor, begin, nbytes } of order) {
      if (nbytes === 0) continue;
      withContiguous(op, tensor, (c) => {
        native.ioWrite(fd, base + begin, c.handle(op), c.offset * itemSize(c.dtype), nbytes);
      });
    }
  });
}

/**
 * The bytes of a safetensors file holding tensors, in memory.
 * @example const bytes = tf.io.serialize({ w: tf.ones([2]) }); tf.io.deserialize(bytes).w
 */
export function serialize(tensors: TensorDict, opts: SaveOptions = {}): Uint8Array {
  const op = 'serialize';
  const { header, order, dataSize } = layout(op, tensors, checkMetadata(op, opts?.metadata));
  const out = Buffer.allocUnsafe(header.length + dataSize);
  header.copy(out, 0);
  for (const { tensor, begin, nbytes } of order) {
    if (nbytes === 0) continue;
    const data = tensor.dataSync();
    out.set(new Uint8Array(data.buffer, data.byteOffset, nbytes), header.length + begin);
  }
  return out;
}

function defineOwn(out: Record<string, Tensor>, name: string, t: Tensor): void {
  // defineProperty, not assignment: a tensor named "__proto__" must stay a plain key.
  Object.defineProperty(out, name, { value: t, enumerable: true, writable: true, configurable: true });
}

function allocFor(op: string, file: string, e: HeaderEntry): Tensor {
  try {
    return Tensor.empty(e.shape, e.read.dtype);
  } catch (err) {
    throw new SafetensorsError(op, file, e.name, `cannot allocate ${fmtShape(e.shape)} ${e.read.dtype}: ${(err as Error).message}`);
  }
}

function rangeError(op: string, file: string, e: HeaderEntry, err: unknown): never {
  const x = err as { code?: string; message?: string };
  if (x?.code === 'ERR_TF_RANGE') throw new SafetensorsError(op, file, e.name, `I64 value does not fit in int32: ${x.message}`);
  if (x?.code) throw new SafetensorsError(op, file, e.name, `reading failed: ${x.message}`);
  throw err;
}

/** The result of loadWithMetadata / deserializeWithMetadata. */
export interface Loaded {
  tensors: Record<string, Tensor>;
  metadata: Metadata | null;
}

/** Like load(), also returning the file's "__metadata__" (null when it has none). */
export function loadWithMetadata(filePath: string): Loaded {
  const op = 'load';
  if (typeof filePath !== 'string' || filePath === '') throw new ArgumentError(op, `path must be a non-empty string, got ${JSON.stringify(filePath)}`);
  let fd: number;
  try {
    fd = fs.openSync(filePath, 'r');
  } catch (e) {
    throw new SafetensorsError(op, filePath, null, `cannot open: ${(e as Error).message}`);
  }
  const made: Tensor[] = [];
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new SafetensorsError(op, filePath, null, `the file has ${size} bytes, fewer than the 8 of the header length`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const n = checkHeaderLength(op, filePath, lenBuf.readBigUInt64LE(0), size);
    const headerBytes = Buffer.alloc(n);
    if (fs.readSync(fd, headerBytes, 0, n, 8) !== n) throw new SafetensorsError(op, filePath, null, 'the file ended inside the header');
    const dataStart = 8 + n;
    const parsed = parseHeader(op, filePath, headerBytes, size - dataStart);
    const tensors: Record<string, Tensor> = {};
    for (const e of parsed.entries) {
      const t = allocFor(op, filePath, e);
      made.push(t);
      const bytes = e.end - e.begin;
      if (bytes > 0) {
        let got: number;
        try {
          got = native.ioRead(fd, dataStart + e.begin, t.handle(op), 0, bytes, e.read.convert);
        } catch (err) {
          rangeError(op, filePath, e, err);
        }
        if (got !== bytes) throw new SafetensorsError(op, filePath, e.name, `truncated data: read ${got} of ${bytes} bytes`);
      }
      defineOwn(tensors, e.name, t);
    }
    made.length = 0;
    return { tensors, metadata: parsed.metadata };
  } finally {
    for (const t of made) t.dispose();
    fs.closeSync(fd);
  }
}

/**
 * Loads every tensor of a safetensors file. F16 and BF16 become float32; I64 becomes
 * int32 (a SafetensorsError when a value does not fit). Each tensor's bytes go from the
 * file into native memory in one read. A broken file throws SafetensorsError naming the
 * file and the tensor.
 * @example const sd = tf.load('model.safetensors'); model.loadStateDict(sd);
 */
export function load(filePath: string): Record<string, Tensor> {
  return loadWithMetadata(filePath).tensors;
}

/** Like deserialize(), also returning the "__metadata__". */
export function deserializeWithMetadata(bytes: Uint8Array, label = '<buffer>'): Loaded {
  const op = 'deserialize';
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(op, `expected a Uint8Array or Buffer, got ${typeof bytes}`);
  const size = bytes.length;
  if (size < 8) throw new SafetensorsError(op, label, null, `the buffer has ${size} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = checkHeaderLength(op, label, view.getBigUint64(0, true), size);
  const dataStart = 8 + n;
  const parsed = parseHeader(op, label, bytes.subarray(8, dataStart), size - dataStart);
  const tensors: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    for (const e of parsed.entries) {
      const t = allocFor(op, label, e);
      made.push(t);
      const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
      if (src.length > 0) {
        try {
          if (e.read.convert === 0) native.write(t.handle(op), 0, src);
          else native.ioConvert(e.read.convert, src, t.handle(op), 0);
        } catch (err) {
          rangeError(op, label, e, err);
        }
      }
      defineOwn(tensors, e.name, t);
    }
    made.length = 0;
  } finally {
    for (const t of made) t.dispose();
  }
  return { tensors, metadata: parsed.metadata };
}

/** Tensors from the bytes of a safetensors file (the in-memory load()). */
export function deserialize(bytes: Uint8Array): Record<string, Tensor> {
  return deserializeWithMetadata(bytes).tensors;
}

/** The header of a file without loading any tensor: names, file dtypes, shapes, metadata. */
export function readHeader(filePath: string): { tensors: Array<{ name: string; dtype: string; shape: number[] }>; metadata: Metadata | null } {
  const op = 'readHeader';
  const fd = fs.openSync(filePath, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new SafetensorsError(op, filePath, null, `the file has ${size} bytes, fewer than the 8 of the header length`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const n = checkHeaderLength(op, filePath, lenBuf.readBigUInt64LE(0), size);
    const headerBytes = Buffer.alloc(n);
    fs.readSync(fd, headerBytes, 0, n, 8);
    const parsed = parseHeader(op, filePath, headerBytes, size - 8 - n);
    return { tensors: parsed.entries.map((e) => ({ name: e.name, dtype: e.fileDType, shape: e.shape })), metadata: parsed.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

