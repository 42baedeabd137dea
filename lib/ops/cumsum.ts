/**
 * cumsum and cumprod along one dim. Float stays float (float32 carries a double running
 * value, so long scans do not drift); int32 and bool give int32 (PyTorch gives int64).
 */
import { dtypeCode, isFloating, type DType } from '../dtype';
import { rethrowNative } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { alongDimMeta, castForOp, checkInput, singleDim } from './reduce_common';

import { needsGrad, record } from '../autograd/graph';
import { flipDim } from '../autograd/grad_utils';
import { div, mul, add } from './binary';
import { narrow } from './view';
import { cat } from './join';

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
    if (out.size !== 0) {
      try {
        native.scan(op === 'cumprod' ? 1 : 0, src.handle(op), dtypeCode(src.dtype), src.offset, alongDimMeta(src, out, d), out.handle(op));
      } catch (e) {
        out.dispose();
        rethrowNative(op, e);
      }
    }
    if (!needsGrad(x)) return out;
    if (op === 'cumsum') return record(op, out, [x], (g) => [reverseCumsum(g, x.ndim === 0 ? 0 : d)]);
    return record(op, out, [x], (g) => [cumprodBackward(g, x, out, d)], [x, out]);
  } finally {
    if (src !== x) src.dispose();
  }
}

/** sum over j >= i of g[j] along d (the gradient of cumsum). */
function reverseCumsum(g: Tensor, d: number): Tensor {
  if (g.ndim === 0) return g;
  return flipDim(cumsum(flipDim(g, d), d), d);
}

/**
 * The gradient of cumprod along d: sum over j >= i of g[j] y[j] / x[i] when x has no
 * zero; otherwise, per position i, prod(x[<i]) * (g[i] + sum over j > i of g[j] prod(x[i+1..j])).
 */
function cumprodBackward(g: Tensor, x: Tensor, y: Tensor, d: number): Tensor {
  if (x.ndim === 0) return g;
  const hasZero = x.eq(0).any().item() === true;
  if (!hasZero) return div(reverseCumsum(mul(g, y), d), x);
  const n = x.shape[d];
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const before = i === 0 ? null : narrow(y, d, i - 1, 1); // prod(x[<i])
    let acc = narrow(g, d, i, 1);
    if (i + 1 < n) {
      const rest = cumprod(narrow(x, d, i + 1, n - i - 1), d);
      const tail = mul(narrow(g, d, i + 1, n - i - 1), rest).sum(d, true);
      acc = add(acc, tail);
    }
    parts.push(before === null ? mul(acc, 1) : mul(acc, before));
  }
  return cat(parts, d);
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
