/**
 * In-place binary arithmetic (add_, sub_, mul_, div_, pow_, remainder_, fmod_) and
 * fill_ / zero_. Each writes into the tensor's own (possibly strided) memory, bumps
 * storage.version (autograd checks it), and returns the tensor itself. Like PyTorch they
 * throw ShapeError when broadcasting would change the tensor's shape and DTypeError when
 * the result type cannot be cast back into it (int32 x.add_(0.5), x.div_(y) on int32).
 */
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import { type AlphaOptions, type DivOptions, binaryResultType, checkAlpha } from './binary';
import { B, type Operand, type Scalar, U, checkOperand, checkTensorArg, launchBinaryInPlace, launchUnaryInPlace } from './elementwise_common';
import { fillValue } from './where';
import { inPlaceNeedsGrad, record } from '../autograd/graph';
import { mul, div } from './binary';

/** Records x = x + alpha * other (add_, sub_) on x's history. */
function recordAdd(op: string, t: Tensor, o: Operand, alpha: number): Tensor {
  return record(op, t, [t, o], (g, n) => [n.needs(0) ? g : null, n.needs(1) ? (alpha === 1 ? g : mul(g, alpha)) : null]);
}

function operands(op: string, x: unknown, other: unknown): [Tensor, Operand] {
  return [checkTensorArg(op, x), checkOperand(op, other, 'other')];
}

/** x += alpha * other (broadcast into x). @example x.add_(1); x.add_(g, { alpha: -lr }) */
export function add_(x: Tensor, other: Operand, opts?: AlphaOptions): Tensor {
  const [t, o] = operands('add_', x, other);
  const rt = binaryResultType('add_', t, o, 'arith');
  const alpha = checkAlpha('add_', opts?.alpha, rt);
  if (!inPlaceNeedsGrad('add_', t, o, true)) return launchBinaryInPlace('add_', B.add, t, o, rt, alpha);
  return recordAdd('add_', launchBinaryInPlace('add_', B.add, t, o, rt, alpha), o, alpha);
}
/** x -= alpha * other. @example x.sub_(y) */
export function sub_(x: Tensor, other: Operand, opts?: AlphaOptions): Tensor {
  const [t, o] = operands('sub_', x, other);
  const rt = binaryResultType('sub_', t, o, 'arithNoBool');
  const alpha = checkAlpha('sub_', opts?.alpha, rt);
  const rec = inPlaceNeedsGrad('sub_', t, o, true);
  if (alpha !== 1) launchBinaryInPlace('sub_', B.add, t, o, rt, -alpha);
  else launchBinaryInPlace('sub_', B.sub, t, o, rt);
  return rec ? recordAdd('sub_', t, o, -alpha) : t;
}
/** x *= other. @example x.mul_(0.5) */
export function mul_(x: Tensor, other: Operand): Tensor {
  const [t, o] = operands('mul_', x, other);
  const rt = binaryResultType('mul_', t, o, 'arith');
  // x *= tensor would need x's old value: only scalar factors have an in-place gradient
  if (!inPlaceNeedsGrad('mul_', t, o, typeof o !== 'object')) return launchBinaryInPlace('mul_', B.mul, t, o, rt);
  launchBinaryInPlace('mul_', B.mul, t, o, rt);
  return record('mul_', t, [t], (g) => [mul(g, o)]);
}
/** x /= other (true division needs a float x; or roundingMode 'trunc' / 'floor'). @example x.div_(2) */
export function div_(x: Tensor, other: Operand, opts?: DivOptions): Tensor {
  const [t, o] = operands('div_', x, other);
  const mode = opts?.roundingMode;
  if (inPlaceNeedsGrad('div_', t, o, mode === undefined && typeof o !== 'object')) {
    launchBinaryInPlace('div_', B.div, t, o, binaryResultType('div_', t, o, 'div'));
    return record('div_', t, [t], (g) => [div(g, o)]);
  }
  if (mode === undefined) return launchBinaryInPlace('div_', B.div, t, o, binaryResultType('div_', t, o, 'div'));
  if (mode !== 'trunc' && mode !== 'floor') {
    throw new ArgumentError('div_', `roundingMode must be undefined, 'trunc' or 'floor', got ${JSON.stringify(mode)}`);
  }
  return launchBinaryInPlace('div_', mode === 'trunc' ? B.divTrunc : B.divFloor, t, o, binaryResultType('div_', t, o, 'arithNoBool'));
}
/** x = x ** exponent. @example x.pow_(2) */
export function pow_(x: Tensor, exponent: Operand): Tensor {
  const [t, o] = operands('pow_', x, exponent);
  inPlaceNeedsGrad('pow_', t, o, false);
  const rt = binaryResultType('pow_', t, o, 'arithNoBool');
  if (rt === 'int32' && typeof o === 'number' && o < 0) {
    throw new ArgumentError('pow_', `integers to negative integer powers are not allowed (exponent ${o})`);
  }
  return launchBinaryInPlace('pow_', B.pow, t, o, rt);
}
/** x = remainder(x, other) (sign of the divisor). @example x.remainder_(3) */
export function remainder_(x: Tensor, other: Operand): Tensor {
  const [t, o] = operands('remainder_', x, other);
  inPlaceNeedsGrad('remainder_', t, o, false);
  return launchBinaryInPlace('remainder_', B.remainder, t, o, binaryResultType('remainder_', t, o, 'arithNoBool'));
}
/** x = fmod(x, other) (sign of the dividend). @example x.fmod_(3) */
export function fmod_(x: Tensor, other: Operand): Tensor {
  const [t, o] = operands('fmod_', x, other);
  inPlaceNeedsGrad('fmod_', t, o, false);
  return launchBinaryInPlace('fmod_', B.fmod, t, o, binaryResultType('fmod_', t, o, 'arithNoBool'));
}

/**
 * Sets every element of x to value (truncated for int32, value != 0 for bool); x may
 * be any view. Returns x. @example tf.zeros([2, 3]).fill_(1)
 */
export function fill_(x: Tensor, value: Scalar | Tensor): Tensor {
  const t = checkTensorArg('fill_', x);
  const v = fillValue('fill_', value, t.dtype);
  const rec = inPlaceNeedsGrad('fill_', t, value, !(value instanceof Tensor));
  launchUnaryInPlace('fill_', U.fill, t, v);
  t.storage.version++;
  // the old values no longer matter: their history gets no gradient
  return rec ? record('fill_', t, [t], () => [null]) : t;
}
/** Sets every element of x to 0. Returns x. @example w.grad.zero_() */
export function zero_(x: Tensor): Tensor {
  return fill_(checkTensorArg('zero_', x), 0);
}

declare module '../tensor' {
  interface Tensor {
    add_(other: Operand, opts?: AlphaOptions): Tensor;
    sub_(other: Operand, opts?: AlphaOptions): Tensor;
    mul_(other: Operand): Tensor;
    div_(other: Operand, opts?: DivOptions): Tensor;
    pow_(exponent: Operand): Tensor;
    remainder_(other: Operand): Tensor;
    fmod_(other: Operand): Tensor;
    fill_(value: Scalar | Tensor): Tensor;
    zero_(): Tensor;
  }
}

const P = Tensor.prototype;
P.add_ = function (o, opts) { return add_(this, o, opts); };
P.sub_ = function (o, opts) { return sub_(this, o, opts); };
P.mul_ = function (o) { return mul_(this, o); };
P.div_ = function (o, opts) { return div_(this, o, opts); };
P.pow_ = function (o) { return pow_(this, o); };
P.remainder_ = function (o) { return remainder_(this, o); };
P.fmod_ = function (o) { return fmod_(this, o); };
P.fill_ = function (v) { return fill_(this, v); };
P.zero_ = function () { return zero_(this); };
