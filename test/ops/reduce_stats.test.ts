import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType } from '../../lib/index';
import { expectClose, makeTensor, randomValues, rng } from '../helpers';
import { check, dimCombos, forEachInput, kernelPaths, refReduce } from './reduce_ref';

const FLOAT: DType[] = ['float32', 'float64'];
const tol = (d: DType) => (d === 'float64' ? { rtol: 1e-9, atol: 1e-9 } : { rtol: 2e-6, atol: 1e-5 });

function varRef(xs: number[], correction: number): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  let s = 0;
  for (const v of xs) s += (v - m) * (v - m);
  return s / Math.max(0, xs.length - correction);
}

function lseRef(xs: number[]): number {
  if (xs.length === 0) return -Infinity;
  let m = -Infinity;
  for (const v of xs) m = Math.max(m, v);
  if (!Number.isFinite(m)) m = 0;
  let s = 0;
  for (const v of xs) s += Math.exp(v - m);
  return Math.log(s) + m;
}

function normRef(xs: number[], p: number): number {
  const a = xs.map(Math.abs);
  if (p === Infinity) return a.length ? Math.max(...a) : NaN;
  if (p === -Infinity) return a.length ? Math.min(...a) : NaN;
  if (p === 0) return a.filter((v) => v !== 0).length;
  return a.reduce((s, v) => s + v ** p, 0) ** (1 / p);
}

afterAll(() => tf.setPortableKernels(false));

describe.each(kernelPaths())('var / std / logsumexp / norm (%s kernels)', (_name, portable) => {
  it('var and std match two-pass float64 references with correction 0, 1, 2 and unbiased', () => {
    tf.setPortableKernels(portable);
    forEachInput(FLOAT, 21, ({ shape, dtype, values, x, label }) => {
      for (const [k, dims] of dimCombos(shape.length).entries()) {
        const keepdim = k % 2 === 1;
        const what = `${label} dims ${JSON.stringify(dims)}`;
        check(x.var(dims, { keepdim }), refReduce(values, shape, dims, keepdim, (xs) => varRef(xs, 1)), dtype, tol(dtype), `var ${what}`);
        check(tf.std(x, dims, { correction: 0, keepdim }), refReduce(values, shape, dims, keepdim, (xs) => Math.sqrt(varRef(xs, 0))), dtype, tol(dtype), `std ${what}`);
        check(tf.var(x, dims, { correction: 2 }), refReduce(values, shape, dims, false, (xs) => varRef(xs, 2)), dtype, tol(dtype), `var c2 ${what}`);
        check(x.std(dims, { unbiased: false }), refReduce(values, shape, dims, false, (xs) => Math.sqrt(varRef(xs, 0))), dtype, tol(dtype), `std unbiased ${what}`);
      }
      check(x.var(false), refReduce(values, shape, undefined, false, (xs) => varRef(xs, 0)), dtype, tol(dtype), `var(false) ${label}`);
    });
  });

  it('var is exact where one-pass formulas cancel (large offset)', () => {
    tf.setPortableKernels(portable);
    const r = rng(22);
    const v = randomValues(10000, 'float64', r, 0, 1).map((a) => 1e8 + a);
    const x = makeTensor(v, [10000], 'float64');
    expectClose(x.var().dataSync(), [varRef(Array.from(v), 1)], { rtol: 1e-7 });
    x.dispose();
  });

  it('logsumexp matches a float64 reference and does not overflow', () => {
    tf.setPortableKernels(portable);
    forEachInput(FLOAT, 23, ({ shape, dtype, values, x, label }) => {
      for (const [k, dims] of dimCombos(shape.length).entries()) {
        if (dims === undefined) continue;
        const keepdim = k % 2 === 0;
        check(x.logsumexp(dims as number | number[], keepdim), refReduce(values, shape, dims, keepdim, lseRef), dtype, tol(dtype), `lse ${label} ${JSON.stringify(dims)}`);
      }
    }, { range: [-50, 50] });
    expectClose(tf.tensor([[1000, 1000, -Infinity]]).logsumexp(1).dataSync(), [1000 + Math.log(2)], { rtol: 1e-6 });
    expect(tf.tensor([-Infinity, -Infinity]).logsumexp(0).item()).toBe(-Infinity);
    expect(tf.tensor([Infinity, 1]).logsumexp(0).item()).toBe(Infinity);
    expect(tf.tensor([NaN, 1]).logsumexp(0).item()).toBeNaN();
    expect(tf.zeros([2, 0]).logsumexp(1).toArray()).toEqual([-Infinity, -Infinity]);
  });

  it('norm matches references for p = 2, fro, 1, Infinity, -Infinity, 0, 3, 0.5', () => {
    tf.setPortableKernels(portable);
    forEachInput(FLOAT, 24, ({ shape, dtype, values, x, label }) => {
      for (const p of [2, 'fro', 1, Infinity, -Infinity, 0, 3, 0.5] as const) {
        const pn = p === 'fro' ? 2 : p;
        for (const [k, dims] of dimCombos(shape.length).entries()) {
          const keepdim = k % 2 === 1;
          const ref = refReduce(values, shape, dims, keepdim, (xs) => normRef(xs, pn));
          if (ref.values.some(Number.isNaN)) {
            expect(() => x.norm(p, dims, keepdim)).toThrow(tf.IndexError);
            continue;
          }
          check(x.norm(p, dims, keepdim), ref, dtype, tol(dtype), `norm p=${String(p)} ${label} ${JSON.stringify(dims)}`);
        }
      }
    });
    expect(tf.tensor([3, 4]).norm().item()).toBe(5);
    expect(tf.norm(tf.tensor([[3, 4]], { dtype: 'int32' }), 2, 1, { dtype: 'float64' }).dtype).toBe('float64');
    expect(tf.tensor([1, NaN]).norm(Infinity).item()).toBeNaN();
    expect(tf.tensor([1, NaN]).norm(-Infinity).item()).toBeNaN();
  });
});

describe('var / std edge cases', () => {
  it('one element with correction 1 gives NaN; empty gives NaN', () => {
    expect(tf.tensor([3]).var().item()).toBeNaN();
    expect(tf.tensor([3]).var({ correction: 0 }).item()).toBe(0);
    expect(tf.zeros([0]).std().item()).toBeNaN();
    expect(tf.tensor([1, 3]).var(0, { correction: 3 }).item()).toBe(Infinity);
  });
});
