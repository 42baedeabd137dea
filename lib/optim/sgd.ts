/** Stochastic gradient descent with momentum, dampening, Nesterov and weight decay. */
import { ArgumentError } from '../errors';
import type { Tensor } from '../tensor';
import { Optimizer, checkBool, checkNumber, type ParamGroup, type ParamState, type Params } from './optimizer';

export interface SGDOptions {
  /** Learning rate (default 1e-3, as PyTorch). */
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/**
 * SGD, as torch.optim.SGD: with g = ±grad + weightDecay·p, the momentum buffer
 * b = g on the first step, then b = momentum·b + (1 − dampening)·g;
 * the update direction is g + momentum·b (nesterov) or b; p −= lr·direction.
 *
 * @example
 * const opt = new tf.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected checkOptions(g: ParamGroup<SGDOptions>): void {
    checkNumber('SGD', 'lr', g.lr, { min: 0 });
    checkNumber('SGD', 'momentum', g.momentum, { min: 0 });
    checkNumber('SGD', 'dampening', g.dampening);
    checkNumber('SGD', 'weightDecay', g.weightDecay, { min: 0 });
    checkBool('SGD', 'nesterov', g.nesterov);
    checkBool('SGD', 'maximize', g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new ArgumentError('SGD', `nesterov momentum needs momentum > 0 and dampening = 0, got momentum ${g.momentum} and dampening ${g.dampening}`);
    }
  }

  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup<SGDOptions>, state: ParamState): void {
    let buf: Tensor | null = null;
    let first = 0;
    if (g.momentum !== 0) {
      first = state.momentum_buffer === undefined ? 1 : 0;
      buf = this.stateTensor(state, 'momentum_buffer', p);
    }
    this.runKernel(0, p, grad, [g.lr, g.momentum, g.dampening, g.weightDecay, g.nesterov ? 1 : 0, g.maximize ? 1 : 0, first], buf);
  }
}
