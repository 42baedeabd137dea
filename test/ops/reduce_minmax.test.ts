import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType } from '../../lib/index';
import { makeTensor, numel, randomValues, rng } from '../helpers';
import { check, dimCombos, forEachInput, kernelPaths, refReduce } from './reduce_ref';

const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];

/** max/min of a group with PyTorch's NaN rule; index of the first occurrence. */
function extreme(xs: number[], isMax: boolean): [number, number] {
  let best = 0;
  for (let i = 0; i < xs.length; i++) {
    if (Number.isNaN(xs[i])) return [NaN, i];
    if (isMax ? xs[i] > xs[best] : xs[i] < xs[best]) best = i;
  }
  return [xs[best], best];
}

/** Flattened index over the reduced dims -> index along one dim is the same here. */
const valueOf = (isMax: boolean) => (xs: number[]) => extreme(xs, isMax)[0];
const indexOf = (isMax: boolean) => (xs: number[]) => extreme(xs, isMax)[1];

/** Puts NaN at a few random places of float inputs. */
function withNaNs(values: Float64Array, dtype: DType, r: () => number): Float64Array {
  if (dtype !== 'float32' && dtype !== 'float64') return values;
  const v = values.slice();
  for (let k = 0; k < Math.ceil(v.length / 50); k++) v[Math.floor(r() * v.length)] = NaN;
  return v;
}

afterAll(() => tf.setPortableKernels(false));

describe.each(kernelPaths())('amax / amin / max / min / argmax / argmin (%s kernels)', (_name, portable) => {
  it('amax and amin match a reference over shapes, dims, keepdim, layouts, dtypes', () => {
    tf.setPortableKernels(portable);
    forEachInput(ALL, 11, ({ shape, dtype, values, x, label }) => {
      if (numel(shape) === 0) return;
      for (const [k, dims] of dimCombos(shape.length).entries()) {
        const keepdim = k % 2 === 0;
        check(x.amax(dims, keepdim), refReduce(values, shape, dims, keepdim, valueOf(true)), dtype, {}, `amax ${label} ${JSON.stringify(dims)}`);
        check(tf.amin(x, dims, { keepdim }), refReduce(values, shape, dims, keepdim, valueOf(false)), dtype, {}, `amin ${label} ${JSON.stringify(dims)}`);
      }
    }, { whole: true });
  });

  it('max/min with a dim give values and first-occurrence indices; without a dim a 0-d value', () => {
    tf.setPortableKernels(portable);
    forEachInput(ALL, 12, ({ shape, dtype, values, x, label }) => {
      if (numel(shape) === 0) return;
      for (const isMax of [true, false]) {
        const full = isMax ? x.max() : tf.min(x);
        check(full, refReduce(values, shape, undefined, false, valueOf(isMax)), dtype, {}, `${isMax ? 'max' : 'min'} ${label}`);
        const dimsList = shape.length === 0 ? [0, -1] : [0, -1, ...(shape.length > 2 ? [1] : [])];
        for (const [k, dim] of dimsList.entries()) {
          const keepdim = k % 2 === 1;
          const { values: v, indices } = isMax ? x.max(dim, keepdim) : tf.min(x, dim, keepdim);
          check(v, refReduce(values, shape, dim, keepdim, valueOf(isMax)), dtype, {}, `values ${label} dim ${dim}`);
          check(indices, refReduce(values, shape, dim, keepdim, indexOf(isMax)), 'int32', {}, `indices ${label} dim ${dim}`);
        }
      }
    }, { whole: true, range: [-2, 2] });
  });

  it('argmax/argmin: flattened without a dim, along a dim with keepdim, ties to the first', () => {
    tf.setPortableKernels(portable);
    forEachInput(ALL, 13, ({ shape, values, x, label }) => {
      if (numel(shape) === 0) return;
      for (const isMax of [true, false]) {
        const f = (d?: number, k?: boolean) => (isMax ? x.argmax(d, k) : tf.argmin(x, d, k));
        const flat = refReduce(values, shape, undefined, false, indexOf(isMax));
        check(f(), flat, 'int32', {}, `arg ${label}`);
        check(f(undefined, true), { shape: shape.map(() => 1), values: flat.values }, 'int32', {}, `arg keepdim ${label}`);
        for (const [k, dim] of (shape.length === 0 ? [0] : [0, -1]).entries()) {
          check(f(dim, k === 0), refReduce(values, shape, dim, k === 0, indexOf(isMax)), 'int32', {}, `arg ${label} dim ${dim}`);
        }
      }
    }, { whole: true, range: [-2, 2] });
  });

  it('NaN propagates through max/min/amax/amin and arg* return the first NaN index', () => {
    tf.setPortableKernels(portable);
    const r = rng(14);
    for (const dtype of ['float32', 'float64'] as DType[]) {
      for (const shape of [[7], [17, 5], [33, 257], [2, 3, 4, 5], [1000]]) {
        for (const layout of ['contiguous', 'transposed', 'sliced'] as const) {
          const values = withNaNs(randomValues(numel(shape), dtype, r), dtype, r);
          const x = makeTensor(values, shape, dtype, layout);
          for (const dims of dimCombos(shape.length)) {
            for (const isMax of [true, false]) {
              const what = `${dtype} ${JSON.stringify(shape)} ${layout} ${JSON.stringify(dims)} max ${isMax}`;
              check(isMax ? x.amax(dims) : x.amin(dims), refReduce(values, shape, dims, false, valueOf(isMax)), dtype, {}, what);
              if (typeof dims === 'number') {
                const vi = isMax ? x.max(dims) : x.min(dims);
                check(vi.values, refReduce(values, shape, dims, false, valueOf(isMax)), dtype, {}, what);
                check(vi.indices, refReduce(values, shape, dims, false, indexOf(isMax)), 'int32', {}, what);
              }
            }
          }
          check(x.argmax(), refReduce(values, shape, undefined, false, indexOf(true)), 'int32', {}, 'argmax NaN');
          x.dispose();
        }
      }
    }
    expect(tf.tensor([1, NaN, 3]).max().item()).toBeNaN();
    expect(tf.tensor([1, NaN, 3]).argmin().item()).toBe(1);
  });

  it.each([1, 2])('long reductions split across threads combine in order (%i threads)', (threads) => {
    tf.setPortableKernels(portable);
    const before = tf.getNumThreads();
    tf.setNumThreads(threads);
    try {
      const n = 1_000_000;
      const r = rng(15);
      const v = randomValues(n, 'float32', r, -1, 1);
      v[10] = 5; // the first of two equal maxima, in the first chunk
      v[n - 10] = 5;
      v[20] = -5;
      v[n - 20] = -5;
      const x = makeTensor(v, [n], 'float32');
      expect(x.argmax().item()).toBe(10);
      expect(x.argmin().item()).toBe(20);
      expect(x.max().item()).toBe(5);
      expect(x.max(0).indices.item()).toBe(10);
      v[n - 5] = NaN; // a NaN late beats the earlier maximum
      const y = makeTensor(v, [2, n / 2], 'float32');
      expect(y.reshape(-1).argmax().item()).toBe(n - 5);
      expect(Array.from(y.argmax(1).dataSync())).toEqual([10, n / 2 - 5]);
      expect(Array.from(y.amin(1).dataSync())).toEqual([-5, NaN]);
      x.dispose();
      y.dispose();
    } finally {
      tf.setNumThreads(before);
    }
  });
});

describe('max / min over nothing', () => {
  it('throws IndexError naming the op and the shape', () => {
    const e = tf.zeros([3, 0]);
    expect(() => e.max()).toThrow(tf.IndexError);
    expect(() => e.max()).toThrow(/max: .*\[3, 0\]/);
    expect(() => e.amax(1)).toThrow(/amax: .*dim 1 .*\[3, 0\]/);
    expect(() => e.argmin()).toThrow(/argmin: .*\[3, 0\]/);
    expect(() => e.min(1)).toThrow(tf.IndexError);
    expect(() => tf.zeros([0, 3]).argmax(0)).toThrow(tf.IndexError);
    // reducing a non-empty dim of an empty tensor is fine
    const r = e.amax(0);
    expect(r.shape).toEqual([0]);
    expect(tf.zeros([0, 3]).max(1).values.shape).toEqual([0]);
  });
});
