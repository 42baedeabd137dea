/** nn.MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d and Upsample. */
import type { Tensor } from '../tensor';
import { maxPool1d, maxPool2d, type MaxPool1dOptions, type MaxPool2dOptions } from '../ops/max_pool';
import { avgPool1d, avgPool2d, type AvgPool1dOptions, type AvgPool2dOptions } from '../ops/avg_pool';
import { adaptiveAvgPool1d, adaptiveAvgPool2d } from '../ops/adaptive_avg_pool';
import { interpolate, type InterpolateOptions } from '../ops/interpolate';
import { pair, single, type Size2 } from '../ops/pool_common';
import { ArgumentError } from '../errors';
import { Module } from './module';
import { pyBool, pyFloat } from './layer_util';

/** A size as PyTorch prints it: 2 or (2, 3). */
function pySize(v: number | readonly (number | null)[]): string {
  if (typeof v === 'number') return String(v);
  return `(${v.map((x) => (x === null ? 'None' : String(x))).join(', ')})`;
}

function sizeArg(s: Size2): number | number[] {
  return typeof s === 'number' ? s : [s[0], s[1]];
}

/**
 * 2-d max pooling (see F.maxPool2d). With returnIndices, forward returns [output, indices].
 * @example new nn.MaxPool2d(2).forward(tf.randn([1, 6, 28, 28])).shape // [1, 6, 14, 14]
 */
export class MaxPool2d extends Module {
  readonly kernelSize: number | number[];
  readonly stride: number | number[];
  readonly padding: number | number[];
  readonly dilation: number | number[];
  readonly ceilMode: boolean;
  readonly returnIndices: boolean;
  constructor(kernelSize: Size2, { stride = null, padding = 0, dilation = 1, ceilMode = false, returnIndices = false }: MaxPool2dOptions = {}) {
    super();
    const op = 'MaxPool2d';
    pair(op, kernelSize, 'kernelSize', 1);
    if (stride !== null) pair(op, stride, 'stride', 1);
    pair(op, padding, 'padding', 0);
    pair(op, dilation, 'dilation', 1);
    this.kernelSize = sizeArg(kernelSize);
    this.stride = stride === null ? this.kernelSize : sizeArg(stride);
    this.padding = sizeArg(padding);
    this.dilation = sizeArg(dilation);
    this.ceilMode = ceilMode;
    this.returnIndices = returnIndices;
  }
  /** @param x [N, C, H, W] or [C, H, W] */
  override forward(x: Tensor): Tensor | [Tensor, Tensor] {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return this.returnIndices ? maxPool2d(x, this.kernelSize, { ...opts, returnIndices: true }) : maxPool2d(x, this.kernelSize, opts);
  }
  override getConfig(): unknown[] {
    return [this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices }];
  }
  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}, dilation=${pySize(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * 1-d max pooling (see F.maxPool1d).
 * @example new nn.MaxPool1d(3, { stride: 2 }).forward(tf.randn([2, 4, 11])).shape // [2, 4, 5]
 */
export class MaxPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;
  readonly returnIndices: boolean;
  constructor(kernelSize: number, { stride = null, padding = 0, dilation = 1, ceilMode = false, returnIndices = false }: MaxPool1dOptions = {}) {
    super();
    const op = 'MaxPool1d';
    this.kernelSize = single(op, kernelSize, 'kernelSize', 1);
    this.stride = stride === null ? this.kernelSize : single(op, stride, 'stride', 1);
    this.padding = single(op, padding, 'padding', 0);
    this.dilation = single(op, dilation, 'dilation', 1);
    this.ceilMode = ceilMode;
    this.returnIndices = returnIndices;
  }
  /** @param x [N, C, L] or [C, L] */
  override forward(x: Tensor): Tensor | [Tensor, Tensor] {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return this.returnIndices ? maxPool1d(x, this.kernelSize, { ...opts, returnIndices: true }) : maxPool1d(x, this.kernelSize, opts);
  }
  override getConfig(): unknown[] {
    return [this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices }];
  }
  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * 2-d average pooling (see F.avgPool2d).
 * @example new nn.AvgPool2d(3, { stride: 2, padding: 1 }).forward(tf.randn([1, 4, 9, 9])).shape // [1, 4, 5, 5]
 */
export class AvgPool2d extends Module {
  readonly kernelSize: number | number[];
  readonly stride: number | number[];
  readonly padding: number | number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(kernelSize: Size2, { stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null }: AvgPool2dOptions = {}) {
    super();
    const op = 'AvgPool2d';
    pair(op, kernelSize, 'kernelSize', 1);
    if (stride !== null) pair(op, stride, 'stride', 1);
    pair(op, padding, 'padding', 0);
    if (divisorOverride !== null && (!Number.isInteger(divisorOverride) || divisorOverride === 0)) {
      throw new ArgumentError(op, `divisorOverride must be a non-zero integer or null, got ${String(divisorOverride)}`);
    }
    this.kernelSize = sizeArg(kernelSize);
    this.stride = stride === null ? this.kernelSize : sizeArg(stride);
    this.padding = sizeArg(padding);
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }
  /** @param x [N, C, H, W] or [C, H, W] */
  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
  override getConfig(): unknown[] {
    return [this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride }];
  }
  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}`;
  }
}

/**
 * 1-d average pooling (see F.avgPool1d).
 * @example new nn.AvgPool1d(2).forward(tf.randn([2, 3, 8])).shape // [2, 3, 4]
 */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(kernelSize: number, { stride = null, padding = 0, ceilMode = false, countIncludePad = true }: AvgPool1dOptions = {}) {
    super();
    const op = 'AvgPool1d';
    this.kernelSize = single(op, kernelSize, 'kernelSize', 1);
    this.stride = stride === null ? this.kernelSize : single(op, stride, 'stride', 1);
    this.padding = single(op, padding, 'padding', 0);
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
  }
  /** @param x [N, C, L] or [C, L] */
  override forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }
  override getConfig(): unknown[] {
    return [this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad }];
  }
  override extraRepr(): string {
    return `kernel_size=(${this.kernelSize},), stride=(${this.stride},), padding=(${this.padding},)`;
  }
}

/**
 * 2-d adaptive average pooling to a fixed output size (see F.adaptiveAvgPool2d).
 * @example new nn.AdaptiveAvgPool2d(1).forward(tf.randn([2, 8, 7, 7])).shape // [2, 8, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | (number | null)[];
  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    const op = 'AdaptiveAvgPool2d';
    const ok = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1);
    if (Array.isArray(outputSize) ? outputSize.length !== 2 || !outputSize.every(ok) : !(typeof outputSize === 'number' && ok(outputSize))) {
      throw new ArgumentError(op, `outputSize must be an integer >= 1 or a pair of them (null keeps the input's size), got ${JSON.stringify(outputSize)}`);
    }
    this.outputSize = typeof outputSize === 'number' ? outputSize : outputSize.slice();
  }
  /** @param x [N, C, H, W] or [C, H, W] */
  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override getConfig(): unknown[] {
    return [this.outputSize];
  }
  override extraRepr(): string {
    return `output_size=${pySize(this.outputSize)}`;
  }
}

/**
 * 1-d adaptive average pooling (see F.adaptiveAvgPool1d).
 * @example new nn.AdaptiveAvgPool1d(4).forward(tf.randn([2, 3, 10])).shape // [2, 3, 4]
 */
export class AdaptiveAvgPool1d extends Module {
  readonly outputSize: number;
  constructor(outputSize: number) {
    super();
    this.outputSize = single('AdaptiveAvgPool1d', outputSize, 'outputSize', 1);
  }
  /** @param x [N, C, L] or [C, L] */
  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  override getConfig(): unknown[] {
    return [this.outputSize];
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/** Options of nn.Upsample. */
export type UpsampleOptions = InterpolateOptions;

/**
 * Nearest-neighbour upsampling of [N, C, L] or [N, C, H, W] inputs to a size or by a
 * scale factor (see F.interpolate).
 * @example new nn.Upsample({ scaleFactor: 2 }).forward(tf.randn([1, 3, 4, 4])).shape // [1, 3, 8, 8]
 */
export class Upsample extends Module {
  readonly size: number | number[] | null;
  readonly scaleFactor: number | number[] | null;
  readonly mode: 'nearest';
  constructor({ size = null, scaleFactor = null, mode = 'nearest' }: UpsampleOptions = {}) {
    super();
    const op = 'Upsample';
    if (mode !== 'nearest') throw new ArgumentError(op, `mode '${String(mode)}' is not implemented; only 'nearest' is`);
    if ((size === null) === (scaleFactor === null)) throw new ArgumentError(op, 'give exactly one of size and scaleFactor');
    this.size = size === null ? null : typeof size === 'number' ? size : size.slice();
    this.scaleFactor = scaleFactor === null ? null : typeof scaleFactor === 'number' ? scaleFactor : scaleFactor.slice();
    this.mode = mode;
  }
  /** @param x [N, C, L] or [N, C, H, W] */
  override forward(x: Tensor): Tensor {
    return interpolate(x, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode });
  }
  override getConfig(): unknown[] {
    return [{ size: this.size, scaleFactor: this.scaleFactor, mode: this.mode }];
  }
  override extraRepr(): string {
    const sf = this.scaleFactor === null ? 'None' : typeof this.scaleFactor === 'number' ? pyFloat(this.scaleFactor) : `(${this.scaleFactor.map(pyFloat).join(', ')})`;
    return this.size !== null ? `size=${pySize(this.size)}, mode='nearest'` : `scale_factor=${sf}, mode='nearest'`;
  }
}
