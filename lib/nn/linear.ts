/** nn.Linear and nn.Identity. */
import { ArgumentError } from '../errors';
import type { Tensor } from '../tensor';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init';
import { linear } from './functional';
import { emptyParameter, layerDType, pyBool, type FactoryOptions } from './layer_util';
import { Module } from './module';
import { checkInt } from './util';

/** Options of nn.Linear. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x · weightᵀ + bias. weight [out, in] is initialised with kaimingUniform_(a = √5),
 * i.e. U(-1/√in, 1/√in), and bias with U(-1/√in, 1/√in), as PyTorch.
 * @example
 * const fc = new nn.Linear(784, 10);
 * fc.forward(tf.randn([32, 784])); // [32, 10]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  declare weight: Tensor;
  declare bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, { bias = true, dtype }: LinearOptions = {}) {
    super();
    const op = 'Linear';
    this.inFeatures = checkInt(op, inFeatures, 'inFeatures');
    this.outFeatures = checkInt(op, outFeatures, 'outFeatures');
    if (typeof bias !== 'boolean') throw new ArgumentError(op, `bias must be a boolean, got ${typeof bias}`);
    const dt = layerDType(op, dtype);
    this.registerParameter('weight', emptyParameter([outFeatures, inFeatures], dt));
    this.registerParameter('bias', bias ? emptyParameter([outFeatures], dt) : null);
    this.resetParameters();
  }

  /** Re-draws weight and bias with the default initialisation. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  override getConfig(): unknown[] {
    return [this.inFeatures, this.outFeatures, { bias: this.bias !== null, dtype: this.weight.dtype }];
  }

  /** @param x [*, inFeatures] @returns [*, outFeatures] */
  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** Returns its input unchanged (a placeholder layer). */
export class Identity extends Module {
  override getConfig(): unknown[] {
    return [];
  }
  override forward(x: Tensor): Tensor {
    return x;
  }
}
