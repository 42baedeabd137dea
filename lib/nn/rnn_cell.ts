/**
 * nn.RNNCell, nn.LSTMCell, nn.GRUCell: one step of the recurrent layers, with PyTorch's
 * parameter names (weight_ih, weight_hh, bias_ih, bias_hh) and gate orders. A step is the
 * fused op of rnn_fused.ts over a sequence of length 1 (one native call, one graph node).
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { squeeze, unsqueeze } from '../ops/view';
import { uniform_ } from './init';
import { emptyParameter, layerDType, pyBool, type FactoryOptions } from './layer_util';
import { Module } from './module';
import { gateCount, rnnFused, type RnnMode } from './rnn_fused';
import { checkInt } from './util';

/** Options of the cells. */
export interface RNNCellOptions extends FactoryOptions {
  /** Learn the biases (default true). */
  bias?: boolean;
}

abstract class RNNCellBase extends Module {
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  declare weight_ih: Tensor;
  declare weight_hh: Tensor;
  declare bias_ih: Tensor | null;
  declare bias_hh: Tensor | null;

  protected constructor(op: string, mode: RnnMode, inputSize: number, hiddenSize: number, { bias = true, dtype }: RNNCellOptions) {
    super();
    this.mode = mode;
    this.inputSize = checkInt(op, inputSize, 'inputSize');
    this.hiddenSize = checkInt(op, hiddenSize, 'hiddenSize');
    if (this.inputSize < 1 || this.hiddenSize < 1) throw new ArgumentError(op, `inputSize and hiddenSize must be >= 1, got ${inputSize} and ${hiddenSize}`);
    if (typeof bias !== 'boolean') throw new ArgumentError(op, `bias must be a boolean, got ${typeof bias}`);
    this.bias = bias;
    const dt = layerDType(op, dtype);
    const GH = gateCount(mode) * hiddenSize;
    this.registerParameter('weight_ih', emptyParameter([GH, inputSize], dt));
    this.registerParameter('weight_hh', emptyParameter([GH, hiddenSize], dt));
    this.registerParameter('bias_ih', bias ? emptyParameter([GH], dt) : null);
    this.registerParameter('bias_hh', bias ? emptyParameter([GH], dt) : null);
    this.resetParameters();
  }

  /** Every parameter ~ U(-1/√hiddenSize, 1/√hiddenSize), as PyTorch. */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const [, p] of this.namedParameters()) uniform_(p, -k, k);
  }

  /** @internal One step: input [B, I] or [I], states [B, H] or [H]. */
  protected step(op: string, input: Tensor, h: Tensor | null, c: Tensor | null): [Tensor, Tensor | null] {
    if (input === null || typeof input !== 'object' || !('ndim' in input)) throw new ArgumentError(op, 'input must be a Tensor');
    if (input.ndim !== 1 && input.ndim !== 2) throw new ShapeError(op, `input must be 1-d [inputSize] or 2-d [batch, inputSize], got shape ${fmtShape(input.shape)}`);
    const batched = input.ndim === 2;
    for (const [n, s] of [['hx', h], ['cx', c]] as const) {
      if (s && s.ndim !== input.ndim) throw new ShapeError(op, `${n} must have ${input.ndim} dims like the input, got shape ${fmtShape(s.shape)}`);
    }
    // [B, I] -> [1, B, I]; states [B, H] -> [1, B, H].
    const lift = (t: Tensor | null) => (t === null ? null : batched ? unsqueeze(t, 0) : unsqueeze(unsqueeze(t, 0), 0));
    const spec = {
      mode: this.mode, inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: 1, bidirectional: false,
      projSize: 0, bias: this.bias, batchFirst: false, dropout: 0, training: this.training,
    };
    const r = rnnFused(lift(input)!, lift(h), lift(c), [this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh, null], spec, undefined, op);
    const drop = (t: Tensor) => (batched ? squeeze(t, 0) : squeeze(squeeze(t, 0), 0));
    r.output.dispose();
    return [drop(r.hN), r.cN && drop(r.cN)];
  }

  override getConfig(): unknown[] {
    const o: Record<string, unknown> = { bias: this.bias, dtype: this.weight_ih.dtype };
    if (this.mode === 'rnn_relu' || this.mode === 'rnn_tanh') o.nonlinearity = this.mode === 'rnn_relu' ? 'relu' : 'tanh';
    return [this.inputSize, this.hiddenSize, o];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += `, bias=${pyBool(false)}`;
    if (this.mode === 'rnn_relu') s += `, nonlinearity=relu`;
    return s;
  }
}

/**
 * One Elman RNN step: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh).
 * @example
 * const cell = new nn.RNNCell(10, 20);
 * const h1 = cell.forward(tf.randn([3, 10])); // [3, 20]
 */
export class RNNCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ArgumentError('RNNCell', `nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(nl)}`);
    super('RNNCell', nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', inputSize, hiddenSize, opts);
  }
  /** @param input [B, inputSize] or [inputSize] @param hx [B, hiddenSize] (zeros when omitted) @returns h' */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.step('RNNCell', input, hx ?? null, null)[0];
  }
}

/**
 * One LSTM step (gates i, f, g, o).
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * const [h1, c1] = cell.forward(tf.randn([3, 10])); // [3, 20], [3, 20]
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super('LSTMCell', 'lstm', inputSize, hiddenSize, opts);
  }
  /** @param input [B, inputSize] or [inputSize] @param hx [h, c], each [B, hiddenSize] (zeros when omitted) @returns [h', c'] */
  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) throw new ArgumentError('LSTMCell', 'hx must be a pair [h, c]');
    const [h, c] = this.step('LSTMCell', input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [h, c as Tensor];
  }
}

/**
 * One GRU step (gates r, z, n).
 * @example
 * const cell = new nn.GRUCell(10, 20);
 * const h1 = cell.forward(tf.randn([3, 10]), h0); // [3, 20]
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super('GRUCell', 'gru', inputSize, hiddenSize, opts);
  }
  /** @param input [B, inputSize] or [inputSize] @param hx [B, hiddenSize] (zeros when omitted) @returns h' */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.step('GRUCell', input, hx ?? null, null)[0];
  }
}
