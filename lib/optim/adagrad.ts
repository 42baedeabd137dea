/** Adagrad (Duchi et al.), as torch.optim.Adagrad. */
import type { Tensor } from '../tensor';
import { Optimizer, checkBool, checkNumber, type ParamGroup, type ParamState, type Params } from './optimizer';

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** The rate decays as lr / (1 + (t − 1)·lrDecay). */
  lrDecay: number;
  weightDecay: number;
  /** Starting value of the sum of squared gradients. */
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/**
 * Adagrad: g = ±grad + weightDecay·p; clr = lr / (1 + (t − 1)·lrDecay);
 * sum += g²; p −= clr · g / (√sum + eps).
 *
 * @example const opt = new tf.optim.Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...options });
  }

  protected checkOptions(g: ParamGroup<AdagradOptions>): void {
    checkNumber('Adagrad', 'lr', g.lr, { min: 0 });
    checkNumber('Adagrad', 'lrDecay', g.lrDecay, { min: 0 });
    checkNumber('Adagrad', 'weightDecay', g.weightDecay, { min: 0 });
    checkNumber('Adagrad', 'initialAccumulatorValue', g.initialAccumulatorValue, { min: 0 });
    checkNumber('Adagrad', 'eps', g.eps, { min: 0 });
    checkBool('Adagrad', 'maximize', g.maximize);
  }

  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup<AdagradOptions>, state: ParamState): void {
    // PyTorch creates the sum when the optimizer is built, from the group's value then.
    const sum = this.stateTensor(state, 'sum', p, g.initialAccumulatorValue);
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const clr = g.lr / (1 + (step - 1) * g.lrDecay);
    this.runKernel(3, p, grad, [clr, g.weightDecay, g.eps, g.maximize ? 1 : 0], sum);
  }
}
