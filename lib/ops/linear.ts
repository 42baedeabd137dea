/**
 * linear (PyTorch's functional linear: y = x·Wᵀ + b, weight in [out, in] layout) with a
 * fused activation, and prepacked weights: prepackLinear packs a weight once into the
 * GEMM's panel layout so that repeated calls (inference, the recurrent weights of an RNN)
 * skip packing. Both go through the native GEMM; bias and activation run in its epilogue.
 */
import { dtypeCode, type DType } from '../dtype';
import { ArgumentError, DTypeError, DisposedError, ShapeError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { Storage } from '../storage';
import { Tensor, isTensor } from '../tensor';
import { activationCode, applyActivation, checkTensor, matmul, runGemm, type Activation, type MatView } from './matmul';
import { needsGradAny, noGrad, record, AutogradError, type Node } from '../autograd/graph';
import { reluGrad } from './unary';
import { sum } from './reduce';
import { reshape, transpose } from './view';

export interface LinearOptions {
  /** Applied to the result inside the GEMM (default 'none'). gelu is the exact (erf) form. */
  activation?: Activation;
}

/**
 * A weight matrix [outFeatures, inFeatures] packed once for linear(). It holds native
 * memory like a tensor: free it with dispose() (or let the GC do it); linear() with a
 * disposed PackedLinear throws DisposedError. The packed copy does not follow later
 * changes of the weight tensor: pack again after updating it.
 */
export class PackedLinear {
  readonly outFeatures: number;
  readonly inFeatures: number;
  readonly dtype: DType;
  private storage: Storage | null;

  /** @internal Use prepackLinear(). */
  constructor(storage: Storage, outFeatures: number, inFeatures: number, dtype: DType) {
    this.storage = storage;
    storage.refs++;
    this.outFeatures = outFeatures;
    this.inFeatures = inFeatures;
    this.dtype = dtype;
  }

  /** Shape of the weight it packs: [outFeatures, inFeatures]. */
  get shape(): number[] {
    return [this.outFeatures, this.inFeatures];
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** Frees the packed memory now. Calling it again does nothing. */
  dispose(): void {
    const s = this.storage;
    if (s === null) return;
    this.storage = null;
    s.release();
  }

  /** @internal The live storage; throws DisposedError after dispose(). */
  packedStorage(op: string): Storage {
    if (this.storage === null || this.storage.handle === null) {
      throw new DisposedError(op, `packed weight of shape ${fmtShape(this.shape)} and dtype ${this.dtype} was disposed`);
    }
    return this.storage;
  }
}

export function isPackedLinear(x: unknown): x is PackedLinear {
  return x instanceof PackedLinear;
}

function checkFloat(op: string, what: string, dt: DType): void {
  if (dt !== 'float32' && dt !== 'float64') throw new DTypeError(op, `${what} must be float32 or float64, got ${dt}`);
}

/**
 * Packs a weight [out, in] once for linear(x, packed, bias): calls then skip packing the
 * weight (the largest operand of a small-batch linear layer).
 * @param weight [outFeatures, inFeatures], float32 or float64
 * @returns a PackedLinear to pass to linear() in place of the weight; dispose() it when done
 * @example
 * const w = tf.randn([256, 784]);
 * const packed = tf.prepackLinear(w);
 * const y = tf.linear(x, packed, b, { activation: 'relu' }); // same as tf.linear(x, w, b, ...)
 * packed.dispose();
 */
export function prepackLinear(weight: Tensor): PackedLinear {
  const op = 'prepackLinear';
  checkTensor(op, weight, 'weight');
  if (weight.ndim !== 2) throw new ShapeError(op, `weight must be 2-d [out, in], got shape ${fmtShape(weight.shape)}`);
  checkFloat(op, 'weight', weight.dtype);
  const [out, inF] = weight.shape;
  const dt = weight.dtype;
  let bytes: number;
  try {
    bytes = native.packedBytes(dtypeCode(dt), inF, out);
  } catch (e) {
    rethrowNative(op, e);
  }
  const storage = Storage.alloc(bytes, weight.device);
  try {
    // B = weightᵀ: element (p, j) = weight[j, p].
    native.packB(dtypeCode(dt), weight.handle(op), weight.offset, new Float64Array([inF, out, weight.strides[1], weight.strides[0]]), storage.handle!);
  } catch (e) {
    storage.refs = 1;
    storage.release();
    rethrowNative(op, e);
  }
  return new PackedLinear(storage, out, inF, dt);
}

/**
 * Applies a linear transformation, y = activation(x·weightᵀ + bias), as torch.nn.functional.linear.
 * @param input [..., inFeatures] (any number of leading dims, or 1-d [inFeatures])
 * @param weight [outFeatures, inFeatures], or a PackedLinear from prepackLinear(weight)
 * @param bias [outFeatures] or null/undefined
 * @param opts activation: 'none' (default), 'relu', 'gelu', 'sigmoid' or 'tanh', fused into the GEMM
 * @returns [..., outFeatures]
 * @example
 * const x = tf.randn([32, 784]);
 * const w = tf.randn([256, 784]);
 * const b = tf.zeros([256]);
 * tf.linear(x, w, b, { activation: 'relu' }).shape; // [32, 256]
 */
export function linear(input: Tensor, weight: Tensor | PackedLinear, bias?: Tensor | null, opts: LinearOptions = {}): Tensor {
  const op = 'linear';
  checkTensor(op, input, 'input');
  const packed = isPackedLinear(weight) ? weight : null;
  if (!packed) {
    if (!isTensor(weight)) throw new ArgumentError(op, `weight must be a Tensor or a PackedLinear, got ${weight === null ? 'null' : typeof weight}`);
    checkTensor(op, weight, 'weight');
    if (weight.ndim !== 2) throw new ShapeError(op, `weight must be 2-d [out, in], got shape ${fmtShape(weight.shape)}`);
  }
  const storage = packed ? packed.packedStorage(op) : null;
  const wShape = packed ? packed.shape : (weight as Tensor).shape;
  const wDtype = packed ? packed.dtype : (weight as Tensor).dtype;
  if (bias !== undefined && bias !== null) checkTensor(op, bias, 'bias');
  const act = activationCode(op, opts.activation);
  if (input.ndim < 1) throw new ShapeError(op, `input must have at least 1 dim, got shape ${fmtShape(input.shape)}`);
  const [outF, inF] = wShape;
  const k = input.shape[input.ndim - 1];
  if (k !== inF) throw new ShapeError(op, `input of shape ${fmtShape(input.shape)} and weight of shape ${fmtShape(wShape)} cannot be multiplied (${k} != ${inF})`);
  if (bias && !(bias.ndim === 1 && bias.shape[0] === outF)) {
    throw new ShapeError(op, `bias must have shape [${outF}] (the weight's out features), got ${fmtShape(bias.shape)}`);
  }
  checkFloat(op, 'input', input.dtype);
  if (wDtype !== input.dtype || (bias && bias.dtype !== input.dtype)) {
    throw new DTypeError(op, `input, weight and bias must have the same dtype, got ${input.dtype}, ${wDtype}${bias ? ` and ${bias.dtype}` : ''}`);
  }
  if (needsGradAny(bias ? [input, weight as Tensor, bias] : [input, weight as Tensor])) {
    // Under autograd: one recorded node for the product and bias (with relu fused into
    // it); other activations follow as their own recorded ops.
    if (packed) throw new AutogradError(op, 'a PackedLinear has no gradient: pass the weight tensor when the input requires grad');
    const w = weight as Tensor;
    if (opts.activation === 'relu') {
      // relu stays fused in the forward; the backward masks g with the output (y > 0).
      const y = noGrad(() => linear(input, w, bias, opts));
      return record(op, y, bias ? [input, w, bias] : [input, w], (g, node) => linearGrads(reluGrad(g, y), node, input, w, bias, outF, inF), [input, w, y]);
    }
    // One node for product and bias, then the activation as its own op.
    const pre = noGrad(() => linear(input, w, bias));
    const y = record(op, pre, bias ? [input, w, bias] : [input, w], (g, node) => linearGrads(g, node, input, w, bias, outF, inF), [input, w]);
    return applyActivation(opts.activation, y);
  }
  const lead = input.shape.slice(0, -1);
  const outShape = [...lead, outF];
  // Leading dims fold into M when they are laid out as one dim (contiguous inputs and
  // most views); otherwise they stay batch dims of the GEMM, with the weight broadcast.
  let a: MatView;
  let batch: number[];
  const foldable = lead.length <= 1 || lead.every((_, d) => d === lead.length - 1 || input.strides[d] === input.strides[d + 1] * input.shape[d + 1]);
  if (foldable) {
    const rows = lead.reduce((x, y) => x * y, 1);
    a = { t: input, batch: [], batchStrides: [], rows, cols: k, rs: lead.length ? input.strides[lead.length - 1] : 0, cs: input.strides[input.ndim - 1] };
    batch = [];
  } else {
    a = {
      t: input,
      batch: lead.slice(0, -1),
      batchStrides: input.strides.slice(0, lead.length - 1),
      rows: lead[lead.length - 1],
      cols: k,
      rs: input.strides[lead.length - 1],
      cs: input.strides[input.ndim - 1],
    };
    batch = lead.slice(0, -1);
  }
  const w = packed ? null : (weight as Tensor);
  const b: MatView | null = w ? { t: w, batch: [], batchStrides: [], rows: inF, cols: outF, rs: w.strides[1], cs: w.strides[0] } : null;
  const out = Tensor.empty(outShape, input.dtype, input.device);
  try {
    runGemm(op, a, b, batch, out, 1, 0, { bias: bias ?? null, biasRs: 0, biasCs: bias ? bias.strides[0] : 0, biasScale: 1, act, packed: storage }, { n: outF });
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/**
 * The gradients of linear's inputs from g, the gradient of its pre-activation output.
 * Only those the graph needs are computed (the first layer's input gradient is as costly
 * as its weight gradient and nobody reads it); the weight's comes out as gᵀ·x in the
 * weight's own [out, in] layout (a transposed view would cost a copy per step).
 */
function linearGrads(g: Tensor, node: Node, input: Tensor, w: Tensor, bias: Tensor | null | undefined, outF: number, inF: number): (Tensor | null)[] {
  const g2 = reshape(g, [-1, outF]);
  const grads: (Tensor | null)[] = [
    node.needs(0) ? matmul(g, w) : null,
    node.needs(1) ? matmul(transpose(g2, 0, 1), reshape(input, [-1, inF])) : null,
  ];
  if (bias) grads.push(node.needs(2) ? sum(g2, 0) : null);
  return grads;
}

declare module '../tensor' {
  interface Tensor {
    linear(weight: Tensor | PackedLinear, bias?: Tensor | null, opts?: LinearOptions): Tensor;
  }
}

Tensor.prototype.linear = function (w, b, o) { return linear(this, w, b, o); };
