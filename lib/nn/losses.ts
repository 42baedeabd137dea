/**
 * Loss functions (PyTorch's F.*_loss), each composed of public tensor ops so autograd
 * records it, written in numerically stable forms (logSoftmax for cross entropy,
 * max(x, 0) - x*y + log1p(exp(-|x|)) for logits, logs clamped at -100 for BCE).
 * reduction: 'mean' (default), 'sum' or 'none' (the per-element losses).
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { add, div, mul, sub } from '../ops/binary';
import { eq, logicalNot, lt } from '../ops/compare';
import { to } from '../ops/copy';
import { gather, indexSelect } from '../ops/gather';
import { abs, clamp, exp, log, log1p, neg, relu, sqrt, square } from '../ops/unary';
import { logSoftmax } from '../ops/softmax';
import { sum } from '../ops/reduce';
import { reshape, unsqueeze } from '../ops/view';
import { where } from '../ops/where';
import { noGrad, record } from '../autograd/graph';
import { checkIndices } from './functional';
import { canFuseCrossEntropy, fusedCrossEntropy } from './losses_cross_entropy';
import { checkFloat, checkNumber, checkReduction, checkTensor, composed, reduce, sameShape, type Reduction } from './util';

/** Options every loss takes. */
export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function checkPair(op: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const x = checkFloat(op, input);
  const y = checkFloat(op, target, 'target');
  if (!sameShape(x.shape, y.shape)) throw new ShapeError(op, `target of shape ${fmtShape(y.shape)} does not match input ${fmtShape(x.shape)}; they must have the same shape`);
  if (x.dtype !== y.dtype) throw new DTypeError(op, `target has dtype ${y.dtype} but input has dtype ${x.dtype}; convert one with .to()`);
  return [x, y];
}

function checkWeight(op: string, w: unknown, what: string, x: Tensor, shape?: readonly number[]): Tensor | null {
  if (w === undefined || w === null) return null;
  const t = checkFloat(op, w, what);
  if (t.dtype !== x.dtype) throw new DTypeError(op, `${what} has dtype ${t.dtype} but input has dtype ${x.dtype}`);
  if (shape !== undefined && !sameShape(t.shape, shape)) throw new ShapeError(op, `${what} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  if (shape === undefined) {
    // broadcastable to the input
    for (let i = 1; i <= t.ndim; i++) {
      const d = t.shape[t.ndim - i];
      const e = x.shape[x.ndim - i];
      if (i > x.ndim || (d !== 1 && d !== e)) throw new ShapeError(op, `${what} of shape ${fmtShape(t.shape)} cannot be broadcast to input ${fmtShape(x.shape)}`);
    }
  }
  return t;
}

/**
 * Mean squared error: (input - target)^2.
 * @param input any shape; @param target same shape and dtype
 * @example F.mseLoss(pred, y) // scalar
 */
export function mseLoss(input: Tensor, target: Tensor, { reduction }: LossOptions = {}): Tensor {
  const op = 'mseLoss';
  const [x, y] = checkPair(op, input, target);
  const r = checkReduction(op, reduction);
  return composed([x, y], () => reduce(square(sub(x, y)), r));
}

/** Mean absolute error: |input - target|. */
export function l1Loss(input: Tensor, target: Tensor, { reduction }: LossOptions = {}): Tensor {
  const op = 'l1Loss';
  const [x, y] = checkPair(op, input, target);
  const r = checkReduction(op, reduction);
  return composed([x, y], () => reduce(abs(sub(x, y)), r));
}

/**
 * Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target);
 * beta = 0 is the L1 loss.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, { reduction, beta = 1 }: LossOptions & { beta?: number } = {}): Tensor {
  const op = 'smoothL1Loss';
  const [x, y] = checkPair(op, input, target);
  const r = checkReduction(op, reduction);
  checkNumber(op, beta, 'beta', (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
  return composed([x, y], () => {
    const z = abs(sub(x, y));
    if (beta === 0) return reduce(z, r);
    return reduce(where(lt(z, beta), div(mul(square(z), 0.5), beta), sub(z, 0.5 * beta)), r);
  });
}

/** Huber: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, { reduction, delta = 1 }: LossOptions & { delta?: number } = {}): Tensor {
  const op = 'huberLoss';
  const [x, y] = checkPair(op, input, target);
  const r = checkReduction(op, reduction);
  checkNumber(op, delta, 'delta', (v) => v > 0 && Number.isFinite(v), 'a finite number > 0');
  return composed([x, y], () => {
    const z = abs(sub(x, y));
    return reduce(where(lt(z, delta), mul(square(z), 0.5), mul(sub(z, 0.5 * delta), delta)), r);
  });
}

/** Options of crossEntropy and nllLoss. */
export interface ClassLossOptions extends LossOptions {
  /** [C] rescaling weight of each class. */
  weight?: Tensor | null;
  /** Target value that contributes nothing (default -100). */
  ignoreIndex?: number;
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions extends ClassLossOptions {
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. */
  labelSmoothing?: number;
}

/** @internal */
export interface ClassInputs {
  x: Tensor;
  target: Tensor;
  weight: Tensor | null;
  classDim: number;
  C: number;
}

/** @internal */
export function checkClassInput(op: string, input: unknown, target: unknown, weight: unknown, indices: boolean): ClassInputs {
  const x = checkFloat(op, input);
  const t = checkTensor(op, target, 'target');
  if (x.ndim === 0) throw new ShapeError(op, `input must be [C] or [N, C, ...], got a 0-d tensor`);
  const classDim = x.ndim === 1 ? 0 : 1;
  const C = x.shape[classDim];
  const expected = indices ? x.shape.filter((_, i) => i !== classDim) : x.shape.slice();
  if (!sameShape(t.shape, expected)) {
    throw new ShapeError(op, `target of shape ${fmtShape(t.shape)} does not match input ${fmtShape(x.shape)}; expected ${indices ? 'class indices of shape' : 'probabilities of shape'} ${fmtShape(expected)}`);
  }
  const w = checkWeight(op, weight, 'weight', x, [C]);
  return { x, target: t, weight: w, classDim, C };
}

/**
 * Per-element negative log-likelihood of class-index targets, 0 at ignored targets, and
 * the weight of each target (0 at ignored ones): what reductions need.
 */
function nllParts(logp: Tensor, c: ClassInputs, ignoreIndex: number): { loss: Tensor; w: Tensor; ignored: Tensor } {
  const { target, weight, classDim } = c;
  const ignored = eq(target, ignoreIndex);
  const safe = where(ignored, 0, target);
  const picked = reshape(gather(logp, classDim, unsqueeze(safe, classDim)), target.shape.slice());
  let w: Tensor;
  let loss: Tensor;
  if (weight !== null) {
    const wt = reshape(indexSelect(weight, 0, reshape(safe, [safe.size])), target.shape.slice());
    loss = neg(mul(picked, wt));
    w = where(ignored, 0, wt);
  } else {
    loss = neg(picked);
    w = to(logicalNot(ignored), logp.dtype);
  }
  return { loss: where(ignored, 0, loss), w, ignored };
}

function reduceWeighted(loss: Tensor, w: Tensor, r: string): Tensor {
  if (r === 'none') return loss;
  if (r === 'sum') return sum(loss);
  return div(sum(loss), sum(w));
}

function checkIgnoreIndex(op: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentError(op, `ignoreIndex must be an integer, got ${String(v)}`);
  return v;
}

/**
 * Negative log-likelihood: -weight[t] * input[n, t] for log-probabilities input and class
 * indices t. 'mean' divides by the summed weights of the targets that are not ignored.
 * @param input [N, C] or [N, C, d1, ...] (or [C]) log-probabilities
 * @param target int32 [N] or [N, d1, ...] (or []) in [0, C) or ignoreIndex
 */
export function nllLoss(input: Tensor, target: Tensor, { weight = null, ignoreIndex = -100, reduction }: ClassLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const c = checkClassInput(op, input, target, weight, true);
  if (c.target.dtype !== 'int32') throw new DTypeError(op, `target must hold int32 class indices, got dtype ${c.target.dtype}`);
  const r = checkReduction(op, reduction);
  const ig = checkIgnoreIndex(op, ignoreIndex);
  checkIndices(op, c.target, c.C, 'target', ig);
  return composed([c.x, c.weight], () => {
    const { loss, w } = nllParts(c.x, c, ig);
    return reduceWeighted(loss, w, r);
  });
}

/**
 * Cross entropy of logits, as PyTorch's F.cross_entropy: logSoftmax over the class dim
 * then the NLL of class-index targets (int32), or -sum(target * logp) for probability
 * targets (float, same shape as input). With labelSmoothing s, the loss is
 * (1 - s) * nll + s / C * (-sum over classes of weight * logp), reduced alike.
 * @param input logits [N, C] or [N, C, d1, ...] (or [C])
 * @param target int32 [N] / [N, d1, ...], or float [N, C, ...] probabilities
 * @example F.crossEntropy(logits, labels, { labelSmoothing: 0.1 })
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { weight = null, ignoreIndex = -100, reduction, labelSmoothing = 0 } = opts;
  checkTensor(op, target, 'target');
  const indices = target.dtype === 'int32';
  if (!indices && target.dtype !== 'float32' && target.dtype !== 'float64') {
    throw new DTypeError(op, `target must be int32 class indices or float probabilities, got dtype ${target.dtype}`);
  }
  const c = checkClassInput(op, input, target, weight, indices);
  const r = checkReduction(op, reduction);
  const ig = checkIgnoreIndex(op, ignoreIndex);
  checkNumber(op, labelSmoothing, 'labelSmoothing', (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  const { x, classDim, C } = c;
  if (!indices) {
    const wb = c.weight === null ? null : reshape(c.weight, x.shape.map((d, i) => (i === classDim ? d : 1)));
    if (c.target.dtype !== x.dtype) throw new DTypeError(op, `probability target has dtype ${c.target.dtype} but input has dtype ${x.dtype}`);
    if (ignoreIndex !== -100) throw new ArgumentError(op, 'ignoreIndex applies to class-index targets only, not to probability targets');
    return composed([x, c.weight, c.target], () => {
      const logp = logSoftmax(x, classDim);
      let t = c.target;
      if (labelSmoothing > 0) t = add(mul(t, 1 - labelSmoothing), labelSmoothing / C);
      let prod = mul(logp, t);
      if (wb !== null) prod = mul(prod, wb);
      return reduce(neg(sum(prod, classDim)), r);
    });
  }
  if (canFuseCrossEntropy(x, c.target, c.weight)) return fusedCrossEntropy(op, x, c.target, c.weight, ig, labelSmoothing, r as Reduction);
  return composedCrossEntropy(op, c, ig, labelSmoothing, r as Reduction);
}

/**
 * @internal crossEntropy of class indices composed of public ops: the path for inputs the
 * fused kernel does not take (K-dim inputs, a weight that requires grad), and the
 * reference the fused kernel is tested against.
 */
export function composedCrossEntropy(op: string, c: ClassInputs, ig: number, labelSmoothing: number, r: Reduction): Tensor {
  const { x, classDim, C } = c;
  const wb = c.weight === null ? null : reshape(c.weight, x.shape.map((d, i) => (i === classDim ? d : 1)));
  checkIndices(op, c.target, C, 'target', ig);
  return composed([x, c.weight], () => {
    const logp = logSoftmax(x, classDim);
    const { loss, w, ignored } = nllParts(logp, c, ig);
    const nll = reduceWeighted(loss, w, r);
    if (labelSmoothing === 0) return nll;
    const smooth = where(ignored, 0, neg(sum(wb === null ? logp : mul(logp, wb), classDim)));
    const smoothRed = r === 'none' ? smooth : r === 'sum' ? sum(smooth) : div(sum(smooth), sum(w));
    return add(mul(nll, 1 - labelSmoothing), mul(smoothRed, labelSmoothing / C));
  });
}

/** Options of binaryCrossEntropy. */
export interface BCEOptions extends LossOptions {
  /** Rescaling weight, broadcastable to input. */
  weight?: Tensor | null;
}

/**
 * Binary cross entropy of probabilities: -w (y log(x) + (1 - y) log(1 - x)), each log
 * clamped at -100 as in PyTorch (so x = 0 or 1 gives a finite loss).
 * @param input probabilities in [0, 1], any shape
 * @param target same shape, values in [0, 1]
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, { weight = null, reduction }: BCEOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const [x, y] = checkPair(op, input, target);
  const w = checkWeight(op, weight, 'weight', x);
  const r = checkReduction(op, reduction);
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!(data[i] >= 0 && data[i] <= 1)) throw new ArgumentError(op, `all elements of input must be probabilities in [0, 1], got ${data[i]} at flat position ${i}; use binaryCrossEntropyWithLogits for logits`);
  }
  return composed([x, y, w], () => {
    const logs = () => [clamp(log(x), -100), clamp(log1p(neg(x)), -100)];
    const elementwise = noGrad(() => {
      const [logX, log1mX] = logs();
      return neg(add(mul(y, logX), mul(sub(1, y), log1mX)));
    });
    // PyTorch's gradient, (x - y) / max(x (1 - x), 1e-12): finite at x = 0 and x = 1, where
    // differentiating the clamped logs would give 0 * inf = NaN.
    let loss = record(op, elementwise, [x, y], (g) => {
      const [logX, log1mX] = logs();
      return [div(mul(g, sub(x, y)), clamp(mul(x, sub(1, x)), 1e-12)), mul(g, sub(log1mX, logX))];
    }, [x, y]);
    if (w !== null) loss = mul(loss, w);
    return reduce(loss, r);
  });
}

/** Options of binaryCrossEntropyWithLogits. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive examples, broadcast along the last dim (e.g. [C]). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross entropy of logits, stable for any x:
 * (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0)), lw = 1 + (posWeight - 1) y,
 * which is max(x, 0) - x y + log1p(exp(-|x|)) without posWeight.
 * @param input logits, any shape
 * @param target same shape, values in [0, 1]
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, { weight = null, posWeight = null, reduction }: BCEWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const [x, y] = checkPair(op, input, target);
  const w = checkWeight(op, weight, 'weight', x);
  const pw = checkWeight(op, posWeight, 'posWeight', x);
  const r = checkReduction(op, reduction);
  return composed([x, y, w, pw], () => {
    const softplusNeg = add(log1p(exp(neg(abs(x)))), relu(neg(x))); // log(1 + exp(-x))
    let loss: Tensor;
    if (pw === null) {
      loss = add(mul(sub(1, y), x), softplusNeg);
    } else {
      const lw = add(mul(sub(pw, 1), y), 1);
      loss = add(mul(sub(1, y), x), mul(lw, softplusNeg));
    }
    if (w !== null) loss = mul(loss, w);
    return reduce(loss, r);
  });
}

/** Options of klDiv. */
export interface KLDivOptions {
  /** 'mean' (default; over all elements), 'batchmean' (sum / batch size: the true KL), 'sum' or 'none'. */
  reduction?: Reduction | 'batchmean';
  /** The target is given as log-probabilities. */
  logTarget?: boolean;
}

/**
 * Kullback-Leibler divergence with log-probability input: target * (log(target) - input)
 * (0 where target is 0, also for input -inf, where PyTorch gives NaN), or exp(target) * (target - input) with logTarget.
 * Use reduction 'batchmean' for the mathematical KL (e.g. distillation).
 * @param input log-probabilities [N, ...]
 * @param target probabilities (or log-probabilities), same shape
 * @example F.klDiv(student.logSoftmax(1), teacher.softmax(1), { reduction: 'batchmean' })
 */
export function klDiv(input: Tensor, target: Tensor, { reduction, logTarget = false }: KLDivOptions = {}): Tensor {
  const op = 'klDiv';
  const [x, y] = checkPair(op, input, target);
  const r = checkReduction(op, reduction, ['batchmean']);
  if (typeof logTarget !== 'boolean') throw new ArgumentError(op, `logTarget must be a boolean, got ${typeof logTarget}`);
  return composed([x, y], () => {
    let loss: Tensor;
    if (logTarget) {
      loss = mul(exp(y), sub(y, x));
    } else {
      // 0 where the target is 0, even for input -inf (where PyTorch's xlogy form gives NaN);
      // log of 1 there keeps NaN out of the unused branch and of its gradient.
      const positive = lt(0, y);
      const safe = where(positive, y, 1);
      loss = where(positive, mul(y, sub(log(safe), x)), 0);
    }
    if (r === 'batchmean') return x.ndim === 0 ? sum(loss) : div(sum(loss), x.shape[0]);
    return reduce(loss, r);
  });
}

/** Options of cosineEmbeddingLoss. */
export interface CosineEmbeddingOptions extends LossOptions {
  margin?: number;
}

/**
 * 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (0 elsewhere),
 * with cos = sum(x1 x2) / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) as PyTorch.
 * @param x1 [N, D] or [D]
 * @param x2 same shape
 * @param y [N] or [] of 1 / -1
 */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, y: Tensor, { margin = 0, reduction }: CosineEmbeddingOptions = {}): Tensor {
  const op = 'cosineEmbeddingLoss';
  const [a, b] = checkPair(op, x1, x2);
  const t = checkTensor(op, y, 'target');
  if (a.ndim !== 1 && a.ndim !== 2) throw new ShapeError(op, `x1 and x2 must be [N, D] or [D], got ${fmtShape(a.shape)}`);
  const expected = a.ndim === 2 ? [a.shape[0]] : [];
  if (!sameShape(t.shape, expected)) throw new ShapeError(op, `target of shape ${fmtShape(t.shape)} does not match input ${fmtShape(a.shape)}; expected ${fmtShape(expected)}`);
  if (t.dtype === 'bool') throw new DTypeError(op, 'target must hold 1 and -1 (int32 or float), got dtype bool');
  checkNumber(op, margin, 'margin');
  const r = checkReduction(op, reduction);
  const d = a.ndim - 1;
  return composed([a, b], () => {
    const prod = sum(mul(a, b), d);
    const m1 = add(sum(mul(a, a), d), 1e-12);
    const m2 = add(sum(mul(b, b), d), 1e-12);
    const cos = div(prod, sqrt(mul(m1, m2)));
    const pos = where(eq(t, 1), sub(1, cos), 0);
    const negPart = where(eq(t, -1), relu(sub(cos, margin)), 0);
    return reduce(add(pos, negPart), r);
  });
}

