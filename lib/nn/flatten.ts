/** nn.Flatten and nn.Unflatten. */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { flatten, reshape } from '../ops/view';
import { Module } from './module';
import { normDim } from './util';

/** Flattens dims startDim..endDim (default 1..-1: everything but the batch). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) throw new ArgumentError('Flatten', `startDim and endDim must be integers, got ${startDim} and ${endDim}`);
    this.startDim = startDim;
    this.endDim = endDim;
  }
  /** @param x [N, C, H, W] @returns [N, C*H*W] with the defaults */
  override forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  override getConfig(): unknown[] {
    return [this.startDim, this.endDim];
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim into sizes (one size may be -1). */
export class Unflatten extends Module {
  readonly dim: number;
  readonly sizes: readonly number[];
  constructor(dim: number, sizes: number[]) {
    super();
    if (!Number.isInteger(dim)) throw new ArgumentError('Unflatten', `dim must be an integer, got ${dim}`);
    if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < -1) || sizes.filter((s) => s === -1).length > 1) {
      throw new ArgumentError('Unflatten', `sizes must be a non-empty array of sizes with at most one -1, got ${JSON.stringify(sizes)}`);
    }
    this.dim = dim;
    this.sizes = sizes.slice();
  }
  override getConfig(): unknown[] {
    return [this.dim, this.sizes.slice()];
  }
  /** @param x [N, C*H*W] @returns [N, C, H, W] for new Unflatten(1, [C, H, W]) */
  override forward(x: Tensor): Tensor {
    const d = normDim('Unflatten', this.dim, x.ndim);
    const n = x.shape[d];
    const known = this.sizes.filter((s) => s !== -1).reduce((a, s) => a * s, 1);
    const sizes = this.sizes.map((s) => (s === -1 ? (known === 0 ? 0 : n / known) : s));
    if (sizes.reduce((a, s) => a * s, 1) !== n || sizes.some((s) => !Number.isInteger(s))) {
      throw new ShapeError('Unflatten', `sizes ${fmtShape(this.sizes)} do not multiply to dim ${d} of input ${fmtShape(x.shape)} (${n})`);
    }
    return reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.sizes.join(', ')}${this.sizes.length === 1 ? ',' : ''})`;
  }
}
