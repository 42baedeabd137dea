/**
 * Comparisons, logical ops, where and maskedFill against plain JS references: every
 * dtype, shapes, layouts, broadcasting, scalars on either side, NaN, promotion, errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { BROADCAST_PAIRS, type Layout, SHAPES, expectClose, makeTensor, numel, randomValues, refBroadcast, rng, tolFor } from '../helpers';

afterAll(() => tf.setPortableKernels(false));

const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];
const b = (v: boolean): number => (v ? 1 : 0);
const CMP: [string, (x: tf.Operand, y: tf.Operand) => Tensor, (x: number, y: number) => number][] = [
  ['eq', tf.eq, (x, y) => b(x === y)],
  ['ne', (x, y) => tf.ne(x, y), (x, y) => b(x !== y)],
  ['lt', tf.lt, (x, y) => b(x < y)],
  ['le', tf.le, (x, y) => b(x <= y)],
  ['gt', tf.gt, (x, y) => b(x > y)],
  ['ge', tf.ge, (x, y) => b(x >= y)],
  ['logicalAnd', tf.logicalAnd, (x, y) => b(x !== 0 && y !== 0)],
  ['logicalOr', tf.logicalOr, (x, y) => b(x !== 0 || y !== 0)],
  ['logicalXor', tf.logicalXor, (x, y) => b((x !== 0) !== (y !== 0))],
];
const LAYOUT_PAIRS: [Layout, Layout][] = [['contiguous', 'contiguous'], ['transposed', 'sliced'], ['sliced', 'transposed']];

/** Small integer-valued inputs so that equal pairs occur; NaN sprinkled into floats. */
function vals(n: number, dt: DType, r: () => number): Float64Array {
  const v = randomValues(n, dt === 'bool' ? 'bool' : 'int32', r, -2, 3);
  if (dt === 'float32' || dt === 'float64') for (let i = 0; i < n; i++) if (r() < 0.1) v[i] = r() < 0.5 ? NaN : v[i] + 0.5;
  return v;
}

describe.each([false, true])('comparisons and logical ops (portable kernels: %s)', (portable) => {
  describe.each(CMP)('%s', (name, run, ref) => {
    it.each(ALL)('%s: shapes, layouts, broadcasting, scalars', (dt) => {
      tf.setPortableKernels(portable);
      const r = rng(31);
      const check = (out: Tensor, exp: { shape: number[]; values: Float64Array }, what: string) => {
        expect(out.dtype, what).toBe('bool');
        expect(out.shape, what).toEqual(exp.shape);
        expectClose(out.dataSync(), exp.values, { rtol: 0, atol: 0, what });
      };
      for (const shape of SHAPES) {
        for (const [la, lb] of LAYOUT_PAIRS) {
          tf.tidy(() => {
            const va = vals(numel(shape), dt, r);
            const vb = vals(numel(shape), dt, r);
            const out = run(makeTensor(va, shape, dt, la), makeTensor(vb, shape, dt, lb));
            check(out, refBroadcast({ shape, values: va }, { shape, values: vb }, ref), `${name} ${dt} ${JSON.stringify(shape)} ${la}/${lb}`);
          });
        }
      }
      for (const [sa, sb] of BROADCAST_PAIRS) {
        tf.tidy(() => {
          const va = vals(numel(sa), dt, r);
          const vb = vals(numel(sb), dt, r);
          check(run(makeTensor(va, sa, dt, 'transposed'), makeTensor(vb, sb, dt)), refBroadcast({ shape: sa, values: va }, { shape: sb, values: vb }, ref), `${name} ${dt} broadcast ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
        });
      }
      const s = dt === 'bool' ? true : 1;
      for (const layout of ['contiguous', 'sliced'] as Layout[]) {
        tf.tidy(() => {
          const v = vals(35, dt, r);
          const t = makeTensor(v, [5, 7], dt, layout);
          check(run(t, s), refBroadcast({ shape: [5, 7], values: v }, { shape: [], values: [Number(s)] }, ref), `${name}(t, ${s})`);
          check(run(s, t), refBroadcast({ shape: [], values: [Number(s)] }, { shape: [5, 7], values: v }, ref), `${name}(${s}, t)`);
        });
      }
    });
  });
});

describe('comparison promotion and NaN', () => {
  it('compares in the promoted dtype', () => {
    const i = tf.tensor([0, 1, 2], { dtype: 'int32' });
    expect(tf.lt(i, 0.5).toArray()).toEqual([true, false, false]);
    expect(tf.eq(i, tf.tensor([0, 1.5, 2], { dtype: 'float64' })).toArray()).toEqual([true, false, true]);
    // float32 tensor == 0.1 compares with float32(0.1), as PyTorch does
    expect(tf.eq(tf.tensor([0.1]), 0.1).item()).toBe(true);
    expect(tf.eq(tf.tensor([0.1], { dtype: 'float64' }), Math.fround(0.1)).item()).toBe(false);
    expect(tf.eq(tf.tensor([true, false]), 1).toArray()).toEqual([true, false]);
  });
  it('NaN compares unequal to everything', () => {
    const x = tf.tensor([NaN, 1]);
    expect(x.eq(x).toArray()).toEqual([false, true]);
    expect(x.ne(x).toArray()).toEqual([true, false]);
    expect(x.lt(Infinity).toArray()).toEqual([false, true]);
    expect(tf.logicalNot(x).toArray()).toEqual([false, false]);
    expect(tf.logicalAnd(x, 1).toArray()).toEqual([true, true]);
  });
  it('logicalNot on every dtype', () => {
    expect(tf.logicalNot(tf.tensor([true, false])).toArray()).toEqual([false, true]);
    expect(tf.logicalNot(tf.tensor([0, -2], { dtype: 'int32' })).toArray()).toEqual([true, false]);
    expect(tf.logicalNot(tf.tensor([0, 0.5], { dtype: 'float64' }).T).toArray()).toEqual([true, false]);
    expect(tf.tensor([-0, 3]).logicalNot().toArray()).toEqual([true, false]);
  });
  it('errors', () => {
    expect(() => tf.eq(tf.zeros([2, 3]), tf.zeros([2]))).toThrow(/eq: shapes \[2, 3\] and \[2\] cannot be broadcast/);
    expect(() => tf.lt(1, 2)).toThrow(/lt: expected at least one Tensor operand/);
    expect(() => tf.gt(tf.zeros([1]), {} as never)).toThrow(tf.ArgumentError);
    expect(() => tf.logicalNot(1 as never)).toThrow(/logicalNot: input must be a Tensor/);
  });
});

describe('where', () => {
  it.each(ALL)('%s: cond, a and b broadcast together, any layout', (dt) => {
    const r = rng(41);
    const triples: [number[], number[], number[]][] = [[[2, 3], [2, 3], [2, 3]], [[4, 1], [1, 5], [5]], [[3, 1, 2], [], [4, 1]], [[0, 2], [2], [1]], [[7, 9], [7, 1], [9]], [[], [], []]];
    for (const [sc, sa, sb] of triples) {
      for (const layout of ['contiguous', 'transposed', 'sliced'] as Layout[]) {
        tf.tidy(() => {
          const vc = randomValues(numel(sc), 'bool', r);
          const va = randomValues(numel(sa), dt, r);
          const vb = randomValues(numel(sb), dt, r);
          const out = tf.where(makeTensor(vc, sc, 'bool', layout), makeTensor(va, sa, dt, layout), makeTensor(vb, sb, dt));
          const ab = refBroadcast({ shape: sa, values: va }, { shape: sb, values: vb }, (x) => x);
          const ba = refBroadcast({ shape: sa, values: va }, { shape: sb, values: vb }, (_, y) => y);
          const sel = refBroadcast({ shape: sc, values: vc }, { shape: ab.shape, values: ab.values }, (c, x) => c);
          const full = refBroadcast({ shape: sc, values: vc }, { shape: ab.shape, values: ab.values }, (_, x) => x);
          const other = refBroadcast({ shape: sc, values: vc }, { shape: ba.shape, values: ba.values }, (_, y) => y);
          const exp = sel.values.map((c, i) => (c ? full.values[i] : other.values[i]));
          expect(out.dtype).toBe(dt);
          expect(out.shape).toEqual(sel.shape);
          expectClose(out.dataSync(), exp, { ...tolFor(dt), what: `where ${dt} ${JSON.stringify([sc, sa, sb])} ${layout}` });
        });
      }
    }
  });
  it('accepts scalars and promotes', () => {
    const c = tf.tensor([true, false, true]);
    const x = tf.tensor([1, 2, 3], { dtype: 'int32' });
    expect(tf.where(c, x, 0).dtype).toBe('int32');
    expect(tf.where(c, x, 0.5).toArray()).toEqual([1, 0.5, 3]);
    expect(tf.where(c, x, 0.5).dtype).toBe('float32');
    expect(tf.where(c, 1, 0).dtype).toBe('int32');
    expect(tf.where(c, 1.5, 0).toArray()).toEqual([1.5, 0, 1.5]);
    expect(tf.where(c, true, false).toArray()).toEqual([true, false, true]);
    expect(tf.where(c, x, tf.tensor([9], { dtype: 'float64' })).dtype).toBe('float64');
    expect(x.where(c, -1).toArray()).toEqual([1, -1, 3]);
    expect(tf.where(c.reshape(3, 1), x, tf.tensor([7, 8, 9], { dtype: 'int32' })).toArray()).toEqual([[1, 2, 3], [7, 8, 9], [1, 2, 3]]);
  });
  it('errors', () => {
    const x = tf.tensor([1, 2]);
    expect(() => tf.where(x, x, x)).toThrow(/where: condition must be a bool tensor, got dtype float32/);
    expect(() => tf.where(x.gt(0), x, tf.zeros([3]))).toThrow(/where: condition \[2\], input \[2\] and other \[3\] cannot be broadcast together/);
    expect(() => tf.where(x.gt(0), 'a' as never, 1)).toThrow(tf.ArgumentError);
    expect(() => tf.where([true] as never, 1, 2)).toThrow(/where: condition must be a Tensor/);
  });
});

describe('maskedFill', () => {
  it.each(ALL)('%s: mask broadcast, any layout, out of place', (dt) => {
    const r = rng(51);
    for (const [sx, sm] of [[[2, 3], [2, 3]], [[4, 5], [5]], [[3, 1], [3, 4]], [[0, 3], [3]], [[], []], [[17, 5], [17, 1]]] as [number[], number[]][]) {
      for (const layout of ['contiguous', 'transposed', 'sliced'] as Layout[]) {
        tf.tidy(() => {
          const vx = randomValues(numel(sx), dt, r);
          const vm = randomValues(numel(sm), 'bool', r);
          const value = dt === 'bool' ? true : dt === 'int32' ? 7 : -1.5;
          const x = makeTensor(vx, sx, dt, layout);
          const out = tf.maskedFill(x, makeTensor(vm, sm, 'bool', layout), value);
          const exp = refBroadcast({ shape: sx, values: vx }, { shape: sm, values: vm }, (v, m) => (m ? Number(value) : v));
          expect(out.dtype).toBe(dt);
          expect(out.shape).toEqual(exp.shape);
          expectClose(out.dataSync(), exp.values, { rtol: 0, atol: 0 });
          expectClose(x.dataSync(), vx, { rtol: 0, atol: 0, what: 'input untouched' });
        });
      }
    }
  });
  it('converts the value to the tensor dtype; accepts 0-d tensors', () => {
    const i = tf.tensor([1, 2, 3], { dtype: 'int32' });
    const m = tf.tensor([true, false, true]);
    expect(i.maskedFill(m, 2.7).toArray()).toEqual([2, 2, 2]);
    expect(i.maskedFill(m, tf.tensor(-4)).toArray()).toEqual([-4, 2, -4]);
    expect(tf.tensor([true, true, false]).maskedFill(m, 0).toArray()).toEqual([false, true, false]);
    expect(tf.tensor([1, 2, 3]).maskedFill(m, -Infinity).toArray()).toEqual([-Infinity, 2, -Infinity]);
  });
  it('errors', () => {
    const x = tf.tensor([1, 2, 3]);
    expect(() => x.maskedFill(x, 0)).toThrow(/maskedFill: mask must be a bool tensor, got dtype float32/);
    expect(() => x.maskedFill(tf.tensor([true, false]), 0)).toThrow(tf.ShapeError);
    expect(() => x.maskedFill(x.gt(1), 'a' as never)).toThrow(/maskedFill: value must be a number, a boolean or a 0-d tensor, got string/);
    expect(() => x.maskedFill(x.gt(1), tf.tensor([1, 2]))).toThrow(/0-d tensor, got a tensor of shape \[2\]/);
    expect(() => tf.tensor([1], { dtype: 'int32' }).maskedFill(tf.tensor([true]), 2 ** 40)).toThrow(/cannot be converted to int32/);
    expect(() => tf.tensor([1], { dtype: 'int32' }).maskedFill(tf.tensor([true]), NaN)).toThrow(tf.ArgumentError);
  });
});
