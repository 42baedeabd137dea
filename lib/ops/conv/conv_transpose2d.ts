/**
 * convTranspose2d (torch.nn.functional.conv_transpose2d): the adjoint of conv2d. Its
 * forward is conv2d's input gradient, its input gradient is conv2d's forward and its
 * weight gradient conv2d's weight gradient with the roles of input and output swapped,
 * so it runs on the same native kernels (and, for a recorded backward under createGraph,
 * on the recorded gradient ops of conv_grad_ops.ts).
 */
import { ArgumentError, ShapeError, fmtShape } from '../../errors';
import { Tensor } from '../../tensor';
import { isGradEnabled, needsGradAny, noGrad, record, type Node } from '../../autograd/graph';
import { convBackwardWeight, convForwardOp } from './conv_grad_ops';
import { add } from '../binary';
import { sum } from '../reduce';
import { reshape } from '../view';
import {
  type ConvGeom, type SizeArg, checkBiasAndDTypes, checkConvTensor, checkGroups, nativeConvBackwardInput,
  nativeConvBackwardWeight, nativeConvForward, sizes, withContiguous,
} from './conv_common';

/** Options of convTranspose2d (PyTorch's arguments). */
export interface ConvTransposeOptions {
  /** Stride of the convolution this one is the adjoint of (default 1). */
  stride?: SizeArg;
  /** dilation·(k-1) - padding zeros are added on each side (default 0). */
  padding?: SizeArg;
  /** Extra rows/columns on the bottom/right of the output (default 0; < stride or dilation). */
  outputPadding?: SizeArg;
  /** Default 1. */
  groups?: number;
  /** Default 1. */
  dilation?: SizeArg;
}

/**
 * 2-d transposed convolution ("deconvolution"), the gradient of conv2d with respect to its input.
 * @param input [N, C, H, W] or unbatched [C, H, W], float32 or float64
 * @param weight [C, outChannels/groups, kH, kW]
 * @param bias [outChannels] or null/undefined
 * @param opts stride, padding, outputPadding, groups, dilation
 * @returns [N, outChannels, OH, OW], OH = (H-1)·sH - 2·pH + dH·(kH-1) + outputPaddingH + 1
 * @example
 * const x = tf.randn([2, 16, 7, 7]);
 * const w = tf.randn([16, 8, 4, 4]);
 * tf.convTranspose2d(x, w, null, { stride: 2, padding: 1 }).shape; // [2, 8, 14, 14]
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTransposeOptions = {}): Tensor {
  const op = 'convTranspose2d';
  checkConvTensor(op, input, 'input');
  checkConvTensor(op, weight, 'weight');
  const b = bias === undefined || bias === null ? null : checkConvTensor(op, bias, 'bias');
  if (weight.ndim !== 4) throw new ShapeError(op, `weight must be 4-d [inChannels, outChannels/groups, kH, kW], got shape ${fmtShape(weight.shape)}`);
  const batched = input.ndim === 4;
  if (!batched && input.ndim !== 3) throw new ShapeError(op, `input must be 3-d (unbatched) or 4-d (batched) [N, C, H, W], got shape ${fmtShape(input.shape)}`);
  const o = opts ?? {};
  const groups = checkGroups(op, o.groups);
  const stride = sizes(op, o.stride, 1, 2, 'stride', 1);
  const padding = sizes(op, o.padding, 0, 2, 'padding', 0);
  const outputPadding = sizes(op, o.outputPadding, 0, 2, 'outputPadding', 0);
  const dilation = sizes(op, o.dilation, 1, 2, 'dilation', 1);
  const [cin, coutG, kh, kw] = weight.shape;
  const c = input.shape[batched ? 1 : 0];
  if (c !== cin) throw new ShapeError(op, `input of shape ${fmtShape(input.shape)} has ${c} channels, but weight of shape ${fmtShape(weight.shape)} expects ${cin}`);
  if (cin % groups !== 0) throw new ShapeError(op, `in channels ${cin} of weight ${fmtShape(weight.shape)} must be divisible by groups ${groups}`);
  if (kh < 1 || kw < 1) throw new ShapeError(op, `kernel size must be >= 1, got weight of shape ${fmtShape(weight.shape)}`);
  for (let d = 0; d < 2; d++) {
    if (outputPadding[d] >= stride[d] && outputPadding[d] >= dilation[d]) {
      throw new ArgumentError(op, `outputPadding must be smaller than stride or dilation, got outputPadding ${JSON.stringify(outputPadding)}, stride ${JSON.stringify(stride)}, dilation ${JSON.stringify(dilation)}`);
    }
  }
  const cout = coutG * groups;
  checkBiasAndDTypes(op, input, weight, b, cout);
  const [h, w] = input.shape.slice(batched ? 2 : 1);
  const kernel = [kh, kw];
  const outHW = [h, w].map((s, d) => (s - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel[d] - 1) + outputPadding[d] + 1);
  if (outHW.some((s) => s < 1)) {
    throw new ShapeError(op, `input of shape ${fmtShape(input.shape)} with weight ${fmtShape(weight.shape)}, stride ${JSON.stringify(stride)} and padding ${JSON.stringify(padding)} gives output size ${JSON.stringify(outHW)}`);
  }
  const n = batched ? input.shape[0] : 1;
  // The conv2d whose input gradient this is: its input is our output, its output our input.
  const g: ConvGeom = {
    n, c: cout, h: outHW[0], w: outHW[1], k: cin, kh, kw, oh: h, ow: w,
    sh: stride[0], sw: stride[1], ph: padding[0], pw: padding[1], dh: dilation[0], dw: dilation[1], groups,
  };
  const outShape = batched ? [n, cout, ...outHW] : [cout, ...outHW];
  const y = noGrad(() => {
    const raw = withContiguous([input, weight], (x, wc) => nativeConvBackwardInput(op, g, x!, wc!, outShape));
    if (b === null) return raw;
    const bias3 = reshape(b, [cout, 1, 1]);
    const withBias = add(raw, bias3);
    raw.dispose();
    bias3.dispose();
    return withBias;
  });
  const inputs = b ? [input, weight, b] : [input, weight];
  if (!needsGradAny(inputs)) return y;
  // As a conv2d of geometry g, our output is its input and our input its output.
  const shapes = { x: outShape, w: weight.shape.slice(), y: input.shape.slice() };
  // A recorded backward (createGraph): the recorded gradient ops, so that it is differentiable.
  const differentiable = (gy: Tensor, node: Node): (Tensor | null)[] => {
    const gx = node.needs(0) ? convForwardOp(op, g, shapes, gy, weight) : null;
    const gw = node.needs(1) ? convBackwardWeight(op, g, shapes, gy, input) : null;
    return b ? [gx, gw, node.needs(2) ? sum(gy, batched ? [0, 2, 3] : [1, 2]) : null] : [gx, gw];
  };
  return record(op, y, inputs, (gy, node) => isGradEnabled() ? differentiable(gy, node) : noGrad(() => withContiguous([gy, input, weight], (gyc, xc, wc) => {
    const gx = node.needs(0) ? nativeConvForward(op, g, gyc!, wc!, null, input.shape) : null;
    const gw = node.needs(1) ? nativeConvBackwardWeight(op, g, gyc!, xc!, false, weight.shape)[0] : null;
    const gb = b !== null && node.needs(2) ? sum(gy, batched ? [0, 2, 3] : [1, 2]) : null;
    return b ? [gx, gw, gb] : [gx, gw];
  })), [input, weight]);
}
