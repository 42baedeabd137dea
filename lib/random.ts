/**
 * Random tensors from a counter-based generator (Philox4x32-10): the same seed gives
 * the same numbers on every machine and for every thread count.
 */
import { checkDevice } from './device';
import { checkDType, dtypeCode, isFloating, type DType } from './dtype';
import { ArgumentError, DTypeError } from './errors';
import { native } from './native';
import { checkShape } from './shape';
import { Tensor } from './tensor';
import type { TensorOptions } from './creation';

/** PyTorch's default seed, so unseeded programs are reproducible too. */
const DEFAULT_SEED = 67280421310721;
let seed = DEFAULT_SEED;
let offset = 0;

/**
 * Seeds every random draw (rand, randn, randint, dropout, init, shuffling).
 * @example tf.manualSeed(42); const a = tf.rand([3]); tf.manualSeed(42); // tf.rand([3]) equals a
 */
export function manualSeed(s: number): void {
  if (!Number.isSafeInteger(s) || s < 0) throw new ArgumentError('manualSeed', `seed must be a non-negative safe integer, got ${s}`);
  seed = s;
  offset = 0;
}

/** The seed the generator was last given. */
export function initialSeed(): number {
  return seed;
}

/** The global generator's position: its seed and how many Philox counter blocks were used since seeding. */
export interface RngState {
  seed: number;
  offset: number;
}

/**
 * The global generator's state, to save in a checkpoint; setRngState() restores it, and
 * the draws after restoring equal the draws after saving.
 * @example const s = tf.getRngState(); const a = tf.rand([3]); tf.setRngState(s); // tf.rand([3]) equals a
 */
export function getRngState(): RngState {
  return { seed, offset };
}

/** Restores a state from getRngState(). */
export function setRngState(state: RngState): void {
  const op = 'setRngState';
  if (state === null || typeof state !== 'object') throw new ArgumentError(op, `expected { seed, offset } as getRngState() returns, got ${state === null ? 'null' : typeof state}`);
  const { seed: s, offset: o } = state;
  if (!Number.isSafeInteger(s) || s < 0) throw new ArgumentError(op, `seed must be a non-negative safe integer, got ${String(s)}`);
  if (!Number.isSafeInteger(o) || o < 0) throw new ArgumentError(op, `offset must be a non-negative safe integer, got ${String(o)}`);
  seed = s;
  offset = o;
}

/** @internal Fills a fresh tensor with a draw; kind: 0 uniform, 1 normal, 2 integer, 3 bernoulli. */
export function draw(op: string, kind: number, shape: number[], dtype: DType, a: number, b: number, opts?: TensorOptions): Tensor {
  if (opts?.requiresGrad && !isFloating(dtype)) {
    throw new DTypeError(op, `only floating point tensors can require gradients, got dtype ${dtype}`);
  }
  const t = Tensor.empty(checkShape(op, shape), dtype, checkDevice(op, opts?.device));
  const n = t.size;
  if (n) offset += native.random(t.handle(op), kind, dtypeCode(dtype), n, seed, offset, a, b);
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function floatDType(op: string, opts?: TensorOptions): DType {
  const d = checkDType(op, opts?.dtype ?? 'float32');
  if (!isFloating(d)) throw new DTypeError(op, `needs a floating dtype, got ${d}`);
  return d;
}

/**
 * Uniform samples in [0, 1).
 * @example tf.rand([2, 3])
 */
export function rand(shape: number[], opts?: TensorOptions): Tensor {
  return draw('rand', 0, shape, floatDType('rand', opts), 0, 1, opts);
}

/** Uniform samples in [low, high). */
export function uniform(shape: number[], low = 0, high = 1, opts?: TensorOptions): Tensor {
  if (!(high >= low)) throw new ArgumentError('uniform', `expected low <= high, got ${low} and ${high}`);
  return draw('uniform', 0, shape, floatDType('uniform', opts), low, high, opts);
}

/**
 * Standard normal samples (mean 0, std 1).
 * @example tf.randn([2, 3])
 */
export function randn(shape: number[], opts?: TensorOptions): Tensor {
  return draw('randn', 1, shape, floatDType('randn', opts), 0, 1, opts);
}

/** Normal samples with the given mean and std. */
export function normal(shape: number[], mean = 0, std = 1, opts?: TensorOptions): Tensor {
  if (!(std >= 0)) throw new ArgumentError('normal', `std must be >= 0, got ${std}`);
  return draw('normal', 1, shape, floatDType('normal', opts), mean, std, opts);
}

/**
 * Integers uniformly drawn from [low, high); int32 by default.
 * @example tf.randint(0, 10, [5]); tf.randint(10, [5])
 */
export function randint(lowOrHigh: number, highOrShape: number | number[], shapeOrOpts?: number[] | TensorOptions, opts?: TensorOptions): Tensor {
  let low = 0;
  let high: number;
  let shape: number[];
  if (Array.isArray(highOrShape)) {
    high = lowOrHigh;
    shape = highOrShape;
    opts = shapeOrOpts as TensorOptions | undefined;
  } else {
    low = lowOrHigh;
    high = highOrShape;
    shape = shapeOrOpts as number[];
  }
  if (!Array.isArray(shape)) throw new ArgumentError('randint', 'expected a shape array');
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError('randint', `expected integers low < high, got ${low} and ${high}`);
  }
  const dtype = checkDType('randint', opts?.dtype ?? 'int32');
  if (dtype === 'bool') throw new DTypeError('randint', 'dtype bool is not supported');
  return draw('randint', 2, shape, dtype, low, high, opts);
}

/** 1 with probability p, else 0 (float32 by default). */
export function bernoulli(shape: number[], p: number, opts?: TensorOptions): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError('bernoulli', `p must be in [0, 1], got ${p}`);
  return draw('bernoulli', 3, shape, checkDType('bernoulli', opts?.dtype ?? 'float32'), p, 0, opts);
}
