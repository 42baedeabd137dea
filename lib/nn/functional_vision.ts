/**
 * nn.functional for images and signals: pooling, nearest interpolation and dropout2d.
 * The ops live in lib/ops (one file each, forward and gradient side by side).
 */
import { ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { bernoulli } from '../random';
import { div, mul } from '../ops/binary';
import { checkFloat, checkNumber } from './util';

export { maxPool1d, maxPool2d, type MaxPool1dOptions, type MaxPool2dOptions } from '../ops/max_pool';
export { avgPool1d, avgPool2d, type AvgPool1dOptions, type AvgPool2dOptions } from '../ops/avg_pool';
export { adaptiveAvgPool1d, adaptiveAvgPool2d } from '../ops/adaptive_avg_pool';
export { interpolate, type InterpolateOptions } from '../ops/interpolate';

/**
 * Channel dropout (PyTorch's F.dropout2d): in training, zeroes whole channels (each
 * [H, W] plane of each sample) with probability p and scales the others by 1 / (1 - p);
 * otherwise returns x itself.
 * @param x [N, C, H, W] or [C, H, W] (unbatched: a channel is a plane)
 * @example F.dropout2d(tf.randn([8, 16, 12, 12]), 0.2, model.training)
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  const op = 'dropout2d';
  checkFloat(op, x);
  checkNumber(op, p, 'p', (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(op, `expected a 3-d [C, H, W] or 4-d [N, C, H, W] input, got shape ${fmtShape(x.shape)}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const maskShape = x.shape.map((d, i) => (i < x.ndim - 2 ? d : 1));
  const mask = bernoulli(maskShape, 1 - p, { dtype: x.dtype });
  const scaled = div(mask, 1 - p);
  mask.dispose();
  const y = mul(x, scaled);
  if (!x.requiresGrad && x.gradFn === null) scaled.dispose();
  return y;
}
