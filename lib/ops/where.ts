/**
 * Selection: where(cond, a, b) and maskedFill / maskedFill_ (mask bool, broadcast).
 */
import type { DType } from '../dtype';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';
import { native } from '../native';
import { broadcastShapes, broadcastStrides, layoutMeta, sameShape } from '../shape';
import { Tensor, isTensor } from '../tensor';
import {
  INT32_MAX, INT32_MIN, type Operand, type Scalar, cast, checkInPlace, checkOperand, checkTensorArg, code, nativeFail,
  release, resultType, scalarTensor, scalarValue,
} from './elementwise_common';

import { inPlaceNeedsGrad, needsGrad, needsGrad2, record } from '../autograd/graph';

function checkMask(op: string, m: unknown, what: string): Tensor {
  const t = checkTensorArg(op, m, what);
  if (t.dtype !== 'bool') throw new DTypeError(op, `${what} must be a bool tensor, got dtype ${t.dtype}; compare first (e.g. x.gt(0))`);
  return t;
}

/**
 * Picks a where cond is true, else b; all three broadcast together. a and b may be
 * tensors or scalars and are promoted to one dtype.
 * @param cond bool [...sc]
 * @returns [...broadcast(sc, sa, sb)]
 * @example tf.where(x.gt(0), x, 0) // relu
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const c = checkMask('where', cond, 'condition');
  const x = checkOperand('where', a, 'input');
  const y = checkOperand('where', b, 'other');
  const rt = resultType([x, y]);
  const ta = typeof x === 'object' ? cast(x, rt) : scalarTensor('where', scalarValue('where', x, rt), rt);
  const tb = typeof y === 'object' ? cast(y, rt) : scalarTensor('where', scalarValue('where', y, rt), rt);
  try {
    let shape: number[];
    try {
      shape = broadcastShapes('where', broadcastShapes('where', c.shape, ta.shape), tb.shape);
    } catch {
      throw new ShapeError('where', `condition ${fmtShape(c.shape)}, input ${fmtShape(ta.shape)} and other ${fmtShape(tb.shape)} cannot be broadcast together`);
    }
    const out = Tensor.empty(shape, rt, c.device);
    if (out.size === 0) return out;
    const meta = layoutMeta(shape, out.strides, broadcastStrides(c.shape, c.strides, shape),
      broadcastStrides(ta.shape, ta.strides, shape), broadcastStrides(tb.shape, tb.strides, shape));
    try {
      native.ewWhere(code(rt), out.handle('where'), 0, c.handle('where'), c.offset, ta.handle('where'), ta.offset, tb.handle('where'), tb.offset, meta);
    } catch (e) {
      out.dispose();
      nativeFail('where', e);
    }
    if (!needsGrad2(x, y)) return out;
    return record('where', out, [x, y], (g, n) => [n.needs(0) ? where(c, g, 0) : null, n.needs(1) ? where(c, 0, g) : null], [c]);
  } finally {
    release(ta, x);
    release(tb, y);
  }
}

/** The fill value as x's dtype stores it (truncated for int32, != 0 for bool). */
function fillValue(op: string, value: unknown, dt: DType): number {
  let v: Scalar;
  if (isTensor(value)) {
    if (value.ndim !== 0) throw new ArgumentError(op, `value must be a number, a boolean or a 0-d tensor, got a tensor of shape ${fmtShape(value.shape)}`);
    v = value.item();
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    v = value;
  } else {
    throw new ArgumentError(op, `value must be a number, a boolean or a 0-d tensor, got ${value === null ? 'null' : typeof value}`);
  }
  const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  if (dt === 'int32') {
    const i = Math.trunc(n);
    if (!Number.isFinite(n) || i < INT32_MIN || i > INT32_MAX) throw new ArgumentError(op, `value ${n} cannot be converted to int32 without overflow`);
    return i;
  }
  return n;
}

function maskedFillInto(op: string, out: Tensor, x: Tensor, mask: Tensor, v: number): void {
  const shape = out.shape;
  if (out.size === 0) return;
  const meta = layoutMeta(shape, out.strides, broadcastStrides(x.shape, x.strides, shape), broadcastStrides(mask.shape, mask.strides, shape));
  try {
    native.ewMaskedFill(code(out.dtype), out.handle(op), out.offset, x.handle(op), x.offset, mask.handle(op), mask.offset, meta, v);
  } catch (e) {
    nativeFail(op, e);
  }
}

/**
 * A copy of x with value where mask is true (mask broadcasts with x; the result has x's dtype).
 * @param x [...s]  @param mask bool, broadcastable with s
 * @example x.maskedFill(x.lt(0), 0) // negatives set to 0
 */
export function maskedFill(x: Tensor, mask: Tensor, value: Scalar | Tensor): Tensor {
  const t = checkTensorArg('maskedFill', x);
  const m = checkMask('maskedFill', mask, 'mask');
  const v = fillValue('maskedFill', value, t.dtype);
  const out = Tensor.empty(broadcastShapes('maskedFill', t.shape, m.shape), t.dtype, t.device);
  maskedFillInto('maskedFill', out, t, m, v);
  return needsGrad(t) ? record('maskedFill', out, [t], (g) => [maskedFill(g, m, 0)], [m]) : out;
}

/**
 * In place: x[mask] = value, mask broadcast to x's shape. Returns x.
 * @example x.maskedFill_(x.lt(0), 0)
 */
export function maskedFill_(x: Tensor, mask: Tensor, value: Scalar | Tensor): Tensor {
  const t = checkTensorArg('maskedFill_', x);
  let m = checkMask('maskedFill_', mask, 'mask');
  const v = fillValue('maskedFill_', value, t.dtype);
  const shape = broadcastShapes('maskedFill_', t.shape, m.shape);
  if (!sameShape(shape, t.shape)) throw new ShapeError('maskedFill_', `mask of shape ${fmtShape(m.shape)} cannot be broadcast to the tensor's shape ${fmtShape(t.shape)}`);
  checkInPlace('maskedFill_', t, t.dtype, shape);
  const rec = inPlaceNeedsGrad('maskedFill_', t, value, !isTensor(value) || !value.requiresGrad);
  if (m.storage === t.storage) m = m.clone();
  try {
    maskedFillInto('maskedFill_', t, t, m, v);
  } finally {
    if (!rec) release(m, mask);
  }
  t.storage.version++;
  if (!rec) return t;
  const mk = m;
  return record('maskedFill_', t, [t], (g) => [maskedFill(g, mk, 0)], [mk]);
}

export { fillValue };

declare module '../tensor' {
  interface Tensor {
    where(cond: Tensor, other: Operand): Tensor;
    maskedFill(mask: Tensor, value: Scalar | Tensor): Tensor;
    maskedFill_(mask: Tensor, value: Scalar | Tensor): Tensor;
  }
}

const P = Tensor.prototype;
/** x.where(cond, other) is where(cond, x, other), as in PyTorch. */
P.where = function (c, o) { return where(c, this, o); };
P.maskedFill = function (m, v) { return maskedFill(this, m, v); };
P.maskedFill_ = function (m, v) { return maskedFill_(this, m, v); };
