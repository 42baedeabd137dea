/** conv1d: 1-d convolution (torch.nn.functional.conv1d), run by the 2-d kernels with H = 1. */
import type { Tensor } from '../../tensor';
import { convNd, type ConvOptions } from './conv_nd';

/**
 * 1-d convolution (cross-correlation, as PyTorch) over an input of sequences.
 * @param input [N, C, L] or unbatched [C, L], float32 or float64
 * @param weight [outChannels, C/groups, kL]
 * @param bias [outChannels] or null/undefined
 * @param opts stride, padding (number, 'same' or 'valid'), dilation, groups
 * @returns [N, outChannels, OL] (or [outChannels, OL]), OL = floor((L + 2·p - d·(kL-1) - 1) / s) + 1
 * @example
 * const x = tf.randn([4, 2, 100]);
 * const w = tf.randn([8, 2, 5]);
 * tf.conv1d(x, w, null, { padding: 'same' }).shape; // [4, 8, 100]
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd('conv1d', 1, input, weight, bias, opts);
}
