/**
 * Sum, mean, prod, all, any over any dims (PyTorch semantics). Float32 sums accumulate
 * in double natively, so long reductions do not drift.
 */
import { isFloating, type DType } from '../dtype';
import { Tensor } from '../tensor';
import {
  castForOp, checkInput, normDims, parseArgs, ReduceKind, requireFloat, runReduce,
  type DimArg, type ReduceOptions,
} from './reduce_common';

/** Options of sum, prod and mean. */
export interface SumOptions extends ReduceOptions {
  /** Convert the input to this dtype before reducing (float32, float64 or int32). */
  dtype?: DType;
}

import { needsGrad, record } from '../autograd/graph';
import { expandReduced, flipDim } from '../autograd/grad_utils';
import { div, mul } from './binary';
import { ones, zeros } from '../creation';
import { cat } from './join';
import { narrow, permute, reshape } from './view';
import { cumprod } from './cumsum';

type Rest<O> = [dim?: DimArg | O, keepdim?: boolean | O, opts?: O];

/** sum/prod: float stays float; int32 and bool give int32 (PyTorch gives int64, which we lack). */
function sumLike(op: 'sum' | 'prod', x: Tensor, args: Rest<SumOptions>): Tensor {
  checkInput(op, x);
  const { dim, keepdim, opts } = parseArgs<SumOptions>(op, ...args);
  const dims = normDims(op, x, dim);
  const src = castForOp(op, x, opts.dtype, ['float32', 'float64', 'int32']);
  try {
    const outDtype: DType = isFloating(src.dtype) ? src.dtype : 'int32';
    const out = runReduce(op, ReduceKind[op], src, dims, keepdim, outDtype).values as Tensor;
    if (!needsGrad(x)) return out;
    if (op === 'sum') return record('sum', out, [x], (g) => [expandReduced(g, x.shape, dims)]);
    return record('prod', out, [x], (g) => [prodBackward(g, x, dims)], [x]);
  } finally {
    if (src !== x) src.dispose();
  }
}

/**
 * Sum of the elements over `dim` (one dim, several, or all when omitted). int32 and bool
 * inputs sum to int32 (wrapping on overflow); an empty reduction gives 0.
 *
 * @param x any shape, e.g. [N, C]
 * @param dim dims to reduce (negative counts from the end); all when omitted
 * @param keepdim keep reduced dims as size 1 (or pass { keepdim, dtype })
 * @returns [C] for dim 0 of [N, C], [N, 1] with keepdim over dim 1, [] for all dims
 * @example
 * const x = tf.tensor([[1, 2], [3, 4]]);
 * tf.sum(x);              // 10
 * x.sum(0);               // [4, 6]
 * x.sum(1, true);         // [[3], [7]]
 * x.sum([0, 1], { dtype: 'float64' });
 */
export function sum(x: Tensor, ...args: Rest<SumOptions>): Tensor {
  return sumLike('sum', x, args);
}

/**
 * Product of the elements over `dim` (all when omitted); an empty reduction gives 1.
 * int32 and bool inputs give int32 (wrapping on overflow).
 *
 * @param x any shape
 * @example tf.tensor([[1, 2], [3, 4]]).prod(1) // [2, 12]
 */
export function prod(x: Tensor, ...args: Rest<SumOptions>): Tensor {
  return sumLike('prod', x, args);
}

/**
 * Mean over `dim` (all when omitted). Needs a float input, as PyTorch does, unless
 * `{ dtype: 'float32' | 'float64' }` asks to convert first. An empty reduction gives NaN.
 *
 * @param x float tensor of any shape, e.g. [N, C]
 * @returns [C] for dim 0 of [N, C]
 * @example
 * tf.tensor([[1, 2], [3, 4]]).mean(0);                 // [2, 3]
 * tf.arange(4).mean({ dtype: 'float32' });             // 1.5
 */
export function mean(x: Tensor, ...args: Rest<SumOptions>): Tensor {
  checkInput('mean', x);
  const { dim, keepdim, opts } = parseArgs<SumOptions>('mean', ...args);
  const dims = normDims('mean', x, dim);
  if (opts.dtype === undefined) requireFloat('mean', x, " or pass { dtype: 'float32' }");
  const src = castForOp('mean', x, opts.dtype, ['float32', 'float64']);
  try {
    const out = runReduce('mean', ReduceKind.mean, src, dims, keepdim, src.dtype).values as Tensor;
    if (!needsGrad(x)) return out;
    let n = 1;
    for (const d of dims) n *= x.shape[d];
    return record('mean', out, [x], (g) => [expandReduced(div(g, n), x.shape, dims)]);
  } finally {
    if (src !== x) src.dispose();
  }
}

/**
 * The gradient of prod over dims: g times the product of the other elements of each
 * reduced slice, from exclusive prefix and suffix products (exact with zeros, where
 * out / x is not).
 */
function prodBackward(g: Tensor, x: Tensor, dims: number[]): Tensor {
  if (x.size === 0) return zeros(x.shape.slice(), { dtype: x.dtype });
  if (dims.length === 0) return mul(g, 1);
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const order = [...kept, ...dims];
  let K = 1;
  for (const d of dims) K *= x.shape[d];
  const M = x.size / K;
  const xp = reshape(permute(x, order), [M, K]);
  const one = ones([M, 1], { dtype: x.dtype });
  const before = cumprod(cat([one, narrow(xp, 1, 0, K - 1)], 1), 1);
  const after = flipDim(cumprod(flipDim(cat([narrow(xp, 1, 1, K - 1), one], 1), 1), 1), 1);
  const gx = mul(mul(before, after), reshape(g, [M, 1]));
  const inv = new Array<number>(order.length);
  order.forEach((d, i) => (inv[d] = i));
  return permute(reshape(gx, order.map((d) => x.shape[d])), inv);
}

function logical(op: 'all' | 'any', x: Tensor, dim: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
  checkInput(op, x);
  const p = parseArgs<ReduceOptions>(op, dim, keepdim, undefined);
  const dims = normDims(op, x, p.dim);
  return runReduce(op, ReduceKind[op], x, dims, p.keepdim, 'bool').values as Tensor;
}

/**
 * True where every element over `dim` (all when omitted) is non-zero (NaN counts as
 * non-zero). Any dtype in, bool out; an empty reduction gives true.
 * @example tf.tensor([[1, 0], [2, 3]]).all(1) // [false, true]
 */
export function all(x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
  return logical('all', x, dim, keepdim);
}

/**
 * True where some element over `dim` (all when omitted) is non-zero. Any dtype in, bool
 * out; an empty reduction gives false.
 * @example tf.tensor([[1, 0], [0, 0]]).any(1) // [true, false]
 */
export function any(x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
  return logical('any', x, dim, keepdim);
}

declare module '../tensor' {
  interface Tensor {
    /** See {@link sum}. */
    sum(dim?: DimArg | SumOptions, keepdim?: boolean | SumOptions, opts?: SumOptions): Tensor;
    /** See {@link prod}. */
    prod(dim?: DimArg | SumOptions, keepdim?: boolean | SumOptions, opts?: SumOptions): Tensor;
    /** See {@link mean}. */
    mean(dim?: DimArg | SumOptions, keepdim?: boolean | SumOptions, opts?: SumOptions): Tensor;
    /** See {@link all}. */
    all(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor;
    /** See {@link any}. */
    any(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor;
  }
}

const P = Tensor.prototype;
P.sum = function (d, k, o) { return sum(this, d, k, o); };
P.prod = function (d, k, o) { return prod(this, d, k, o); };
P.mean = function (d, k, o) { return mean(this, d, k, o); };
P.all = function (d, k) { return all(this, d, k); };
P.any = function (d, k) { return any(this, d, k); };
