/**
 * cumsum and cumprod along one dim. Float stays float (float32 carries a double running
 * value, so long scans do not drift); int32 and bool give int32 (PyTorch gives int64).
 */
import { dtypeCode, isFloating, type DType } from '../dtype';
import { rethrowNative } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { alongDimMeta, castForOp, checkInput, singleDim } from './reduce_common';

/** Options of cumsum and cumprod. */
export interface CumOptions {
  /** Convert the input to this dtype first (float32, float64 or int32). */
  dtype?: DType;
}

function scan(op: 'cumsum' | 'cumprod', x: Tensor, dim: number, opts?: CumOptions): Tensor {
  checkInput(op, x);
  const d = singleDim(op, x, dim);
  const src = castForOp(op, x, opts?.dtype, ['float32', 'float64', 'int32']);
  try {
    const out = Tensor.empty(src.shape.slice(), isFloating(src.dtype) ? src.dtype : 'int32', src.device);
    if (out.size === 0) return out;
    try {
      native.scan(op === 'cumprod' ? 1 : 0, src.handle(op), dtypeCode(src.dtype), src.offset, alongDimMeta(src, out, d), out.handle(op));
    } catch (e) {
      out.dispose();
      rethrowNative(op, e);
    }
    return out;
  } finally {
    if (src !== x) src.dispose();
  }
}

/**
 * Running sum along `dim`: out[..., i, ...] = sum of x[..., 0..i, ...].
 * @param x any shape and dtype, e.g. [N, T]
 * @returns same shape as x (int32 for int32/bool input)
 * @example tf.tensor([1, 2, 3]).cumsum(0) // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number, opts?: CumOptions): Tensor {
  return scan('cumsum', x, dim, opts);
}

/**
 * Running product along `dim`.
 * @example tf.tensor([1, 2, 3]).cumprod(0) // [1, 2, 6]
 */
export function cumprod(x: Tensor, dim: number, opts?: CumOptions): Tensor {
  return scan('cumprod', x, dim, opts);
}

declare module '../tensor' {
  interface Tensor {
    /** See {@link cumsum}. */
    cumsum(dim: number, opts?: CumOptions): Tensor;
    /** See {@link cumprod}. */
    cumprod(dim: number, opts?: CumOptions): Tensor;
  }
}

const P = Tensor.prototype;
P.cumsum = function (d, o) { return cumsum(this, d, o); };
P.cumprod = function (d, o) { return cumprod(this, d, o); };
