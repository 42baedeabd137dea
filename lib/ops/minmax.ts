/**
 * amax/amin (any dims), max/min (all elements, or one dim with indices), argmax/argmin.
 * NaN propagates as in PyTorch: a NaN is the max and the min, and arg* return its index.
 * Ties give the first occurrence. Reducing over no elements throws IndexError.
 */
import { Tensor } from '../tensor';
import {
  checkInput, checkNonEmpty, normDims, parseArgs, ReduceKind, runReduce, singleDim,
  type DimArg, type ReduceOptions,
} from './reduce_common';
import { ArgumentError } from '../errors';
import { isTensor } from '../tensor';
import { needsGrad, record } from '../autograd/graph';
import { keepDims } from '../autograd/grad_utils';
import { div } from './binary';
import { eq } from './compare';
import { where } from './where';
import { sum } from './reduce';
import { scatter } from './gather';
import { zeros } from '../creation';

/** amax/amin/max()/min(): the gradient is split evenly among the elements equal to the result. */
function extremumGrad(op: string, out: Tensor, x: Tensor, dims: number[]): Tensor {
  return record(op, out, [x], (g) => {
    const mask = eq(x, keepDims(out, x.shape, dims));
    const count = sum(mask, dims, true);
    return [where(mask, div(keepDims(g, x.shape, dims), count), 0)];
  }, [x, out]);
}

/** max/min along a dim: the gradient goes to the selected index. */
function selectedGrad(op: string, values: Tensor, indices: Tensor, x: Tensor, dims: number[]): Tensor {
  if (dims.length === 0) return record(op, values, [x], (g) => [g]);
  return record(op, values, [x], (g) => {
    const z = zeros(x.shape.slice(), { dtype: g.dtype });
    return [scatter(z, dims[0], keepDims(indices, x.shape, dims), keepDims(g, x.shape, dims))];
  }, [indices]);
}

/** Values and int32 indices of max/min along a dim, like PyTorch's named tuple. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function amaxLike(op: 'amax' | 'amin', x: Tensor, dim: DimArg | ReduceOptions, keepdim: boolean | ReduceOptions | undefined): Tensor {
  checkInput(op, x);
  const p = parseArgs<ReduceOptions>(op, dim, keepdim, undefined);
  const dims = normDims(op, x, p.dim);
  checkNonEmpty(op, x, dims);
  const out = runReduce(op, op === 'amax' ? ReduceKind.max : ReduceKind.min, x, dims, p.keepdim, x.dtype).values as Tensor;
  return needsGrad(x) ? extremumGrad(op, out, x, dims) : out;
}

/**
 * Largest value over `dim` (one dim, several, or all when omitted); same dtype as x.
 * @param x any shape and dtype, e.g. [N, C]
 * @returns [C] for dim 0 of [N, C]
 * @example tf.tensor([[1, 5], [3, 2]]).amax(0) // [3, 5]
 */
export function amax(x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
  return amaxLike('amax', x, dim, keepdim);
}

/**
 * Smallest value over `dim` (one dim, several, or all when omitted); same dtype as x.
 * @example tf.tensor([[1, 5], [3, 2]]).amin(1) // [1, 2]
 */
export function amin(x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor {
  return amaxLike('amin', x, dim, keepdim);
}

function maxLike(op: 'max' | 'min', x: Tensor, dim: unknown, keepdim: unknown): Tensor | ValuesIndices {
  checkInput(op, x);
  if (isTensor(dim)) throw new ArgumentError(op, `the elementwise ${op} of two tensors is ${op === 'max' ? 'maximum' : 'minimum'}(a, b)`);
  if (dim === undefined) {
    if (keepdim !== undefined) throw new ArgumentError(op, 'keepdim needs a dim');
    const dims = normDims(op, x, undefined);
    checkNonEmpty(op, x, dims);
    const out = runReduce(op, op === 'max' ? ReduceKind.max : ReduceKind.min, x, dims, false, x.dtype).values as Tensor;
    return needsGrad(x) ? extremumGrad(op, out, x, dims) : out;
  }
  const d = singleDim(op, x, dim);
  if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new ArgumentError(op, `keepdim must be a boolean, got ${typeof keepdim}`);
  const dims = x.ndim === 0 ? [] : [d];
  checkNonEmpty(op, x, dims);
  const r = runReduce(op, op === 'max' ? ReduceKind.maxIdx : ReduceKind.minIdx, x, dims, keepdim === true, x.dtype);
  const values = needsGrad(x) ? selectedGrad(op, r.values as Tensor, r.indices as Tensor, x, dims) : (r.values as Tensor);
  return { values, indices: r.indices as Tensor };
}

/**
 * Without dim: the largest element, as a 0-d tensor. With dim: `{ values, indices }` of
 * the largest element along that dim (indices int32, first occurrence on ties, the
 * NaN's index when there is one).
 * @param x any shape and dtype, e.g. [N, C]
 * @returns a 0-d tensor, or values and indices of shape [N] for dim 1 of [N, C]
 * @example
 * const x = tf.tensor([[1, 5], [3, 2]]);
 * x.max();                              // 5
 * const { values, indices } = x.max(1); // [5, 3], [1, 0]
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim?: boolean): Tensor | ValuesIndices {
  return maxLike('max', x, dim, keepdim);
}

/**
 * Without dim: the smallest element, as a 0-d tensor. With dim: `{ values, indices }`
 * along that dim (see {@link max}).
 * @example tf.tensor([[1, 5], [3, 2]]).min(0) // { values: [1, 2], indices: [0, 1] }
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim?: boolean): Tensor | ValuesIndices {
  return maxLike('min', x, dim, keepdim);
}

function argLike(op: 'argmax' | 'argmin', x: Tensor, dim: unknown, keepdim: unknown): Tensor {
  checkInput(op, x);
  if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new ArgumentError(op, `keepdim must be a boolean, got ${typeof keepdim}`);
  const kind = op === 'argmax' ? ReduceKind.argmax : ReduceKind.argmin;
  if (dim === undefined || dim === null) {
    // The flattened index; with keepdim every dim stays as size 1.
    const dims = normDims(op, x, undefined);
    checkNonEmpty(op, x, dims);
    return runReduce(op, kind, x, dims, keepdim === true, 'int32').indices as Tensor;
  }
  const d = singleDim(op, x, dim);
  const dims = x.ndim === 0 ? [] : [d];
  checkNonEmpty(op, x, dims);
  return runReduce(op, kind, x, dims, keepdim === true, 'int32').indices as Tensor;
}

/**
 * int32 index of the largest element: of the flattened tensor without dim, else along
 * dim. First occurrence on ties; a NaN counts as the largest.
 * @param x any shape, e.g. [N, C]
 * @returns [] without dim, [N] for dim 1 of [N, C]
 * @example tf.tensor([[1, 5], [3, 2]]).argmax()  // 1
 */
export function argmax(x: Tensor, dim?: number | null, keepdim?: boolean): Tensor {
  return argLike('argmax', x, dim, keepdim);
}

/**
 * int32 index of the smallest element (flattened without dim). See {@link argmax}.
 * @example tf.tensor([[1, 5], [3, 2]]).argmin(1) // [0, 1]
 */
export function argmin(x: Tensor, dim?: number | null, keepdim?: boolean): Tensor {
  return argLike('argmin', x, dim, keepdim);
}

declare module '../tensor' {
  interface Tensor {
    /** See {@link amax}. */
    amax(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor;
    /** See {@link amin}. */
    amin(dim?: DimArg | ReduceOptions, keepdim?: boolean | ReduceOptions): Tensor;
    /** See {@link max}. */
    max(): Tensor;
    max(dim: number, keepdim?: boolean): ValuesIndices;
    /** See {@link min}. */
    min(): Tensor;
    min(dim: number, keepdim?: boolean): ValuesIndices;
    /** See {@link argmax}. */
    argmax(dim?: number | null, keepdim?: boolean): Tensor;
    /** See {@link argmin}. */
    argmin(dim?: number | null, keepdim?: boolean): Tensor;
  }
}

const P = Tensor.prototype;
P.amax = function (d, k) { return amax(this, d, k); };
P.amin = function (d, k) { return amin(this, d, k); };
P.max = function (this: Tensor, d?: number, k?: boolean) { return maxLike('max', this, d, k); } as Tensor['max'];
P.min = function (this: Tensor, d?: number, k?: boolean) { return maxLike('min', this, d, k); } as Tensor['min'];
P.argmax = function (d, k) { return argmax(this, d, k); };
P.argmin = function (d, k) { return argmin(this, d, k); };
