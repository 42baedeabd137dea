/**
 * nn.Conv1d, nn.Conv2d and nn.ConvTranspose2d: PyTorch's layers with its weight layout
 * ([out, in/groups, kH, kW]; transposed: [in, out/groups, kH, kW]), parameter names
 * (weight, bias) and default initialisation, so PyTorch state dicts load unchanged.
 */
import { ArgumentError } from '../errors';
import type { Tensor } from '../tensor';
import { conv1d } from '../ops/conv/conv1d';
import { conv2d } from '../ops/conv/conv2d';
import { convTranspose2d } from '../ops/conv/conv_transpose2d';
import { sizes, type PaddingArg, type SizeArg } from '../ops/conv/conv_common';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init';
import { emptyParameter, layerDType, pyTuple, type FactoryOptions } from './layer_util';
import { Module } from './module';
import { checkInt } from './util';

/** Options of nn.Conv1d / nn.Conv2d. */
export interface ConvModuleOptions extends FactoryOptions {
  /** Default 1. */
  stride?: SizeArg;
  /** A number, one per dim, 'same' (stride 1 only) or 'valid' (default 0). */
  padding?: PaddingArg;
  /** Default 1. */
  dilation?: SizeArg;
  /** Default 1; inChannels and outChannels must be divisible by it. */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Only 'zeros' (PyTorch's default) is supported. */
  paddingMode?: 'zeros';
}

/** Options of nn.ConvTranspose2d. */
export interface ConvTransposeModuleOptions extends FactoryOptions {
  stride?: SizeArg;
  padding?: SizeArg;
  outputPadding?: SizeArg;
  groups?: number;
  bias?: boolean;
  dilation?: SizeArg;
  paddingMode?: 'zeros';
}

/** The parts Conv1d, Conv2d and ConvTranspose2d share: sizes, parameters, init, repr. */
abstract class ConvBase extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: 'zeros';
  readonly transposed: boolean;
  declare weight: Tensor;
  declare bias: Tensor | null;

  constructor(op: string, dims: number, transposed: boolean, inChannels: number, outChannels: number, kernelSize: SizeArg,
    o: ConvModuleOptions | ConvTransposeModuleOptions) {
    super();
    this.inChannels = checkInt(op, inChannels, 'inChannels', 1);
    this.outChannels = checkInt(op, outChannels, 'outChannels', 1);
    this.kernelSize = sizes(op, kernelSize, 1, dims, 'kernelSize', 1);
    this.stride = sizes(op, o.stride, 1, dims, 'stride', 1);
    this.dilation = sizes(op, o.dilation, 1, dims, 'dilation', 1);
    this.outputPadding = sizes(op, 'outputPadding' in o ? o.outputPadding : undefined, 0, dims, 'outputPadding', 0);
    if (o.padding === 'same' || o.padding === 'valid') {
      if (transposed) throw new ArgumentError(op, `padding must be a number or a list of ${dims}, got '${o.padding}'`);
      if (o.padding === 'same' && this.stride.some((s) => s !== 1)) throw new ArgumentError(op, `padding='same' needs stride 1, got stride ${JSON.stringify(this.stride)}`);
      this.padding = o.padding;
    } else {
      this.padding = sizes(op, o.padding as SizeArg | undefined, 0, dims, 'padding', 0);
    }
    this.groups = checkInt(op, o.groups ?? 1, 'groups', 1);
    if (this.inChannels % this.groups !== 0) throw new ArgumentError(op, `inChannels ${inChannels} must be divisible by groups ${this.groups}`);
    if (this.outChannels % this.groups !== 0) throw new ArgumentError(op, `outChannels ${outChannels} must be divisible by groups ${this.groups}`);
    const bias = o.bias ?? true;
    if (typeof bias !== 'boolean') throw new ArgumentError(op, `bias must be a boolean, got ${typeof bias}`);
    const mode = o.paddingMode ?? 'zeros';
    if (mode !== 'zeros') throw new ArgumentError(op, `paddingMode ${JSON.stringify(mode)} is not supported (only 'zeros')`);
    this.paddingMode = mode;
    this.transposed = transposed;
    const dt = layerDType(op, o.dtype);
    const wShape = transposed
      ? [this.inChannels, this.outChannels / this.groups, ...this.kernelSize]
      : [this.outChannels, this.inChannels / this.groups, ...this.kernelSize];
    this.registerParameter('weight', emptyParameter(wShape, dt));
    this.registerParameter('bias', bias ? emptyParameter([this.outChannels], dt) : null);
    this.resetParameters();
  }

  /** Re-draws weight (kaimingUniform_ a = √5) and bias (U(-1/√fanIn, 1/√fanIn)), as PyTorch. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  protected baseOptions(): Record<string, unknown> {
    return {
      stride: this.stride.slice(),
      padding: typeof this.padding === 'string' ? this.padding : this.padding.slice(),
      dilation: this.dilation.slice(),
      groups: this.groups,
      bias: this.bias !== null,
      paddingMode: this.paddingMode,
      dtype: this.weight.dtype,
    };
  }

  override getConfig(): unknown[] {
    const opts = this.baseOptions();
    if (this.transposed) opts.outputPadding = this.outputPadding.slice();
    return [this.inChannels, this.outChannels, this.kernelSize.slice(), opts];
  }

  /** PyTorch's repr: only the arguments that differ from their defaults after the sizes. */
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
}

/**
 * 1-d convolution over [N, C, L] (or unbatched [C, L]) inputs.
 * @example
 * const conv = new nn.Conv1d(2, 8, 5, { padding: 'same' });
 * conv.forward(tf.randn([4, 2, 100])).shape; // [4, 8, 100]
 */
export class Conv1d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, opts: ConvModuleOptions = {}) {
    super('Conv1d', 1, false, inChannels, outChannels, kernelSize, opts ?? {});
  }

  /** @param x [N, inChannels, L] or [inChannels, L] @returns [N, outChannels, OL] */
  override forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}

/**
 * 2-d convolution over [N, C, H, W] (or unbatched [C, H, W]) inputs; kernelSize is a
 * number or [kH, kW].
 * @example
 * const conv = new nn.Conv2d(1, 6, 5, { padding: 2 });
 * conv.forward(tf.randn([64, 1, 28, 28])).shape; // [64, 6, 28, 28]
 */
export class Conv2d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, opts: ConvModuleOptions = {}) {
    super('Conv2d', 2, false, inChannels, outChannels, kernelSize, opts ?? {});
  }

  /** @param x [N, inChannels, H, W] or [inChannels, H, W] @returns [N, outChannels, OH, OW] */
  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}

/**
 * 2-d transposed convolution (the adjoint of Conv2d), weight [inChannels, outChannels/groups, kH, kW].
 * @example
 * const up = new nn.ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * up.forward(tf.randn([2, 16, 7, 7])).shape; // [2, 8, 14, 14]
 */
export class ConvTranspose2d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, opts: ConvTransposeModuleOptions = {}) {
    super('ConvTranspose2d', 2, true, inChannels, outChannels, kernelSize, opts ?? {});
  }

  /** @param x [N, inChannels, H, W] or [inChannels, H, W] @returns [N, outChannels, OH, OW] */
  override forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding as number[], outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }
}
