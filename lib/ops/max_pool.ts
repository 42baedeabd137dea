/**
 * maxPool1d / maxPool2d (PyTorch's F.max_pool1d / F.max_pool2d): the largest value of
 * each window, with padding (as -inf), dilation and ceilMode; NaN wins as in PyTorch.
 * The gradient flows to the position of each maximum (the indices, int32 positions
 * h * W + w in the plane, are saved for backward and can be returned). A recorded backward
 * (createGraph) does the same scatter with scatterAdd, whose gradient (a gather through the
 * same indices) makes it differentiable.
 */
import { Tensor } from '../tensor';
import { isGradEnabled, needsGrad, noGrad, record } from '../autograd/graph';
import { zeros } from '../creation';
import { scatterAdd } from './gather';
import { reshape } from './view';
import { PoolKind, checkPoolInput, pair, poolBackward, poolForward, single, windowOutput, type Size2 } from './pool_common';
import { clone } from './copy';

/** Options of maxPool2d. */
export interface MaxPool2dOptions {
  /** Step between windows (default: kernelSize). */
  stride?: Size2 | null;
  /** Implicit -inf padding on both sides (default 0; at most half the kernel). */
  padding?: Size2;
  /** Spacing between window elements (default 1). */
  dilation?: Size2;
  /** Round the output size up (a last partial window that starts inside the input or left padding). */
  ceilMode?: boolean;
  /** Also return the int32 indices (flat h * W + w within each plane). */
  returnIndices?: boolean;
}

/** Options of maxPool1d. */
export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

function maxPool(op: string, orig: Tensor, x: Tensor, k: [number, number], s: [number, number], p: [number, number], d: [number, number], ceilMode: boolean, returnIndices: boolean, outShape: (y: Tensor) => number[]): Tensor | [Tensor, Tensor] {
  const [oh, ow] = windowOutput(op, x, k, s, p, d, ceilMode);
  const geom = { oh, ow, kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1] };
  const lead = x.shape.slice(0, -2);
  const indices = Tensor.empty([...lead, oh, ow], 'int32', x.device);
  let y: Tensor;
  try {
    y = poolForward(op, PoolKind.MaxForward, x, geom, indices);
  } catch (e) {
    indices.dispose();
    throw e;
  }
  const shape = outShape(y);
  const grad = needsGrad(orig);
  let out = shape.length === y.ndim ? y : reshape(y, shape);
  if (grad) {
    const inShape = x.shape.slice();
    const origShape = orig.shape.slice();
    out = record(op, out, [orig], (g) => {
      const g4 = reshape(g, y.shape.slice());
      // Recorded (createGraph): the same scatter as public ops, whose own gradient is a gather.
      const gx = isGradEnabled() ? scatterToInput(g4, indices, inShape) : poolBackward(op, PoolKind.MaxBackward, g4, inShape, geom, indices);
      return [inShape.length === origShape.length ? gx : reshape(gx, origShape)];
    });
  }
  if (!returnIndices) {
    if (!grad) indices.dispose();
    return out;
  }
  // The backward keeps its own indices, so the caller may dispose the returned ones.
  const idx = grad ? clone(indices) : indices;
  return [out, shape.length === idx.ndim ? idx : reshape(idx, shape)];
}

/** The max-pool gradient as recorded ops: g [..., OH, OW] added at the saved plane positions of an input [..., H, W]. */
function scatterToInput(g: Tensor, indices: Tensor, inShape: number[]): Tensor {
  const [oh, ow] = g.shape.slice(-2);
  const [ih, iw] = inShape.slice(-2);
  const planes = inShape.slice(0, -2).reduce((a, b) => a * b, 1);
  const idx = reshape(indices, [planes, oh * ow]);
  const gx = scatterAdd(zeros([planes, ih * iw], { dtype: g.dtype }), 1, idx, reshape(g, [planes, oh * ow]));
  return reshape(gx, inShape);
}

/**
 * 2-d max pooling over the last two dims.
 * @param input [N, C, H, W] or [C, H, W], float32 or float64
 * @param kernelSize window size, a number or [kH, kW]
 * @param opts stride (default kernelSize), padding, dilation, ceilMode, returnIndices
 * @returns [N, C, outH, outW] (and the int32 indices with returnIndices)
 * @example
 * tf.nn.functional.maxPool2d(tf.randn([1, 3, 8, 8]), 2).shape // [1, 3, 4, 4]
 */
export function maxPool2d(input: Tensor, kernelSize: Size2, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: Size2, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Size2, opts: MaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  const op = 'maxPool2d';
  const x = checkPoolInput(op, input, 2);
  const k = pair(op, kernelSize, 'kernelSize', 1);
  const s = opts.stride === undefined || opts.stride === null || (Array.isArray(opts.stride) && opts.stride.length === 0) ? k : pair(op, opts.stride, 'stride', 1);
  const p = pair(op, opts.padding ?? 0, 'padding', 0);
  const d = pair(op, opts.dilation ?? 1, 'dilation', 1);
  return maxPool(op, x, x, k, s, p, d, Boolean(opts.ceilMode), Boolean(opts.returnIndices), (y) => y.shape.slice());
}

/**
 * 1-d max pooling over the last dim.
 * @param input [N, C, L] or [C, L]
 * @param kernelSize window length
 * @returns [N, C, outL] (and the int32 indices, positions along L, with returnIndices)
 * @example tf.nn.functional.maxPool1d(tf.randn([2, 4, 9]), 3).shape // [2, 4, 3]
 */
export function maxPool1d(input: Tensor, kernelSize: number, opts?: MaxPool1dOptions & { returnIndices?: false }): Tensor;
export function maxPool1d(input: Tensor, kernelSize: number, opts: MaxPool1dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: number, opts: MaxPool1dOptions = {}): Tensor | [Tensor, Tensor] {
  const op = 'maxPool1d';
  const x = checkPoolInput(op, input, 1);
  const k = single(op, kernelSize, 'kernelSize', 1);
  const s = opts.stride === undefined || opts.stride === null ? k : single(op, opts.stride, 'stride', 1);
  const p = single(op, opts.padding ?? 0, 'padding', 0);
  const d = single(op, opts.dilation ?? 1, 'dilation', 1);
  const x4 = noGrad(() => reshape(x, [...x.shape.slice(0, -1), 1, x.shape[x.ndim - 1]]));
  const lead = x.shape.slice(0, -1);
  return maxPool(op, x, x4, [1, k], [1, s], [0, p], [1, d], Boolean(opts.ceilMode), Boolean(opts.returnIndices), (y) => [...lead, y.shape[y.ndim - 1]]);
}
