/**
 * softmax and logSoftmax along one dim: one native call per op (max, sum of exp(x - max),
 * scaling), fused row kernels when the dim is contiguous. Subtracting the max keeps
 * large inputs from overflowing.
 */
import { dtypeCode, type DType } from '../dtype';
import { rethrowNative } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { alongDimMeta, castForOp, checkInput, requireFloat, singleDim } from './reduce_common';

import { needsGrad, record } from '../autograd/graph';
import { exp } from './unary';
import { mul, sub } from './binary';
import { sum } from './reduce';

/** Options of softmax and logSoftmax. */
export interface SoftmaxOptions {
  /** Convert the input to this float dtype first. */
  dtype?: DType;
}

function run(op: 'softmax' | 'logSoftmax', x: Tensor, dim: number, opts?: SoftmaxOptions): Tensor {
  checkInput(op, x);
  const d = singleDim(op, x, dim);
  if (opts?.dtype === undefined) requireFloat(op, x, " or pass { dtype: 'float32' }");
  const src = castForOp(op, x, opts?.dtype, ['float32', 'float64']);
  try {
    const out = Tensor.empty(src.shape.slice(), src.dtype, src.device);
    if (out.size !== 0) {
      try {
        native.softmax(op === 'logSoftmax' ? 1 : 0, src.handle(op), dtypeCode(src.dtype), src.offset, alongDimMeta(src, out, d), out.handle(op));
      } catch (e) {
        out.dispose();
        rethrowNative(op, e);
      }
    }
    if (!needsGrad(x)) return out;
    const dims = x.ndim === 0 ? [] : [d];
    // from the output y: softmax y (g - sum(g y)), logSoftmax g - exp(y) sum(g)
    if (op === 'softmax') return record(op, out, [x], (g) => [mul(out, sub(g, sum(mul(g, out), dims, true)))], [out]);
    return record(op, out, [x], (g) => [sub(g, mul(exp(out), sum(g, dims, true)))], [out]);
  } finally {
    if (src !== x) src.dispose();
  }
}

/**
 * exp(x) / sum(exp(x)) along `dim`; each slice along dim sums to 1. A slice holding a
 * NaN or +Infinity, or only -Infinity, gives NaN (as in PyTorch).
 * @param x float tensor, e.g. logits [N, C]
 * @param dim the dim that sums to 1 (negative counts from the end)
 * @returns same shape as x
 * @example tf.tensor([[1, 2, 3]]).softmax(-1) // [[0.0900, 0.2447, 0.6652]]
 */
export function softmax(x: Tensor, dim: number, opts?: SoftmaxOptions): Tensor {
  return run('softmax', x, dim, opts);
}

/**
 * log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))), finite
 * where softmax would underflow to 0.
 * @param x float tensor, e.g. logits [N, C]
 * @returns same shape as x
 * @example tf.tensor([[0, 1000]]).logSoftmax(1) // [[-1000, 0]]
 */
export function logSoftmax(x: Tensor, dim: number, opts?: SoftmaxOptions): Tensor {
  return run('logSoftmax', x, dim, opts);
}

declare module '../tensor' {
  interface Tensor {
    /** See {@link softmax}. */
    softmax(dim: number, opts?: SoftmaxOptions): Tensor;
    /** See {@link logSoftmax}. */
    logSoftmax(dim: number, opts?: SoftmaxOptions): Tensor;
  }
}

const P = Tensor.prototype;
P.softmax = function (d, o) { return softmax(this, d, o); };
P.logSoftmax = function (d, o) { return logSoftmax(this, d, o); };
