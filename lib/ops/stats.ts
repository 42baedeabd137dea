/**
 * var, std (two passes: mean, then squared deviations, both in double), logsumexp
 * (shifted by the max, so large inputs do not overflow) and vector norms.
 */
import { type DType } from '../dtype';
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import {
  castForOp, checkInput, checkNonEmpty, normDims, parseArgs, ReduceKind, requireFloat, runReduce,
  type DimArg, type ReduceKindCode, type ReduceOptions,
} from './reduce_common';

import { needsGrad, record } from '../autograd/graph';
import { keepDims } from '../autograd/grad_utils';
import { abs, exp, sign } from './unary';
import { div, mul, pow, sub } from './binary';
import { eq } from './compare';
import { where } from './where';
import { mean, sum } from './reduce';
import { zerosLike } from '../creation';

/** Options of var and std. */
export interface VarOptions extends ReduceOptions {
  /** Subtracted from the count in the divisor: 1 (default) is unbiased, 0 the population variance. */
  correction?: number;
  /** Older spelling: true is correction 1, false is correction 0. */
  unbiased?: boolean;
}

function moment(op: 'var' | 'std', x: Tensor, a: unknown, b: unknown, c: unknown): Tensor {
  checkInput(op, x);
  // var(x, unbiased) as in PyTorch's older signature
  if (typeof a === 'boolean') {
    if (b !== undefined) throw new ArgumentError(op, `${op}(x, unbiased) takes no further arguments; use ${op}(x, dim, { unbiased, keepdim })`);
    return moment(op, x, undefined, { unbiased: a }, undefined);
  }
  // PyTorch's positional var(x, dim, unbiased) reads like sum(x, dim, keepdim): refuse
  // the ambiguous boolean instead of guessing one of them.
  if (typeof b === 'boolean') {
    throw new ArgumentError(op, `a boolean after dim is ambiguous (PyTorch's positional unbiased, or keepdim); pass { keepdim: ${b} } or { unbiased: ${b} }`);
  }
  const { dim, keepdim, opts } = parseArgs<VarOptions>(op, a, b, c);
  const dims = normDims(op, x, dim);
  requireFloat(op, x);
  if (opts.correction !== undefined && opts.unbiased !== undefined) throw new ArgumentError(op, 'give correction or unbiased, not both');
  if (opts.unbiased !== undefined && typeof opts.unbiased !== 'boolean') throw new ArgumentError(op, `unbiased must be a boolean, got ${typeof opts.unbiased}`);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  if (typeof correction !== 'number' || !Number.isFinite(correction)) throw new ArgumentError(op, `correction must be a finite number, got ${String(correction)}`);
  const out = runReduce(op, op === 'var' ? ReduceKind.var : ReduceKind.std, x, dims, keepdim, x.dtype, correction).values as Tensor;
  if (!needsGrad(x)) return out;
  let n = 1;
  for (const d of dims) n *= x.shape[d];
  const denom = Math.max(0, n - correction);
  // var: 2 (x - mean) / (N - c); std: (x - mean) / ((N - c) std)
  return record(op, out, [x], (g) => {
    const centered = sub(x, mean(x, dims, true));
    const k = keepDims(g, x.shape, dims);
    const scale = op === 'var' ? div(k, denom / 2) : div(k, mul(keepDims(out, x.shape, dims), denom));
    return [mul(centered, scale)];
  }, op === 'var' ? [x] : [x, out]);
}

/**
 * Variance over `dim` (all when omitted): sum((x - mean)^2) / max(0, N - correction),
 * correction 1 by default (unbiased). NaN when the divisor is 0 and the sum is 0.
 * keepdim, correction and unbiased go in the options object (a positional boolean after
 * dim would mean unbiased in PyTorch but keepdim in sum, so it is refused); var(x, false)
 * is PyTorch's var(x, unbiased=False). Exported as `var` and `variance` (`var` is a
 * reserved word in JS declarations).
 *
 * @param x float tensor, e.g. [N, C]
 * @returns [C] for dim 0 of [N, C]
 * @example
 * const x = tf.tensor([[1, 2], [3, 6]]);
 * tf.var(x);                          // all elements, unbiased
 * x.var(0, { correction: 0 });        // [1, 4]
 * x.var(1, { keepdim: true });        // [[0.5], [4.5]]
 * x.var(false);                       // all elements, population variance
 */
export function variance(x: Tensor, dim?: DimArg | boolean | VarOptions, opts?: VarOptions): Tensor {
  return moment('var', x, dim, opts, undefined);
}

/**
 * Standard deviation over `dim`: the square root of {@link variance} (same arguments).
 * @example tf.tensor([1, 2, 3, 4]).std() // 1.2910
 */
export function std(x: Tensor, dim?: DimArg | boolean | VarOptions, opts?: VarOptions): Tensor {
  return moment('std', x, dim, opts, undefined);
}

/**
 * log(sum(exp(x))) over `dim`, computed as max + log(sum(exp(x - max))), so it neither
 * overflows nor underflows. An empty reduction gives -Infinity.
 * @param x float tensor, e.g. [N, C]
 * @param dim dim or dims to reduce (required, as in PyTorch)
 * @returns [N] for dim 1 of [N, C]
 * @example tf.tensor([[1000, 1000]]).logsumexp(1) // [1000.6931]
 */
export function logsumexp(x: Tensor, dim: number | number[], keepdim?: boolean | ReduceOptions): Tensor {
  checkInput('logsumexp', x);
  if (dim === undefined || dim === null) throw new ArgumentError('logsumexp', 'dim is required (a dim or an array of dims)');
  const p = parseArgs<ReduceOptions>('logsumexp', dim, keepdim, undefined);
  const dims = normDims('logsumexp', x, p.dim);
  requireFloat('logsumexp', x);
  const out = runReduce('logsumexp', ReduceKind.logsumexp, x, dims, p.keepdim, x.dtype).values as Tensor;
  if (!needsGrad(x)) return out;
  return record('logsumexp', out, [x], (g) => [mul(keepDims(g, x.shape, dims), exp(sub(x, keepDims(out, x.shape, dims))))], [x, out]);
}

/** Options of norm. */
export interface NormOptions extends ReduceOptions {
  /** Convert the input to this float dtype first. */
  dtype?: DType;
}

/**
 * The vector p-norm over `dim` (all elements when omitted): (sum |x|^p)^(1/p).
 * p = 2 or 'fro' (default) is the Euclidean / Frobenius norm, 1 the sum of |x|,
 * Infinity the max |x|, -Infinity the min |x|, 0 the count of non-zeros.
 * @param x float tensor, e.g. [N, C]
 * @param p 2 | 1 | Infinity | -Infinity | 'fro' | any number
 * @param dim dims to reduce; all when omitted
 * @returns [N] for dim 1 of [N, C]
 * @example
 * tf.tensor([3, 4]).norm();               // 5
 * tf.tensor([[1, -2], [3, 4]]).norm(1, 1); // [3, 7]
 */
export function norm(x: Tensor, p: number | 'fro' = 'fro', dim?: DimArg | NormOptions, keepdim?: boolean | NormOptions, opts?: NormOptions): Tensor {
  checkInput('norm', x);
  if (p !== 'fro' && (typeof p !== 'number' || Number.isNaN(p))) {
    throw new ArgumentError('norm', `p must be a number (2, 1, Infinity, -Infinity, ...) or 'fro', got ${String(p)}`);
  }
  const a = parseArgs<NormOptions>('norm', dim, keepdim, opts);
  const dims = normDims('norm', x, a.dim);
  if (a.opts.dtype === undefined) requireFloat('norm', x, " or pass { dtype: 'float32' }");
  let kind: ReduceKindCode = ReduceKind.normP;
  if (p === 'fro' || p === 2) kind = ReduceKind.norm2;
  else if (p === 1) kind = ReduceKind.norm1;
  else if (p === 0) kind = ReduceKind.norm0;
  else if (p === Infinity) kind = ReduceKind.normInf;
  else if (p === -Infinity) kind = ReduceKind.normNegInf;
  if (kind === ReduceKind.normInf || kind === ReduceKind.normNegInf) checkNonEmpty('norm', x, dims);
  const src = castForOp('norm', x, a.opts.dtype, ['float32', 'float64']);
  try {
    const out = runReduce('norm', kind, src, dims, a.keepdim, src.dtype, typeof p === 'number' ? p : 2).values as Tensor;
    return needsGrad(x) ? normGrad(out, x, dims, kind, typeof p === 'number' ? p : 2) : out;
  } finally {
    if (src !== x) src.dispose();
  }
}

/** Gradients of the vector norms (PyTorch's norm_backward, 0 where the norm is 0). */
function normGrad(out: Tensor, x: Tensor, dims: number[], kind: ReduceKindCode, p: number): Tensor {
  return record('norm', out, [x], (g) => {
    const gk = keepDims(g, x.shape, dims);
    const nk = keepDims(out, x.shape, dims);
    if (kind === ReduceKind.norm0) return [zerosLike(x)];
    if (kind === ReduceKind.norm1) return [mul(gk, sign(x))];
    if (kind === ReduceKind.normInf || kind === ReduceKind.normNegInf) {
      const mask = eq(abs(x), nk);
      return [mul(sign(x), where(mask, div(gk, sum(mask, dims, true)), 0))];
    }
    const scale = where(eq(nk, 0), 0, kind === ReduceKind.norm2 ? div(gk, nk) : div(gk, pow(nk, p - 1)));
    if (kind === ReduceKind.norm2) return [mul(x, scale)];
    const xs = p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
    return [mul(xs, scale)];
  }, [x, out]);
}

declare module '../tensor' {
  interface Tensor {
    /** See {@link variance}. */
    var(dim?: DimArg | boolean | VarOptions, opts?: VarOptions): Tensor;
    /** See {@link std}. */
    std(dim?: DimArg | boolean | VarOptions, opts?: VarOptions): Tensor;
    /** See {@link logsumexp}. */
    logsumexp(dim: number | number[], keepdim?: boolean | ReduceOptions): Tensor;
    /** See {@link norm}. */
    norm(p?: number | 'fro', dim?: DimArg | NormOptions, keepdim?: boolean | NormOptions, opts?: NormOptions): Tensor;
  }
}

const P = Tensor.prototype;
P.var = function (d, o) { return variance(this, d, o); };
P.std = function (d, o) { return std(this, d, o); };
P.logsumexp = function (d, k) { return logsumexp(this, d, k); };
P.norm = function (p, d, k, o) { return norm(this, p, d, k, o); };
