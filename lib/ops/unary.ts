/**
 * Unary math and activations, with their in-place forms (exp_, relu_, clamp_, ...).
 * All keep the input's shape: x [...s] -> [...s]. Float math on int32/bool inputs gives
 * float32 (like PyTorch); neg/abs/sign/clamp/relu/square keep int32; activations with
 * parameters (gelu, silu, leakyRelu, elu, softplus) need float inputs, as in PyTorch.
 */
import { type DType, isFloating } from '../dtype';
import { ArgumentError, DTypeError } from '../errors';
import { Tensor, isTensor } from '../tensor';
import { to } from './copy';
import { B, INT32_MAX, INT32_MIN, U, checkInPlace, checkTensorArg, launchBinary, launchUnary, launchUnaryInPlace } from './elementwise_common';
import { add, div, maximum, minimum, mul, sub } from './binary';
import { inPlaceNeedsGrad, needsGrad, record } from '../autograd/graph';
import { logicalAnd, ge, gt, le } from './compare';
import { where } from './where';
import { zerosLike } from '../creation';

/**
 * How an op maps input dtypes to its result: 'float' = float math (int/bool -> float32),
 * 'floatOnly' = floats only, 'signed' = int32 and floats, 'any' = every dtype keeps its
 * own, 'square' = like 'signed' but bool becomes int32 (x * x as pow(x, 2)).
 */
type Rule = 'float' | 'floatOnly' | 'signed' | 'any' | 'square';

function resultOf(op: string, rule: Rule, d: DType): DType {
  if (isFloating(d) || rule === 'any') return d;
  if (rule === 'float') return 'float32';
  if (rule === 'signed' && d === 'int32') return d;
  if (rule === 'square') return 'int32';
  const hint = op.startsWith('neg') ? ' (use logicalNot() to invert a bool mask)' : '';
  throw new DTypeError(op, `is not implemented for dtype ${d}; expected ${rule === 'floatOnly' ? 'float32 or float64' : 'int32, float32 or float64'}${hint}`);
}

function unary(op: string, uop: number, rule: Rule, x: unknown, p0 = 0, p1 = 0): Tensor {
  const t = checkTensorArg(op, x);
  const rt = resultOf(op, rule, t.dtype);
  if (rt === t.dtype) {
    const out = launchUnary(op, uop, t, p0, p1);
    return needsGrad(t) ? unaryGrad(op, uop, t, out, p0, p1) : out;
  }
  const f = to(t, rt); // a fresh contiguous tensor: compute into it in place
  launchUnaryInPlace(op, uop, f, p0, p1);
  return f;
}

function unaryInPlace(op: string, uop: number, rule: Rule, x: unknown, p0 = 0, p1 = 0): Tensor {
  const t = checkTensorArg(op, x);
  checkInPlace(op, t, resultOf(op, rule, t.dtype), t.shape);
  const g = GRADS[uop];
  const rec = inPlaceNeedsGrad(op, t, undefined, g !== undefined && !g[1].includes('x'));
  launchUnaryInPlace(op, uop, t, p0, p1);
  t.storage.version++;
  if (rec) unaryGrad(op, uop, t, t, p0, p1);
  return t;
}

// ---- gradients ----

/** d(op)/dx times g, from the input x and/or the output y (ops that need only y also have in-place gradients). */
type UnaryBackward = (g: Tensor, x: Tensor, y: Tensor, p0: number, p1: number) => Tensor;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const GELU_K = Math.sqrt(2 / Math.PI);
const zero: UnaryBackward = (g) => zerosLike(g);

/**
 * @internal relu's gradient from its output: g where y > 0, else 0, in one native pass.
 * When the backward itself is recorded (createGraph) it is composed of differentiable ops.
 */
export function reluGrad(g: Tensor, y: Tensor): Tensor {
  if (needsGrad(g)) return where(gt(y, 0), g, 0);
  return launchBinary('reluBackward', B.reluBackward, g, y, y.dtype, y.dtype);
}

function reluBackward(g: Tensor, _x: Tensor, y: Tensor): Tensor {
  return reluGrad(g, y);
}

/** Backward per unary op code, and which of x / y it reads. */
const GRADS: Record<number, [UnaryBackward, '' | 'x' | 'y' | 'xy']> = {
  [U.neg]: [(g) => neg(g), ''],
  [U.abs]: [(g, x) => mul(g, sign(x)), 'x'],
  [U.exp]: [(g, _x, y) => mul(g, y), 'y'],
  [U.expm1]: [(g, _x, y) => mul(g, add(y, 1)), 'y'],
  [U.log]: [(g, x) => div(g, x), 'x'],
  [U.log1p]: [(g, x) => div(g, add(x, 1)), 'x'],
  [U.sqrt]: [(g, _x, y) => div(g, mul(y, 2)), 'y'],
  [U.rsqrt]: [(g, _x, y) => mul(g, mul(mul(y, mul(y, y)), -0.5)), 'y'],
  [U.sin]: [(g, x) => mul(g, cos(x)), 'x'],
  [U.cos]: [(g, x) => neg(mul(g, sin(x))), 'x'],
  [U.tanh]: [(g, _x, y) => mul(g, sub(1, mul(y, y))), 'y'],
  [U.sigmoid]: [(g, _x, y) => mul(g, mul(y, sub(1, y))), 'y'],
  [U.relu]: [reluBackward, 'y'],
  [U.reciprocal]: [(g, _x, y) => neg(mul(g, mul(y, y))), 'y'],
  [U.square]: [(g, x) => mul(g, mul(x, 2)), 'x'],
  [U.sign]: [zero, ''],
  [U.floor]: [zero, ''],
  [U.ceil]: [zero, ''],
  [U.round]: [zero, ''],
  // Phi(x) + x phi(x); Phi(x) = gelu(x) / x (0.5 at 0), as the core has no erf op
  [U.gelu]: [(g, x, y) => {
    const cdf = where(x.eq(0), 0.5, div(y, x));
    const pdf = div(exp(mul(mul(x, x), -0.5)), SQRT_2PI);
    return mul(g, add(cdf, mul(x, pdf)));
  }, 'xy'],
  [U.geluTanh]: [(g, x) => {
    const x2 = mul(x, x);
    const t = tanh(mul(add(x, mul(mul(x2, x), 0.044715)), GELU_K));
    const inner = mul(add(mul(x2, 3 * 0.044715), 1), GELU_K);
    return mul(g, add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sub(1, mul(t, t))), inner)));
  }, 'x'],
  [U.silu]: [(g, x) => {
    const s = sigmoid(x);
    return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
  }, 'x'],
  [U.leakyRelu]: [(g, x, _y, slope) => where(gt(x, 0), g, mul(g, slope)), 'x'],
  [U.elu]: [(g, x, _y, alpha) => where(gt(x, 0), g, mul(g, mul(exp(x), alpha))), 'x'],
  [U.softplus]: [(g, x, _y, beta, threshold) => {
    const bx = mul(x, beta);
    return where(gt(bx, threshold), g, mul(g, sigmoid(bx)));
  }, 'x'],
  [U.clamp]: [(g, x, _y, lo, hi) => where(logicalAnd(ge(x, lo), le(x, hi)), g, 0), 'x'],
};

function unaryGrad(op: string, uop: number, x: Tensor, y: Tensor, p0: number, p1: number): Tensor {
  const entry = GRADS[uop];
  if (entry === undefined) return y;
  const [fn, reads] = entry;
  const saved = reads === 'x' ? [x] : reads === 'y' ? [y] : reads === 'xy' ? [x, y] : [];
  return record(op, y, [x], (g) => [fn(g, x, y, p0, p1)], saved);
}

function num(op: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw new ArgumentError(op, `${name} must be a number, got ${typeof v}`);
  return v;
}

/** -x. @example tf.neg(tf.tensor([1, -2])) // [-1, 2] */
export function neg(x: Tensor): Tensor { return unary('neg', U.neg, 'signed', x); }
/** |x|. @example tf.abs(tf.tensor([-1.5, 2])) // [1.5, 2] */
export function abs(x: Tensor): Tensor { return unary('abs', U.abs, 'signed', x); }
/** e^x. @example tf.exp(tf.zeros([2])) // [1, 1] */
export function exp(x: Tensor): Tensor { return unary('exp', U.exp, 'float', x); }
/** e^x - 1, accurate near 0. @example tf.expm1(tf.tensor([1e-10])) */
export function expm1(x: Tensor): Tensor { return unary('expm1', U.expm1, 'float', x); }
/** Natural log; log(0) = -inf, log(-1) = NaN. @example tf.log(tf.tensor([1, Math.E])) // [0, 1] */
export function log(x: Tensor): Tensor { return unary('log', U.log, 'float', x); }
/** log(1 + x), accurate near 0. @example tf.log1p(tf.tensor([1e-10])) */
export function log1p(x: Tensor): Tensor { return unary('log1p', U.log1p, 'float', x); }
/** Square root; sqrt(-1) = NaN. @example tf.sqrt(tf.tensor([4, 9])) // [2, 3] */
export function sqrt(x: Tensor): Tensor { return unary('sqrt', U.sqrt, 'float', x); }
/** 1 / sqrt(x). @example tf.rsqrt(tf.tensor([4])) // [0.5] */
export function rsqrt(x: Tensor): Tensor { return unary('rsqrt', U.rsqrt, 'float', x); }
/** Sine. @example tf.sin(x) */
export function sin(x: Tensor): Tensor { return unary('sin', U.sin, 'float', x); }
/** Cosine. @example tf.cos(x) */
export function cos(x: Tensor): Tensor { return unary('cos', U.cos, 'float', x); }
/** Hyperbolic tangent. @example tf.tanh(x) */
export function tanh(x: Tensor): Tensor { return unary('tanh', U.tanh, 'float', x); }
/** 1 / (1 + e^-x). @example tf.sigmoid(tf.zeros([1])) // [0.5] */
export function sigmoid(x: Tensor): Tensor { return unary('sigmoid', U.sigmoid, 'float', x); }
/** max(x, 0); NaN stays NaN; int32 stays int32. @example tf.relu(tf.tensor([-1, 2])) // [0, 2] */
export function relu(x: Tensor): Tensor { return unary('relu', U.relu, 'signed', x); }
/** 1 / x. @example tf.reciprocal(tf.tensor([2])) // [0.5] */
export function reciprocal(x: Tensor): Tensor { return unary('reciprocal', U.reciprocal, 'float', x); }
/** x * x (int32 stays int32, bool gives int32). @example tf.square(tf.tensor([3])) // [9] */
export function square(x: Tensor): Tensor { return unary('square', U.square, 'square', x); }
/** -1, 0 or 1 by sign (0 for NaN, as PyTorch's CPU kernel). @example tf.sign(tf.tensor([-2, 0, 3])) */
export function sign(x: Tensor): Tensor { return unary('sign', U.sign, 'any', x); }
/** Rounds down (int32/bool inputs are returned as copies). @example tf.floor(tf.tensor([1.5, -1.5])) // [1, -2] */
export function floor(x: Tensor): Tensor { return unary('floor', U.floor, 'any', x); }
/** Rounds up. @example tf.ceil(tf.tensor([1.5, -1.5])) // [2, -1] */
export function ceil(x: Tensor): Tensor { return unary('ceil', U.ceil, 'any', x); }
/** Rounds to the nearest integer, halves to even (like torch.round). @example tf.round(tf.tensor([0.5, 1.5, 2.5])) // [0, 2, 2] */
export function round(x: Tensor): Tensor { return unary('round', U.round, 'any', x); }

/** Options of gelu. */
export interface GeluOptions {
  /** 'none' (default): x * Phi(x) with the exact erf; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}
function geluOp(op: string, opts: GeluOptions | undefined): number {
  const a = opts?.approximate ?? 'none';
  if (a !== 'none' && a !== 'tanh') throw new ArgumentError(op, `approximate must be 'none' or 'tanh', got ${JSON.stringify(a)}`);
  return a === 'tanh' ? U.geluTanh : U.gelu;
}
/**
 * GELU: x * Phi(x) (exact, erf form), or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 * @example tf.gelu(x); tf.gelu(x, { approximate: 'tanh' })
 */
export function gelu(x: Tensor, opts?: GeluOptions): Tensor { return unary('gelu', geluOp('gelu', opts), 'floatOnly', x); }
/** SiLU (swish): x * sigmoid(x). @example tf.silu(x) */
export function silu(x: Tensor): Tensor { return unary('silu', U.silu, 'floatOnly', x); }
/** x if x > 0 else negativeSlope * x. @example tf.leakyRelu(x, 0.2) */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unary('leakyRelu', U.leakyRelu, 'floatOnly', x, num('leakyRelu', 'negativeSlope', negativeSlope, 0.01));
}
/** x if x > 0 else alpha * (e^x - 1). @example tf.elu(x, 1) */
export function elu(x: Tensor, alpha = 1): Tensor { return unary('elu', U.elu, 'floatOnly', x, num('elu', 'alpha', alpha, 1)); }
/**
 * log(1 + e^(beta x)) / beta, and x itself where beta * x > threshold (for stability).
 * @example tf.softplus(x); tf.softplus(x, 2, 20)
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return unary('softplus', U.softplus, 'floatOnly', x, num('softplus', 'beta', beta, 1), num('softplus', 'threshold', threshold, 20));
}

type Bound = number | Tensor | null | undefined;

/** Resolves clamp's scalar bounds: [result dtype, lo, hi]. */
function clampBounds(op: string, t: Tensor, min: number | null | undefined, max: number | null | undefined): [DType, number, number] {
  if (min !== undefined && min !== null && typeof min !== 'number') throw new ArgumentError(op, `min must be a number or a Tensor, got ${typeof min}`);
  if (max !== undefined && max !== null && typeof max !== 'number') throw new ArgumentError(op, `max must be a number or a Tensor, got ${typeof max}`);
  const hasMin = typeof min === 'number';
  const hasMax = typeof max === 'number';
  if (!hasMin && !hasMax) throw new ArgumentError(op, 'at least one of min and max must be given');
  let rt = resultOf(op, 'signed', t.dtype);
  if (rt === 'int32' && ((hasMin && !Number.isInteger(min)) || (hasMax && !Number.isInteger(max)))) rt = 'float32';
  if (rt === 'int32') {
    const lo = hasMin ? Math.min(Math.max(min as number, INT32_MIN), INT32_MAX) : INT32_MIN;
    const hi = hasMax ? Math.min(Math.max(max as number, INT32_MIN), INT32_MAX) : INT32_MAX;
    return [rt, lo, hi];
  }
  return [rt, hasMin ? (min as number) : -Infinity, hasMax ? (max as number) : Infinity];
}

/**
 * Limits x to [min, max]; either bound may be omitted (null/undefined) or be a tensor
 * (broadcast). NaN inputs stay NaN; a NaN bound gives NaN; min > max gives max.
 * @param x [...s]
 * @example tf.clamp(x, 0, 6); x.clamp(null, 1); tf.clamp(x, lowT, highT)
 */
export function clamp(x: Tensor, min?: Bound, max?: Bound): Tensor {
  const t = checkTensorArg('clamp', x);
  if (isTensor(min) || isTensor(max)) {
    if (min === undefined || min === null) return minimum(t, max as Tensor | number);
    const lo = maximum(t, min);
    if (max === undefined || max === null) return lo;
    try {
      return minimum(lo, max);
    } finally {
      if (!lo.requiresGrad) lo.dispose(); // else the minimum's node saved it
    }
  }
  const [rt, lo, hi] = clampBounds('clamp', t, min, max);
  if (rt === t.dtype) {
    const out = launchUnary('clamp', U.clamp, t, lo, hi);
    return needsGrad(t) ? unaryGrad('clamp', U.clamp, t, out, lo, hi) : out;
  }
  const f = to(t, rt);
  launchUnaryInPlace('clamp', U.clamp, f, lo, hi);
  return f;
}
/** Alias of clamp (NumPy's name). @example tf.clip(x, -1, 1) */
export function clip(x: Tensor, min?: Bound, max?: Bound): Tensor { return clamp(x, min, max); }

/** In place: x = clamp(x, min, max) with scalar bounds; returns x. @example x.clamp_(0, 1) */
export function clamp_(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const t = checkTensorArg('clamp_', x);
  const [rt, lo, hi] = clampBounds('clamp_', t, min, max);
  checkInPlace('clamp_', t, rt, t.shape);
  inPlaceNeedsGrad('clamp_', t, undefined, false);
  launchUnaryInPlace('clamp_', U.clamp, t, lo, hi);
  t.storage.version++;
  return t;
}

/** In-place forms: each writes into x's own memory, bumps its version and returns x. */
export const neg_ = (x: Tensor): Tensor => unaryInPlace('neg_', U.neg, 'signed', x);
export const abs_ = (x: Tensor): Tensor => unaryInPlace('abs_', U.abs, 'signed', x);
export const exp_ = (x: Tensor): Tensor => unaryInPlace('exp_', U.exp, 'float', x);
export const expm1_ = (x: Tensor): Tensor => unaryInPlace('expm1_', U.expm1, 'float', x);
export const log_ = (x: Tensor): Tensor => unaryInPlace('log_', U.log, 'float', x);
export const log1p_ = (x: Tensor): Tensor => unaryInPlace('log1p_', U.log1p, 'float', x);
export const sqrt_ = (x: Tensor): Tensor => unaryInPlace('sqrt_', U.sqrt, 'float', x);
export const rsqrt_ = (x: Tensor): Tensor => unaryInPlace('rsqrt_', U.rsqrt, 'float', x);
export const sin_ = (x: Tensor): Tensor => unaryInPlace('sin_', U.sin, 'float', x);
export const cos_ = (x: Tensor): Tensor => unaryInPlace('cos_', U.cos, 'float', x);
export const tanh_ = (x: Tensor): Tensor => unaryInPlace('tanh_', U.tanh, 'float', x);
export const sigmoid_ = (x: Tensor): Tensor => unaryInPlace('sigmoid_', U.sigmoid, 'float', x);
export const relu_ = (x: Tensor): Tensor => unaryInPlace('relu_', U.relu, 'signed', x);
export const reciprocal_ = (x: Tensor): Tensor => unaryInPlace('reciprocal_', U.reciprocal, 'float', x);
export const square_ = (x: Tensor): Tensor => unaryInPlace('square_', U.square, 'square', x);
export const sign_ = (x: Tensor): Tensor => unaryInPlace('sign_', U.sign, 'any', x);
export const floor_ = (x: Tensor): Tensor => unaryInPlace('floor_', U.floor, 'any', x);
export const ceil_ = (x: Tensor): Tensor => unaryInPlace('ceil_', U.ceil, 'any', x);
export const round_ = (x: Tensor): Tensor => unaryInPlace('round_', U.round, 'any', x);
export const gelu_ = (x: Tensor, opts?: GeluOptions): Tensor => unaryInPlace('gelu_', geluOp('gelu_', opts), 'floatOnly', x);
export const silu_ = (x: Tensor): Tensor => unaryInPlace('silu_', U.silu, 'floatOnly', x);
export const leakyRelu_ = (x: Tensor, negativeSlope = 0.01): Tensor =>
  unaryInPlace('leakyRelu_', U.leakyRelu, 'floatOnly', x, num('leakyRelu_', 'negativeSlope', negativeSlope, 0.01));
export const elu_ = (x: Tensor, alpha = 1): Tensor => unaryInPlace('elu_', U.elu, 'floatOnly', x, num('elu_', 'alpha', alpha, 1));
export const softplus_ = (x: Tensor, beta = 1, threshold = 20): Tensor =>
  unaryInPlace('softplus_', U.softplus, 'floatOnly', x, num('softplus_', 'beta', beta, 1), num('softplus_', 'threshold', threshold, 20));

declare module '../tensor' {
  interface Tensor {
    neg(): Tensor; abs(): Tensor; exp(): Tensor; expm1(): Tensor; log(): Tensor; log1p(): Tensor;
    sqrt(): Tensor; rsqrt(): Tensor; sin(): Tensor; cos(): Tensor; tanh(): Tensor; sigmoid(): Tensor;
    relu(): Tensor; reciprocal(): Tensor; square(): Tensor; sign(): Tensor; floor(): Tensor;
    ceil(): Tensor; round(): Tensor; gelu(opts?: GeluOptions): Tensor; silu(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor; elu(alpha?: number): Tensor;
    softplus(beta?: number, threshold?: number): Tensor;
    clamp(min?: Bound, max?: Bound): Tensor; clip(min?: Bound, max?: Bound): Tensor;
    neg_(): Tensor; abs_(): Tensor; exp_(): Tensor; expm1_(): Tensor; log_(): Tensor; log1p_(): Tensor;
    sqrt_(): Tensor; rsqrt_(): Tensor; sin_(): Tensor; cos_(): Tensor; tanh_(): Tensor; sigmoid_(): Tensor;
    relu_(): Tensor; reciprocal_(): Tensor; square_(): Tensor; sign_(): Tensor; floor_(): Tensor;
    ceil_(): Tensor; round_(): Tensor; gelu_(opts?: GeluOptions): Tensor; silu_(): Tensor;
    leakyRelu_(negativeSlope?: number): Tensor; elu_(alpha?: number): Tensor;
    softplus_(beta?: number, threshold?: number): Tensor; clamp_(min?: number | null, max?: number | null): Tensor;
  }
}

const P = Tensor.prototype;
P.neg = function () { return neg(this); };
P.abs = function () { return abs(this); };
P.exp = function () { return exp(this); };
P.expm1 = function () { return expm1(this); };
P.log = function () { return log(this); };
P.log1p = function () { return log1p(this); };
P.sqrt = function () { return sqrt(this); };
P.rsqrt = function () { return rsqrt(this); };
P.sin = function () { return sin(this); };
P.cos = function () { return cos(this); };
P.tanh = function () { return tanh(this); };
P.sigmoid = function () { return sigmoid(this); };
P.relu = function () { return relu(this); };
P.reciprocal = function () { return reciprocal(this); };
P.square = function () { return square(this); };
P.sign = function () { return sign(this); };
P.floor = function () { return floor(this); };
P.ceil = function () { return ceil(this); };
P.round = function () { return round(this); };
P.gelu = function (o) { return gelu(this, o); };
P.silu = function () { return silu(this); };
P.leakyRelu = function (s) { return leakyRelu(this, s); };
P.elu = function (a) { return elu(this, a); };
P.softplus = function (b, t) { return softplus(this, b, t); };
P.clamp = function (a, b) { return clamp(this, a, b); };
P.clip = function (a, b) { return clamp(this, a, b); };
P.neg_ = function () { return neg_(this); };
P.abs_ = function () { return abs_(this); };
P.exp_ = function () { return exp_(this); };
P.expm1_ = function () { return expm1_(this); };
P.log_ = function () { return log_(this); };
P.log1p_ = function () { return log1p_(this); };
P.sqrt_ = function () { return sqrt_(this); };
P.rsqrt_ = function () { return rsqrt_(this); };
P.sin_ = function () { return sin_(this); };
P.cos_ = function () { return cos_(this); };
P.tanh_ = function () { return tanh_(this); };
P.sigmoid_ = function () { return sigmoid_(this); };
P.relu_ = function () { return relu_(this); };
P.reciprocal_ = function () { return reciprocal_(this); };
P.square_ = function () { return square_(this); };
P.sign_ = function () { return sign_(this); };
P.floor_ = function () { return floor_(this); };
P.ceil_ = function () { return ceil_(this); };
P.round_ = function () { return round_(this); };
P.gelu_ = function (o) { return gelu_(this, o); };
P.silu_ = function () { return silu_(this); };
P.leakyRelu_ = function (s) { return leakyRelu_(this, s); };
P.elu_ = function (a) { return elu_(this, a); };
P.softplus_ = function (b, t) { return softplus_(this, b, t); };
P.clamp_ = function (a, b) { return clamp_(this, a, b); };
