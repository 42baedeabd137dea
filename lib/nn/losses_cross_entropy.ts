/**
 * The fused cross entropy of logits [N, C] (or [C]) and int32 class indices: one native
 * call computes log-softmax, the picked log-probabilities, class weights, ignoreIndex,
 * label smoothing and the reduction, and records one autograd node whose backward is one
 * more native call (native/kernels/cpu/loss/cross_entropy.h states the formulas).
 * losses.ts routes here when the inputs allow it and keeps the composed form (many small
 * ops) for the rest: K-dim inputs, probability targets, a weight that requires grad.
 */
import { dtypeCode, type DType } from '../dtype';
import { IndexError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { arange } from '../creation';
import { add, mul, sub } from '../ops/binary';
import { eq, logicalNot } from '../ops/compare';
import { to } from '../ops/copy';
import { indexSelect } from '../ops/gather';
import { softmax } from '../ops/softmax';
import { reshape, unsqueeze } from '../ops/view';
import { where } from '../ops/where';
import { sum } from '../ops/reduce';
import { isGradEnabled, needsGrad, record } from '../autograd/graph';
import type { Reduction } from './util';

const REDUCTION_CODE: Record<Reduction, number> = { none: 0, sum: 1, mean: 2 };

/** Whether fusedCrossEntropy handles these arguments (the caller has validated them). */
export function canFuseCrossEntropy(x: Tensor, target: Tensor, weight: Tensor | null): boolean {
  return (
    target.dtype === 'int32' &&
    (x.ndim === 1 || x.ndim === 2) &&
    x.size !== 0 &&
    (weight === null || !needsGrad(weight))
  );
}

interface Parts {
  x: Tensor;
  target: Tensor;
  weight: Tensor | null;
  meta: Float64Array;
  n: number;
  c: number;
}

function callForward(op: string, p: Parts, lse: Tensor, out: Tensor): number {
  const res = new Float64Array(3);
  const { x, target, weight } = p;
  try {
    native.crossEntropy(dtypeCode(x.dtype), x.handle(op), x.offset, p.meta, target.handle(op), target.offset,
      weight === null ? null : weight.handle(op), weight === null ? 0 : weight.offset, lse.handle(op), out.handle(op), res);
  } catch (e) {
    rethrowNative(op, e);
  }
  if (res[0] >= 0) {
    throw new IndexError(op, `target ${res[1]} is out of range [0, ${p.c}) (at flat position ${res[0]} of targets of shape ${fmtShape(target.shape)})`);
  }
  return res[2];
}

/**
 * crossEntropy on the fused path. x: [N, C] or [C] float; target: int32 [N] or [];
 * weight: [C] or null (not requiring grad); ignoreIndex and labelSmoothing as in PyTorch.
 */
export function fusedCrossEntropy(op: string, x: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, labelSmoothing: number, reduction: Reduction): Tensor {
  const twoD = x.ndim === 2;
  const n = twoD ? x.shape[0] : 1;
  const c = x.shape[x.ndim - 1];
  const meta = new Float64Array([
    n, c, twoD ? x.strides[0] : 0, x.strides[x.ndim - 1], twoD ? target.strides[0] : 0,
    weight === null ? 0 : weight.strides[0], ignoreIndex, labelSmoothing, REDUCTION_CODE[reduction],
  ]);
  const parts: Parts = { x, target, weight, meta, n, c };
  // per row: the max and log(sum exp(x - max)), read again by the backward
  const lse = Tensor.empty([n, 2], x.dtype, x.device);
  const out = Tensor.empty(reduction === 'none' ? target.shape.slice() : [], x.dtype, x.device);
  let total: number;
  try {
    total = callForward(op, parts, lse, out);
  } catch (e) {
    lse.dispose();
    out.dispose();
    throw e;
  }
  if (!needsGrad(x)) {
    lse.dispose();
    return out;
  }
  const scale = reduction === 'mean' ? 1 / total : 1;
  return record(op, out, [x], (g) => {
    if (isGradEnabled()) return [composedGradient(parts, g, scale, reduction)];
    const dx = Tensor.empty(x.shape.slice(), x.dtype, x.device);
    try {
      native.crossEntropyBackward(dtypeCode(x.dtype), x.handle(op), x.offset, meta, target.handle(op), target.offset,
        weight === null ? null : weight.handle(op), weight === null ? 0 : weight.offset, lse.handle(op),
        g.handle(op), g.offset, reduction === 'none' && twoD ? g.strides[0] : 0, scale, dx.handle(op));
    } catch (e) {
      dx.dispose();
      rethrowNative(op, e);
    }
    return [dx];
  }, weight === null ? [x, target, lse] : [x, target, weight, lse]);
}

/**
 * The same gradient from public ops, used when the backward is itself recorded
 * (createGraph), so that higher-order gradients flow through it.
 */
function composedGradient(p: Parts, g: Tensor, scale: number, reduction: Reduction): Tensor {
  const { x, target, weight, c, meta } = p;
  const s = meta[7];
  const dt: DType = x.dtype;
  const x2 = x.ndim === 2 ? x : unsqueeze(x, 0);
  const t = reshape(target, [p.n]);
  const ignored = eq(t, meta[6]);
  const safe = where(ignored, 0, t);
  const valid = to(logicalNot(ignored), dt);
  const prob = softmax(x2, 1);
  const onehot = to(eq(arange(c, { dtype: 'int32' }), unsqueeze(safe, 1)), dt);
  const wt = weight === null ? valid : mul(indexSelect(weight, 0, safe), valid);
  let term = mul(sub(prob, onehot), unsqueeze(mul(wt, 1 - s), 1));
  if (s !== 0) {
    const wsum = weight === null ? c : sum(weight);
    const w = weight === null ? 1 : unsqueeze(weight, 0);
    term = add(term, mul(mul(sub(mul(prob, wsum), w), s / c), unsqueeze(valid, 1)));
  }
  const coef = reduction === 'none' ? unsqueeze(reshape(g, [p.n]), 1) : mul(g, scale);
  const dx = mul(term, coef);
  return x.ndim === 2 ? dx : reshape(dx, [c]);
}
