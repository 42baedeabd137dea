/** Activation layers: thin modules over the tensor ops. */
import { ArgumentError } from '../errors';
import type { Tensor } from '../tensor';
import { gelu, leakyRelu, relu, sigmoid, silu, tanh } from '../ops/unary';
import { logSoftmax, softmax } from '../ops/softmax';
import { Module } from './module';
import { checkNumber } from './util';

/** max(x, 0). */
export class ReLU extends Module {
  override getConfig(): unknown[] {
    return [];
  }
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x where x >= 0, negativeSlope * x elsewhere (default slope 0.01). */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = checkNumber('LeakyReLU', negativeSlope, 'negativeSlope');
  }
  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override getConfig(): unknown[] {
    return [this.negativeSlope];
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}

/** GELU, exact (erf) or with approximate: 'tanh'. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor({ approximate = 'none' }: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new ArgumentError('GELU', `approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
    this.approximate = approximate;
  }
  override forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override getConfig(): unknown[] {
    return [{ approximate: this.approximate }];
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x * sigmoid(x) (swish). */
export class SiLU extends Module {
  override getConfig(): unknown[] {
    return [];
  }
  override forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** 1 / (1 + exp(-x)). */
export class Sigmoid extends Module {
  override getConfig(): unknown[] {
    return [];
  }
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** tanh(x). */
export class Tanh extends Module {
  override getConfig(): unknown[] {
    return [];
  }
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

function checkDim(op: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new ArgumentError(op, `dim must be an integer (PyTorch's implicit dim is not supported), got ${String(dim)}`);
  return dim;
}

/** softmax along dim. */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim('Softmax', dim);
  }
  override forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  override getConfig(): unknown[] {
    return [this.dim];
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** logSoftmax along dim. */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim('LogSoftmax', dim);
  }
  override forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  override getConfig(): unknown[] {
    return [this.dim];
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
