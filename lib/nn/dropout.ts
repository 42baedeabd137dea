/** nn.Dropout. */
import type { Tensor } from '../tensor';
import { dropout } from './functional';
import { dropout2d } from './functional_vision';
import { Module } from './module';
import { checkNumber } from './util';

/**
 * In training mode, zeroes each element with probability p and scales the others by
 * 1 / (1 - p); in eval mode, the identity.
 * @example const drop = new nn.Dropout(0.1); drop.eval(); drop.forward(x) === x
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = checkNumber('Dropout', p, 'p', (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  }
  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  override getConfig(): unknown[] {
    return [this.p];
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

/**
 * In training mode, zeroes whole channels (each [H, W] plane of a sample) with
 * probability p and scales the others by 1 / (1 - p); in eval mode, the identity.
 * @example new nn.Dropout2d(0.2).forward(tf.randn([8, 16, 12, 12]))
 */
export class Dropout2d extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = checkNumber('Dropout2d', p, 'p', (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  }
  /** @param x [N, C, H, W] or [C, H, W] */
  override forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
  override getConfig(): unknown[] {
    return [this.p];
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}
