import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { native } from '../../lib/native';

/** Every op of the family, called the common way. */
const OPS: [string, (x: Tensor) => unknown][] = [
  ['sum', (x) => x.sum(0)], ['mean', (x) => x.mean(0)], ['prod', (x) => x.prod(0)],
  ['amax', (x) => x.amax(0)], ['amin', (x) => x.amin(0)], ['max', (x) => x.max(0)], ['min', (x) => x.min()],
  ['argmax', (x) => x.argmax(0)], ['argmin', (x) => x.argmin()], ['var', (x) => x.var(0)], ['std', (x) => x.std()],
  ['logsumexp', (x) => x.logsumexp(0)], ['softmax', (x) => x.softmax(0)], ['logSoftmax', (x) => x.logSoftmax(-1)],
  ['cumsum', (x) => x.cumsum(0)], ['cumprod', (x) => x.cumprod(0)], ['all', (x) => x.all(0)], ['any', (x) => x.any()],
  ['norm', (x) => x.norm(2, 0)],
];

describe('reduce family errors', () => {
  it.each(OPS)('%s on a disposed tensor throws DisposedError', (name, f) => {
    const x = tf.ones([2, 3]);
    x.dispose();
    expect(() => f(x)).toThrow(tf.DisposedError);
    expect(() => f(x)).toThrow(new RegExp(`^${name}: .*disposed`));
  });

  it.each(OPS)('%s with a dim out of range throws IndexError naming the op and range', (name, f) => {
    const x = tf.ones([2, 3]);
    const msg = new RegExp(`^${name}: dim 5 is out of range .*expected -2\\.\\.1`);
    const g = (fn: () => unknown) => expect(fn).toThrow(msg);
    switch (name) {
      case 'max': g(() => x.max(5)); break;
      case 'min': g(() => x.min(5)); break;
      case 'argmin': g(() => x.argmin(5)); break;
      case 'std': g(() => x.std(5)); break;
      case 'any': g(() => x.any(5)); break;
      case 'norm': g(() => x.norm(2, 5)); break;
      case 'logSoftmax': g(() => x.logSoftmax(5)); break;
      default: g(() => (x as unknown as Record<string, (d: number) => unknown>)[name](5));
    }
    expect(() => (x as unknown as Record<string, (d: number) => unknown>)[name === 'norm' ? 'sum' : name](-3)).toThrow(tf.IndexError);
  });

  it('duplicate dims, non-integer dims and bad keepdim throw ArgumentError', () => {
    const x = tf.ones([2, 3, 4]);
    expect(() => x.sum([0, -3])).toThrow(tf.ArgumentError);
    expect(() => x.sum([0, -3])).toThrow(/^sum: dim 0 appears multiple times in dims \[0, -3\] \(input shape \[2, 3, 4\]\)/);
    expect(() => x.amax([1, 1])).toThrow(/amax: dim 1 appears multiple times/);
    expect(() => x.var([2, -1])).toThrow(/var: dim 2 appears multiple times/);
    expect(() => x.norm(2, [0, 0])).toThrow(/norm: dim 0 appears/);
    expect(() => x.mean(1.5)).toThrow(/mean: dim must be an integer, got 1.5/);
    expect(() => x.sum('1' as never)).toThrow(/sum: dim must be a number or an array of numbers, got string/);
    expect(() => x.sum(0, 'yes' as never)).toThrow(/sum: keepdim must be a boolean/);
    expect(() => x.max(0, 1 as never)).toThrow(/max: keepdim must be a boolean/);
    expect(() => x.max([0, 1] as never)).toThrow(/max: dim must be a number, got an array/);
    expect(() => x.softmax(undefined as never)).toThrow(/softmax: dim must be a number, got nothing/);
    expect(() => x.cumsum([0] as never)).toThrow(/cumsum: dim must be a number/);
    expect(() => tf.logsumexp(x, undefined as never)).toThrow(/logsumexp: dim is required/);
    expect(() => x.max(tf.ones([2, 3, 4]) as never)).toThrow(/max: the elementwise max of two tensors is maximum/);
    expect(() => x.sum(0, true, { keepdim: true })).toThrow(/sum: keepdim given twice/);
    expect(() => tf.sum(1 as never)).toThrow(/sum: expected a Tensor, got number/);
  });

  it('float-only ops reject int32 and bool with DTypeError naming the dtype', () => {
    for (const dtype of ['int32', 'bool'] as const) {
      const x = tf.ones([2, 3], { dtype });
      expect(() => x.mean()).toThrow(tf.DTypeError);
      expect(() => x.mean()).toThrow(new RegExp(`mean: expected a float32 or float64 input, got ${dtype} \\(shape \\[2, 3\\]\\)`));
      expect(() => x.var(0)).toThrow(/var: expected a float32 or float64 input/);
      expect(() => x.std()).toThrow(tf.DTypeError);
      expect(() => x.logsumexp(1)).toThrow(/logsumexp: expected a float32/);
      expect(() => x.norm()).toThrow(/norm: expected a float32/);
      expect(() => x.softmax(1)).toThrow(/softmax: expected a float32/);
      expect(() => x.logSoftmax(1)).toThrow(/logSoftmax: expected a float32/);
    }
    const f = tf.ones([2]);
    expect(() => f.sum({ dtype: 'bool' })).toThrow(/sum: the dtype option must be one of float32, float64, int32, got bool/);
    expect(() => f.mean({ dtype: 'int32' })).toThrow(tf.DTypeError);
    expect(() => f.cumsum(0, { dtype: 'float16' as never })).toThrow(/cumsum: unknown dtype "float16"/);
  });

  it('bad norm p and var options throw ArgumentError', () => {
    const x = tf.ones([2, 3]);
    expect(() => x.norm('nuc' as never)).toThrow(/norm: p must be a number .* or 'fro', got nuc/);
    expect(() => x.norm(NaN)).toThrow(tf.ArgumentError);
    expect(() => x.var(0, { correction: 1, unbiased: true })).toThrow(/var: give correction or unbiased, not both/);
    expect(() => x.std(0, { correction: Infinity })).toThrow(/std: correction must be a finite number/);
    expect(() => x.var(true, 1 as never)).toThrow(tf.ArgumentError);
    expect(() => x.var(0, true as never)).toThrow(/var: a boolean after dim is ambiguous .*\{ keepdim: true \} or \{ unbiased: true \}/);
    expect(() => tf.std(x, 1, false as never)).toThrow(/std: a boolean after dim is ambiguous/);
  });

  it('native entries reject inconsistent calls instead of crashing', () => {
    // what the TypeScript layer never sends: a float-only kind on int32, a missing
    // indices output, an output too small, an unknown kind, an empty max
    const x = tf.ones([4], { dtype: 'int32' });
    const out = tf.zeros([1]);
    const meta = new Float64Array([1, 4, 0, 1]);
    const call = (kind: number, o: unknown, idx: unknown, m = meta, src = x) =>
      () => native.reduce(kind, src.handle('t'), src.dtype === 'int32' ? 2 : 0, 0, m, 1, o as never, idx as never, 0);
    expect(call(19, out.handle('t'), null)).toThrow(/needs float32 or float64, got int32/);
    expect(call(6, out.handle('t'), null)).toThrow(/expected a storage handle/);
    expect(call(0, out.handle('t'), null, new Float64Array([2, 4, 4, 4, 0, 4, 1]))).toThrow(/reduce: output reaches outside its storage/);
    expect(call(42, out.handle('t'), null)).toThrow(/unknown reduce kind/);
    expect(call(2, out.handle('t'), null, new Float64Array([1, 0, 0, 1]))).toThrow(/dim of size 0/);
    expect(() => native.softmax(0, x.handle('t'), 2, 0, meta, out.handle('t'))).toThrow(/softmax needs float32 or float64/);
  });
});
