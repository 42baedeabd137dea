/**
 * The fused recurrent op behind nn.RNN, nn.LSTM, nn.GRU and their cells: the whole
 * forward (all layers, both directions, all steps) is one native call, and under autograd
 * it records one graph node whose backward is one native call too (backpropagation
 * through time; native/kernels/cpu/rnn/rnn.h). Weights are in PyTorch's layouts and gate
 * orders, so a PyTorch state dict gives the same outputs.
 */
import { dtypeCode, type DType } from '../dtype';
import { ArgumentError, DTypeError, ShapeError, fmtShape, rethrowNative } from '../errors';
import { native, type NativeHandle } from '../native';
import { Tensor, isTensor } from '../tensor';
import { AutogradError, isGradEnabled, needsGradAny, recordMulti, type Node } from '../autograd/graph';
import { copyToContiguous } from '../ops/copy';
import { transpose } from '../ops/view';
import { bernoulli } from '../random';

/** The recurrent cell: Elman RNN with tanh or relu, LSTM, GRU. */
export type RnnMode = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';
const MODE_CODE: Record<RnnMode, number> = { rnn_tanh: 0, rnn_relu: 1, lstm: 2, gru: 3 };
const GATES: Record<RnnMode, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

/** The shape of a fused call (what the module knows). */
export interface RnnSpec {
  mode: RnnMode;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** LSTM projection size; 0 for none. */
  projSize: number;
  bias: boolean;
  batchFirst: boolean;
  /** Dropout on the outputs of every layer but the last, in training. */
  dropout: number;
  training: boolean;
}

/** Results of rnnFused: output, final hidden state, final cell state (LSTM only). */
export interface RnnResult {
  output: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

/**
 * The weights of one call, five slots per layer and direction, in the order
 * w_ih, w_hh, b_ih, b_hh, w_hr (null where absent), layer-major, forward then reverse.
 */
export type RnnWeightList = (Tensor | null)[];

function lengthsArray(op: string, lengths: unknown, B: number, T: number): Float64Array | null {
  if (lengths === undefined || lengths === null) return null;
  let vals: ArrayLike<number>;
  if (isTensor(lengths)) {
    if (lengths.ndim !== 1) throw new ShapeError(op, `lengths must be 1-d [batch], got shape ${fmtShape(lengths.shape)}`);
    vals = lengths.dataSync() as ArrayLike<number>;
  } else if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) {
    vals = lengths as ArrayLike<number>;
  } else {
    throw new ArgumentError(op, `lengths must be an array of numbers or a 1-d tensor, got ${typeof lengths}`);
  }
  if (vals.length !== B) throw new ShapeError(op, `lengths must have one entry per batch row (${B}), got ${vals.length}`);
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const v = Number(vals[b]);
    if (!Number.isInteger(v) || v < 0 || v > T) throw new ArgumentError(op, `lengths[${b}] must be an integer in [0, ${T}] (the sequence length), got ${vals[b]}`);
    out[b] = v;
  }
  return out;
}

function contiguousCopy(op: string, t: Tensor): Tensor {
  return t.isContiguous() ? t : copyToContiguous(op, t);
}

function checkState(op: string, name: string, s: Tensor, shape: number[], dt: DType): void {
  if (!isTensor(s)) throw new ArgumentError(op, `${name} must be a Tensor, got ${typeof s}`);
  if (s.dtype !== dt) throw new DTypeError(op, `${name} must have the input's dtype ${dt}, got ${s.dtype}`);
  if (s.ndim !== shape.length || s.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(op, `${name} must have shape ${fmtShape(shape)}, got ${fmtShape(s.shape)}`);
  }
}

/**
 * Runs a whole recurrent stack over a sequence.
 * @param input [T, B, inputSize] ([B, T, inputSize] when batchFirst), float32 or float64
 * @param h0 [numLayers * D, B, P] or null (zeros); D = 2 when bidirectional, P = projSize || hiddenSize
 * @param c0 [numLayers * D, B, hiddenSize] (LSTM) or null (zeros)
 * @param weights see RnnWeightList
 * @param lengths valid steps per batch row (as pack_padded_sequence gives): steps past a
 *   row's length neither change its state nor produce output (output 0 there)
 * @returns output [T, B, D * P] (batchFirst: [B, T, D * P]), hN, cN
 * @example
 * const { output, hN } = rnnFused(x, null, null, lstm.flatWeights(), spec);
 */
export function rnnFused(input: Tensor, h0: Tensor | null, c0: Tensor | null, weights: RnnWeightList, spec: RnnSpec, lengths?: unknown, op = 'rnn'): RnnResult {
  if (!isTensor(input)) throw new ArgumentError(op, `input must be a Tensor, got ${input === null ? 'null' : typeof input}`);
  const dt = input.dtype;
  if (dt !== 'float32' && dt !== 'float64') throw new DTypeError(op, `input must be float32 or float64, got ${dt}`);
  if (input.ndim !== 3) throw new ShapeError(op, `input must be 3-d ${spec.batchFirst ? '[batch, seq, features]' : '[seq, batch, features]'}, got shape ${fmtShape(input.shape)}`);
  const D = spec.bidirectional ? 2 : 1;
  const L = spec.numLayers, H = spec.hiddenSize, P = spec.projSize > 0 ? spec.projSize : H;
  const [T, B, I] = spec.batchFirst ? [input.shape[1], input.shape[0], input.shape[2]] : input.shape;
  if (I !== spec.inputSize) throw new ShapeError(op, `input has ${I} features, expected inputSize ${spec.inputSize} (input shape ${fmtShape(input.shape)})`);
  const lstm = spec.mode === 'lstm';
  if (h0 !== null) checkState(op, 'h0', h0, [L * D, B, P], dt);
  if (c0 !== null) checkState(op, 'c0', c0, [L * D, B, H], dt);
  for (const w of weights) if (w !== null && w.dtype !== dt) throw new DTypeError(op, `the weights (${w.dtype}) and the input (${dt}) must have the same dtype`);
  const lens = lengthsArray(op, lengths, B, T);

  const outShape = [T, B, D * P];
  const out = Tensor.empty(outShape, dt, input.device);
  const hN = Tensor.empty([L * D, B, P], dt, input.device);
  const cN = lstm ? Tensor.empty([L * D, B, H], dt, input.device) : null;
  if (T === 0 || B === 0) {
    // Nothing to run: the states pass through.
    if (h0) hN.copy_(h0.detach()); else hN.zero_();
    if (cN) { if (c0) cN.copy_(c0.detach()); else cN.zero_(); }
    return finish(out, hN, cN, spec);
  }

  // Under autograd the forward keeps what the backward needs; otherwise only one step of it.
  const inputs: (Tensor | null)[] = [input, h0, c0, ...weights];
  const grad = needsGradAny(inputs);
  const cfg = new Float64Array([MODE_CODE[spec.mode], L, D, T, B, I, H, P, spec.bias ? 1 : 0, grad ? 1 : 0]);
  const temps: Tensor[] = [];
  const xt = spec.batchFirst ? copyToContiguous(op, transpose(input, 0, 1)) : contiguousCopy(op, input);
  if (xt !== input) temps.push(xt);
  const h0c = h0 ? contiguousCopy(op, h0) : null;
  if (h0c && h0c !== h0) temps.push(h0c);
  const c0c = c0 ? contiguousCopy(op, c0) : null;
  if (c0c && c0c !== c0) temps.push(c0c);
  const wc = weights.map((w) => (w === null ? null : contiguousCopy(op, w)));
  wc.forEach((w, i) => { if (w !== null && w !== weights[i]) temps.push(w); });
  let mask: Tensor | null = null;
  if (spec.training && spec.dropout > 0 && L > 1) {
    const keep = 1 - spec.dropout;
    const m = bernoulli([L - 1, T, B, D * P], keep, { dtype: dt });
    mask = keep > 0 ? m.mul_(1 / keep) : m;
  }
  let wsSize: number;
  try {
    wsSize = native.rnnWorkspaceSize(cfg);
  } catch (e) {
    rethrowNative(op, e);
  }
  const ws = Tensor.empty([wsSize], dt, input.device);
  const code = dtypeCode(dt);
  const h = (t: Tensor | null): NativeHandle | null => (t === null ? null : t.handle(op));
  const o = (t: Tensor | null): number => (t === null ? 0 : t.offset);
  const fwdOps = [xt, h0c, c0c, mask, out, hN, cN, ws, ...wc];
  try {
    native.rnnForward(code, cfg, fwdOps.map(h), new Float64Array(fwdOps.map(o)), lens);
  } catch (e) {
    for (const t of [out, hN, cN, ws, mask, ...temps]) t?.dispose();
    rethrowNative(op, e);
  }

  if (!grad) {
    for (const t of [ws, mask, ...temps]) t?.dispose();
    return finish(out, hN, cN, spec);
  }
  // One node for the whole call. Its backward runs BPTT natively from the saved workspace.
  const saved = [ws, xt, ...wc.filter((w): w is Tensor => w !== null)];
  if (h0c) saved.push(h0c);
  if (c0c) saved.push(c0c);
  const outs = [batchView(out, spec), hN];
  if (cN) outs.push(cN);
  recordMulti(op, outs, inputs, (grads: (Tensor | null)[], node: Node) => {
    // Its backward is one native BPTT pass, not recorded ops: a recorded backward (createGraph)
    // would silently miss every second-order term, so it is refused.
    if (isGradEnabled()) {
      throw new AutogradError(op, `higher-order gradients (backward with createGraph) are not supported through the fused recurrent op '${op}' (input of shape ${fmtShape(input.shape)}); write the recurrence with linear/matmul and activation ops, which support them, or differentiate through it only once`);
    }
    const gTemps: Tensor[] = [];
    const prep = (g: Tensor | null, bf: boolean): Tensor | null => {
      if (g === null) return null;
      let t = bf ? transpose(g, 0, 1) : g;
      if (t.dtype !== dt) { t = t.to(dt); gTemps.push(t); }
      const c = contiguousCopy(op, t);
      if (c !== t) gTemps.push(c);
      return c;
    };
    const dOut = prep(grads[0], spec.batchFirst);
    const dhN = prep(grads[1], false);
    const dcN = cN ? prep(grads[2] ?? null, false) : null;
    const dX = node.needs(0) ? Tensor.empty([T, B, I], dt, input.device) : null;
    const dh0 = node.needs(1) ? Tensor.empty([L * D, B, P], dt, input.device) : null;
    const dc0 = node.needs(2) ? Tensor.empty([L * D, B, H], dt, input.device) : null;
    const dW = weights.map((w, i) => (w !== null && node.needs(3 + i) ? Tensor.empty(w.shape, dt, input.device) : null));
    const bwdOps = [xt, h0c, c0c, mask, ws, dOut, dhN, dcN, dX, dh0, dc0, ...wc, ...dW];
    try {
      native.rnnBackward(code, cfg, bwdOps.map(h), new Float64Array(bwdOps.map(o)), lens);
    } catch (e) {
      for (const t of [dX, dh0, dc0, ...dW, ...gTemps]) t?.dispose();
      rethrowNative(op, e);
    }
    for (const t of gTemps) t.dispose();
    return [dX === null ? null : spec.batchFirst ? transpose(dX, 0, 1) : dX, dh0, dc0, ...dW];
  }, saved);
  return { output: outs[0], hN: outs[1], cN: cN ? outs[2] : null };
}

function finish(out: Tensor, hN: Tensor, cN: Tensor | null, spec: RnnSpec): RnnResult {
  return { output: batchView(out, spec), hN, cN };
}

/** The output as returned: [B, T, ...] (a view sharing out's memory) when batchFirst. */
function batchView(out: Tensor, spec: RnnSpec): Tensor {
  if (!spec.batchFirst) return out;
  const v = transpose(out, 0, 1);
  out.dispose();  // the view keeps the memory
  return v;
}

/** Gates per cell: 1 (RNN), 4 (LSTM), 3 (GRU). */
export function gateCount(mode: RnnMode): number {
  return GATES[mode];
}
