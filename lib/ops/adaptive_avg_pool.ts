/**
 * adaptiveAvgPool1d / adaptiveAvgPool2d (PyTorch's F.adaptive_avg_pool*): averages over
 * windows chosen so that the output has the asked size; window o of an input of n covers
 * [floor(o n / out), ceil((o + 1) n / out)).
 */
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import { needsGrad, noGrad, record } from '../autograd/graph';
import { reshape } from './view';
import { applyPoolAdjoint } from './pool_linear';
import { PoolKind, checkPoolInput, poolForward } from './pool_common';

function adaptive(op: string, orig: Tensor, x: Tensor, oh: number, ow: number, outShape: number[] | null): Tensor {
  const geom = { oh, ow };
  const y = poolForward(op, PoolKind.AdaptiveAvgForward, x, geom);
  const out = outShape ? reshape(y, outShape) : y;
  if (!needsGrad(orig)) return out;
  const inShape = x.shape.slice();
  const origShape = orig.shape.slice();
  // The backward is a recorded op (differentiable under createGraph), one native call either way.
  const lp = { op, forward: PoolKind.AdaptiveAvgForward, adjoint: PoolKind.AdaptiveAvgBackward, geom, inShape, outShape: y.shape.slice() };
  return record(op, out, [orig], (g) => {
    const gx = applyPoolAdjoint(lp, reshape(g, y.shape.slice()));
    return [inShape.length === origShape.length ? gx : reshape(gx, origShape)];
  });
}

function outSize(op: string, v: unknown, inSize: number): number {
  if (v === null || v === undefined) return inSize;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ArgumentError(op, `outputSize entries must be integers >= 1 (or null for the input's size), got ${JSON.stringify(v)}`);
  return v;
}

/**
 * 2-d adaptive average pooling.
 * @param input [N, C, H, W] or [C, H, W]
 * @param outputSize a number, or [outH, outW] where null keeps the input's size
 * @returns [N, C, outH, outW]
 * @example tf.nn.functional.adaptiveAvgPool2d(tf.randn([2, 8, 7, 7]), 1).shape // [2, 8, 1, 1]
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  const x = checkPoolInput(op, input, 2);
  const [ih, iw] = x.shape.slice(-2);
  let oh: number;
  let ow: number;
  if (Array.isArray(outputSize)) {
    if (outputSize.length !== 2) throw new ArgumentError(op, `outputSize must be a number or a pair, got ${JSON.stringify(outputSize)}`);
    oh = outSize(op, outputSize[0], ih);
    ow = outSize(op, outputSize[1], iw);
  } else {
    oh = ow = outSize(op, outputSize, 0);
  }
  return adaptive(op, x, x, oh, ow, null);
}

/**
 * 1-d adaptive average pooling.
 * @param input [N, C, L] or [C, L]
 * @param outputSize the output length
 * @returns [N, C, outputSize]
 * @example tf.nn.functional.adaptiveAvgPool1d(tf.randn([2, 4, 10]), 3).shape // [2, 4, 3]
 */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly number[]): Tensor {
  const op = 'adaptiveAvgPool1d';
  const x = checkPoolInput(op, input, 1);
  const o = outSize(op, Array.isArray(outputSize) && outputSize.length === 1 ? outputSize[0] : outputSize, 0);
  const x4 = noGrad(() => reshape(x, [...x.shape.slice(0, -1), 1, x.shape[x.ndim - 1]]));
  return adaptive(op, x, x4, 1, o, [...x.shape.slice(0, -1), o]);
}
