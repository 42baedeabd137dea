/**
 * Binary arithmetic with NumPy broadcasting, JS scalars on either side and PyTorch's
 * type promotion: add, sub, mul, div, pow, maximum, minimum, remainder, fmod.
 * In-place forms (add_, ...) live in inplace.ts.
 */
import type { DType } from '../dtype';
import { ArgumentError, DTypeError } from '../errors';
import { native } from '../native';
import { sameShape } from '../shape';
import { Tensor } from '../tensor';
import { takePooled } from '../storage';
import { itemSize } from '../dtype';
import { B, type Operand, checkOperand, code, floatResult, isContig, launchBinary, nativeFail, numelOfShape, resultType, wrapHandle } from './elementwise_common';
import { needsGrad2, record } from '../autograd/graph';
import { where } from './where';
import { gt, lt, eq, ge, logicalAnd } from './compare';
import { log, neg } from './unary';
import { zerosLike } from '../creation';

/**
 * The lean path for two contiguous tensors of one shape and dtype: one native call that
 * allocates the output and computes. Returns null when the general path must run.
 * @internal
 */
export function fastBinary(op: string, bop: number, a: unknown, b: unknown, boolOut: boolean): Tensor | null {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) return null;
  const dt = a.dtype;
  if (dt !== b.dtype || dt === 'bool') return null;
  const shape = a.shape;
  if (shape !== b.shape && !sameShape(shape, b.shape)) return null;
  const ha = a.storage.handle;
  const hb = b.storage.handle;
  if (ha === null || hb === null || a.isDisposed || b.isDisposed || !isContig(a) || !isContig(b)) return null;
  const n = numelOfShape(shape);
  const outDt = boolOut ? 'bool' : dt;
  const pooled = takePooled(n * itemSize(outDt));
  let h;
  try {
    if (pooled !== null) {
      native.ewBinaryFast(bop * 4 + code(dt), ha, a.offset, hb, b.offset, n, pooled.handle!, 0);
      return new Tensor(pooled, 0, shape, a.strides, outDt);
    }
    h = native.ewBinaryFast(bop * 4 + code(dt), ha, a.offset, hb, b.offset, n);
  } catch (e) {
    nativeFail(op, e);
  }
  return wrapHandle(h, n, shape, a.strides, outDt);
}

/** Operand checks and the result dtype of an arithmetic op; bool only where PyTorch has it. */
function arith(op: string, a: unknown, b: unknown, boolOk: boolean): [Operand, Operand, DType] {
  const x = checkOperand(op, a, 'input');
  const y = checkOperand(op, b, 'other');
  if (typeof x !== 'object' && typeof y !== 'object') {
    throw new ArgumentError(op, `expected at least one Tensor operand, got ${typeof x} and ${typeof y}`);
  }
  const rt = resultType([x, y]);
  if (rt === 'bool' && !boolOk) {
    const hint = op === 'sub' ? ' (use logicalXor() for bool tensors)' : '';
    throw new DTypeError(op, `is not supported for bool operands${hint}`);
  }
  return [x, y, rt];
}

export function checkAlpha(op: string, alpha: unknown, rt: DType): number {
  if (alpha === undefined) return 1;
  if (typeof alpha === 'boolean') {
    if (rt !== 'bool') throw new ArgumentError(op, `a boolean alpha is only supported for bool results, got result dtype ${rt}`);
    return alpha ? 1 : 0;
  }
  if (typeof alpha !== 'number') throw new ArgumentError(op, `alpha must be a number, got ${typeof alpha}`);
  if (rt === 'bool') throw new ArgumentError(op, `alpha must be a boolean for bool results, got ${alpha}`);
  if (rt === 'int32' && !Number.isInteger(alpha)) {
    throw new ArgumentError(op, `alpha must be an integer for integral (int32) operands, got ${alpha}`);
  }
  return alpha;
}

/** Options of add and sub. */
export interface AlphaOptions {
  /** Multiplier of the second operand: a + alpha * b (default 1). */
  alpha?: number | boolean;
}

/**
 * Elementwise a + alpha * b, broadcast (NumPy rules), with PyTorch's type promotion.
 * @param a tensor [...sa] or scalar
 * @param b tensor [...sb] or scalar
 * @returns [...broadcast(sa, sb)]
 * @example
 * tf.add(tf.tensor([1, 2]), tf.tensor([[10], [20]])) // [[11, 12], [21, 22]]
 * x.add(1); x.add(y, { alpha: 0.5 })
 */
export function add(a: Operand, b: Operand, opts?: AlphaOptions): Tensor {
  if (opts === undefined) {
    const r = fastBinary('add', B.add, a, b, false);
    if (r !== null) return (a as Tensor).requiresGrad || (b as Tensor).requiresGrad ? addGrad('add', r, a, b, 1) : r;
  }
  const [x, y, rt] = arith('add', a, b, true);
  const alpha = checkAlpha('add', opts?.alpha, rt);
  const out = launchBinary('add', B.add, x, y, rt, rt, alpha);
  return needsGrad2(x, y) ? addGrad('add', out, x, y, alpha) : out;
}

/**
 * Elementwise a - alpha * b, broadcast. Not defined for bool (use logicalXor).
 * @example tf.sub(x, 1); x.sub(y, { alpha: 2 })
 */
export function sub(a: Operand, b: Operand, opts?: AlphaOptions): Tensor {
  if (opts === undefined) {
    const r = fastBinary('sub', B.sub, a, b, false);
    if (r !== null) return (a as Tensor).requiresGrad || (b as Tensor).requiresGrad ? addGrad('sub', r, a, b, -1) : r;
  }
  const [x, y, rt] = arith('sub', a, b, false);
  const alpha = checkAlpha('sub', opts?.alpha, rt);
  const out = alpha !== 1 ? launchBinary('sub', B.add, x, y, rt, rt, -alpha) : launchBinary('sub', B.sub, x, y, rt, rt);
  return needsGrad2(x, y) ? addGrad('sub', out, x, y, -alpha) : out;
}

/**
 * Elementwise a * b, broadcast (and for bool).
 * @example tf.mul(x, 2); x.mul(y)
 */
export function mul(a: Operand, b: Operand): Tensor {
  const r = fastBinary('mul', B.mul, a, b, false);
  if (r !== null) return (a as Tensor).requiresGrad || (b as Tensor).requiresGrad ? mulGrad(r, a, b) : r;
  const [x, y, rt] = arith('mul', a, b, true);
  const out = launchBinary('mul', B.mul, x, y, rt, rt);
  return needsGrad2(x, y) ? mulGrad(out, x, y) : out;
}

/** Options of div. */
export interface DivOptions {
  /** undefined: true division (ints give float32); 'trunc': toward zero; 'floor': toward -inf (Python's //). */
  roundingMode?: 'trunc' | 'floor';
}

/**
 * Elementwise a / b, broadcast. True division gives float32 for int and bool operands,
 * like torch.div; roundingMode 'trunc' or 'floor' keeps integer dtypes (integer division
 * by zero throws ArgumentError).
 * @example
 * tf.div(tf.tensor([7], { dtype: 'int32' }), 2)                           // float32 [3.5]
 * tf.div(tf.tensor([-7], { dtype: 'int32' }), 2, { roundingMode: 'floor' }) // int32 [-4]
 */
export function div(a: Operand, b: Operand, opts?: DivOptions): Tensor {
  const mode = opts?.roundingMode;
  if (mode === undefined) {
    if (a instanceof Tensor && (a.dtype === 'float32' || a.dtype === 'float64')) {
      const r = fastBinary('div', B.div, a, b, false);
      if (r !== null) return a.requiresGrad || (b as Tensor).requiresGrad ? divGrad(r, a, b) : r;
    }
    const [x, y, rt] = arith('div', a, b, true);
    const cd = floatResult(rt);
    const out = launchBinary('div', B.div, x, y, cd, cd);
    return needsGrad2(x, y) ? divGrad(out, x, y) : out;
  }
  if (mode !== 'trunc' && mode !== 'floor') {
    throw new ArgumentError('div', `roundingMode must be undefined, 'trunc' or 'floor', got ${JSON.stringify(mode)}`);
  }
  const [x, y, rt] = arith('div', a, b, false);
  const out = launchBinary('div', mode === 'trunc' ? B.divTrunc : B.divFloor, x, y, rt, rt);
  return needsGrad2(x, y) ? record('div', out, [x, y], (g) => [zerosLike(g), zerosLike(g)]) : out;
}

/**
 * Elementwise a ** b, broadcast. Integer tensors raised to a negative integer scalar
 * throw, as in PyTorch.
 * @example tf.pow(x, 2); tf.pow(2, x); x.pow(y)
 */
export function pow(a: Operand, b: Operand): Tensor {
  const r = fastBinary('pow', B.pow, a, b, false);
  if (r !== null) return (a as Tensor).requiresGrad || (b as Tensor).requiresGrad ? powGrad(r, a, b) : r;
  const [x, y, rt] = arith('pow', a, b, false);
  if (rt === 'int32' && typeof y === 'number' && y < 0) {
    throw new ArgumentError('pow', `integers to negative integer powers are not allowed (exponent ${y}); use a float tensor`);
  }
  const out = launchBinary('pow', B.pow, x, y, rt, rt);
  return needsGrad2(x, y) ? powGrad(out, x, y) : out;
}

/**
 * Elementwise maximum, broadcast. NaN in either operand gives NaN (like torch.maximum).
 * @example tf.maximum(x, y); x.maximum(0)
 */
export function maximum(a: Operand, b: Operand): Tensor {
  const r = fastBinary('maximum', B.maximum, a, b, false);
  if (r !== null) return (a as Tensor).requiresGrad || (b as Tensor).requiresGrad ? extremumGrad('maximum', gt, r, a, b) : r;
  const [x, y, rt] = arith('maximum', a, b, true);
  const out = launchBinary('maximum', B.maximum, x, y, rt, rt);
  return needsGrad2(x, y) ? extremumGrad('maximum', gt, out, x, y) : out;
}

/**
 * Elementwise minimum, broadcast. NaN in either operand gives NaN (like torch.minimum).
 * @example tf.minimum(x, y)
 */
export function minimum(a: Operand, b: Operand): Tensor {
  const r = fastBinary('minimum', B.minimum, a, b, false);
  if (r !== null) return (a as Tensor).requiresGrad || (b as Tensor).requiresGrad ? extremumGrad('minimum', lt, r, a, b) : r;
  const [x, y, rt] = arith('minimum', a, b, true);
  const out = launchBinary('minimum', B.minimum, x, y, rt, rt);
  return needsGrad2(x, y) ? extremumGrad('minimum', lt, out, x, y) : out;
}

/**
 * Python's modulus: the result has the sign of the divisor (torch.remainder).
 * @example tf.remainder(tf.tensor([-3, 3]), 2) // [1, 1]
 */
export function remainder(a: Operand, b: Operand): Tensor {
  const [x, y, rt] = arith('remainder', a, b, false);
  const out = launchBinary('remainder', B.remainder, x, y, rt, rt);
  return needsGrad2(x, y) ? modGrad('remainder', 'floor', out, x, y) : out;
}

/**
 * C's fmod: the result has the sign of the dividend (torch.fmod).
 * @example tf.fmod(tf.tensor([-3, 3]), 2) // [-1, 1]
 */
export function fmod(a: Operand, b: Operand): Tensor {
  const [x, y, rt] = arith('fmod', a, b, false);
  const out = launchBinary('fmod', B.fmod, x, y, rt, rt);
  return needsGrad2(x, y) ? modGrad('fmod', 'trunc', out, x, y) : out;
}

/** @internal Result dtype of a binary op as the in-place forms need it. */
export function binaryResultType(op: string, a: Tensor, b: Operand, kind: 'arith' | 'arithNoBool' | 'div'): DType {
  const [, , rt] = arith(op, a, b, kind !== 'arithNoBool');
  return kind === 'div' ? floatResult(rt) : rt;
}

// ---- gradients ----

const tensorsOf = (...xs: (Operand | null)[]): Tensor[] => xs.filter((x): x is Tensor => x instanceof Tensor);

/** a + alpha * b (sub passes -alpha). */
function addGrad(op: string, out: Tensor, a: Operand, b: Operand, alpha: number): Tensor {
  return record(op, out, [a, b], (g, n) => [g, n.needs(1) ? (alpha === 1 ? g : mul(g, alpha)) : null]);
}

function mulGrad(out: Tensor, a: Operand, b: Operand): Tensor {
  const aT = a instanceof Tensor && a.requiresGrad;
  const bT = b instanceof Tensor && b.requiresGrad;
  return record('mul', out, [a, b], (g, n) => [n.needs(0) ? mul(g, b) : null, n.needs(1) ? mul(g, a) : null],
    tensorsOf(aT ? b : null, bT ? a : null));
}

function divGrad(out: Tensor, a: Operand, b: Operand): Tensor {
  const bT = b instanceof Tensor && b.requiresGrad;
  // d(a/b)/db = -a / b^2
  return record('div', out, [a, b], (g, n) => [n.needs(0) ? div(g, b) : null, n.needs(1) ? neg(div(mul(g, a), mul(b, b))) : null],
    tensorsOf(b, bT ? a : null));
}

function powGrad(out: Tensor, a: Operand, b: Operand): Tensor {
  const bT = b instanceof Tensor && b.requiresGrad;
  return record('pow', out, [a, b], (g, n) => {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (n.needs(0)) {
      // b * a^(b-1), and 0 where b == 0 (also at a == 0), as PyTorch
      if (typeof b !== 'object') ga = b === 0 || b === false ? zerosLike(g) : mul(g, mul(pow(a, Number(b) - 1), b));
      else ga = where(eq(b, 0), 0, mul(g, mul(pow(a, sub(b, 1)), b)));
    }
    if (n.needs(1)) {
      // a^b * log(a), and 0 where a == 0 and b >= 0
      if (typeof a !== 'object') gb = a === 0 ? where(ge(b, 0), 0, mul(g, mul(out, -Infinity))) : mul(g, mul(out, Math.log(Number(a))));
      else gb = where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(g, mul(out, log(a))));
    }
    return [ga, gb];
  }, tensorsOf(a, b, bT ? out : null));
}

/** maximum / minimum: the gradient goes to the selected operand, split evenly on ties (PyTorch's rule). */
function extremumGrad(op: string, wins: (p: Operand, q: Operand) => Tensor, out: Tensor, a: Operand, b: Operand): Tensor {
  const weight = (p: Operand, q: Operand): Tensor => where(wins(p, q), 1, where(eq(p, q), 0.5, 0));
  return record(op, out, [a, b], (g, n) => [n.needs(0) ? mul(g, weight(a, b)) : null, n.needs(1) ? mul(g, weight(b, a)) : null],
    tensorsOf(a, b));
}

/** remainder (floor) and fmod (trunc): a - q * b with q = round(a / b) piecewise constant. */
function modGrad(op: string, mode: 'floor' | 'trunc', out: Tensor, a: Operand, b: Operand): Tensor {
  const bT = b instanceof Tensor && b.requiresGrad;
  return record(op, out, [a, b], (g, n) => [n.needs(0) ? g : null, n.needs(1) ? neg(mul(g, div(a, b, { roundingMode: mode }))) : null],
    bT ? tensorsOf(a, b) : []);
}

declare module '../tensor' {
  interface Tensor {
    add(other: Operand, opts?: AlphaOptions): Tensor;
    sub(other: Operand, opts?: AlphaOptions): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand, opts?: DivOptions): Tensor;
    pow(exponent: Operand): Tensor;
    maximum(other: Operand): Tensor;
    minimum(other: Operand): Tensor;
    remainder(other: Operand): Tensor;
    fmod(other: Operand): Tensor;
  }
}

const P = Tensor.prototype;
P.add = function (o, opts) { return add(this, o, opts); };
P.sub = function (o, opts) { return sub(this, o, opts); };
P.mul = function (o) { return mul(this, o); };
P.div = function (o, opts) { return div(this, o, opts); };
P.pow = function (o) { return pow(this, o); };
P.maximum = function (o) { return maximum(this, o); };
P.minimum = function (o) { return minimum(this, o); };
P.remainder = function (o) { return remainder(this, o); };
P.fmod = function (o) { return fmod(this, o); };
