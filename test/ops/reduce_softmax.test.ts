import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType } from '../../lib/index';
import { expectClose, makeTensor, numel, randomValues, rng, SHAPES } from '../helpers';
import { forEachInput, i32, kernelPaths, refAlong } from './reduce_ref';

const FLOAT: DType[] = ['float32', 'float64'];

function softmaxRef(xs: number[]): number[] {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return xs.map(() => NaN);
  const e = xs.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function logSoftmaxRef(xs: number[]): number[] {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return xs.map(() => NaN);
  const s = xs.reduce((a, v) => a + Math.exp(v - m), 0);
  return xs.map((v) => v - m - Math.log(s));
}
const cumsumRef = (xs: number[]) => { let a = 0; return xs.map((v) => (a += v)); };
const cumprodRef = (xs: number[]) => { let a = 1; return xs.map((v) => (a *= v)); };
const cumsumI32 = (xs: number[]) => xs.map((_, i) => i32.sum(xs.slice(0, i + 1)));
const cumprodI32 = (xs: number[]) => xs.map((_, i) => i32.prod(xs.slice(0, i + 1)));

function dimsFor(nd: number): number[] {
  if (nd === 0) return [0, -1];
  return nd === 1 ? [0, -1] : [0, -1, 1];
}

const tol = (d: DType) => (d === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 2e-6, atol: 2e-6 });

afterAll(() => tf.setPortableKernels(false));

describe.each(kernelPaths())('softmax / logSoftmax (%s kernels)', (_name, portable) => {
  it('match float64 references along every dim, layouts, dtypes', () => {
    tf.setPortableKernels(portable);
    forEachInput(FLOAT, 31, ({ shape, dtype, values, x, label }) => {
      for (const dim of dimsFor(shape.length)) {
        for (const log of [false, true]) {
          const y = log ? x.logSoftmax(dim) : tf.softmax(x, dim);
          expect(y.shape).toEqual(shape);
          expect(y.dtype).toBe(dtype);
          expectClose(y.dataSync(), refAlong(values, shape, dim, log ? logSoftmaxRef : softmaxRef), { ...tol(dtype), what: `${log ? 'logSoftmax' : 'softmax'} ${label} dim ${dim}` });
          y.dispose();
        }
      }
    });
  });

  it('large inputs do not overflow: shifting by 1e4 changes nothing', () => {
    tf.setPortableKernels(portable);
    const r = rng(32);
    for (const dtype of FLOAT) {
      for (const shape of [[4, 1000], [7, 33]]) {
        // multiples of 1/8 around 1e4 are exact in float32, so x - max is exact too
        const values = randomValues(numel(shape), 'int32', r, -400, 400).map((v) => 1e4 + v / 8);
        const x = makeTensor(values, shape, dtype, 'contiguous');
        expectClose(x.softmax(1).dataSync(), refAlong(values, shape, 1, softmaxRef), { ...tol(dtype), what: `softmax ${dtype}` });
        expectClose(x.logSoftmax(-1).dataSync(), refAlong(values, shape, 1, logSoftmaxRef), { ...tol(dtype), rtol: 1e-6, what: `logSoftmax ${dtype}` });
        x.dispose();
      }
    }
    expectClose(tf.tensor([[0, 1000]]).logSoftmax(1).dataSync(), [-1000, 0]);
    expectClose(tf.tensor([[-1e30, 0, 3e38]]).softmax(1).dataSync(), [0, 0, 1]);
  });

  it('rows with NaN, +Infinity or only -Infinity give NaN; -Infinity elements give 0 / -Infinity', () => {
    tf.setPortableKernels(portable);
    const x = tf.tensor([[1, NaN, 2], [1, Infinity, 2], [-Infinity, -Infinity, -Infinity], [-Infinity, 0, 0]]);
    for (const t of [x, x.T.contiguous().T]) {
      const s = Array.from(t.softmax(1).dataSync());
      expect(s.slice(0, 9).every(Number.isNaN)).toBe(true);
      expectClose(s.slice(9), [0, 0.5, 0.5]);
      const l = Array.from(t.logSoftmax(1).dataSync());
      expect(l.slice(0, 9).every(Number.isNaN)).toBe(true);
      expectClose(l.slice(9), [-Infinity, -Math.LN2, -Math.LN2]);
    }
  });

  it('rows of every length up to 40 and one of 4099 (vector tails)', () => {
    tf.setPortableKernels(portable);
    const r = rng(33);
    for (const n of [...Array.from({ length: 40 }, (_, i) => i + 1), 4099]) {
      const values = randomValues(3 * n, 'float32', r, -20, 20);
      const x = makeTensor(values, [3, n], 'float32');
      expectClose(x.softmax(1).dataSync(), refAlong(values, [3, n], 1, softmaxRef), { rtol: 1e-5, atol: 1e-7, what: `softmax n=${n}` });
      expectClose(x.logSoftmax(1).dataSync(), refAlong(values, [3, n], 1, logSoftmaxRef), { rtol: 1e-5, atol: 1e-5, what: `logSoftmax n=${n}` });
      x.dispose();
    }
  });
});

describe('softmax details', () => {
  it('0-d and empty inputs; the dtype option converts ints', () => {
    expect(tf.tensor(3).softmax(0).item()).toBe(1);
    expect(tf.tensor(3).logSoftmax(-1).item()).toBe(0);
    expect(tf.zeros([3, 0]).softmax(1).shape).toEqual([3, 0]);
    expect(tf.zeros([3, 0]).logSoftmax(0).shape).toEqual([3, 0]);
    const y = tf.tensor([[1, 2]], { dtype: 'int32' }).softmax(1, { dtype: 'float64' });
    expect(y.dtype).toBe('float64');
    expectClose(y.dataSync(), softmaxRef([1, 2]), { rtol: 1e-12 });
  });
});

describe('cumsum / cumprod', () => {
  it('match references along every dim, layouts, dtypes (int32/bool give int32)', () => {
    forEachInput(['float32', 'float64', 'int32', 'bool'], 34, ({ shape, dtype, values, x, label }) => {
      const isInt = dtype === 'int32' || dtype === 'bool';
      const outDtype = isInt ? 'int32' : dtype;
      const t = isInt ? {} : dtype === 'float64' ? { rtol: 1e-10, atol: 1e-9 } : { rtol: 3e-7, atol: 1e-6 };
      for (const dim of dimsFor(shape.length)) {
        const s = x.cumsum(dim);
        expect(s.dtype).toBe(outDtype);
        expect(s.shape).toEqual(shape);
        expectClose(s.dataSync(), refAlong(values, shape, dim, isInt ? cumsumI32 : cumsumRef), { ...t, what: `cumsum ${label} dim ${dim}` });
        s.dispose();
        const p = tf.cumprod(x, dim);
        expect(p.dtype).toBe(outDtype);
        expectClose(p.dataSync(), refAlong(values, shape, dim, isInt ? cumprodI32 : cumprodRef), { ...(isInt ? {} : { ...t, atol: 1e-30 }), what: `cumprod ${label} dim ${dim}` });
        p.dispose();
      }
    }, { range: [0.5, 1.5], shapes: SHAPES.filter((s) => numel(s) < 5000) });
    forEachInput(['int32'], 35, ({ shape, values, x, label }) => {
      for (const dim of dimsFor(shape.length)) {
        expectClose(x.cumsum(dim).dataSync(), refAlong(values, shape, dim, cumsumI32), { what: `cumsum ${label}` });
        expectClose(x.cumprod(dim).dataSync(), refAlong(values, shape, dim, cumprodI32), { what: `cumprod ${label}` });
      }
    }, { range: [-5, 5], shapes: SHAPES.filter((s) => numel(s) < 5000) });
  });

  it('long float32 scans do not drift, and the dtype option converts first', () => {
    const n = 200_000;
    const v = randomValues(n, 'float32', rng(36), 0, 1);
    const x = makeTensor(v, [n], 'float32');
    const got = x.cumsum(0).dataSync();
    const ref = cumsumRef(Array.from(v));
    expectClose(got, ref, { rtol: 1.2e-7, atol: 0 });
    const c = tf.tensor([true, true, false]).cumsum(0, { dtype: 'float64' });
    expect(c.dtype).toBe('float64');
    expect(Array.from(c.dataSync())).toEqual([1, 2, 2]);
    expect(tf.tensor(new Int32Array([2147483647, 1])).cumsum(0).toArray()).toEqual([2147483647, -2147483648]);
    x.dispose();
  });
});
