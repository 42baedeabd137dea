/**
 * nn.RNN, nn.LSTM and nn.GRU: multi-layer, optionally bidirectional recurrent layers with
 * PyTorch's options, parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
 * weight_hr_l0, the _reverse suffix), layouts and gate orders (LSTM i, f, g, o; GRU r, z, n),
 * so a PyTorch state dict loads unchanged. The whole sequence runs in one native call
 * (rnn_fused.ts).
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { squeeze, unsqueeze } from '../ops/view';
import { uniform_ } from './init';
import { emptyParameter, layerDType, pyBool, type FactoryOptions } from './layer_util';
import { Module } from './module';
import { gateCount, rnnFused, type RnnMode, type RnnSpec, type RnnWeightList } from './rnn_fused';
import { checkInt, checkNumber } from './util';

/** Options shared by nn.RNN, nn.LSTM and nn.GRU (PyTorch's, in camelCase). */
export interface RNNBaseOptions extends FactoryOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of each layer but the last, in training (default 0). */
  dropout?: number;
  /** Run a second, reversed direction and concatenate (default false). */
  bidirectional?: boolean;
}

/** Options of nn.RNN. */
export interface RNNOptions extends RNNBaseOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Options of nn.LSTM. */
export interface LSTMOptions extends RNNBaseOptions {
  /** When > 0, h is projected to this size by weight_hr (must be < hiddenSize; default 0). */
  projSize?: number;
}

/** Options of forward: lengths of a padded batch (as pack_padded_sequence takes). */
export interface RNNForwardOptions {
  /**
   * Valid steps of each batch row (any order); steps past them neither update the state nor
   * produce output (0 there), and hN / cN are the states at each row's last valid step. The
   * output keeps all T steps, as pad_packed_sequence(..., total_length=T) gives them.
   */
  lengths?: number[] | Int32Array | Float64Array | Tensor | null;
}

/** The parameter names of one layer and direction, in the order rnnFused takes them. */
function paramNames(l: number, reverse: boolean): string[] {
  const s = `_l${l}${reverse ? '_reverse' : ''}`;
  return [`weight_ih${s}`, `weight_hh${s}`, `bias_ih${s}`, `bias_hh${s}`, `weight_hr${s}`];
}

/** What RNN, LSTM and GRU share: parameters, options, the fused forward. */
export abstract class RNNBase extends Module {
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;

  protected constructor(op: string, mode: RnnMode, inputSize: number, hiddenSize: number, opts: RNNBaseOptions & { projSize?: number }) {
    super();
    const { numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false, projSize = 0, dtype } = opts;
    this.mode = mode;
    this.inputSize = checkInt(op, inputSize, 'inputSize');
    this.hiddenSize = checkInt(op, hiddenSize, 'hiddenSize');
    if (this.inputSize < 1 || this.hiddenSize < 1) throw new ArgumentError(op, `inputSize and hiddenSize must be >= 1, got ${inputSize} and ${hiddenSize}`);
    this.numLayers = checkInt(op, numLayers, 'numLayers');
    if (this.numLayers < 1) throw new ArgumentError(op, `numLayers must be >= 1, got ${numLayers}`);
    for (const [k, v] of [['bias', bias], ['batchFirst', batchFirst], ['bidirectional', bidirectional]] as const) {
      if (typeof v !== 'boolean') throw new ArgumentError(op, `${k} must be a boolean, got ${typeof v}`);
    }
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.bidirectional = bidirectional;
    this.dropout = checkNumber(op, dropout, 'dropout', (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    this.projSize = checkInt(op, projSize, 'projSize');
    if (this.projSize < 0 || (this.projSize > 0 && (mode !== 'lstm' || this.projSize >= hiddenSize))) {
      throw new ArgumentError(op, `projSize must be 0, or (LSTM only) between 1 and hiddenSize - 1 = ${hiddenSize - 1}; got ${projSize}`);
    }
    const dt = layerDType(op, dtype);
    const G = gateCount(mode), H = hiddenSize, P = this.projSize || H, D = bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const [wih, whh, bih, bhh, whr] = paramNames(l, d === 1);
        const inF = l === 0 ? inputSize : D * P;
        this.registerParameter(wih, emptyParameter([G * H, inF], dt));
        this.registerParameter(whh, emptyParameter([G * H, P], dt));
        if (bias) {
          this.registerParameter(bih, emptyParameter([G * H], dt));
          this.registerParameter(bhh, emptyParameter([G * H], dt));
        }
        if (this.projSize > 0) this.registerParameter(whr, emptyParameter([P, H], dt));
      }
    }
    this.resetParameters();
  }

  /** Every parameter ~ U(-1/√hiddenSize, 1/√hiddenSize), as PyTorch. */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const [, p] of this.namedParameters()) uniform_(p, -k, k);
  }

  /** The weights in rnnFused's order: five slots per layer and direction. */
  flatWeights(): RnnWeightList {
    const D = this.bidirectional ? 2 : 1;
    const slots = this as unknown as Record<string, Tensor | null | undefined>;
    const out: RnnWeightList = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) for (const n of paramNames(l, d === 1)) out.push(slots[n] ?? null);
    }
    return out;
  }

  /** @internal The spec of a fused call. */
  spec(batchFirst: boolean): RnnSpec {
    return {
      mode: this.mode, inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers,
      bidirectional: this.bidirectional, projSize: this.projSize, bias: this.bias, batchFirst,
      dropout: this.dropout, training: this.training,
    };
  }

  /** @internal Runs the fused op, unbatched inputs ([T, I], states [L*D, H]) included. */
  protected run(op: string, input: Tensor, h0: Tensor | null, c0: Tensor | null, opts: RNNForwardOptions): [Tensor, Tensor, Tensor | null] {
    if (input === null || typeof input !== 'object' || !('ndim' in input)) throw new ArgumentError(op, 'input must be a Tensor');
    if (input.ndim !== 2 && input.ndim !== 3) throw new ShapeError(op, `input must be 2-d (unbatched) or 3-d, got shape ${fmtShape(input.shape)}`);
    if (input.ndim === 2) {
      for (const [n, s] of [['h0', h0], ['c0', c0]] as const) {
        if (s && s.ndim !== 2) throw new ShapeError(op, `for an unbatched 2-d input, ${n} must be 2-d, got shape ${fmtShape(s.shape)}`);
      }
      const r = rnnFused(unsqueeze(input, 1), h0 && unsqueeze(h0, 1), c0 && unsqueeze(c0, 1), this.flatWeights(), this.spec(false), opts.lengths, op);
      return [squeeze(r.output, 1), squeeze(r.hN, 1), r.cN && squeeze(r.cN, 1)];
    }
    const r = rnnFused(input, h0, c0, this.flatWeights(), this.spec(this.batchFirst), opts.lengths, op);
    return [r.output, r.hN, r.cN];
  }

  override getConfig(): unknown[] {
    const p = this.parameters()[0];
    const o: Record<string, unknown> = {
      numLayers: this.numLayers, bias: this.bias, batchFirst: this.batchFirst, dropout: this.dropout,
      bidirectional: this.bidirectional, dtype: p.dtype,
    };
    if (this.mode === 'rnn_relu' || this.mode === 'rnn_tanh') o.nonlinearity = this.mode === 'rnn_relu' ? 'relu' : 'tanh';
    if (this.mode === 'lstm') o.projSize = this.projSize;
    return [this.inputSize, this.hiddenSize, o];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.mode === 'rnn_relu') s += `, nonlinearity='relu'`;
    if (!this.bias) s += `, bias=${pyBool(false)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(true)}`;
    if (this.dropout) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(true)}`;
    return s;
  }
}

/**
 * Elman RNN: h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), act tanh or relu.
 * @example
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(tf.randn([5, 3, 10])); // [5, 3, 20], [2, 3, 20]
 */
export class RNN extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ArgumentError('RNN', `nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(nl)}`);
    super('RNN', nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', inputSize, hiddenSize, opts);
  }

  /**
   * @param input [T, B, inputSize] ([B, T, inputSize] when batchFirst), or [T, inputSize] unbatched
   * @param hx h0 [numLayers * D, B, hiddenSize] (zeros when omitted)
   * @returns [output [T, B, D * hiddenSize], hN [numLayers * D, B, hiddenSize]]
   */
  override forward(input: Tensor, hx?: Tensor | null, opts: RNNForwardOptions = {}): [Tensor, Tensor] {
    const [o, h] = this.run('RNN', input, hx ?? null, null, opts);
    return [o, h];
  }
}

/**
 * Long short-term memory, gates i, f, g, o as PyTorch; with projSize, h = W_hr (o ⊙ tanh c).
 * @example
 * const lstm = new nn.LSTM(10, 20, { batchFirst: true });
 * const [output, [hN, cN]] = lstm.forward(tf.randn([3, 5, 10])); // [3, 5, 20], [1, 3, 20], [1, 3, 20]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    super('LSTM', 'lstm', inputSize, hiddenSize, opts);
  }

  /**
   * @param input [T, B, inputSize] ([B, T, inputSize] when batchFirst), or [T, inputSize] unbatched
   * @param hx [h0 [numLayers * D, B, P], c0 [numLayers * D, B, hiddenSize]] (zeros when omitted); P = projSize || hiddenSize
   * @returns [output [T, B, D * P], [hN, cN]]
   */
  override forward(input: Tensor, hx?: [Tensor, Tensor] | null, opts: RNNForwardOptions = {}): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ArgumentError('LSTM', 'hx must be a pair [h0, c0]');
    }
    const [o, h, c] = this.run('LSTM', input, hx ? hx[0] : null, hx ? hx[1] : null, opts);
    return [o, [h, c as Tensor]];
  }
}

/**
 * Gated recurrent unit, gates r, z, n as PyTorch: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
 * h' = (1 - z) ⊙ n + z ⊙ h.
 * @example
 * const gru = new nn.GRU(10, 20, { bidirectional: true });
 * const [output, hN] = gru.forward(tf.randn([5, 3, 10])); // [5, 3, 40], [2, 3, 20]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    super('GRU', 'gru', inputSize, hiddenSize, opts);
  }

  /**
   * @param input [T, B, inputSize] ([B, T, inputSize] when batchFirst), or [T, inputSize] unbatched
   * @param hx h0 [numLayers * D, B, hiddenSize] (zeros when omitted)
   * @returns [output [T, B, D * hiddenSize], hN [numLayers * D, B, hiddenSize]]
   */
  override forward(input: Tensor, hx?: Tensor | null, opts: RNNForwardOptions = {}): [Tensor, Tensor] {
    const [o, h] = this.run('GRU', input, hx ?? null, null, opts);
    return [o, h];
  }
}
