/**
 * Reverse-mode autograd: the graph (graph.ts), the backward pass (engine.ts), the
 * Tensor methods (methods.ts) and gradcheck. Gradients of the ops live next to their
 * forward in lib/ops/.
 */
import './methods';
import { backward, grad } from './engine';
import { enableGrad, isGradEnabled, noGrad, record, recordMulti, setGradEnabled } from './graph';
import { gradcheck, gradgradcheck } from './gradcheck';
import { sumToShape } from './grad_utils';

export { backward, grad, type BackwardOptions, type GradOptions } from './engine';
export { AutogradError, Node, OutputRef, enableGrad, isGradEnabled, noGrad, setGradEnabled, record, recordMulti } from './graph';
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradgradcheckOptions } from './gradcheck';
export { sumToShape } from './grad_utils';

/**
 * The autograd namespace, like torch.autograd.
 * @example
 * const [gx] = tf.autograd.grad(y, [x]);
 */
export const autograd = { backward, grad, noGrad, enableGrad, isGradEnabled, setGradEnabled, gradcheck, gradgradcheck, sumToShape, record, recordMulti };
