/** Creating tensors: from data, constant fills, sequences, identity. */
import { checkDevice, type Device } from './device';
import { checkDType, dtypeCode, dtypeOfArray, type DType, typedArrayFor, type TypedArray } from './dtype';
import { ArgumentError, DTypeError, ShapeError, fmtShape, rethrowNative } from './errors';
import { native } from './native';
import { checkShape, numelOf, type ShapeArg, shapeFromArgs } from './shape';
import { isTensor, Tensor } from './tensor';

export interface TensorOptions {
  /** Element type; float32 unless the data says otherwise. */
  dtype?: DType;
  /** 'cpu' (the default). */
  device?: Device;
  /** Track operations on this tensor for autograd. */
  requiresGrad?: boolean;
}

/** Nested arrays of numbers or booleans, as accepted by tensor(). */
export type TensorLike = number | boolean | TensorLike[] | ArrayLike<number>;

function finish(t: Tensor, opts: TensorOptions | undefined): Tensor {
  if (opts?.requiresGrad) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') {
      t.dispose();
      throw new DTypeError('tensor', `only floating point tensors can require gradients, got dtype ${t.dtype}`);
    }
    t.requiresGrad = true;
  }
  return t;
}

function inferShape(data: unknown, shape: number[]): void {
  if (Array.isArray(data)) {
    shape.push(data.length);
    if (data.length > 0) inferShape(data[0], shape);
  } else if (ArrayBuffer.isView(data)) {
    shape.push((data as TypedArray).length);
  }
}

function flatten(data: unknown, shape: readonly number[], d: number, out: number[], state: { bool: boolean; num: boolean }): void {
  if (d === shape.length) {
    if (typeof data === 'number') state.num = true;
    else if (typeof data === 'boolean') state.bool = true;
    else throw new ArgumentError('tensor', `expected a number or boolean at depth ${d}, got ${Array.isArray(data) ? 'an array (ragged nesting)' : typeof data}`);
    out.push(Number(data));
    return;
  }
  const isArr = Array.isArray(data) || ArrayBuffer.isView(data);
  const len = isArr ? (data as ArrayLike<unknown>).length : -1;
  if (len !== shape[d]) {
    throw new ShapeError('tensor', `ragged nested array: expected ${shape[d]} elements at depth ${d} (inferred shape ${fmtShape(shape)}), got ${isArr ? len : typeof data}`);
  }
  const arr = data as ArrayLike<unknown>;
  for (let i = 0; i < len; i++) flatten(arr[i], shape, d + 1, out, state);
}

/** Writes a typed array of the right dtype into a fresh tensor. */
function fromTyped(values: TypedArray, shape: number[], dtype: DType, device: Device): Tensor {
  const t = Tensor.empty(shape, dtype, device);
  if (values.length) {
    try {
      native.write(t.handle('tensor'), 0, values);
    } catch (e) {
      t.dispose();
      rethrowNative('tensor', e);
    }
  }
  return t;
}

/**
 * Creates a tensor from nested arrays, a typed array or a scalar.
 *
 * @param data nested arrays of numbers/booleans, a TypedArray, or one number
 * @param opts dtype (default float32, bool for booleans, the array's type for typed
 *   arrays), shape (to view flat data as this shape), device, requiresGrad
 * @example
 * const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);           // float32 [2, 3]
 * const y = tf.tensor(new Float64Array(6), { shape: [3, 2] });
 */
export function tensor(data: TensorLike | TypedArray, opts?: TensorOptions & { shape?: number[] }): Tensor {
  const device = checkDevice('tensor', opts?.device);
  if (isTensor(data)) throw new ArgumentError('tensor', 'data is already a Tensor; use t.clone() or t.to(dtype)');
  let shape: number[] = [];
  let flat: ArrayLike<number>;
  let inferred: DType = 'float32';
  if (ArrayBuffer.isView(data)) {
    const d = dtypeOfArray(data);
    if (d === null) throw new DTypeError('tensor', `unsupported typed array ${data.constructor.name}; use Float32Array, Float64Array, Int32Array or Uint8Array (bool)`);
    inferred = d;
    flat = data as TypedArray;
    shape = [flat.length];
  } else if (typeof data === 'number' || typeof data === 'boolean') {
    flat = [Number(data)];
    inferred = typeof data === 'boolean' ? 'bool' : 'float32';
  } else if (Array.isArray(data)) {
    inferShape(data, shape);
    const out: number[] = [];
    const state = { bool: false, num: false };
    flatten(data, shape, 0, out, state);
    flat = out;
    inferred = state.bool && !state.num ? 'bool' : 'float32';
  } else {
    throw new ArgumentError('tensor', `expected nested arrays, a typed array or a number, got ${data === null ? 'null' : typeof data}`);
  }
  const dtype = opts?.dtype !== undefined ? checkDType('tensor', opts.dtype) : inferred;
  if (opts?.shape !== undefined) {
    const s = checkShape('tensor', opts.shape);
    if (numelOf(s) !== flat.length) throw new ShapeError('tensor', `shape ${fmtShape(s)} needs ${numelOf(s)} elements but the data has ${flat.length}`);
    shape = s;
  } else {
    checkShape('tensor', shape);
  }
  const Ctor = typedArrayFor(dtype);
  let values: TypedArray;
  if (flat instanceof Ctor) values = flat as TypedArray;
  // The same conversions as the native casts (to(), fill): NaN is nonzero, so true; to
  // int32, truncation toward zero, NaN to 0 and saturation (not the modulo of Int32Array).
  else if (dtype === 'bool') values = Uint8Array.from(flat as ArrayLike<number>, (v) => (v !== 0 ? 1 : 0));
  else if (dtype === 'int32') values = Int32Array.from(flat as ArrayLike<number>, toInt32);
  else values = new Ctor(flat as ArrayLike<number>);
  return finish(fromTyped(values, shape, dtype, device), opts);
}

function toInt32(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.min(2147483647, Math.max(-2147483648, Math.trunc(v)));
}

/** @internal A contiguous tensor filled with one value. */
export function filled(op: string, shape: number[], value: number, dtype: DType, device: Device): Tensor {
  const t = Tensor.empty(shape, dtype, device);
  const n = t.size;
  if (n) native.fill(t.handle(op), dtypeCode(dtype), 0, n, value);
  return t;
}

function splitShapeAndOpts(args: unknown[]): [unknown[], TensorOptions | undefined] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && !Array.isArray(last)) return [args.slice(0, -1), last as TensorOptions];
  return [args, undefined];
}

/**
 * A tensor of zeros. @example tf.zeros([2, 3]); tf.zeros(2, 3, { dtype: 'int32' })
 */
export function zeros(...args: [...ShapeArg, TensorOptions?] | unknown[]): Tensor {
  const [s, opts] = splitShapeAndOpts(args);
  const shape = shapeFromArgs('zeros', s);
  return finish(filled('zeros', shape, 0, checkDType('zeros', opts?.dtype ?? 'float32'), checkDevice('zeros', opts?.device)), opts);
}

/** A tensor of ones. @example tf.ones([2, 3]) */
export function ones(...args: [...ShapeArg, TensorOptions?] | unknown[]): Tensor {
  const [s, opts] = splitShapeAndOpts(args);
  const shape = shapeFromArgs('ones', s);
  return finish(filled('ones', shape, 1, checkDType('ones', opts?.dtype ?? 'float32'), checkDevice('ones', opts?.device)), opts);
}

/**
 * A tensor filled with `value`; dtype follows the value (bool for booleans, float32 otherwise).
 * @example tf.full([2, 2], 7)
 */
export function full(shape: number[], value: number | boolean, opts?: TensorOptions): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new ArgumentError('full', `value must be a number or boolean, got ${typeof value}`);
  const dtype = checkDType('full', opts?.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'));
  return finish(filled('full', checkShape('full', shape), Number(value), dtype, checkDevice('full', opts?.device)), opts);
}

function likeOpts(op: string, t: Tensor, opts?: TensorOptions): [number[], DType, Device] {
  if (!isTensor(t)) throw new ArgumentError(op, `expected a Tensor, got ${typeof t}`);
  t.handle(op); // a disposed tensor is an error even though only its shape is read
  return [t.shape.slice(), checkDType(op, opts?.dtype ?? t.dtype), checkDevice(op, opts?.device ?? t.device)];
}

/** Zeros with the shape (and by default dtype and device) of t. */
export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  const [s, d, dev] = likeOpts('zerosLike', t, opts);
  return finish(filled('zerosLike', s, 0, d, dev), opts);
}
/** Ones with the shape (and by default dtype and device) of t. */
export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  const [s, d, dev] = likeOpts('onesLike', t, opts);
  return finish(filled('onesLike', s, 1, d, dev), opts);
}
/** `value` everywhere, with the shape (and by default dtype and device) of t. */
export function fullLike(t: Tensor, value: number | boolean, opts?: TensorOptions): Tensor {
  const [s, d, dev] = likeOpts('fullLike', t, opts);
  return finish(filled('fullLike', s, Number(value), d, dev), opts);
}

/**
 * Values from start (inclusive) to end (exclusive) by step, like torch.arange.
 * int32 when every argument is an integer, float32 otherwise.
 * @example tf.arange(5); tf.arange(1, 2, 0.25)
 */
export function arange(startOrEnd: number, end?: number | TensorOptions, step?: number | TensorOptions, opts?: TensorOptions): Tensor {
  let start = 0;
  let stop: number;
  let st = 1;
  if (typeof end === 'object') {
    opts = end;
    stop = startOrEnd;
  } else if (end === undefined) {
    stop = startOrEnd;
  } else {
    start = startOrEnd;
    stop = end;
    if (typeof step === 'object') opts = step;
    else if (step !== undefined) st = step;
  }
  for (const [name, v] of [['start', start], ['end', stop], ['step', st]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError('arange', `${name} must be a finite number, got ${v}`);
  }
  if (st === 0) throw new ArgumentError('arange', 'step must be non-zero');
  if ((stop - start) / st < 0) throw new ArgumentError('arange', `upper bound and step disagree in sign (start ${start}, end ${stop}, step ${st})`);
  const allInt = Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(st);
  const dtype = checkDType('arange', opts?.dtype ?? (allInt ? 'int32' : 'float32'));
  const n = Math.ceil((stop - start) / st);
  const t = Tensor.empty([n], dtype, checkDevice('arange', opts?.device));
  if (n) native.sequence(0, t.handle('arange'), dtypeCode(dtype), n, start, st);
  return finish(t, opts);
}

/**
 * `steps` evenly spaced values from start to end inclusive.
 * @example tf.linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError('linspace', `steps must be a non-negative integer, got ${steps}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ArgumentError('linspace', `start and end must be finite, got ${start} and ${end}`);
  const dtype = checkDType('linspace', opts?.dtype ?? 'float32');
  const t = Tensor.empty([steps], dtype, checkDevice('linspace', opts?.device));
  if (steps) native.sequence(1, t.handle('linspace'), dtypeCode(dtype), steps, start, end);
  return finish(t, opts);
}

/**
 * The identity matrix [n, m] (m defaults to n).
 * @example tf.eye(3)
 */
export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (typeof m === 'object') {
    opts = m;
    m = undefined;
  }
  const cols = m ?? n;
  checkShape('eye', [n, cols]);
  const dtype = checkDType('eye', opts?.dtype ?? 'float32');
  const t = Tensor.empty([n, cols], dtype, checkDevice('eye', opts?.device));
  if (n * cols) native.sequence(2, t.handle('eye'), dtypeCode(dtype), n, cols, 0);
  return finish(t, opts);
}

/** @internal Wraps a JS scalar as a 0-d tensor of the given dtype. */
export function scalarTensor(value: number | boolean, dtype: DType): Tensor {
  return filled('scalar', [], Number(value), dtype, 'cpu');
}
