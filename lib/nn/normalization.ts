/** nn.LayerNorm, nn.BatchNorm1d and nn.BatchNorm2d. */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { tensor, zeros, ones } from '../creation';
import { keep } from '../scope';
import { batchNorm, layerNorm } from './functional';
import { filledParameter, layerDType, pyBool, pyFloat, pyTuple, type FactoryOptions } from './layer_util';
import { Module } from './module';
import { assignNoGrad, checkInt, checkNumber } from './util';

/** Options of nn.LayerNorm. */
export interface LayerNormModuleOptions extends FactoryOptions {
  eps?: number;
  /** Learn weight (init 1) and bias (init 0) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, learn the bias too (default true). */
  bias?: boolean;
}

/**
 * Normalises over the last dims (normalizedShape) of each sample, then applies the
 * learned elementwise affine transform.
 * @example new nn.LayerNorm(512).forward(tf.randn([8, 16, 512]))
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;

  constructor(normalizedShape: number | number[], { eps = 1e-5, elementwiseAffine = true, bias = true, dtype }: LayerNormModuleOptions = {}) {
    super();
    const op = 'LayerNorm';
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) throw new ArgumentError(op, `normalizedShape must be a size or a non-empty array of sizes, got ${String(normalizedShape)}`);
    shape.forEach((s) => checkInt(op, s, 'normalizedShape entry'));
    this.normalizedShape = shape.slice();
    this.eps = checkNumber(op, eps, 'eps', (v) => v >= 0, 'a number >= 0');
    this.elementwiseAffine = elementwiseAffine;
    const dt = layerDType(op, dtype);
    this.registerParameter('weight', elementwiseAffine ? filledParameter(shape.slice(), 1, dt) : null);
    this.registerParameter('bias', elementwiseAffine && bias ? filledParameter(shape.slice(), 0, dt) : null);
  }

  override getConfig(): unknown[] {
    const dtype = (this.weight ?? this.bias)?.dtype ?? 'float32';
    return [this.normalizedShape.slice(), { eps: this.eps, elementwiseAffine: this.elementwiseAffine, bias: this.bias !== null, dtype }];
  }

  /** @param x [*, ...normalizedShape] */
  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape.slice(), { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Options of nn.BatchNorm1d. */
export interface BatchNormModuleOptions extends FactoryOptions {
  eps?: number;
  /** Weight of each new batch in the running stats (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn weight (init 1) and bias (init 0) per channel (default true). */
  affine?: boolean;
  /** Keep running_mean / running_var (default true); without them eval mode uses batch stats. */
  trackRunningStats?: boolean;
}

/**
 * What BatchNorm1d and BatchNorm2d share: per-channel batch normalisation of [N, C, ...].
 * Training mode normalises with the batch's mean and biased variance and updates the
 * buffers running_mean, running_var (unbiased) and num_batches_tracked; eval mode uses
 * the running stats. State dict keys as PyTorch: weight, bias, running_mean, running_var,
 * num_batches_tracked (int32 here).
 */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(op: string, numFeatures: number, { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true, dtype }: BatchNormModuleOptions = {}) {
    super();
    this.numFeatures = checkInt(op, numFeatures, 'numFeatures', 1);
    this.eps = checkNumber(op, eps, 'eps', (v) => v >= 0, 'a number >= 0');
    if (momentum !== null) checkNumber(op, momentum, 'momentum', (v) => v >= 0 && v <= 1, 'a number in [0, 1] or null');
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    const dt = layerDType(op, dtype);
    this.registerParameter('weight', affine ? filledParameter([numFeatures], 1, dt) : null);
    this.registerParameter('bias', affine ? filledParameter([numFeatures], 0, dt) : null);
    this.registerBuffer('running_mean', trackRunningStats ? zeros([numFeatures], { dtype: dt }) : null);
    this.registerBuffer('running_var', trackRunningStats ? ones([numFeatures], { dtype: dt }) : null);
    this.registerBuffer('num_batches_tracked', trackRunningStats ? keep(tensor(0, { dtype: 'int32' })) : null);
  }

  /** camelCase view of the running_mean buffer. */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  /** camelCase view of the running_var buffer. */
  get runningVar(): Tensor | null {
    return this.running_var;
  }

  /** running_mean = 0, running_var = 1, num_batches_tracked = 0. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    for (const [t, v] of [[this.running_mean!, 0], [this.running_var!, 1], [this.num_batches_tracked!, 0]] as const) {
      const src = tensor(v, { dtype: t.dtype });
      assignNoGrad('resetRunningStats', t, src);
      src.dispose();
    }
  }

  override getConfig(): unknown[] {
    const dtype = (this.weight ?? this.running_mean)?.dtype ?? 'float32';
    return [this.numFeatures, { eps: this.eps, momentum: this.momentum, affine: this.affine, trackRunningStats: this.trackRunningStats, dtype }];
  }

  /** Throws ShapeError unless x has a rank this layer accepts. */
  protected abstract checkRank(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    const op = this.constructor.name;
    this.checkRank(x);
    if (x.shape[1] !== this.numFeatures) throw new ShapeError(op, `input of shape ${fmtShape(x.shape)} has ${x.shape[1]} channels, expected ${this.numFeatures}`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const nbt = this.num_batches_tracked;
      const n = (nbt.item() as number) + 1;
      const next = tensor(n, { dtype: nbt.dtype });
      assignNoGrad(op, nbt, next);
      next.dispose();
      if (this.momentum === null) factor = 1 / n;
    }
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(x, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: this.training || this.running_mean === null,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? "None" : pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation of [N, C] or [N, C, L] inputs per channel (see BatchNormBase).
 * @example const bn = new nn.BatchNorm1d(64); bn.forward(tf.randn([32, 64]))
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormModuleOptions = {}) {
    super('BatchNorm1d', numFeatures, opts);
  }
  /** x: [N, C] or [N, C, L] */
  protected checkRank(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError('BatchNorm1d', `expected a 2-d [N, C] or 3-d [N, C, L] input, got shape ${fmtShape(x.shape)}`);
  }
}

/**
 * Batch normalisation of [N, C, H, W] inputs per channel, over N, H and W (one fused
 * native kernel forward and backward). Training mode uses the batch statistics and
 * updates running_mean / running_var (unbiased) with momentum (null: cumulative average);
 * eval mode uses the running statistics.
 * @example const bn = new nn.BatchNorm2d(16); bn.forward(tf.randn([8, 16, 12, 12]))
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormModuleOptions = {}) {
    super('BatchNorm2d', numFeatures, opts);
  }
  /** x: [N, C, H, W] */
  protected checkRank(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError('BatchNorm2d', `expected a 4-d [N, C, H, W] input, got shape ${fmtShape(x.shape)}`);
  }
}
