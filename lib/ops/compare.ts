/**
 * Comparisons (eq, ne, lt, le, gt, ge) and logical ops (logicalAnd, logicalOr,
 * logicalXor, logicalNot). Operands broadcast and are compared in their promoted dtype
 * (float32 [3] == 0.1 compares with float32(0.1), as PyTorch); results are bool tensors.
 */
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import { fastBinary } from './binary';
import { B, type Operand, checkOperand, checkTensorArg, launchBinary, resultType } from './elementwise_common';

function compareOp(op: string, bop: number, a: unknown, b: unknown): Tensor {
  const r = fastBinary(op, bop, a, b, true);
  if (r !== null) return r;
  const x = checkOperand(op, a, 'input');
  const y = checkOperand(op, b, 'other');
  if (typeof x !== 'object' && typeof y !== 'object') {
    throw new ArgumentError(op, `expected at least one Tensor operand, got ${typeof x} and ${typeof y}`);
  }
  return launchBinary(op, bop, x, y, resultType([x, y]), 'bool');
}

/** a == b elementwise (broadcast) -> bool. @example tf.eq(x, 0) */
export function eq(a: Operand, b: Operand): Tensor { return compareOp('eq', B.eq, a, b); }
/** a != b elementwise -> bool (NaN != NaN is true). @example x.ne(y) */
export function ne(a: Operand, b: Operand): Tensor { return compareOp('ne', B.ne, a, b); }
/** a < b elementwise -> bool. @example x.lt(0.5) */
export function lt(a: Operand, b: Operand): Tensor { return compareOp('lt', B.lt, a, b); }
/** a <= b elementwise -> bool. @example x.le(y) */
export function le(a: Operand, b: Operand): Tensor { return compareOp('le', B.le, a, b); }
/** a > b elementwise -> bool. @example x.gt(0) */
export function gt(a: Operand, b: Operand): Tensor { return compareOp('gt', B.gt, a, b); }
/** a >= b elementwise -> bool. @example x.ge(y) */
export function ge(a: Operand, b: Operand): Tensor { return compareOp('ge', B.ge, a, b); }

/** (a != 0) and (b != 0) -> bool, any dtypes (NaN counts as true). @example tf.logicalAnd(m1, m2) */
export function logicalAnd(a: Operand, b: Operand): Tensor { return compareOp('logicalAnd', B.logicalAnd, a, b); }
/** (a != 0) or (b != 0) -> bool. @example tf.logicalOr(m1, m2) */
export function logicalOr(a: Operand, b: Operand): Tensor { return compareOp('logicalOr', B.logicalOr, a, b); }
/** (a != 0) xor (b != 0) -> bool. @example tf.logicalXor(m1, m2) */
export function logicalXor(a: Operand, b: Operand): Tensor { return compareOp('logicalXor', B.logicalXor, a, b); }
/** x == 0 -> bool, for any dtype. @example tf.logicalNot(mask) */
export function logicalNot(x: Tensor): Tensor {
  const t = checkTensorArg('logicalNot', x);
  return launchBinary('logicalNot', B.eq, t, t.dtype === 'bool' ? false : 0, t.dtype, 'bool');
}

declare module '../tensor' {
  interface Tensor {
    eq(other: Operand): Tensor; ne(other: Operand): Tensor; lt(other: Operand): Tensor;
    le(other: Operand): Tensor; gt(other: Operand): Tensor; ge(other: Operand): Tensor;
    logicalAnd(other: Operand): Tensor; logicalOr(other: Operand): Tensor;
    logicalXor(other: Operand): Tensor; logicalNot(): Tensor;
  }
}

const P = Tensor.prototype;
P.eq = function (o) { return eq(this, o); };
P.ne = function (o) { return ne(this, o); };
P.lt = function (o) { return lt(this, o); };
P.le = function (o) { return le(this, o); };
P.gt = function (o) { return gt(this, o); };
P.ge = function (o) { return ge(this, o); };
P.logicalAnd = function (o) { return logicalAnd(this, o); };
P.logicalOr = function (o) { return logicalOr(this, o); };
P.logicalXor = function (o) { return logicalXor(this, o); };
P.logicalNot = function () { return logicalNot(this); };
