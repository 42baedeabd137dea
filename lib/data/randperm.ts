/**
 * Random permutations, reproducible on every machine: a Fisher-Yates shuffle in JS driven
 * by one draw of n float64 uniforms from tensorforge's Philox generator (the global one,
 * seeded by tf.manualSeed, or a private Generator given a seed).
 */
import { dtypeCode, type DType } from '../dtype';
import { ArgumentError, DTypeError, rethrowNative } from '../errors';
import { native } from '../native';
import { draw } from '../random';
import { Tensor } from '../tensor';
import { tensor } from '../creation';

/**
 * A private random stream (seed and counter position), independent of tf.manualSeed:
 * DataLoader and randomSplit use one when given a seed.
 */
export class Generator {
  seed: number;
  /** Counter position in Philox blocks; advances with every draw. */
  offset = 0;
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new ArgumentError('Generator', `seed must be a non-negative safe integer, got ${String(seed)}`);
    this.seed = seed;
  }
}

/** n uniforms in [0, 1) as float64, from gen or from the global generator. */
function uniforms(op: string, n: number, gen?: Generator): Float64Array {
  if (n === 0) return new Float64Array(0);
  if (gen === undefined) {
    const t = draw(op, 0, [n], 'float64', 0, 1);
    try {
      return t.dataSync() as Float64Array;
    } finally {
      t.dispose();
    }
  }
  const t = Tensor.empty([n], 'float64');
  try {
    try {
      gen.offset += native.random(t.handle(op), 0, dtypeCode('float64'), n, gen.seed, gen.offset, 0, 1);
    } catch (e) {
      rethrowNative(op, e);
    }
    return t.dataSync() as Float64Array;
  } finally {
    t.dispose();
  }
}

/** @internal A permutation of 0..n-1 as a plain Int32Array. */
export function permutation(op: string, n: number, gen?: Generator): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 2147483647) throw new ArgumentError(op, `n must be an integer in [0, 2^31), got ${String(n)}`);
  const u = uniforms(op, n, gen);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}

/**
 * A random permutation of the integers 0..n-1 (int32 by default), drawn from the global
 * generator (tf.manualSeed makes it reproducible) or from opts.generator.
 *
 * @returns [n]
 * @example tf.manualSeed(0); tf.randperm(5) // a permutation of 0..4
 */
export function randperm(n: number, opts: { dtype?: DType; generator?: Generator } = {}): Tensor {
  const dtype = opts.dtype ?? 'int32';
  if (dtype === 'bool') throw new DTypeError('randperm', 'dtype bool cannot hold a permutation; use int32, float32 or float64');
  if (opts.generator !== undefined && !(opts.generator instanceof Generator)) throw new ArgumentError('randperm', 'generator must be a tf.data.Generator');
  const perm = permutation('randperm', n, opts.generator);
  if (dtype === 'int32') return tensor(perm);
  return tensor(dtype === 'float64' ? Float64Array.from(perm) : Float32Array.from(perm));
}
