/** clipGradNorm_ and clipGradValue_ against plain JS norms and clamps. */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, makeTensor, randomValues, rng, type Layout } from '../helpers';

afterAll(() => tf.setPortableKernels(false));

function jsNorm(values: Float64Array[], p: number): number {
  if (p === Infinity) return Math.max(0, ...values.map((v) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
  let s = 0;
  for (const v of values) for (const x of v) s += Math.abs(x) ** p;
  return s ** (1 / p);
}

function params(dtype: DType, layouts: Layout[], seed: number, scale: number): { ps: Tensor[]; gs: Float64Array[] } {
  const r = rng(seed);
  const shapes = [[7], [17, 5], [3, 1, 4], [40000]];
  const ps: Tensor[] = [];
  const gs: Float64Array[] = [];
  shapes.forEach((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const p = tf.zeros(shape, { dtype });
    p.requiresGrad = true;
    const g = randomValues(n, dtype, r, -scale, scale);
    p.grad = makeTensor(g, shape, dtype, layouts[i % layouts.length]);
    ps.push(p);
    gs.push(g);
  });
  // a parameter without grad is ignored
  const none = tf.zeros([3], { dtype });
  ps.push(none);
  return { ps, gs };
}

describe('clipGradNorm_', () => {
  for (const portable of [false, true]) {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      for (const p of [2, 1, 3, Infinity]) {
        it(`${dtype} norm ${p} (${portable ? 'portable' : 'AVX2'}): returns the total norm and scales by maxNorm/(norm + 1e-6)`, () => {
          tf.setPortableKernels(portable);
          const { ps, gs } = params(dtype, ['contiguous', 'transposed', 'sliced'], 11 + p, 2);
          const total = jsNorm(gs, p);
          const maxNorm = total / 3;
          const got = tf.optim.clipGradNorm_(ps, maxNorm, p);
          expect(got).toBeCloseTo(total, dtype === 'float64' ? 9 : 3);
          expect(Math.abs(got - total) / total).toBeLessThan(1e-12);
          const coef = maxNorm / (total + 1e-6);
          ps.slice(0, gs.length).forEach((q, i) => {
            expectClose(q.grad!.dataSync(), gs[i].map((x) => x * coef), dtype === 'float64' ? { rtol: 1e-12, atol: 1e-15 } : { rtol: 1e-6, atol: 1e-7 });
          });
          // clipped to maxNorm now
          expect(tf.optim.clipGradNorm_(ps, 1e9, p)).toBeCloseTo(maxNorm, 3);
          expect(ps[ps.length - 1].grad).toBeNull();
        });
      }
    }
  }

  it('leaves grads alone when the norm is below maxNorm, and accepts a single tensor', () => {
    const p = tf.zeros([3]);
    p.grad = tf.tensor([3, 4, 0]);
    expect(tf.optim.clipGradNorm_(p, 10)).toBeCloseTo(5, 6);
    expect(Array.from(p.grad.dataSync())).toEqual([3, 4, 0]);
    expect(tf.optim.clipGradNorm_([p], 1)).toBeCloseTo(5, 6);
    expectClose(p.grad.dataSync(), [3 / (5 + 1e-6), 4 / (5 + 1e-6), 0], { rtol: 1e-6 });
  });

  it('returns 0 without grads; NaN norms poison grads unless errorIfNonfinite', () => {
    expect(tf.optim.clipGradNorm_([tf.zeros([2])], 1)).toBe(0);
    const p = tf.zeros([2]);
    p.grad = tf.tensor([NaN, 1]);
    expect(() => tf.optim.clipGradNorm_([p], 1, 2, { errorIfNonfinite: true })).toThrow(/clipGradNorm_: the total norm of order 2 of the gradients is NaN/);
    expect(Number.isNaN(tf.optim.clipGradNorm_([p], 1, Infinity))).toBe(true);
    expect(Number.isNaN(p.grad.dataSync()[1])).toBe(true);
  });

  it('rejects bad arguments', () => {
    const p = tf.zeros([2]);
    p.grad = tf.ones([2]);
    expect(() => tf.optim.clipGradNorm_([p], -1)).toThrow(tf.ArgumentError);
    expect(() => tf.optim.clipGradNorm_([p], 1, 0)).toThrow(/clipGradNorm_: normType must be a number > 0 or Infinity, got 0/);
    expect(() => tf.optim.clipGradNorm_([1 as never], 1)).toThrow(/clipGradNorm_: params\[0\] must be a Tensor, got number/);
    expect(() => tf.optim.clipGradNorm_(5 as never, 1)).toThrow(/clipGradNorm_: params must be a Tensor or an iterable/);
    const q = tf.zeros([2], { dtype: 'int32' });
    q.grad = tf.zeros([2], { dtype: 'int32' });
    expect(() => tf.optim.clipGradNorm_([q], 1)).toThrow(tf.DTypeError);
    p.grad.dispose();
    expect(() => tf.optim.clipGradNorm_([p], 1)).toThrow(tf.DisposedError);
  });
});

describe('clipGradValue_', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`${dtype}: clamps every element into [-c, c], contiguous or not`, () => {
      const { ps, gs } = params(dtype, ['contiguous', 'sliced', 'transposed'], 5, 3);
      tf.optim.clipGradValue_(ps, 1.5);
      ps.slice(0, gs.length).forEach((q, i) => {
        expect(Array.from(q.grad!.dataSync())).toEqual(Array.from(gs[i].map((x) => Math.min(1.5, Math.max(-1.5, dtype === 'float32' ? Math.fround(x) : x)))));
      });
    });
  }
  it('keeps NaN and rejects a bad clip value', () => {
    const p = tf.zeros([3]);
    p.grad = tf.tensor([NaN, -7, 7]);
    tf.optim.clipGradValue_([p], 2);
    const g = p.grad.dataSync();
    expect(Number.isNaN(g[0])).toBe(true);
    expect([g[1], g[2]]).toEqual([-2, 2]);
    expect(() => tf.optim.clipGradValue_([p], -1)).toThrow(/clipGradValue_: clipValue must be a number >= 0, got -1/);
  });
});
