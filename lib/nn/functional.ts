/**
 * nn.functional: the layers as functions (linear, dropout, layerNorm, batchNorm,
 * embedding, the activations), normalize, cosineSimilarity and pairwiseDistance. The
 * losses are in ./losses and re-exported from ./functional_index.
 *
 * Each function is composed of public tensor ops, so autograd records it; only the
 * running-statistics update of batchNorm and the padding row of embedding are written
 * outside the graph, as in PyTorch.
 */
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { eq } from '../ops/compare';
import { indexSelect } from '../ops/gather';
import { addmm, matmul } from '../ops/matmul';
import { linear as linearOp } from '../ops/linear';
import { add, div, mul, sub } from '../ops/binary';
import { clamp, rsqrt } from '../ops/unary';
import { mean, sum } from '../ops/reduce';
import { norm, variance } from '../ops/stats';
import { reshape, select, transpose, unsqueeze } from '../ops/view';
import { where } from '../ops/where';
import { contiguous } from '../ops/copy';
import { fusedBatchNorm } from '../ops/batch_norm';
import { bernoulli } from '../random';
import {
  assignNoGrad, checkFloat, checkNumber, checkOptionalFloat, checkTensor, composed, detachedCopy, normDim, sameShape,
} from './util';

export { relu, leakyRelu, gelu, silu, sigmoid, tanh, elu, softplus, type GeluOptions } from '../ops/unary';
export { softmax, logSoftmax } from '../ops/softmax';

function sameDType(op: string, a: Tensor, b: Tensor | null, what: string): void {
  if (b !== null && b.dtype !== a.dtype) throw new DTypeError(op, `${what} has dtype ${b.dtype} but input has dtype ${a.dtype}; convert one with .to()`);
}

/**
 * y = x · weightᵀ + bias (PyTorch's F.linear; weight laid out [out, in]).
 *
 * The one place where nn computes a matrix product, so that it can be routed to a fused
 * GEMM with a bias epilogue.
 * @param x [*, in]
 * @param weight [out, in]
 * @param bias [out], optional
 * @returns [*, out]
 * @example F.linear(tf.randn([8, 4]), tf.randn([3, 4]), tf.zeros([3])) // [8, 3]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const op = 'linear';
  checkFloat(op, x);
  checkFloat(op, weight, 'weight');
  const b = checkOptionalFloat(op, bias, 'bias');
  if (weight.ndim !== 2) throw new ShapeError(op, `weight must be 2-d [out, in], got shape ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(op, `input of shape ${fmtShape(x.shape)} does not end with in_features ${inF} (weight ${fmtShape(weight.shape)})`);
  }
  if (b !== null && !(b.ndim === 1 && b.shape[0] === outF) && !(b.ndim === 0)) {
    throw new ShapeError(op, `bias must have shape [${outF}], got ${fmtShape(b.shape)}`);
  }
  sameDType(op, x, weight, 'weight');
  sameDType(op, x, b, 'bias');
  // The fused GEMM (bias in the epilogue; recorded as separate ops under autograd).
  if (b === null || b.ndim === 1) return linearOp(x, weight, b);
  return composed([x, weight, b], () => {
    const lead = x.shape.slice(0, -1);
    const rows = lead.reduce((a, d) => a * d, 1);
    const x2 = x.ndim === 2 ? x : reshape(x, [rows, inF]);
    const wt = transpose(weight, 0, 1);
    const y = b !== null ? addmm(b, x2, wt) : matmul(x2, wt);
    return x.ndim === 2 ? y : reshape(y, [...lead, outF]);
  });
}

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the
 * rest by 1 / (1 - p); otherwise returns x itself. Draws from tensorforge's generator
 * (reproducible with tf.manualSeed).
 * @param x any shape, float
 * @example F.dropout(x, 0.2, model.training)
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  const op = 'dropout';
  checkFloat(op, x);
  checkNumber(op, p, 'p', (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const mask = bernoulli(x.shape.slice(), 1 - p, { dtype: x.dtype });
  const scaled = div(mask, 1 - p);
  mask.dispose();
  const y = mul(x, scaled);
  // Backward of mul needs the scaled mask, so it is left to the graph when x is in one.
  if (!x.requiresGrad && x.gradFn === null) scaled.dispose();
  return y;
}

/** Options of layerNorm. */
export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * Layer normalisation over the last dims (normalizedShape): (x - mean) / sqrt(var + eps)
 * with the biased variance, then * weight + bias.
 * @param x [*, ...normalizedShape]
 * @param normalizedShape the trailing dims to normalise, e.g. [C]
 * @example F.layerNorm(x, [x.shape.at(-1)!])
 */
export function layerNorm(x: Tensor, normalizedShape: number[], { weight = null, bias = null, eps = 1e-5 }: LayerNormOptions = {}): Tensor {
  const op = 'layerNorm';
  checkFloat(op, x);
  if (!Array.isArray(normalizedShape) || normalizedShape.length === 0) throw new ArgumentError(op, `normalizedShape must be a non-empty array of sizes, got ${String(normalizedShape)}`);
  const k = normalizedShape.length;
  if (x.ndim < k || !sameShape(x.shape.slice(x.ndim - k), normalizedShape)) {
    throw new ShapeError(op, `input of shape ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(normalizedShape)}`);
  }
  const w = checkOptionalFloat(op, weight, 'weight');
  const b = checkOptionalFloat(op, bias, 'bias');
  for (const [t, what] of [[w, 'weight'], [b, 'bias']] as const) {
    if (t !== null && !sameShape(t.shape, normalizedShape)) throw new ShapeError(op, `${what} must have shape ${fmtShape(normalizedShape)}, got ${fmtShape(t.shape)}`);
    sameDType(op, x, t, what);
  }
  checkNumber(op, eps, 'eps', (v) => v >= 0, 'a number >= 0');
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  return composed([x, w, b], () => {
    const mu = mean(x, dims, true);
    const v = variance(x, dims, { correction: 0, keepdim: true });
    let y = mul(sub(x, mu), rsqrt(add(v, eps)));
    if (w !== null) y = mul(y, w);
    if (b !== null) y = add(y, b);
    return y;
  });
}

/** Options of batchNorm. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use the batch's statistics (and update the running ones); else the running ones. */
  training?: boolean;
  /** Weight of the new batch in the running averages (default 0.1). */
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation over the batch (and length) dims for each channel (dim 1). In
 * training, normalises with the batch mean and biased variance and, when running stats
 * are given, updates them in place: running = (1 - momentum) * running + momentum * batch
 * (with the unbiased variance), outside the autograd graph. Otherwise uses the running stats.
 * Runs as one fused native kernel (forward and backward), except when the running
 * statistics themselves require grad.
 * @param x [N, C] or [N, C, L] or [N, C, H, W] (any [N, C, ...])
 * @param runningMean [C] or null
 * @param runningVar [C] or null
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const op = 'batchNorm';
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = opts;
  checkFloat(op, x);
  if (x.ndim < 2) throw new ShapeError(op, `input must be [N, C, ...], got shape ${fmtShape(x.shape)}`);
  const C = x.shape[1];
  const rm = checkOptionalFloat(op, runningMean, 'runningMean');
  const rv = checkOptionalFloat(op, runningVar, 'runningVar');
  const w = checkOptionalFloat(op, weight, 'weight');
  const b = checkOptionalFloat(op, bias, 'bias');
  for (const [t, what] of [[rm, 'runningMean'], [rv, 'runningVar'], [w, 'weight'], [b, 'bias']] as const) {
    if (t !== null && !(t.ndim === 1 && t.shape[0] === C)) throw new ShapeError(op, `${what} must have shape [${C}] (the channels of input ${fmtShape(x.shape)}), got ${fmtShape(t.shape)}`);
  }
  sameDType(op, x, w, 'weight');
  sameDType(op, x, b, 'bias');
  if ((rm === null) !== (rv === null)) throw new ArgumentError(op, 'give both runningMean and runningVar, or neither');
  checkNumber(op, momentum, 'momentum', (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  checkNumber(op, eps, 'eps', (v) => v >= 0, 'a number >= 0');
  const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const perChannel = x.size / Math.max(C, 1);
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const useBatch = training || rm === null;
  if (training && perChannel <= 1) {
    throw new ArgumentError(op, `expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
  }
  // The fused native kernel, unless the running statistics themselves need gradients.
  if (!(rm?.requiresGrad || rv?.requiresGrad) && (rm === null || (rm.isContiguous() && rv!.isContiguous()))) {
    const flat = (t: Tensor | null) => (t === null ? null : contiguous(t));
    return fusedBatchNorm(x, {
      weight: flat(w), bias: flat(b), runningMean: useBatch && !training ? null : rm, runningVar: useBatch && !training ? null : rv,
      training: useBatch, momentum, eps,
    });
  }
  return composed([x, w, b], () => {
    let mu: Tensor;
    let v: Tensor;
    if (useBatch) {
      mu = mean(x, dims, true);
      v = variance(x, dims, { correction: 0, keepdim: true });
      if (training && rm !== null && rv !== null) {
        const bm = detachedCopy(mu);
        const bv = detachedCopy(v);
        const nextMean = add(mul(rm, 1 - momentum), mul(reshape(bm, [C]), momentum));
        const nextVar = add(mul(rv, 1 - momentum), mul(reshape(bv, [C]), (momentum * perChannel) / (perChannel - 1)));
        assignNoGrad(op, rm, nextMean);
        assignNoGrad(op, rv, nextVar);
        for (const t of [bm, bv, nextMean, nextVar]) t.dispose();
      }
    } else {
      mu = reshape(rm!, bshape);
      v = reshape(rv!, bshape);
    }
    let y = mul(sub(x, mu), rsqrt(add(v, eps)));
    if (w !== null) y = mul(y, reshape(w, bshape));
    if (b !== null) y = add(y, reshape(b, bshape));
    return y;
  });
}

/** @internal Throws IndexError unless every index is in [0, n). */
export function checkIndices(op: string, idx: Tensor, n: number, what: string, skip?: number): void {
  const data = idx.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === skip) continue;
    if (v < 0 || v >= n) throw new IndexError(op, `${what} ${v} is out of range [0, ${n}) (at flat position ${i} of ${what}s of shape ${fmtShape(idx.shape)})`);
  }
}

/**
 * Looks up rows of weight: out[..., :] = weight[input[...], :]. Rows at paddingIdx get
 * no gradient (they are taken from a copy outside the graph).
 * @param input int32 indices, any shape [*]
 * @param weight [numEmbeddings, embeddingDim]
 * @returns [*, embeddingDim]
 * @example F.embedding(tf.tensor([[0, 2]], { dtype: 'int32' }), table) // [1, 2, dim]
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  const op = 'embedding';
  checkTensor(op, input);
  checkFloat(op, weight, 'weight');
  if (input.dtype !== 'int32') throw new DTypeError(op, `input must hold int32 indices, got dtype ${input.dtype}`);
  if (weight.ndim !== 2) throw new ShapeError(op, `weight must be 2-d [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
  const [num, dim] = weight.shape;
  let pad: number | null = null;
  if (paddingIdx !== null && paddingIdx !== undefined) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) throw new ArgumentError(op, `paddingIdx must be an integer in [-${num}, ${num}), got ${paddingIdx}`);
    pad = paddingIdx < 0 ? paddingIdx + num : paddingIdx;
  }
  checkIndices(op, input, num, 'index');
  return composed([weight], () => {
    const flat = reshape(input, [input.size]);
    const rows = reshape(indexSelect(weight, 0, flat), [...input.shape, dim]);
    if (pad === null) return rows;
    const padRow = detachedCopy(select(weight, 0, pad));
    return where(unsqueeze(eq(input, pad), -1), padRow, rows);
  });
}

/**
 * x / max(||x||_p, eps) along dim (PyTorch's F.normalize).
 * @example F.normalize(x, 2, 1) // unit rows
 */
export function normalize(x: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  const op = 'normalize';
  checkFloat(op, x);
  const d = normDim(op, dim, x.ndim);
  checkNumber(op, eps, 'eps', (v) => v >= 0, 'a number >= 0');
  return composed([x], () => div(x, clamp(norm(x, p, x.ndim === 0 ? undefined : d, true), eps)));
}

function broadcastPair(op: string, a: Tensor, b: Tensor): number[] {
  const nd = Math.max(a.ndim, b.ndim);
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const x = a.shape[a.ndim - nd + i] ?? 1;
    const y = b.shape[b.ndim - nd + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(op, `x1 of shape ${fmtShape(a.shape)} and x2 of shape ${fmtShape(b.shape)} cannot be broadcast together`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/**
 * Cosine of the angle between x1 and x2 along dim: sum((x1 / max(|x1|, eps)) *
 * (x2 / max(|x2|, eps))). x1 and x2 broadcast.
 * @param x1 e.g. [N, D]
 * @param x2 broadcastable with x1
 * @returns x1's shape without dim, e.g. [N]
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor {
  const op = 'cosineSimilarity';
  checkFloat(op, x1, 'x1');
  checkFloat(op, x2, 'x2');
  sameDType(op, x1, x2, 'x2');
  const shape = broadcastPair(op, x1, x2);
  const d = normDim(op, dim, shape.length);
  const padded = (t: Tensor) => (t.ndim === shape.length ? t : reshape(t, [...new Array<number>(shape.length - t.ndim).fill(1), ...t.shape]));
  return composed([x1, x2], () => {
    const a = padded(x1);
    const b = padded(x2);
    const n1 = clamp(norm(a, 2, d, true), eps);
    const n2 = clamp(norm(b, 2, d, true), eps);
    return sum(mul(div(a, n1), div(b, n2)), d);
  });
}

/** Options of pairwiseDistance. */
export interface PairwiseDistanceOptions {
  p?: number;
  eps?: number;
  keepdim?: boolean;
}

/**
 * ||x1 - x2 + eps||_p over the last dim (PyTorch's F.pairwise_distance).
 * @param x1 [N, D]
 * @param x2 broadcastable with x1
 * @returns [N] ([N, 1] with keepdim)
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, { p = 2, eps = 1e-6, keepdim = false }: PairwiseDistanceOptions = {}): Tensor {
  const op = 'pairwiseDistance';
  checkFloat(op, x1, 'x1');
  checkFloat(op, x2, 'x2');
  sameDType(op, x1, x2, 'x2');
  const shape = broadcastPair(op, x1, x2);
  checkNumber(op, p, 'p', (v) => !Number.isNaN(v), 'a number');
  return composed([x1, x2], () => norm(add(sub(x1, x2), eps), p, shape.length === 0 ? undefined : shape.length - 1, keepdim));
}
