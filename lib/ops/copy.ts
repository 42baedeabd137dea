/** Copies: contiguous(), clone(), to(dtype), copy_(src). */
import { checkDType, dtypeCode, type DType } from '../dtype';
import { ArgumentError, DTypeError, fmtShape, ShapeError, rethrowNative } from '../errors';
import { native } from '../native';
import { broadcastShapes, broadcastStrides, layoutMeta, sameShape } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { checkDevice, type Device } from '../device';
import { inPlaceNeedsGrad, needsGrad, record } from '../autograd/graph';

/** Records a copy: the gradient passes through (the engine casts it back to x's dtype). */
function copyGrad(op: string, out: Tensor, x: Tensor): Tensor {
  return record(op, out, [x], (g) => [g]);
}

/** @internal Copies src (broadcast to dst's shape, converted to dst's dtype) into dst. */
export function copyInto(op: string, dst: Tensor, src: Tensor): void {
  const dh = dst.handle(op);
  const sh = src.handle(op);
  if (dst.size === 0) return;
  const sStrides = sameShape(dst.shape, src.shape) ? src.strides : broadcastStrides(src.shape, src.strides, dst.shape);
  try {
    native.copy(dh, dtypeCode(dst.dtype), dst.offset, sh, dtypeCode(src.dtype), src.offset, layoutMeta(dst.shape, dst.strides, sStrides));
  } catch (e) {
    rethrowNative(op, e);
  }
}

/** @internal A fresh contiguous copy of x, converted to dtype. */
export function copyToContiguous(op: string, x: Tensor, dtype: DType = x.dtype): Tensor {
  x.handle(op);
  const out = Tensor.empty(x.shape.slice(), dtype, x.device);
  copyInto(op, out, x);
  return out;
}

/** x itself when it is already contiguous, else a contiguous copy (like PyTorch). */
export function contiguous(x: Tensor): Tensor {
  if (!isTensor(x)) throw new ArgumentError('contiguous', 'expected a Tensor');
  x.handle('contiguous');
  if (x.isContiguous()) return x;
  const out = copyToContiguous('contiguous', x);
  return needsGrad(x) ? copyGrad('contiguous', out, x) : out;
}

/** A copy with its own memory. @example const y = x.clone(); */
export function clone(x: Tensor): Tensor {
  if (!isTensor(x)) throw new ArgumentError('clone', 'expected a Tensor');
  const y = copyToContiguous('clone', x);
  return needsGrad(x) ? copyGrad('clone', y, x) : y;
}

/**
 * Converts to another dtype (or device). Returns x itself when nothing changes, like PyTorch.
 * @example tf.tensor([1.7, -1.7]).to('int32') // [1, -1]
 */
export function to(x: Tensor, target: DType | Device | { dtype?: DType; device?: Device }): Tensor {
  if (!isTensor(x)) throw new ArgumentError('to', 'expected a Tensor');
  let dtype: DType = x.dtype;
  let device: Device | undefined;
  if (typeof target === 'string') {
    if (target === 'cpu' || target.startsWith('cuda')) device = target as Device;
    else dtype = checkDType('to', target);
  } else if (target && typeof target === 'object') {
    if (target.dtype !== undefined) dtype = checkDType('to', target.dtype);
    device = target.device;
  } else {
    throw new ArgumentError('to', `expected a dtype, a device or {dtype, device}, got ${String(target)}`);
  }
  if (device !== undefined && device !== 'cpu') {
    checkDevice('to', device); // reports that this build has no CUDA backend
  }
  if (dtype === x.dtype) {
    x.handle('to');
    return x;
  }
  const out = copyToContiguous('to', x, dtype);
  return needsGrad(x) ? copyGrad('to', out, x) : out;
}

/**
 * Copies src into x in place (src broadcast to x's shape, converted to x's dtype). Returns x.
 */
export function copy_(x: Tensor, src: Tensor): Tensor {
  if (!isTensor(x) || !isTensor(src)) throw new ArgumentError('copy_', 'expected two Tensors');
  const b = broadcastShapes('copy_', x.shape, src.shape);
  if (!sameShape(b, x.shape)) throw new ShapeError('copy_', `source of shape ${fmtShape(src.shape)} cannot be broadcast to ${fmtShape(x.shape)}`);
  for (let i = 0; i < x.ndim; i++) {
    // A broadcast (stride-0) destination would have several elements written to one
    // place, racily across threads; PyTorch refuses it too.
    if (x.strides[i] === 0 && x.shape[i] > 1 && x.size > 0) {
      throw new ArgumentError('copy_', `the destination of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)} has several elements at one memory location (an expanded view); clone() it first`);
    }
  }
  if (x.dtype === 'bool' && src.dtype !== 'bool') throw new DTypeError('copy_', `cannot copy ${src.dtype} into a bool tensor; compare first (e.g. src.ne(0))`);
  const rec = inPlaceNeedsGrad('copy_', x, src, true);
  copyInto('copy_', x, src);
  x.storage.version++;
  // x's old values are gone: only src gets a gradient (summed to its shape by the engine)
  return rec ? record('copy_', x, [x, src], (g) => [null, g]) : x;
}

declare module '../tensor' {
  interface Tensor {
    contiguous(): Tensor;
    clone(): Tensor;
    to(target: DType | Device | { dtype?: DType; device?: Device }): Tensor;
    copy_(src: Tensor): Tensor;
    float(): Tensor;
    double(): Tensor;
    int(): Tensor;
    bool(): Tensor;
  }
}

const P = Tensor.prototype;
P.contiguous = function () { return contiguous(this); };
P.clone = function () { return clone(this); };
P.to = function (t) { return to(this, t); };
P.copy_ = function (s) { return copy_(this, s); };
P.float = function () { return to(this, 'float32'); };
P.double = function () { return to(this, 'float64'); };
P.int = function () { return to(this, 'int32'); };
P.bool = function () { return to(this, 'bool'); };
