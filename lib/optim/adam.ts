/** Adam and AdamW (decoupled weight decay), with AMSGrad, as torch.optim.Adam / AdamW. */
import { ArgumentError } from '../errors';
import type { Tensor } from '../tensor';
import { Optimizer, checkBool, checkNumber, type ParamGroup, type ParamState, type Params } from './optimizer';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

function checkAdam(name: string, g: ParamGroup<AdamOptions>): void {
  checkNumber(name, 'lr', g.lr, { min: 0 });
  if (!Array.isArray(g.betas) || g.betas.length !== 2) {
    throw new ArgumentError(name, `betas must be an array of two numbers, got ${JSON.stringify(g.betas)}`);
  }
  checkNumber(name, 'betas[0]', g.betas[0], { min: 0, max: 1, maxExclusive: true });
  checkNumber(name, 'betas[1]', g.betas[1], { min: 0, max: 1, maxExclusive: true });
  checkNumber(name, 'eps', g.eps, { min: 0 });
  checkNumber(name, 'weightDecay', g.weightDecay, { min: 0 });
  checkBool(name, 'amsgrad', g.amsgrad);
  checkBool(name, 'maximize', g.maximize);
}

/** Shared step of Adam (decoupled = false) and AdamW (decoupled = true). */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected checkOptions(g: ParamGroup<AdamOptions>): void {
    checkAdam(this.name, g);
  }

  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>, state: ParamState): void {
    const m = this.stateTensor(state, 'exp_avg', p);
    const v = this.stateTensor(state, 'exp_avg_sq', p);
    const vmax = g.amsgrad ? this.stateTensor(state, 'max_exp_avg_sq', p) : null;
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const [beta1, beta2] = g.betas;
    const stepSize = g.lr / (1 - Math.pow(beta1, step));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
    this.runKernel(1, p, grad, [g.lr, beta1, beta2, g.eps, g.weightDecay, g.amsgrad ? 1 : 0, g.maximize ? 1 : 0, this.decoupled ? 1 : 0, stepSize, bc2Sqrt], m, v, vmax);
  }
}

/**
 * Adam (Kingma & Ba), as torch.optim.Adam: g = ±grad + weightDecay·p;
 * m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; (amsgrad: vmax = max(vmax, v), used for v);
 * p −= lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps).
 *
 * @example const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options });
  }
}

/**
 * AdamW (Loshchilov & Hutter), as torch.optim.AdamW: Adam with the weight decay applied
 * to the parameter (p *= 1 − lr·weightDecay) instead of the gradient. weightDecay
 * defaults to 1e-2.
 *
 * @example const opt = new tf.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...options });
  }
}
