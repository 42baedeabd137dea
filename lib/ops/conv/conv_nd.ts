/**
 * The convolution op behind conv1d and conv2d: checks, one native forward, and one
 * recorded autograd node whose backward calls the native input and weight gradients
 * (only those that are needed: a first layer's input gradient is never computed). When the
 * backward is itself recorded (createGraph) it uses the recorded gradient ops of
 * conv_grad_ops.ts instead, so that gradients of any order flow.
 */
import { ShapeError, fmtShape } from '../../errors';
import { Tensor } from '../../tensor';
import { isGradEnabled, needsGrad, needsGradAny, noGrad, record, type Node } from '../../autograd/graph';
import { sum } from '../reduce';
import { biasGradDims, convBackwardInput, convBackwardWeight } from './conv_grad_ops';
import {
  type ConvGeom, type PaddingArg, type SizeArg, checkBiasAndDTypes, checkConvTensor, checkGroups, columnsBuffer, convOutput,
  nativeConvBackwardInput, nativeConvBackwardWeight, nativeConvForward, sizes, withContiguous,
} from './conv_common';

/** Options of conv1d / conv2d (PyTorch's arguments). */
export interface ConvOptions {
  /** Step of the window per spatial dim (default 1). */
  stride?: SizeArg;
  /** Zero padding on both sides per dim (default 0), or 'same' (stride 1 only) or 'valid' (none). */
  padding?: PaddingArg;
  /** Spacing between kernel taps (default 1). */
  dilation?: SizeArg;
  /** Input and output channels split into this many independent groups (default 1). */
  groups?: number;
}

export function convNd(op: string, dims: 1 | 2, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvOptions): Tensor {
  checkConvTensor(op, input, 'input');
  checkConvTensor(op, weight, 'weight');
  const b = bias === undefined || bias === null ? null : checkConvTensor(op, bias, 'bias');
  const nd = dims + 2;
  const layout = dims === 2 ? '[outChannels, inChannels/groups, kH, kW]' : '[outChannels, inChannels/groups, kL]';
  if (weight.ndim !== nd) throw new ShapeError(op, `weight must be ${nd}-d ${layout}, got shape ${fmtShape(weight.shape)}`);
  const batched = input.ndim === nd;
  if (!batched && input.ndim !== nd - 1) {
    throw new ShapeError(op, `input must be ${nd - 1}-d (unbatched) or ${nd}-d (batched) ${dims === 2 ? '[N, C, H, W]' : '[N, C, L]'}, got shape ${fmtShape(input.shape)}`);
  }
  const o = opts ?? {};
  const groups = checkGroups(op, o.groups);
  const stride = sizes(op, o.stride, 1, dims, 'stride', 1);
  const dilation = sizes(op, o.dilation, 1, dims, 'dilation', 1);
  const [k, cg] = weight.shape;
  const kernel = weight.shape.slice(2);
  const c = input.shape[batched ? 1 : 0];
  if (k % groups !== 0) throw new ShapeError(op, `out channels ${k} of weight ${fmtShape(weight.shape)} must be divisible by groups ${groups}`);
  if (cg * groups !== c) {
    throw new ShapeError(op, `input of shape ${fmtShape(input.shape)} has ${c} channels, but weight of shape ${fmtShape(weight.shape)} with groups ${groups} expects ${cg * groups}`);
  }
  if (kernel.some((s) => s < 1)) throw new ShapeError(op, `kernel size must be >= 1, got weight of shape ${fmtShape(weight.shape)}`);
  checkBiasAndDTypes(op, input, weight, b, k);
  const spatial = input.shape.slice(batched ? 2 : 1);
  const { pad, out } = convOutput(op, spatial, kernel, stride, o.padding, dilation, input.shape, weight.shape);
  const n = batched ? input.shape[0] : 1;
  const g: ConvGeom = dims === 2
    ? { n, c, h: spatial[0], w: spatial[1], k, kh: kernel[0], kw: kernel[1], oh: out[0], ow: out[1], sh: stride[0], sw: stride[1], ph: pad[0], pw: pad[1], dh: dilation[0], dw: dilation[1], groups }
    : { n, c, h: 1, w: spatial[0], k, kh: 1, kw: kernel[0], oh: 1, ow: out[0], sh: 1, sw: stride[0], ph: 0, pw: pad[0], dh: 1, dw: dilation[0], groups };
  const outShape = batched ? [n, k, ...out] : [k, ...out];
  const inputs = b ? [input, weight, b] : [input, weight];
  let cols = needsGrad(weight) ? columnsBuffer(g, input) : null;
  let y: Tensor;
  try {
    y = noGrad(() => withContiguous([input, weight, b], (x, w, bb) => nativeConvForward(op, g, x!, w!, bb, outShape, cols)));
  } catch (e) {
    cols?.dispose();
    throw e;
  }
  if (!needsGradAny(inputs)) return y;
  const shapes = { x: input.shape.slice(), w: weight.shape.slice(), y: outShape };
  // A recorded backward (createGraph): the recorded gradient ops, so that it is differentiable.
  const differentiable = (gy: Tensor, node: Node): (Tensor | null)[] => {
    cols?.dispose();
    cols = null;
    const gx = node.needs(0) ? convBackwardInput(op, g, shapes, gy, weight) : null;
    const gw = node.needs(1) ? convBackwardWeight(op, g, shapes, input, gy) : null;
    return b ? [gx, gw, node.needs(2) ? sum(gy, biasGradDims(gy.ndim, batched)) : null] : [gx, gw];
  };
  return record(op, y, inputs, (gy, node) => isGradEnabled() ? differentiable(gy, node) : noGrad(() => withContiguous([gy, input, weight], (gyc, xc, wc) => {
    const gx = node.needs(0) ? nativeConvBackwardInput(op, g, gyc!, wc!, input.shape) : null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    // The kept columns serve one backward (a second one, with retainGraph, rebuilds them).
    const kept = cols !== null && !cols.isDisposed ? cols : null;
    try {
      if (node.needs(1) || (b !== null && node.needs(2))) {
        [gw, gb] = nativeConvBackwardWeight(op, g, xc!, gyc!, b !== null && node.needs(2), weight.shape, kept);
      }
    } finally {
      cols?.dispose();
      cols = null;
    }
    return b ? [gx, gw, gb] : [gx, gw];
  })), [input, weight]);
}
