/**
 * Shared machinery of the elementwise ops (binary.ts, unary.ts, compare.ts, where.ts,
 * inplace.ts): op codes matching native/kernels/cpu/elementwise/elementwise.h, PyTorch's
 * type promotion with 0-d tensors and JS scalars, and the launchers that pick the lean
 * one-call fast path (contiguous operands of one shape) or the strided path.
 */
import { type DType, dtypeCode, isFloating, itemSize } from '../dtype';
import { ArgumentError, DeviceError, DTypeError, ShapeError, TensorforgeError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { broadcastShapes, broadcastStrides, layoutMeta, sameShape } from '../shape';
import { Storage, takePooled } from '../storage';
import { Tensor, isTensor } from '../tensor';
import { copyToContiguous } from './copy';

/** A JS scalar operand: numbers, and booleans (true = 1). */
export type Scalar = number | boolean;
/** An operand of a binary op: a tensor or a JS scalar. */
export type Operand = Tensor | Scalar;

/** Binary op codes (native BinaryOp). Codes >= 16 write bool. */
export const B = {
  add: 0, sub: 1, mul: 2, div: 3, divTrunc: 4, divFloor: 5, pow: 6, maximum: 7, minimum: 8,
  remainder: 9, fmod: 10, addAlpha: 11, reluBackward: 12,
  eq: 16, ne: 17, lt: 18, le: 19, gt: 20, ge: 21, logicalAnd: 22, logicalOr: 23, logicalXor: 24,
} as const;

/** Unary op codes (native UnaryOp). */
export const U = {
  neg: 0, abs: 1, exp: 2, log: 3, log1p: 4, sqrt: 5, rsqrt: 6, sin: 7, cos: 8, tanh: 9, sigmoid: 10,
  relu: 11, gelu: 12, geluTanh: 13, silu: 14, leakyRelu: 15, elu: 16, softplus: 17, clamp: 18,
  sign: 19, floor: 20, ceil: 21, round: 22, square: 23, reciprocal: 24, fill: 25, expm1: 26,
} as const;

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** dtype code without an object lookup (hot path). */
export function code(d: DType): number {
  return d === 'float32' ? 0 : d === 'float64' ? 1 : d === 'int32' ? 2 : 3;
}

/** Contiguity check without the getter indirection (hot path). */
export function isContig(t: Tensor): boolean {
  const shape = t.shape;
  const strides = t.strides;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    if (d === 1) continue;
    if (strides[i] !== expected) return d === 0 || t.size === 0;
    expected *= d;
  }
  return true;
}

export function numelOfShape(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * Wraps a handle the native fast path returned as a contiguous tensor. The fast paths pass
 * the input's own shape and strides arrays (they are readonly and the input is
 * contiguous with that shape), which saves two array allocations per op.
 */
export function wrapHandle(h: ReturnType<typeof native.alloc>, n: number, shape: readonly number[], strides: readonly number[], dtype: DType): Tensor {
  return new Tensor(new Storage(h, n * itemSize(dtype), 'cpu'), 0, shape, strides, dtype);
}

/** Rethrows a native error as a typed error naming the op. */
export function nativeFail(op: string, e: unknown): never {
  if (e instanceof TensorforgeError) throw e;
  if ((e as { code?: string })?.code === 'ERR_TF_ZERO_DIVISION') {
    throw new ArgumentError(op, 'integer division or remainder by zero (ZeroDivisionError)');
  }
  rethrowNative(op, e);
}

function describe(x: unknown): string {
  if (isTensor(x)) return `Tensor(shape ${fmtShape(x.shape)}, dtype ${x.dtype})`;
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array (wrap it with tf.tensor())';
  return typeof x;
}

/** Checks a tensor-or-scalar operand; throws ArgumentError naming the op otherwise. */
export function checkOperand(op: string, x: unknown, what: string): Operand {
  if (isTensor(x)) {
    x.handle(op);
    return x;
  }
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  throw new ArgumentError(op, `${what} must be a Tensor, a number or a boolean, got ${describe(x)}`);
}

export function checkTensorArg(op: string, x: unknown, what = 'input'): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `${what} must be a Tensor, got ${describe(x)}`);
  x.handle(op);
  return x;
}

const category = (d: DType): number => (d === 'bool' ? 0 : d === 'int32' ? 1 : 2);
const rank = (d: DType): number => (d === 'bool' ? 0 : d === 'int32' ? 1 : d === 'float32' ? 2 : 3);
const wider = (a: DType, b: DType): DType => (rank(a) >= rank(b) ? a : b);
const scalarDType = (s: Scalar): DType => (typeof s === 'boolean' ? 'bool' : Number.isInteger(s) ? 'int32' : 'float32');

/**
 * PyTorch's result type for a list of operands. Three tiers: tensors with dims, 0-d
 * tensors, JS scalars. A lower tier only changes the result when its category (bool <
 * integer < floating) is higher, and then scalars bring the default dtype of their
 * category (int32, float32). E.g. int32 [3] + 2.5 -> float32; float32 [3] + float64 0-d
 * -> float32; int32 [3] + float64 0-d -> float64.
 */
export function resultType(ops: readonly Operand[]): DType {
  let dim: DType | null = null;
  let zero: DType | null = null;
  let sc: DType | null = null;
  for (const o of ops) {
    if (typeof o === 'number' || typeof o === 'boolean') {
      const d = scalarDType(o);
      sc = sc === null ? d : wider(sc, d);
    } else if (o.shape.length === 0) {
      zero = zero === null ? o.dtype : wider(zero, o.dtype);
    } else {
      dim = dim === null ? o.dtype : wider(dim, o.dtype);
    }
  }
  let r: DType | null = dim;
  if (zero !== null && (r === null || category(zero) > category(r))) r = zero;
  if (sc !== null && (r === null || category(sc) > category(r))) r = sc;
  return r ?? 'float32';
}

/** Whether a result of dtype `from` may be written into a tensor of dtype `into` (PyTorch's canCast). */
export function canCast(from: DType, into: DType): boolean {
  return category(from) <= category(into);
}

/** A scalar as the compute dtype sees it; throws if an integer does not fit int32. */
export function scalarValue(op: string, s: Scalar, dt: DType): number {
  const v = typeof s === 'boolean' ? (s ? 1 : 0) : s;
  if (dt === 'int32' && (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)) {
    throw new ArgumentError(op, `value ${v} cannot be converted to int32 without overflow`);
  }
  return v;
}

/** x converted to dtype (x itself when it already has it). */
export function cast(x: Tensor, dtype: DType): Tensor {
  // an internal temporary: not recorded for autograd (the op records its own inputs)
  return x.dtype === dtype ? x : copyToContiguous('to', x, dtype);
}

/** Disposes a converted temporary (not the caller's own tensor). */
export function release(tmp: Tensor, original: Operand): void {
  if (tmp !== original) tmp.dispose();
}

function checkSameDevice(op: string, a: Tensor, b: Tensor): void {
  if (a.device !== b.device) throw new DeviceError(op, `tensors are on different devices: ${a.device} and ${b.device}`);
}

/**
 * Runs binary op `bop` in compute dtype `cd` on two operands (at least one a tensor),
 * writing a fresh tensor of dtype `outDt`. alpha is used by add/sub (a + alpha * b).
 */
export function launchBinary(op: string, bop: number, a: Operand, b: Operand, cd: DType, outDt: DType, alpha = 1): Tensor {
  const aT = typeof a === 'object';
  const bT = typeof b === 'object';
  if (aT && bT) {
    const ta = a as Tensor;
    const tb = b as Tensor;
    checkSameDevice(op, ta, tb);
    const shape = broadcastShapes(op, ta.shape, tb.shape);
    const ca = cast(ta, cd);
    const cb = cast(tb, cd);
    try {
      let kind = bop * 4 + code(cd);
      if (alpha !== 1) kind = B.addAlpha * 4 + code(cd);
      if (alpha === 1 && sameShape(ca.shape, cb.shape) && isContig(ca) && isContig(cb)) {
        const n = numelOfShape(shape);
        const pooled = takePooled(n * itemSize(outDt));
        if (pooled !== null) {
          native.ewBinaryFast(kind, ca.handle(op), ca.offset, cb.handle(op), cb.offset, n, pooled.handle!, 0);
          return new Tensor(pooled, 0, shape, ca.strides, outDt);
        }
        const h = native.ewBinaryFast(kind, ca.handle(op), ca.offset, cb.handle(op), cb.offset, n);
        return wrapHandle(h, n, shape, ca.strides, outDt);
      }
      const out = Tensor.empty(shape, outDt, ta.device);
      const meta = layoutMeta(shape, out.strides, broadcastStrides(ca.shape, ca.strides, shape), broadcastStrides(cb.shape, cb.strides, shape));
      native.ewBinary(kind, out.handle(op), 0, ca.handle(op), ca.offset, cb.handle(op), cb.offset, meta, alpha);
      return out;
    } catch (e) {
      nativeFail(op, e);
    } finally {
      release(ca, ta);
      release(cb, tb);
    }
  }
  const t = (aT ? a : b) as Tensor;
  const s = scalarValue(op, (aT ? b : a) as Scalar, cd);
  if (alpha !== 1) {
    if (aT) return launchBinary(op, bop, t, s * alpha, cd, outDt); // a + alpha * s
    const st = scalarTensor(op, s, cd);
    try {
      return launchBinary(op, bop, st, t, cd, outDt, alpha);
    } finally {
      st.dispose();
    }
  }
  const reversed = aT ? 0 : 1;
  const ct = cast(t, cd);
  try {
    const kind = bop * 4 + code(cd);
    const shape = ct.shape;
    if (isContig(ct)) {
      const n = numelOfShape(shape);
      const pooled = takePooled(n * itemSize(outDt));
      if (pooled !== null) {
        native.ewScalarFast(kind, ct.handle(op), ct.offset, s, reversed, n, pooled.handle!, 0);
        return new Tensor(pooled, 0, shape, ct.strides, outDt);
      }
      const h = native.ewScalarFast(kind, ct.handle(op), ct.offset, s, reversed, n);
      return wrapHandle(h, n, shape, ct.strides, outDt);
    }
    const out = Tensor.empty(shape.slice(), outDt, t.device);
    native.ewScalar(kind, out.handle(op), 0, ct.handle(op), ct.offset, s, reversed, layoutMeta(shape, out.strides, ct.strides));
    return out;
  } catch (e) {
    nativeFail(op, e);
  } finally {
    release(ct, t);
  }
}

/** A 0-d tensor holding s in dtype dt. */
export function scalarTensor(op: string, s: number, dt: DType): Tensor {
  const t = Tensor.empty([], dt);
  native.fill(t.handle(op), dtypeCode(dt), 0, 1, s);
  return t;
}

export function contiguousOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

/** Unary op `uop` on x (in the dtype the op computes in), into a fresh tensor. */
export function launchUnary(op: string, uop: number, x: Tensor, p0 = 0, p1 = 0): Tensor {
  const kind = uop * 4 + code(x.dtype);
  try {
    if (isContig(x)) {
      const n = x.size;
      const pooled = takePooled(n * itemSize(x.dtype));
      if (pooled !== null) {
        native.ewUnaryFast(kind, x.handle(op), x.offset, n, p0, p1, pooled.handle!, 0);
        return new Tensor(pooled, 0, x.shape, x.strides, x.dtype);
      }
      const h = native.ewUnaryFast(kind, x.handle(op), x.offset, n, p0, p1);
      return wrapHandle(h, n, x.shape, x.strides, x.dtype);
    }
    const out = Tensor.empty(x.shape.slice(), x.dtype, x.device);
    native.ewUnary(kind, out.handle(op), 0, x.handle(op), x.offset, layoutMeta(x.shape, out.strides, x.strides), p0, p1);
    return out;
  } catch (e) {
    nativeFail(op, e);
  }
}

/** Applies unary op `uop` to x's own memory (x may be any strided view). */
export function launchUnaryInPlace(op: string, uop: number, x: Tensor, p0 = 0, p1 = 0): void {
  const h = x.handle(op);
  const n = x.size;
  if (n === 0) return;
  try {
    if (isContig(x)) native.ewUnaryFast(uop * 4 + code(x.dtype), h, x.offset, n, p0, p1, h, x.offset);
    else native.ewUnary(uop * 4 + code(x.dtype), h, x.offset, h, x.offset, layoutMeta(x.shape, x.strides, x.strides), p0, p1);
  } catch (e) {
    nativeFail(op, e);
  }
}

/** True when a dim of size > 1 has stride 0: several elements share one memory location. */
export function hasInternalOverlap(x: Tensor): boolean {
  for (let i = 0; i < x.shape.length; i++) if (x.strides[i] === 0 && x.shape[i] > 1) return true;
  return false;
}

/** Checks that x can be written in place with a result of dtype rt and shape `shape`. */
export function checkInPlace(op: string, x: Tensor, rt: DType, shape: readonly number[]): void {
  if (!canCast(rt, x.dtype)) {
    throw new DTypeError(op, `result type ${rt} can't be cast to the desired output type ${x.dtype} (in-place ops keep the tensor's dtype)`);
  }
  if (!sameShape(shape, x.shape)) {
    throw new ShapeError(op, `output with shape ${fmtShape(x.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  }
  if (hasInternalOverlap(x)) {
    throw new ArgumentError(op, `more than one element of the written-to tensor (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}) refers to a single memory location; clone() it first`);
  }
}

/**
 * Binary op in place: x = x op other, computed in x's dtype. `rt` is the result type the
 * out-of-place op would have (it must be castable to x's dtype).
 */
export function launchBinaryInPlace(op: string, bop: number, x: Tensor, other: Operand, rt: DType, alpha = 1): Tensor {
  const h = x.handle(op);
  const dt = x.dtype;
  if (typeof other !== 'object') {
    checkInPlace(op, x, rt, x.shape);
    let s = scalarValue(op, other, rt);
    if (alpha !== 1) s *= alpha;
    if (dt === 'int32') s = scalarValue(op, s, 'int32');
    const n = x.size;
    if (n !== 0) {
      try {
        if (isContig(x)) native.ewScalarFast(bop * 4 + code(dt), h, x.offset, s, 0, n, h, x.offset);
        else native.ewScalar(bop * 4 + code(dt), h, x.offset, h, x.offset, s, 0, layoutMeta(x.shape, x.strides, x.strides));
      } catch (e) {
        nativeFail(op, e);
      }
    }
    x.storage.version++;
    return x;
  }
  checkSameDevice(op, x, other);
  if (alpha === 1 && other.dtype === dt && sameShape(other.shape, x.shape) && isContig(x) && isContig(other) &&
      (other.storage !== x.storage || other.offset === x.offset)) {
    // the lean path of contiguous operands of one shape (optimizer updates)
    checkInPlace(op, x, rt, x.shape);
    try {
      native.ewBinaryFast(bop * 4 + code(dt), h, x.offset, other.handle(op), other.offset, x.size, h, x.offset);
    } catch (e) {
      nativeFail(op, e);
    }
    x.storage.version++;
    return x;
  }
  checkInPlace(op, x, rt, broadcastShapes(op, x.shape, other.shape));
  let src = cast(other, dt);
  const bst = broadcastStrides(src.shape, src.strides, x.shape);
  // Another view of the same memory, not exactly x: read it from a copy, like NumPy.
  if (src.storage === x.storage && !(src.offset === x.offset && sameShape(bst, x.strides))) {
    const c = src.clone();
    release(src, other);
    src = c;
  }
  try {
    if (x.size !== 0) {
      const kind = (alpha !== 1 ? B.addAlpha : bop) * 4 + code(dt);
      const meta = layoutMeta(x.shape, x.strides, x.strides, broadcastStrides(src.shape, src.strides, x.shape));
      native.ewBinary(kind, h, x.offset, h, x.offset, src.handle(op), src.offset, meta, alpha);
    }
  } catch (e) {
    nativeFail(op, e);
  } finally {
    release(src, other);
  }
  x.storage.version++;
  return x;
}

/** The float dtype float math on x gives: x's own for floats, float32 for int and bool. */
export function floatResult(d: DType): DType {
  return isFloating(d) ? d : 'float32';
}
