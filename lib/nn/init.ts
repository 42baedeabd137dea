/**
 * nn.init: in-place initialisers with PyTorch's formulas. Each draws a fresh tensor from
 * tensorforge's generator (reproducible with tf.manualSeed) and writes it into the
 * parameter outside the autograd graph (PyTorch's no_grad), bumping its version.
 * Each returns the tensor it filled.
 */
import { isFloating } from '../dtype';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';
import { Tensor } from '../tensor';
import { tensor } from '../creation';
import { draw } from '../random';
import { assignNoGrad, checkNumber, checkTensor } from './util';

function target(op: string, t: unknown): Tensor {
  const x = checkTensor(op, t, 'tensor');
  if (!isFloating(x.dtype)) throw new DTypeError(op, `can only fill float32 or float64 tensors, got dtype ${x.dtype} (shape ${fmtShape(x.shape)})`);
  return x;
}

function fillWith(op: string, t: Tensor, kind: 0 | 1, a: number, b: number): Tensor {
  if (t.size === 0) return t;
  const src = draw(op, kind, t.shape.slice(), t.dtype, a, b);
  try {
    assignNoGrad(op, t, src);
  } finally {
    src.dispose();
  }
  return t;
}

function fillConstant(op: string, t: Tensor, v: number): Tensor {
  if (t.size === 0) return t;
  const src = tensor(v, { dtype: t.dtype });
  try {
    assignNoGrad(op, t, src);
  } finally {
    src.dispose();
  }
  return t;
}

/** Nonlinearities calculateGain knows (PyTorch's names; camelCase spellings accepted too). */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu';

/**
 * The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh,
 * sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope 0.01 by default), 3/4 for selu.
 * @example nn.init.calculateGain('leaky_relu', 0.2)
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const op = 'calculateGain';
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param ?? 0.01;
      checkNumber(op, slope, 'negative slope');
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError(op, `unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * fanIn = shape[1] * receptive field, fanOut = shape[0] * receptive field, where the
 * receptive field is the product of shape[2:] (PyTorch's _calculate_fan_in_and_fan_out).
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  const op = 'calculateFanInAndFanOut';
  checkTensor(op, t, 'tensor');
  if (t.ndim < 2) throw new ShapeError(op, `fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got shape ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, d) => a * d, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/** Options of the kaiming initialisers. */
export interface KaimingOptions {
  /** Negative slope of the leaky_relu that follows (default 0). */
  a?: number;
  /** 'fanIn' (default) keeps the forward variance, 'fanOut' the backward one. */
  mode?: 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';
  /** Default 'leaky_relu'. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu' }: KaimingOptions): number {
  checkNumber(op, a, 'a');
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  let fan: number;
  if (mode === 'fanIn' || mode === 'fan_in') fan = fanIn;
  else if (mode === 'fanOut' || mode === 'fan_out') fan = fanOut;
  else throw new ArgumentError(op, `mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  if (fan === 0) return 0;
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan). nn.Linear's default is
 * kaimingUniform_(w, { a: Math.sqrt(5) }), i.e. bound = 1 / sqrt(fanIn).
 * @param t [out, in, ...] float tensor, filled in place
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const op = 'kaimingUniform_';
  const x = target(op, t);
  const bound = Math.sqrt(3) * kaimingStd(op, x, opts);
  return fillWith(op, x, 0, -bound, bound);
}

/** He normal: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const op = 'kaimingNormal_';
  const x = target(op, t);
  return fillWith(op, x, 1, 0, kaimingStd(op, x, opts));
}

/** Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const op = 'xavierUniform_';
  const x = target(op, t);
  checkNumber(op, gain, 'gain');
  const { fanIn, fanOut } = calculateFanInAndFanOut(x);
  const bound = fanIn + fanOut === 0 ? 0 : gain * Math.sqrt(6 / (fanIn + fanOut));
  return fillWith(op, x, 0, -bound, bound);
}

/** Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const op = 'xavierNormal_';
  const x = target(op, t);
  checkNumber(op, gain, 'gain');
  const { fanIn, fanOut } = calculateFanInAndFanOut(x);
  const std = fanIn + fanOut === 0 ? 0 : gain * Math.sqrt(2 / (fanIn + fanOut));
  return fillWith(op, x, 1, 0, Math.abs(std));
}

/** Fills with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  const op = 'uniform_';
  const x = target(op, t);
  checkNumber(op, a, 'a');
  checkNumber(op, b, 'b');
  if (b < a) throw new ArgumentError(op, `expected a <= b, got ${a} and ${b}`);
  return fillWith(op, x, 0, a, b);
}

/** Fills with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  const op = 'normal_';
  const x = target(op, t);
  checkNumber(op, mean, 'mean');
  checkNumber(op, std, 'std', (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
  return fillWith(op, x, 1, mean, std);
}

/** Fills with a value. */
export function constant_(t: Tensor, value: number): Tensor {
  const op = 'constant_';
  const x = target(op, t);
  checkNumber(op, value, 'value', (v) => typeof v === 'number', 'a number');
  return fillConstant(op, x, value);
}

/** Fills with 0. */
export function zeros_(t: Tensor): Tensor {
  return fillConstant('zeros_', target('zeros_', t), 0);
}

/** Fills with 1. */
export function ones_(t: Tensor): Tensor {
  return fillConstant('ones_', target('ones_', t), 1);
}

/**
 * Householder QR of a rows x cols matrix (rows >= cols), row-major in float64: returns
 * the rows x cols Q with orthonormal columns and the diagonal of R.
 */
function householderQR(a: Float64Array, rows: number, cols: number): { q: Float64Array; rdiag: Float64Array } {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const rdiag = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    let norm = 0;
    for (let i = k; i < rows; i++) norm += r[i * cols + k] * r[i * cols + k];
    norm = Math.sqrt(norm);
    const v = new Float64Array(rows);
    const alpha = r[k * cols + k] >= 0 ? -norm : norm;
    for (let i = k; i < rows; i++) v[i] = r[i * cols + k];
    v[k] -= alpha;
    let vn = 0;
    for (let i = k; i < rows; i++) vn += v[i] * v[i];
    if (vn > 0) {
      for (let j = k; j < cols; j++) {
        let dot = 0;
        for (let i = k; i < rows; i++) dot += v[i] * r[i * cols + j];
        const f = (2 * dot) / vn;
        for (let i = k; i < rows; i++) r[i * cols + j] -= f * v[i];
      }
    }
    vs.push(vn > 0 ? v : new Float64Array(rows));
    rdiag[k] = r[k * cols + k];
  }
  // Q = H_0 H_1 ... H_{cols-1} applied to the first cols columns of the identity.
  const q = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) q[j * cols + j] = 1;
  for (let k = cols - 1; k >= 0; k--) {
    const v = vs[k];
    let vn = 0;
    for (let i = k; i < rows; i++) vn += v[i] * v[i];
    if (vn === 0) continue;
    for (let j = 0; j < cols; j++) {
      let dot = 0;
      for (let i = k; i < rows; i++) dot += v[i] * q[i * cols + j];
      const f = (2 * dot) / vn;
      for (let i = k; i < rows; i++) q[i * cols + j] -= f * v[i];
    }
  }
  return { q, rdiag };
}

/**
 * A (semi-)orthogonal matrix, as PyTorch's orthogonal_: a normal draw of shape
 * [rows, numel / rows] is QR-factorised (in float64), Q's columns are signed by R's
 * diagonal, and the result (transposed when rows < cols) is scaled by gain.
 * @param t at least 2-d; dims after the first are flattened
 */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  const op = 'orthogonal_';
  const x = target(op, t);
  checkNumber(op, gain, 'gain');
  if (x.ndim < 2) throw new ShapeError(op, `only tensors with 2 or more dims are supported, got shape ${fmtShape(x.shape)}`);
  if (x.size === 0) return x;
  const rows = x.shape[0];
  const cols = x.size / rows;
  const g = draw(op, 1, [rows, cols], 'float64', 0, 1);
  const flat = g.dataSync() as Float64Array;
  g.dispose();
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  let a = flat;
  if (!tall) {
    a = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[j * rows + i] = flat[i * cols + j];
  }
  const { q, rdiag } = householderQR(a, m, n);
  for (let j = 0; j < n; j++) {
    const s = rdiag[j] < 0 ? -1 : 1; // sign(0) taken as 1
    for (let i = 0; i < m; i++) q[i * n + j] *= s * gain;
  }
  let out = q;
  if (!tall) {
    out = new Float64Array(rows * cols);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = q[i * n + j];
  }
  const src = tensor(out, { dtype: 'float64', shape: x.shape.slice() });
  try {
    assignNoGrad(op, x, src);
  } finally {
    src.dispose();
  }
  return x;
}

/** PyTorch's snake_case spellings. */
export {
  kaimingUniform_ as kaiming_uniform_, kaimingNormal_ as kaiming_normal_, xavierUniform_ as xavier_uniform_,
  xavierNormal_ as xavier_normal_, calculateGain as calculate_gain,
};
