import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType } from '../../lib/index';
import { expectClose, makeTensor, randomValues, rng } from '../helpers';
import { check, dimCombos, forEachInput, i32, kernelPaths, refReduce } from './reduce_ref';

const FLOAT: DType[] = ['float32', 'float64'];
const sumRef = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const prodRef = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
const tolSum = (d: DType) => (d === 'float64' ? { rtol: 1e-10, atol: 1e-9 } : { rtol: 3e-7, atol: 1e-6 });

afterAll(() => tf.setPortableKernels(false));

describe.each(kernelPaths())('sum / mean / prod (%s kernels)', (_name, portable) => {
  it('sum matches a float64 reference over shapes, dims, keepdim, layouts, dtypes', () => {
    tf.setPortableKernels(portable);
    forEachInput(['float32', 'float64', 'int32', 'bool'], 1, ({ shape, dtype, values, x, label }) => {
      const outDtype = dtype === 'float32' || dtype === 'float64' ? dtype : 'int32';
      for (const [k, dims] of dimCombos(shape.length).entries()) {
        const keepdim = k % 2 === 1;
        const ref = refReduce(values, shape, dims, keepdim, dtype === 'int32' ? i32.sum : sumRef);
        check(x.sum(dims, keepdim), ref, outDtype, tolSum(dtype), `sum ${label} dims ${JSON.stringify(dims)} keepdim ${keepdim}`);
      }
    });
  });

  it('mean matches a float64 reference (empty reductions give NaN)', () => {
    tf.setPortableKernels(portable);
    forEachInput(FLOAT, 2, ({ shape, dtype, values, x, label }) => {
      for (const [k, dims] of dimCombos(shape.length).entries()) {
        const keepdim = k % 2 === 0;
        const ref = refReduce(values, shape, dims, keepdim, (xs) => sumRef(xs) / xs.length);
        check(tf.mean(x, dims, { keepdim }), ref, dtype, tolSum(dtype), `mean ${label} dims ${JSON.stringify(dims)}`);
      }
    });
  });

  it('prod matches a float64 reference (int32 wraps like int32 arithmetic)', () => {
    tf.setPortableKernels(portable);
    forEachInput(FLOAT, 3, ({ shape, dtype, values, x, label }) => {
      for (const dims of dimCombos(shape.length)) {
        const ref = refReduce(values, shape, dims, false, prodRef);
        check(x.prod(dims), ref, dtype, { rtol: dtype === 'float64' ? 1e-10 : 3e-7, atol: 1e-30 }, `prod ${label} dims ${JSON.stringify(dims)}`);
      }
    }, { range: [0.5, 1.5] });
    forEachInput(['int32', 'bool'], 4, ({ shape, values, x, label }) => {
      for (const dims of dimCombos(shape.length)) {
        check(x.prod(dims, true), refReduce(values, shape, dims, true, i32.prod), 'int32', {}, `prod ${label}`);
      }
    }, { range: [-2, 4] });
  });
});

describe('all / any', () => {
  it('match a reference for every dtype (NaN counts as true, empty all is true, empty any is false)', () => {
    forEachInput(['float32', 'float64', 'int32', 'bool'], 5, ({ shape, values, x, label }) => {
      for (const [k, dims] of dimCombos(shape.length).entries()) {
        const keepdim = k % 2 === 1;
        check(x.all(dims, keepdim), refReduce(values, shape, dims, keepdim, (xs) => (xs.every((v) => v !== 0) ? 1 : 0)), 'bool', {}, `all ${label} ${JSON.stringify(dims)}`);
        check(tf.any(x, dims, { keepdim }), refReduce(values, shape, dims, keepdim, (xs) => (xs.some((v) => v !== 0) ? 1 : 0)), 'bool', {}, `any ${label} ${JSON.stringify(dims)}`);
      }
    }, { range: [0, 2], whole: true });
    const n = tf.tensor([NaN, 1]);
    expect(n.all().item()).toBe(true);
    expect(tf.zeros([0]).all().item()).toBe(true);
    expect(tf.zeros([0]).any().item()).toBe(false);
    expect(tf.zeros([2, 0]).any(1).toArray()).toEqual([false, false]);
  });
});

describe('sum / mean / prod details', () => {
  it('empty inputs: sum 0, prod 1, mean NaN, and empty outputs', () => {
    expect(tf.zeros([0]).sum().item()).toBe(0);
    expect(tf.zeros([0]).prod().item()).toBe(1);
    expect(tf.zeros([3, 0]).mean().item()).toBeNaN();
    expect(Array.from(tf.zeros([3, 0]).sum(1).dataSync())).toEqual([0, 0, 0]);
    expect(tf.zeros([3, 0]).sum(0).shape).toEqual([0]);
    expect(tf.zeros([0], { dtype: 'int32' }).sum().dtype).toBe('int32');
  });

  it('int32 and bool sums give int32 and wrap on overflow', () => {
    const b = tf.tensor([true, false, true, true]);
    const s = b.sum();
    expect(s.dtype).toBe('int32');
    expect(s.item()).toBe(3);
    expect(tf.tensor(new Int32Array([2147483647, 1])).sum().item()).toBe(-2147483648);
    expect(b.cumsum(0).dtype).toBe('int32');
  });

  it('the dtype option converts the input first', () => {
    const r = rng(6);
    const values = randomValues(300, 'int32', r, -1000, 1000);
    const x = makeTensor(values, [3, 100], 'int32', 'transposed');
    const s = x.sum(1, { dtype: 'float64' });
    expect(s.dtype).toBe('float64');
    expectClose(s.dataSync(), refReduce(values, [3, 100], 1, false, sumRef).values);
    const m = tf.mean(x, { dtype: 'float32' });
    expect(m.dtype).toBe('float32');
    expectClose(m.dataSync(), [sumRef(Array.from(values)) / 300], { rtol: 1e-6 });
    const f = tf.tensor([1.5, 2.5]).sum({ dtype: 'int32' });
    expect(f.dtype).toBe('int32');
    expect(f.item()).toBe(3);
    expect(x.prod(0, false, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it.each([1, 2])('float32 sums of 1e6 elements stay within 2 ulp of the float64 sum (%i threads)', (threads) => {
    const before = tf.getNumThreads();
    tf.setNumThreads(threads);
    try {
      const r = rng(7 + threads);
      for (const [lo, hi] of [[0, 1], [-1, 1.001]] as const) {
        const n = 1_000_000;
        const v = randomValues(n, 'float32', r, lo, hi);
        let ref = 0;
        for (let i = 0; i < n; i++) ref += v[i];
        for (const portable of [false, true]) {
          tf.setPortableKernels(portable);
          const x = makeTensor(v, [n], 'float32');
          const ulp = 2 ** (Math.floor(Math.log2(Math.abs(ref))) - 23);
          expect(Math.abs(Number(x.sum().item()) - ref), `sum ${lo}..${hi} portable ${portable}`).toBeLessThanOrEqual(2 * ulp);
          expect(Math.abs(Number(x.mean().item()) - ref / n)).toBeLessThanOrEqual(2 * 2 ** (Math.floor(Math.log2(Math.abs(ref / n))) - 23));
          // the same data as [1000, 1000] over each dim (tiled and row paths)
          const m = x.reshape(1000, 1000);
          for (const dim of [0, 1]) {
            const refd = refReduce(v, [1000, 1000], dim, false, sumRef);
            expectClose(m.sum(dim).dataSync(), refd.values, { rtol: 3e-7, atol: 1e-5, what: `sum dim ${dim}` });
          }
          x.dispose();
        }
      }
    } finally {
      tf.setPortableKernels(false);
      tf.setNumThreads(before);
    }
  });

  it('float64 sums of 1e6 elements are accurate to 1e-12 relative', () => {
    const r = rng(9);
    const n = 1_000_000;
    const v = randomValues(n, 'float64', r, 0, 1);
    // Neumaier-compensated reference
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const t = s + v[i];
      c += Math.abs(s) >= Math.abs(v[i]) ? s - t + v[i] : v[i] - t + s;
      s = t;
    }
    const x = makeTensor(v, [n], 'float64');
    expect(Math.abs(Number(x.sum().item()) - (s + c)) / (s + c)).toBeLessThan(1e-12);
    x.dispose();
  });
});
