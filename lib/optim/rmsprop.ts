/** RMSprop (Hinton), with momentum and the centered variant, as torch.optim.RMSprop. */
import type { Tensor } from '../tensor';
import { Optimizer, checkBool, checkNumber, type ParamGroup, type ParamState, type Params } from './optimizer';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Normalise by the estimated variance instead of the raw second moment. */
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop: g = ±grad + weightDecay·p; s = α·s + (1 − α)·g²;
 * centered: a = α·a + (1 − α)·g, d = √(s − a²) + eps, else d = √s + eps;
 * momentum > 0: b = momentum·b + g/d, p −= lr·b; else p −= lr·g/d.
 *
 * @example const opt = new tf.optim.RMSprop(model.parameters(), { lr: 1e-2, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...options });
  }

  protected checkOptions(g: ParamGroup<RMSpropOptions>): void {
    checkNumber('RMSprop', 'lr', g.lr, { min: 0 });
    checkNumber('RMSprop', 'alpha', g.alpha, { min: 0 });
    checkNumber('RMSprop', 'eps', g.eps, { min: 0 });
    checkNumber('RMSprop', 'weightDecay', g.weightDecay, { min: 0 });
    checkNumber('RMSprop', 'momentum', g.momentum, { min: 0 });
    checkBool('RMSprop', 'centered', g.centered);
    checkBool('RMSprop', 'maximize', g.maximize);
  }

  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup<RMSpropOptions>, state: ParamState): void {
    const sq = this.stateTensor(state, 'square_avg', p);
    const buf = g.momentum > 0 ? this.stateTensor(state, 'momentum_buffer', p) : null;
    const gavg = g.centered ? this.stateTensor(state, 'grad_avg', p) : null;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    this.runKernel(2, p, grad, [g.lr, g.alpha, g.eps, g.weightDecay, g.momentum, g.centered ? 1 : 0, g.maximize ? 1 : 0], sq, buf, gavg);
  }
}
