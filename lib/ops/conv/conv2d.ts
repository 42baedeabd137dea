/** conv2d: 2-d convolution (PyTorch's torch.nn.functional.conv2d), forward and gradient in native code. */
import type { Tensor } from '../../tensor';
import { convNd, type ConvOptions } from './conv_nd';

export type { ConvOptions } from './conv_nd';

/**
 * 2-d convolution (cross-correlation, as PyTorch) over an input of planes.
 * @param input [N, C, H, W] or unbatched [C, H, W], float32 or float64
 * @param weight [outChannels, C/groups, kH, kW]
 * @param bias [outChannels] or null/undefined
 * @param opts stride, padding (number, [pH, pW], 'same' or 'valid'), dilation, groups
 * @returns [N, outChannels, OH, OW] (or [outChannels, OH, OW]), OH = floor((H + 2·pH - dH·(kH-1) - 1) / sH) + 1
 * @example
 * const x = tf.randn([8, 3, 32, 32]);
 * const w = tf.randn([16, 3, 3, 3]);
 * tf.conv2d(x, w, null, { padding: 1 }).shape; // [8, 16, 32, 32]
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd('conv2d', 2, input, weight, bias, opts);
}
