/**
 * avgPool1d / avgPool2d (PyTorch's F.avg_pool1d / F.avg_pool2d): the mean of each window,
 * with zero padding, ceilMode, countIncludePad (whether padded positions count in the
 * divisor) and divisorOverride. Windows of ceilMode that lie wholly in the padding give 0.
 */
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import { needsGrad, noGrad, record } from '../autograd/graph';
import { reshape } from './view';
import { applyPoolAdjoint } from './pool_linear';
import { PoolKind, checkPoolInput, pair, poolForward, single, windowOutput, type Size2 } from './pool_common';

/** Options of avgPool2d. */
export interface AvgPool2dOptions {
  /** Step between windows (default: kernelSize). */
  stride?: Size2 | null;
  /** Implicit zero padding on both sides (default 0; at most half the kernel). */
  padding?: Size2;
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead (a non-zero integer). */
  divisorOverride?: number | null;
}

/** Options of avgPool1d. */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

function avgPool(op: string, orig: Tensor, x: Tensor, k: [number, number], s: [number, number], p: [number, number], opts: { ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }, outShape: ((y: Tensor) => number[]) | null): Tensor {
  const div = opts.divisorOverride ?? 0;
  if (!Number.isInteger(div) || (opts.divisorOverride !== undefined && opts.divisorOverride !== null && div === 0)) {
    throw new ArgumentError(op, `divisorOverride must be a non-zero integer, got ${String(opts.divisorOverride)}`);
  }
  const [oh, ow] = windowOutput(op, x, k, s, p, [1, 1], Boolean(opts.ceilMode));
  const geom = { oh, ow, kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], countIncludePad: opts.countIncludePad ?? true, divisorOverride: div };
  const y = poolForward(op, PoolKind.AvgForward, x, geom);
  const out = outShape ? reshape(y, outShape(y)) : y;
  if (!needsGrad(orig)) return out;
  const inShape = x.shape.slice();
  const origShape = orig.shape.slice();
  // The backward is a recorded op (differentiable under createGraph), one native call either way.
  const lp = { op, forward: PoolKind.AvgForward, adjoint: PoolKind.AvgBackward, geom, inShape, outShape: y.shape.slice() };
  return record(op, out, [orig], (g) => {
    const gx = applyPoolAdjoint(lp, reshape(g, y.shape.slice()));
    return [inShape.length === origShape.length ? gx : reshape(gx, origShape)];
  });
}

/**
 * 2-d average pooling over the last two dims.
 * @param input [N, C, H, W] or [C, H, W], float32 or float64
 * @param kernelSize a number or [kH, kW]
 * @returns [N, C, outH, outW]
 * @example tf.nn.functional.avgPool2d(tf.randn([1, 3, 8, 8]), 2, { stride: 2 }).shape // [1, 3, 4, 4]
 */
export function avgPool2d(input: Tensor, kernelSize: Size2, opts: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  const x = checkPoolInput(op, input, 2);
  const k = pair(op, kernelSize, 'kernelSize', 1);
  const s = opts.stride === undefined || opts.stride === null || (Array.isArray(opts.stride) && opts.stride.length === 0) ? k : pair(op, opts.stride, 'stride', 1);
  const p = pair(op, opts.padding ?? 0, 'padding', 0);
  return avgPool(op, x, x, k, s, p, opts, null);
}

/**
 * 1-d average pooling over the last dim.
 * @param input [N, C, L] or [C, L]
 * @returns [N, C, outL]
 * @example tf.nn.functional.avgPool1d(tf.randn([2, 4, 9]), 3).shape // [2, 4, 3]
 */
export function avgPool1d(input: Tensor, kernelSize: number, opts: AvgPool1dOptions = {}): Tensor {
  const op = 'avgPool1d';
  const x = checkPoolInput(op, input, 1);
  const k = single(op, kernelSize, 'kernelSize', 1);
  const s = opts.stride === undefined || opts.stride === null ? k : single(op, opts.stride, 'stride', 1);
  const p = single(op, opts.padding ?? 0, 'padding', 0);
  const x4 = noGrad(() => reshape(x, [...x.shape.slice(0, -1), 1, x.shape[x.ndim - 1]]));
  const lead = x.shape.slice(0, -1);
  return avgPool(op, x, x4, [1, k], [1, s], [0, p], opts, (y) => [...lead, y.shape[y.ndim - 1]]);
}
