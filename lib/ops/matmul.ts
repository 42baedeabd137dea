/**
 * Matrix products: matmul (with NumPy/PyTorch broadcasting of batch dims), mm, bmm, dot,
 * mv and addmm (linear is in ./linear). All of them reach one native batched GEMM, which
 * reads operands through their strides: transposed, sliced and broadcast operands are
 * never copied. Bias and activation are fused into the GEMM's epilogue.
 */
import { dtypeCode, promoteTypes, type DType } from '../dtype';
import { ArgumentError, DTypeError, ShapeError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { broadcastShapes, broadcastStrides, contiguousStrides, MAX_DIMS, sameShape } from '../shape';
import type { Storage } from '../storage';
import { Tensor, isTensor } from '../tensor';
import { copyToContiguous } from './copy';
import { needsGrad2, needsGradAny, record } from '../autograd/graph';
import { mul } from './binary';
import { transpose, unsqueeze, squeeze } from './view';
import { gelu, relu, sigmoid, tanh } from './unary';

/** Activations the GEMM can apply to its result in place (fused epilogue). */
export type Activation = 'none' | 'relu' | 'gelu' | 'sigmoid' | 'tanh';
const ACTIVATIONS: Record<Activation, number> = { none: 0, relu: 1, gelu: 2, sigmoid: 3, tanh: 4 };

/** @internal The native code of an activation name; throws ArgumentError for others. */
export function activationCode(op: string, act: unknown): number {
  if (act === undefined || act === null) return 0;
  if (typeof act !== 'string' || !Object.prototype.hasOwnProperty.call(ACTIVATIONS, act)) {
    throw new ArgumentError(op, `activation must be one of ${Object.keys(ACTIVATIONS).map((a) => `'${a}'`).join(', ')}, got ${typeof act === 'string' ? `'${act}'` : String(act)}`);
  }
  return ACTIVATIONS[act as Activation];
}

/**
 * @internal The activation as a separate, differentiable op: under autograd the fused
 * epilogue (which records no gradient) is replaced by the product followed by this.
 */
export function applyActivation(act: Activation | undefined, x: Tensor): Tensor {
  switch (act) {
    case 'relu': return relu(x);
    case 'gelu': return gelu(x);
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return tanh(x);
    default: return x;
  }
}

/** @internal What the GEMM does after the product: bias (broadcast [M, N] strides) and activation. */
export interface GemmEpilogue {
  bias?: Tensor | null;
  biasRs?: number;
  biasCs?: number;
  biasScale?: number;
  act?: number;
  /** B prepacked by native.packB (b's handle and strides are then not read). */
  packed?: Storage | null;
}

/** @internal */
export function checkTensor(op: string, x: unknown, name: string): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.handle(op);
  return x;
}

/** The dtype the product is computed in; bool has no matrix product (as in PyTorch). */
function productDType(op: string, a: Tensor, b: Tensor): DType {
  const dt = promoteTypes(a.dtype, b.dtype);
  if (dt === 'bool') throw new DTypeError(op, `bool tensors cannot be multiplied (got ${a.dtype} and ${b.dtype}); convert with .int() or .float() first`);
  return dt;
}

function notMultipliable(op: string, a: Tensor, b: Tensor, ka: number, kb: number): ShapeError {
  return new ShapeError(op, `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${ka} != ${kb})`);
}

/** A matrix operand as the native GEMM reads it: batch dims plus [rows, cols] with strides. */
/** @internal */
export interface MatView {
  t: Tensor;
  batch: number[];
  batchStrides: number[];
  rows: number;
  cols: number;
  rs: number;
  cs: number;
}

/** @internal */
export function asMatrix(t: Tensor, kind: 'lhs' | 'rhs'): MatView {
  const n = t.ndim;
  if (n === 1) {
    // A vector on the left is a row [1, K]; on the right a column [K, 1].
    return kind === 'lhs'
      ? { t, batch: [], batchStrides: [], rows: 1, cols: t.shape[0], rs: 0, cs: t.strides[0] }
      : { t, batch: [], batchStrides: [], rows: t.shape[0], cols: 1, rs: t.strides[0], cs: 0 };
  }
  return {
    t,
    batch: t.shape.slice(0, n - 2),
    batchStrides: t.strides.slice(0, n - 2),
    rows: t.shape[n - 2],
    cols: t.shape[n - 1],
    rs: t.strides[n - 2],
    cs: t.strides[n - 1],
  };
}

/**
 * out = alpha * a·b + beta * out over broadcast batch dims, in the native GEMM. out's
 * memory holds [...batch, M, N] row-major (its own shape may lack the dims 1-d operands
 * added), in the dtype of a and b.
 */
export function runGemm(op: string, a: MatView, b: MatView | null, batch: number[], out: Tensor, alpha: number, beta: number,
  epi: GemmEpilogue = {}, shape?: { n: number }): void {
  const M = a.rows;
  const N = b ? b.cols : shape!.n;
  const K = a.cols;
  const nb = batch.length;
  const sa = broadcastStrides(a.batch, a.batchStrides, batch);
  const sb = b ? broadcastStrides(b.batch, b.batchStrides, batch) : new Array<number>(nb).fill(0);
  const sc = contiguousStrides([...batch, M * N]).slice(0, nb);
  const meta = new Float64Array(1 + 4 * nb + 9);
  meta[0] = nb;
  for (let i = 0; i < nb; i++) {
    meta[1 + i] = batch[i];
    meta[1 + nb + i] = sa[i];
    meta[1 + 2 * nb + i] = sb[i];
    meta[1 + 3 * nb + i] = sc[i];
  }
  meta.set([M, N, K, a.rs, a.cs, b ? b.rs : 0, b ? b.cs : 0, N, 1], 1 + 4 * nb);
  const bias = epi.bias ?? null;
  const packed = epi.packed ?? null;
  try {
    native.gemm(dtypeCode(out.dtype), a.t.handle(op), a.t.offset, b ? b.t.handle(op) : null, b ? b.t.offset : 0, out.handle(op), out.offset, meta, alpha, beta,
      bias ? bias.handle(op) : null, bias ? bias.offset : 0, epi.biasRs ?? 0, epi.biasCs ?? 0, epi.biasScale ?? 1, epi.act ?? 0,
      packed ? packed.handle : null);
  } catch (e) {
    rethrowNative(op, e);
  }
}

/** @internal Runs fn with a and b converted to dtype dt (temporary copies are disposed). */
export function withDType<R>(op: string, a: Tensor, b: Tensor, dt: DType, fn: (a: Tensor, b: Tensor) => R): R {
  const ac = a.dtype === dt ? a : copyToContiguous(op, a, dt);
  const bc = b.dtype === dt ? b : copyToContiguous(op, b, dt);
  try {
    return fn(ac, bc);
  } finally {
    if (ac !== a) ac.dispose();
    if (bc !== b) bc.dispose();
  }
}

function matmulImpl(op: string, a: Tensor, b: Tensor): Tensor {
  const dt = productDType(op, a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(op, `both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const ma = asMatrix(a, 'lhs');
  const mb = asMatrix(b, 'rhs');
  if (ma.cols !== mb.rows) throw notMultipliable(op, a, b, ma.cols, mb.rows);
  let batch: number[];
  try {
    batch = broadcastShapes(op, ma.batch, mb.batch);
  } catch {
    throw new ShapeError(op, `the batch dims of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast (${fmtShape(ma.batch)} vs ${fmtShape(mb.batch)})`);
  }
  const fullShape = [...batch, ma.rows, mb.cols];
  if (fullShape.length > MAX_DIMS) throw new ShapeError(op, `the result would have ${fullShape.length} dims; at most ${MAX_DIMS} are supported`);
  // The result drops the dims that 1-d operands added.
  const outShape = [...batch];
  if (a.ndim > 1) outShape.push(ma.rows);
  if (b.ndim > 1) outShape.push(mb.cols);
  return withDType(op, a, b, dt, (ac, bc) => {
    const out = Tensor.empty(outShape, dt, a.device);
    try {
      runGemm(op, asMatrix(ac, 'lhs'), asMatrix(bc, 'rhs'), batch, out, 1, 0);
    } catch (e) {
      out.dispose();
      throw e;
    }
    return out;
  });
}

/**
 * Matrix product with PyTorch's rules: 1-d·1-d is a dot product (0-d result); 2-d·2-d a
 * matrix product; a 1-d operand is treated as a row (left) or column (right) and that
 * dim is removed from the result; more dims are batches, broadcast against each other.
 * Mixed dtypes promote (int32 < float32 < float64); bool is not supported.
 *
 * @param a [..., M, K] or [K]
 * @param b [..., K, N] or [K]
 * @returns [...broadcast(batch), M, N] (without M or N for 1-d operands)
 * @example
 * tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).shape;        // [2, 4]
 * tf.matmul(tf.ones([5, 1, 2, 3]), tf.ones([4, 3, 6])).shape; // [5, 4, 2, 6]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', a, 'a');
  checkTensor('matmul', b, 'b');
  const out = matmulImpl('matmul', a, b);
  return needsGrad2(a, b) ? matmulGrad('matmul', out, a, b) : out;
}

/**
 * Product of two matrices (no broadcasting).
 * @param a [M, K]
 * @param b [K, N]
 * @returns [M, N]
 * @example tf.mm(tf.eye(3), tf.ones([3, 2]))
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor('mm', a, 'a');
  checkTensor('mm', b, 'b');
  if (a.ndim !== 2 || b.ndim !== 2) throw new ShapeError('mm', `expects two 2-d tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const out = matmulImpl('mm', a, b);
  return needsGrad2(a, b) ? matmulGrad('mm', out, a, b) : out;
}

/**
 * Batched matrix product of 3-d tensors with the same batch size (no broadcasting).
 * @param a [B, M, K]
 * @param b [B, K, N]
 * @returns [B, M, N]
 * @example tf.bmm(tf.ones([4, 2, 3]), tf.ones([4, 3, 5])).shape // [4, 2, 5]
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor('bmm', a, 'a');
  checkTensor('bmm', b, 'b');
  if (a.ndim !== 3 || b.ndim !== 3) throw new ShapeError('bmm', `expects two 3-d tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw new ShapeError('bmm', `batch sizes differ: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (${a.shape[0]} != ${b.shape[0]})`);
  const out = matmulImpl('bmm', a, b);
  return needsGrad2(a, b) ? matmulGrad('bmm', out, a, b) : out;
}

/**
 * Dot product of two vectors of the same length.
 * @param a [K]
 * @param b [K]
 * @returns [] (0-d)
 * @example tf.dot(tf.tensor([1, 2, 3]), tf.tensor([4, 5, 6])).item() // 32
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor('dot', a, 'a');
  checkTensor('dot', b, 'b');
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError('dot', `expects two 1-d tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw new ShapeError('dot', `vectors of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} have different lengths (${a.shape[0]} != ${b.shape[0]})`);
  const out = matmulImpl('dot', a, b);
  return needsGrad2(a, b) ? matmulGrad('dot', out, a, b) : out;
}

/**
 * Matrix-vector product.
 * @param a [M, K]
 * @param v [K]
 * @returns [M]
 * @example tf.mv(tf.eye(2), tf.tensor([3, 4])) // [3, 4]
 */
export function mv(a: Tensor, v: Tensor): Tensor {
  checkTensor('mv', a, 'a');
  checkTensor('mv', v, 'v');
  if (a.ndim !== 2 || v.ndim !== 1) throw new ShapeError('mv', `expects a 2-d matrix and a 1-d vector, got shapes ${fmtShape(a.shape)} and ${fmtShape(v.shape)}`);
  const out = matmulImpl('mv', a, v);
  return needsGrad2(a, v) ? matmulGrad('mv', out, a, v) : out;
}

export interface AddmmOptions {
  /** Factor of input (default 1). With beta = 0, input is ignored: NaN in it does not propagate. */
  beta?: number;
  /** Factor of the product (default 1). */
  alpha?: number;
  /**
   * Applied to the result inside the GEMM, while each tile is in cache (default 'none';
   * floating-point dtypes only). gelu is the exact (erf) form.
   */
  activation?: Activation;
}

/**
 * activation(beta * input + alpha * (mat1 · mat2)), input broadcast to [M, N]. input is
 * added in the GEMM's epilogue (never copied into the result first).
 * @param input broadcastable to [M, N]
 * @param mat1 [M, K]
 * @param mat2 [K, N]
 * @returns [M, N]
 * @example tf.addmm(bias, x, w, { activation: 'relu' }) // relu(x·w + bias)
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, opts: AddmmOptions = {}): Tensor {
  const op = 'addmm';
  checkTensor(op, input, 'input');
  checkTensor(op, mat1, 'mat1');
  checkTensor(op, mat2, 'mat2');
  const beta = opts.beta ?? 1;
  const alpha = opts.alpha ?? 1;
  const act = activationCode(op, opts.activation);
  if (typeof beta !== 'number' || typeof alpha !== 'number' || Number.isNaN(beta) || Number.isNaN(alpha)) {
    throw new ArgumentError(op, `alpha and beta must be numbers, got alpha ${String(alpha)} and beta ${String(beta)}`);
  }
  if (mat1.ndim !== 2 || mat2.ndim !== 2) throw new ShapeError(op, `expects 2-d mat1 and mat2, got shapes ${fmtShape(mat1.shape)} and ${fmtShape(mat2.shape)}`);
  if (mat1.shape[1] !== mat2.shape[0]) throw notMultipliable(op, mat1, mat2, mat1.shape[1], mat2.shape[0]);
  const dt = promoteTypes(productDType(op, mat1, mat2), input.dtype);
  if (dt === 'int32' && (!Number.isInteger(alpha) || !Number.isInteger(beta))) {
    throw new ArgumentError(op, `alpha and beta must be integers for int32 tensors, got alpha ${alpha} and beta ${beta}`);
  }
  if (dt === 'int32' && act !== 0) throw new DTypeError(op, `activation '${String(opts.activation)}' needs a floating-point dtype, got ${dt}`);
  const outShape = [mat1.shape[0], mat2.shape[1]];
  let b: number[] | null = null;
  try {
    b = broadcastShapes(op, input.shape, outShape);
  } catch {
    b = null;
  }
  if (!b || !sameShape(b, outShape)) throw new ShapeError(op, `input of shape ${fmtShape(input.shape)} cannot be broadcast to the product's shape ${fmtShape(outShape)}`);
  if (act !== 0 && needsGradAny([input, mat1, mat2])) {
    return applyActivation(opts.activation, addmm(input, mat1, mat2, { alpha, beta }));
  }
  const res = withDType(op, mat1, mat2, dt, (a, c) => {
    const bias = input.dtype === dt ? input : copyToContiguous(op, input, dt);
    const out = Tensor.empty(outShape, dt, mat1.device);
    try {
      // The product overwrites out (beta 0 for C); input enters as the epilogue's bias,
      // scaled by beta (beta = 0: never read).
      const [rs, cs] = broadcastStrides(bias.shape, bias.strides, outShape);
      runGemm(op, asMatrix(a, 'lhs'), asMatrix(c, 'rhs'), [], out, alpha, 0, { bias, biasRs: rs, biasCs: cs, biasScale: beta, act });
    } catch (e) {
      out.dispose();
      throw e;
    } finally {
      if (bias !== input) bias.dispose();
    }
    return out;
  });
  return needsGradAny([input, mat1, mat2]) ? addmmGrad(res, input, mat1, mat2, alpha, beta) : res;
}

declare module '../tensor' {
  interface Tensor {
    matmul(other: Tensor): Tensor;
    mm(other: Tensor): Tensor;
    bmm(other: Tensor): Tensor;
    dot(other: Tensor): Tensor;
    mv(v: Tensor): Tensor;
    addmm(mat1: Tensor, mat2: Tensor, opts?: AddmmOptions): Tensor;
  }
}

const P = Tensor.prototype;
P.matmul = function (o) { return matmul(this, o); };
P.mm = function (o) { return mm(this, o); };
P.bmm = function (o) { return bmm(this, o); };
P.dot = function (o) { return dot(this, o); };
P.mv = function (v) { return mv(this, v); };
P.addmm = function (m1, m2, o) { return addmm(this, m1, m2, o); };

// ---- gradients (written with public ops; the engine sums broadcast batch dims back) ----

const mT = (x: Tensor): Tensor => transpose(x, -2, -1);

/**
 * matmul's gradient with PyTorch's 1-d rules: a 1-d left operand is a row [1, K], a 1-d
 * right one a column [K, 1]; g gets those dims back before the two products
 * ga = g · bᵀ and gb = aᵀ · g.
 */
function matmulGrad(op: string, out: Tensor, a: Tensor, b: Tensor): Tensor {
  const aT = a.requiresGrad;
  const bT = b.requiresGrad;
  return record(op, out, [a, b], (g, n) => {
    if (a.ndim === 1 && b.ndim === 1) return [n.needs(0) ? mul(g, b) : null, n.needs(1) ? mul(g, a) : null];
    const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
    const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
    let g2 = g;
    if (a.ndim === 1) g2 = unsqueeze(g2, -2);
    if (b.ndim === 1) g2 = unsqueeze(g2, -1);
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (n.needs(0)) {
      ga = matmul(g2, mT(b2));
      if (a.ndim === 1) ga = squeeze(ga, -2);
    }
    if (n.needs(1)) {
      gb = matmul(mT(a2), g2);
      if (b.ndim === 1) gb = squeeze(gb, -1);
    }
    return [ga, gb];
  }, [...(bT ? [a] : []), ...(aT ? [b] : [])]);
}

/** beta * input + alpha * mat1 · mat2. */
function addmmGrad(out: Tensor, input: Tensor, mat1: Tensor, mat2: Tensor, alpha: number, beta: number): Tensor {
  const saved = [...(mat2.requiresGrad ? [mat1] : []), ...(mat1.requiresGrad ? [mat2] : [])];
  return record('addmm', out, [input, mat1, mat2], (g, n) => {
    const scale = (t: Tensor): Tensor => (alpha === 1 ? t : mul(t, alpha));
    return [
      n.needs(0) ? (beta === 1 ? g : mul(g, beta)) : null,
      n.needs(1) ? scale(mm(g, mT(mat2))) : null,
      n.needs(2) ? scale(mm(mT(mat1), g)) : null,
    ];
  }, saved);
}
