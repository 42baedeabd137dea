/**
 * The three linear maps of one convolution geometry as recorded ops, for gradients that
 * are themselves differentiated (createGraph): the forward without bias y = conv(x, w),
 * its input gradient gx = convBackwardInput(gy, w) (the transposed convolution) and its
 * weight gradient gw = convBackwardWeight(x, gy). Each is one native call, and each one's
 * backward is written with the three of them, so the set is closed under differentiation
 * (gradients of any order). They are bilinear, and the adjoint identities
 *   <conv(x, w), gy> = <x, convBackwardInput(gy, w)> = <w, convBackwardWeight(x, gy)>
 * give every partial derivative. conv2d, conv1d and convTranspose2d use them in their
 * backward when grad mode is on there; their first-order backward stays native under noGrad.
 */
import { Tensor } from '../../tensor';
import { needsGrad2, noGrad, record } from '../../autograd/graph';
import { type ConvGeom, nativeConvBackwardInput, nativeConvBackwardWeight, nativeConvForward, withContiguous } from './conv_common';

/** The shapes of a convolution's input x, weight w and output y as the caller sees them. */
export interface ConvShapes {
  x: readonly number[];
  w: readonly number[];
  y: readonly number[];
}

/** y = conv(x, w) (no bias), shape s.y; recorded. */
export function convForwardOp(op: string, g: ConvGeom, s: ConvShapes, x: Tensor, w: Tensor): Tensor {
  const y = noGrad(() => withContiguous([x, w], (xc, wc) => nativeConvForward(op, g, xc!, wc!, null, s.y)));
  if (!needsGrad2(x, w)) return y;
  return record(op, y, [x, w], (gy, node) => [
    node.needs(0) ? convBackwardInput(op, g, s, gy, w) : null,
    node.needs(1) ? convBackwardWeight(op, g, s, x, gy) : null,
  ], [x, w]);
}

/** gx = the input gradient of conv for output gradient gy and weight w (shape s.x); recorded. */
export function convBackwardInput(op: string, g: ConvGeom, s: ConvShapes, gy: Tensor, w: Tensor): Tensor {
  const gx = noGrad(() => withContiguous([gy, w], (gyc, wc) => nativeConvBackwardInput(op, g, gyc!, wc!, s.x)));
  if (!needsGrad2(gy, w)) return gx;
  return record(`${op}BackwardInput`, gx, [gy, w], (ggx, node) => [
    node.needs(0) ? convForwardOp(op, g, s, ggx, w) : null,
    node.needs(1) ? convBackwardWeight(op, g, s, ggx, gy) : null,
  ], [gy, w]);
}

/** gw = the weight gradient of conv for input x and output gradient gy (shape s.w); recorded. */
export function convBackwardWeight(op: string, g: ConvGeom, s: ConvShapes, x: Tensor, gy: Tensor): Tensor {
  const gw = noGrad(() => withContiguous([x, gy], (xc, gyc) => nativeConvBackwardWeight(op, g, xc!, gyc!, false, s.w)[0]));
  if (!needsGrad2(x, gy)) return gw;
  return record(`${op}BackwardWeight`, gw, [x, gy], (ggw, node) => [
    node.needs(0) ? convBackwardInput(op, g, s, gy, ggw) : null,
    node.needs(1) ? convForwardOp(op, g, s, x, ggw) : null,
  ], [x, gy]);
}

/** The dims of a convolution output summed for the bias gradient: all but the channels. */
export function biasGradDims(ndim: number, batched: boolean): number[] {
  const ch = batched ? 1 : 0;
  return Array.from({ length: ndim }, (_, i) => i).filter((d) => d !== ch);
}
