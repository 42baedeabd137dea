/**
 * Getting data out: dataSync, data(), toArray, item, and toString against what PyTorch
 * prints for the same tensor (default print options). Our spelling differs on purpose
 * in three places: dtype=float64 (torch.float64), requiresGrad=true (requires_grad=True),
 * true/false (True/False), size=[2, 0] (size=(2, 0)); int32 is our default integer
 * type, so it gets no suffix where PyTorch names int64 none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { makeTensor, numel, randomValues, rng, type Layout } from '../helpers';

const live: Tensor[] = [];
function track<T extends Tensor>(t: T): T {
  live.push(t);
  return t;
}
afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];
const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };

function nest(values: ArrayLike<number>, shape: number[], map: (v: number) => unknown): unknown {
  if (shape.length === 0) return map(values[0]);
  let pos = 0;
  const build = (d: number): unknown[] => Array.from({ length: shape[d] }, () => (d === shape.length - 1 ? map(values[pos++]) : build(d + 1)));
  return build(0);
}

describe('dataSync / data / toArray', () => {
  it('copy out row-major values in the typed array of the dtype, for every layout', async () => {
    const r = rng(1);
    for (const dt of DTYPES) {
      for (const layout of ['contiguous', 'transposed', 'sliced'] as Layout[]) {
        for (const shape of [[], [0], [1], [7], [3, 0], [4, 5], [2, 3, 4]]) {
          const values = randomValues(numel(shape), dt, r);
          const x = track(makeTensor(values, shape, dt, layout));
          const a = x.dataSync();
          expect(a).toBeInstanceOf(ARRAYS[dt]);
          expect(Array.from(a)).toEqual(Array.from(values));
          const b = await x.data();
          expect(b).toBeInstanceOf(ARRAYS[dt]);
          expect(Array.from(b)).toEqual(Array.from(values));
          const arr = x.toArray();
          expect(arr).toEqual(nest(values, shape, dt === 'bool' ? (v) => v !== 0 : (v) => v));
        }
      }
    }
  });

  it('returns fresh arrays: writing to them leaves the tensor as it was', () => {
    const x = track(tf.tensor([1, 2, 3]));
    const a = x.dataSync();
    a[0] = 100;
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
    expect(x.dataSync()).not.toBe(x.dataSync());
    const nested = x.toArray() as number[];
    nested[1] = 7;
    expect(x.toArray()).toEqual([1, 2, 3]);
  });

  it('gives JS booleans for bool tensors in toArray and item', () => {
    const b = track(tf.tensor([[true, false], [false, true]]));
    expect(b.toArray()).toEqual([[true, false], [false, true]]);
    expect(track(b.select(0, 0).select(0, 0)).item()).toBe(true);
    expect(track(tf.tensor(false)).toArray()).toBe(false);
  });

  it('throws DisposedError naming the op after dispose', async () => {
    const x = tf.tensor([1, 2]);
    x.dispose();
    expect(() => x.dataSync()).toThrow(/^dataSync: tensor of shape \[2\] and dtype float32 was disposed/);
    expect(() => x.dataSync()).toThrow(tf.DisposedError);
    await expect(x.data()).rejects.toThrow(tf.DisposedError);
    expect(() => x.toArray()).toThrow(/^toArray: /);
    expect(() => x.item()).toThrow(/^item: /);
    expect(() => x.item()).toThrow(tf.DisposedError);
    expect(x.toString()).toBe('tensor(<disposed>, shape=[2], dtype=float32)');
  });
});

describe('item', () => {
  it('returns the one element of any one-element shape', () => {
    expect(track(tf.tensor(2.5)).item()).toBe(2.5);
    expect(track(tf.tensor([[[-3]]], { dtype: 'int32' })).item()).toBe(-3);
    expect(track(tf.tensor([0.1], { dtype: 'float64' })).item()).toBe(0.1);
    expect(track(tf.tensor([0.1])).item()).toBe(Math.fround(0.1));
    expect(track(tf.tensor([NaN])).item()).toBeNaN();
    expect(track(track(tf.arange(10)).select(0, 7)).item()).toBe(7);
  });

  it('refuses tensors with zero or several elements', () => {
    for (const shape of [[0], [2], [3, 0], [1, 2]]) {
      const x = track(tf.zeros(shape));
      let err: unknown;
      try {
        x.item();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(tf.ArgumentError);
      expect((err as Error).message).toMatch(/^item: /);
      expect((err as Error).message).toContain(`${numel(shape)} elements (shape [${shape.join(', ')}])`);
    }
  });
});

describe('toString matches PyTorch', () => {
  const cases: [string, () => Tensor, string][] = [
    ['float matrix', () => tf.tensor([[1, 2], [3, 4]]), 'tensor([[1., 2.],\n        [3., 4.]])'],
    ['ints', () => tf.tensor([1, -20, 300], { dtype: 'int32' }), 'tensor([  1, -20, 300])'],
    ['floats', () => tf.tensor([0.1, -2.5, 3.14159]), 'tensor([ 0.1000, -2.5000,  3.1416])'],
    ['float64 suffix', () => tf.tensor([1.5, 2.25], { dtype: 'float64' }), 'tensor([1.5000, 2.2500], dtype=float64)'],
    ['bool', () => tf.tensor([true, false]), 'tensor([ true, false])'],
    ['0-d float', () => tf.tensor(3.5), 'tensor(3.5000)'],
    ['0-d integral float', () => tf.tensor(7), 'tensor(7.)'],
    ['0-d int', () => tf.tensor(7, { dtype: 'int32' }), 'tensor(7)'],
    ['0-d bool', () => tf.tensor(true), 'tensor(true)'],
    ['0-d float64', () => tf.tensor(2.5, { dtype: 'float64' }), 'tensor(2.5000, dtype=float64)'],
    ['empty', () => tf.zeros([0]), 'tensor([])'],
    ['empty 2-d', () => tf.zeros([2, 0]), 'tensor([], size=[2, 0])'],
    ['empty float64', () => tf.zeros([0], { dtype: 'float64' }), 'tensor([], dtype=float64)'],
    ['empty int32 names its dtype', () => tf.zeros([0], { dtype: 'int32' }), 'tensor([], dtype=int32)'],
    ['small values: scientific', () => tf.tensor([1e-5, 1]), 'tensor([1.0000e-05, 1.0000e+00])'],
    ['large integral values: scientific', () => tf.tensor([1, 1e9]), 'tensor([1.0000e+00, 1.0000e+09])'],
    ['integral values 1000x apart: scientific', () => tf.tensor([1, 2000]), 'tensor([1.0000e+00, 2.0000e+03])'],
    ['nan and inf do not widen the columns', () => tf.tensor([1, NaN, Infinity, -Infinity]), 'tensor([1., nan, inf, -inf])'],
    ['nan among decimals', () => tf.tensor([1.25, NaN, 2]), 'tensor([1.2500,    nan, 2.0000])'],
    ['ties round to even like Python', () => tf.tensor([0.03125, 0.09375]), 'tensor([0.0312, 0.0938])'],
    ['3-d', () => tf.arange(8, { dtype: 'float32' }).reshape(2, 2, 2),
      'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])'],
    ['non-contiguous view prints logical order', () => tf.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }).t(),
      'tensor([[1, 4],\n        [2, 5],\n        [3, 6]])'],
    ['requires grad', () => tf.tensor([1, 2], { requiresGrad: true }), 'tensor([1., 2.], requiresGrad=true)'],
    ['long rows wrap at 80 columns', () => tf.arange(30, { dtype: 'float32' }),
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n' +
      '        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n' +
      '        28., 29.])'],
    ['a suffix that does not fit goes on its own line', () => tf.arange(12, { dtype: 'float64' }),
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.],\n       dtype=float64)'],
    ['summarised vector', () => tf.arange(2000), 'tensor([   0,    1,    2,  ..., 1997, 1998, 1999])'],
    ['summarised float vector', () => tf.arange(10000, { dtype: 'float32' }),
      'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9970e+03, 9.9980e+03,\n        9.9990e+03])'],
    ['summarised matrix', () => tf.arange(2000).reshape(40, 50),
      'tensor([[   0,    1,    2,  ...,   47,   48,   49],\n' +
      '        [  50,   51,   52,  ...,   97,   98,   99],\n' +
      '        [ 100,  101,  102,  ...,  147,  148,  149],\n' +
      '        ...,\n' +
      '        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n' +
      '        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n' +
      '        [1950, 1951, 1952,  ..., 1997, 1998, 1999]])'],
    ['1000 elements are not summarised', () => tf.ones([1000], { dtype: 'bool' }),
      'tensor([' + Array.from({ length: 1000 }, () => 'true').reduce((acc, v, i) => acc + (i === 0 ? '' : i % 12 === 0 ? ',\n        ' : ', ') + v, '') + '])'],
  ];
  for (const [name, make, want] of cases) {
    it(name, () => {
      const t = track(make());
      expect(t.toString()).toBe(want);
      expect(String(t)).toBe(want);
    });
  }

  it('util.inspect uses the same text', async () => {
    const util = await import('node:util');
    const t = track(tf.tensor([1, 2]));
    expect(util.inspect(t)).toBe('tensor([1., 2.])');
  });
});
