/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): two zero
 * bytes, a type byte, the number of dims, each dim as a big-endian uint32, then the
 * values, big-endian. Files may be gzip-compressed (detected from the gzip magic bytes,
 * decompressed with Node's zlib).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DType } from '../dtype';
import { ArgumentError, TensorforgeError } from '../errors';
import { tensor } from '../creation';
import type { Tensor } from '../tensor';

/** The file is not valid IDX (bad magic, type, or a length that does not match its dims). */
export class IdxFormatError extends TensorforgeError {}

/** IDX element types: code, bytes per value, and the dtype they load as by default. */
const IDX_TYPES: Record<number, { name: string; bytes: number; dtype: DType }> = {
  0x08: { name: 'ubyte', bytes: 1, dtype: 'int32' },
  0x09: { name: 'byte', bytes: 1, dtype: 'int32' },
  0x0b: { name: 'short', bytes: 2, dtype: 'int32' },
  0x0c: { name: 'int', bytes: 4, dtype: 'int32' },
  0x0d: { name: 'float', bytes: 4, dtype: 'float32' },
  0x0e: { name: 'double', bytes: 8, dtype: 'float64' },
};

/** Options of readIdx / parseIdx. */
export interface ReadIdxOptions {
  /** The dtype of the tensor (default: int32 for the integer types, float32 / float64 for float / double). */
  dtype?: DType;
  /** Multiply every value by this while converting (e.g. 1 / 255 for pixels in [0, 1]; needs a float dtype). */
  scale?: number;
}

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Decodes IDX bytes (gzip-compressed or not) into a tensor of the file's shape.
 * @param bytes the file's contents
 * @example tf.data.parseIdx(fs.readFileSync('t10k-labels-idx1-ubyte.gz')).shape // [10000]
 */
export function parseIdx(bytes: Uint8Array, opts: ReadIdxOptions = {}, source = 'buffer'): Tensor {
  const op = 'readIdx';
  let buf = bytes;
  if (isGzip(buf)) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new IdxFormatError(op, `${source}: gzip data is corrupt (${(e as Error).message})`);
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new IdxFormatError(op, `${source}: not an IDX file (the first two bytes must be zero)`);
  const type = IDX_TYPES[buf[2]];
  if (type === undefined) throw new IdxFormatError(op, `${source}: unknown IDX element type 0x${buf[2].toString(16)}`);
  const ndim = buf[3];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = 4 + 4 * ndim;
  if (buf.length < header) throw new IdxFormatError(op, `${source}: the header is cut short (${ndim} dims need ${header} bytes, the file has ${buf.length})`);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const n = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== header + n * type.bytes) {
    throw new IdxFormatError(op, `${source}: ${type.name} data of shape [${shape.join(', ')}] needs ${header + n * type.bytes} bytes, the file has ${buf.length}`);
  }
  const dtype = opts.dtype ?? type.dtype;
  const scale = opts.scale ?? 1;
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') throw new ArgumentError(op, `dtype must be float32, float64 or int32, got ${String(dtype)}`);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ArgumentError(op, `scale must be a finite number, got ${String(scale)}`);
  if (scale !== 1 && dtype === 'int32') throw new ArgumentError(op, 'scale needs a float dtype');
  const out = dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  const at = header;
  switch (buf[2]) {
    case 0x08:
      if (scale === 1) out.set(buf.subarray(at, at + n));
      else for (let i = 0; i < n; i++) out[i] = buf[at + i] * scale;
      break;
    case 0x09:
      for (let i = 0; i < n; i++) out[i] = view.getInt8(at + i) * scale;
      break;
    case 0x0b:
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false) * scale;
      break;
    case 0x0c:
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false) * scale;
      break;
    case 0x0d:
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false) * scale;
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false) * scale;
  }
  return tensor(out, { shape, dtype });
}

/**
 * Reads an IDX file (gzip or not) into a tensor with the file's shape.
 * @param path e.g. /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
 * @param opts dtype (default int32 for integer data) and scale
 * @returns e.g. [60000, 28, 28] for an image file, [60000] for labels
 * @example
 * const x = tf.data.readIdx('train-images-idx3-ubyte.gz', { dtype: 'float32', scale: 1 / 255 });
 * const y = tf.data.readIdx('train-labels-idx1-ubyte.gz'); // int32
 */
export function readIdx(path: string, opts: ReadIdxOptions = {}): Tensor {
  if (typeof path !== 'string') throw new ArgumentError('readIdx', `path must be a string, got ${typeof path}`);
  return parseIdx(readFileSync(path), opts, path);
}

/**
 * Writes values as an IDX file of unsigned bytes (the MNIST image and label format),
 * gzip-compressed when the path ends in .gz.
 * @param values integers in [0, 255], row-major
 * @param shape the dims stored in the header
 */
export function writeIdxUbyte(path: string, values: ArrayLike<number>, shape: readonly number[]): void {
  const op = 'writeIdxUbyte';
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new ArgumentError(op, `shape [${shape.join(', ')}] holds ${n} values, got ${values.length}`);
  if (shape.length > 255) throw new ArgumentError(op, 'IDX files have at most 255 dims');
  const buf = Buffer.alloc(4 + 4 * shape.length + n);
  buf[2] = 0x08;
  buf[3] = shape.length;
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  const at = 4 + 4 * shape.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new ArgumentError(op, `value ${v} at ${i} is not an integer in [0, 255]`);
    buf[at + i] = v;
  }
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(buf, { level: 9 }) : buf);
}
