/**
 * The fused batch norm over [N, C, *] (PyTorch's aten::batch_norm on the CPU): one native
 * forward computes the per-channel statistics, normalises, applies weight and bias and
 * updates the running statistics in place (momentum, unbiased variance); one recorded
 * node whose backward is one native pass for the input, weight and bias gradients, or,
 * when the backward is itself recorded (createGraph), the same gradients from public ops.
 * F.batchNorm checks the arguments and calls it; this file trusts them.
 */
import { dtypeCode } from '../dtype';
import { rethrowNative } from '../errors';
import { native, type NativeHandle } from '../native';
import { Tensor } from '../tensor';
import { isGradEnabled, needsGradAny, record, type Node } from '../autograd/graph';
import { reshape } from './view';
import { add, div, mul, sub } from './binary';
import { mean, sum } from './reduce';
import { sqrt } from './unary';
import { contiguousData, releaseIf } from './pool_common';

export interface FusedBatchNormArgs {
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  /** Batch statistics (and running-stat update when given) vs running statistics. */
  training: boolean;
  momentum: number;
  eps: number;
}

function h(t: Tensor | null, op: string): [NativeHandle | null, number] {
  return t === null ? [null, 0] : [t.handle(op), t.offset];
}

/** @internal Fused batch norm; weight, bias and running stats must be contiguous [C]. */
export function fusedBatchNorm(x: Tensor, a: FusedBatchNormArgs): Tensor {
  const op = 'batchNorm';
  const [N, C] = x.shape;
  const S = x.shape.slice(2).reduce((p, d) => p * d, 1);
  const dt = dtypeCode(x.dtype);
  const src = contiguousData(op, x);
  const y = Tensor.empty(x.shape.slice(), x.dtype, x.device);
  const saveMean = Tensor.empty([C], x.dtype, x.device);
  const saveInvstd = Tensor.empty([C], x.dtype, x.device);
  const updateRunning = a.training && a.runningMean !== null;
  try {
    native.batchNormForward(dt, new Float64Array([N, C, S, a.eps, a.momentum, a.training ? 1 : 0]),
      src.handle(op), src.offset, y.handle(op), y.offset, ...h(a.weight, op), ...h(a.bias, op),
      saveMean.handle(op), 0, saveInvstd.handle(op), 0,
      ...h(a.training && !updateRunning ? null : a.runningMean, op), ...h(a.training && !updateRunning ? null : a.runningVar, op));
  } catch (e) {
    for (const t of [y, saveMean, saveInvstd]) t.dispose();
    releaseIf(x, src);
    rethrowNative(op, e);
  }
  if (updateRunning) {
    a.runningMean!.storage.version++;
    a.runningVar!.storage.version++;
  }
  const inputs = [x, a.weight, a.bias];
  if (!needsGradAny(inputs)) {
    releaseIf(x, src);
    saveMean.dispose();
    saveInvstd.dispose();
    return y;
  }
  const w = a.weight;
  const training = a.training;
  const eps = a.eps;
  return record(op, y, inputs, (g, node) => {
    if (isGradEnabled()) return composedGrads(g, node, x, w, training, eps, saveMean, saveInvstd);
    const gy = contiguousData(op, g);
    const gx = node.needs(0) ? Tensor.empty([N, C, ...x.shape.slice(2)], x.dtype, x.device) : null;
    const gw = node.needs(1) ? Tensor.empty([C], x.dtype, x.device) : null;
    const gb = node.needs(2) ? Tensor.empty([C], x.dtype, x.device) : null;
    try {
      native.batchNormBackward(dt, new Float64Array([N, C, S, training ? 1 : 0]), gy.handle(op), gy.offset,
        src.handle(op), src.offset, ...h(w, op), saveMean.handle(op), 0, saveInvstd.handle(op), 0,
        ...h(gx, op), ...h(gw, op), ...h(gb, op));
    } catch (e) {
      for (const t of [gx, gw, gb]) t?.dispose();
      rethrowNative(op, e);
    } finally {
      releaseIf(g, gy);
    }
    return [gx && (gx.ndim === x.ndim ? gx : reshape(gx, x.shape.slice())), gw, gb];
  }, w ? [src, w] : [src]);
}

/**
 * The gradients from public ops, used when the backward is itself recorded (createGraph),
 * so that they are differentiable: with x̂ = (x - mean) invstd (statistics over all dims
 * but the channels), gx = w invstd (gy - mean(gy) - x̂ mean(gy x̂)) in training, where the
 * batch statistics are recomputed from x as recorded ops, and gx = w invstd gy in eval,
 * where the running statistics are constants; gw = sum(gy x̂), gb = sum(gy).
 */
function composedGrads(g: Tensor, node: Node, x: Tensor, w: Tensor | null, training: boolean, eps: number, saveMean: Tensor, saveInvstd: Tensor): (Tensor | null)[] {
  const C = x.shape[1];
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  let mu: Tensor;
  let invstd: Tensor;
  if (training) {
    mu = mean(x, dims, true);
    const xc = sub(x, mu);
    invstd = div(1, sqrt(add(mean(mul(xc, xc), dims, true), eps)));
  } else {
    mu = reshape(saveMean, bshape);
    invstd = reshape(saveInvstd, bshape);
  }
  const xhat = mul(sub(x, mu), invstd);
  const scale = w === null ? invstd : mul(reshape(w, bshape), invstd);
  let gx: Tensor | null = null;
  if (node.needs(0)) {
    gx = training ? mul(scale, sub(sub(g, mean(g, dims, true)), mul(xhat, mean(mul(g, xhat), dims, true)))) : mul(g, scale);
  }
  const gw = node.needs(1) ? reshape(sum(mul(g, xhat), dims), [C]) : null;
  const gb = node.needs(2) ? reshape(sum(g, dims), [C]) : null;
  return [gx, gw, gb];
}
