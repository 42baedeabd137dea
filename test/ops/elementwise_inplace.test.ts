/**
 * In-place ops: results against references on every layout (the tensor's own strided
 * memory is written), the same object returned, views sharing the storage see the change,
 * storage.version bumped, overlapping operands read before they are written, and the
 * ShapeError / DTypeError / ArgumentError paths PyTorch has.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { type Layout, expectClose, makeTensor, numel, randomValues, refBroadcast, rng, tolFor } from '../helpers';
import { geluTanhRef, i32, pyMod, sigmoidRef } from './elementwise_ref';

afterAll(() => tf.setPortableKernels(false));

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

interface BinCase {
  name: string;
  run: (x: Tensor, o: Tensor | number) => Tensor;
  ref: (x: number, y: number, dt: DType) => number;
  dtypes: DType[];
  scalar: number;
}
const BIN: BinCase[] = [
  { name: 'add_', run: (x, o) => x.add_(o), ref: (x, y, dt) => (dt === 'int32' ? i32(x + y) : x + y), dtypes: ['float32', 'float64', 'int32'], scalar: 2 },
  { name: 'add_ alpha', run: (x, o) => tf.add_(x, o, { alpha: -2 }), ref: (x, y, dt) => (dt === 'int32' ? i32(x - 2 * y) : x - 2 * y), dtypes: ['float32', 'float64', 'int32'], scalar: 3 },
  { name: 'sub_', run: (x, o) => x.sub_(o), ref: (x, y) => x - y, dtypes: ['float32', 'float64', 'int32'], scalar: 2 },
  { name: 'sub_ alpha', run: (x, o) => x.sub_(o, { alpha: 3 }), ref: (x, y) => x - 3 * y, dtypes: ['float32', 'float64', 'int32'], scalar: 2 },
  { name: 'mul_', run: (x, o) => tf.mul_(x, o), ref: (x, y) => x * y, dtypes: ['float32', 'float64', 'int32'], scalar: -3 },
  { name: 'div_', run: (x, o) => x.div_(o), ref: (x, y) => x / y, dtypes: ['float32', 'float64'], scalar: 4 },
  { name: 'div_ floor', run: (x, o) => x.div_(o, { roundingMode: 'floor' }), ref: (x, y) => Math.floor(x / y), dtypes: ['float32', 'int32'], scalar: 2 },
  { name: 'pow_', run: (x, o) => x.pow_(o), ref: (x, y) => Math.pow(x, y), dtypes: ['float32', 'float64'], scalar: 2 },
  { name: 'remainder_', run: (x, o) => x.remainder_(o), ref: pyMod, dtypes: ['float64', 'int32'], scalar: 3 },
  { name: 'fmod_', run: (x, o) => tf.fmod_(x, o), ref: (x, y) => x % y, dtypes: ['float32', 'int32'], scalar: 3 },
];

describe.each([false, true])('in-place binary ops (portable kernels: %s)', (portable) => {
  describe.each(BIN)('$name', (c) => {
    it.each(c.dtypes)('%s: every layout, broadcast other, scalar other', (dt) => {
      tf.setPortableKernels(portable);
      const r = rng(61);
      for (const [shape, oshape] of [[[17, 5], [17, 5]], [[3, 4], [4]], [[2, 3, 4], [3, 1]], [[7], []], [[], []], [[0, 3], [3]], [[33, 257], [33, 257]]] as [number[], number[]][]) {
        for (const layout of LAYOUTS) {
          for (const otherLayout of [LAYOUTS[(LAYOUTS.indexOf(layout) + 1) % 3], 'contiguous', 'scalar'] as const) {
            const useScalar = otherLayout === 'scalar';
            tf.tidy(() => {
              const vx = randomValues(numel(shape), dt, r, 0.5, 4);
              const vo = randomValues(numel(oshape), dt, r, 1, 4);
              const x = makeTensor(vx, shape, dt, layout);
              const before = x.storage.version;
              const other = otherLayout === 'scalar' ? c.scalar : makeTensor(vo, oshape, dt, otherLayout);
              const ret = c.run(x, other);
              const what = `${c.name} ${dt} ${JSON.stringify(shape)} ${layout} other ${otherLayout} ${JSON.stringify(oshape)}`;
              expect(ret, what).toBe(x);
              expect(x.storage.version, what).toBe(before + 1);
              expect(x.dtype).toBe(dt);
              const exp = refBroadcast({ shape, values: vx }, useScalar ? { shape: [], values: [c.scalar] } : { shape: oshape, values: vo }, (p, q) => c.ref(p, q, dt));
              expectClose(x.dataSync(), exp.values, { ...tolFor(dt), what });
            });
          }
        }
      }
    });
  });
});

interface UnCase { name: string; run: (x: Tensor) => Tensor; ref: (x: number) => number; dtypes: DType[] }
const UN: UnCase[] = [
  { name: 'neg_', run: (x) => x.neg_(), ref: (x) => -x, dtypes: ['float32', 'int32'] },
  { name: 'abs_', run: (x) => tf.abs_(x), ref: Math.abs, dtypes: ['float64', 'int32'] },
  { name: 'exp_', run: (x) => x.exp_(), ref: Math.exp, dtypes: ['float32', 'float64'] },
  { name: 'expm1_', run: (x) => x.expm1_(), ref: Math.expm1, dtypes: ['float32'] },
  { name: 'log_', run: (x) => x.abs_().log_(), ref: (x) => Math.log(Math.abs(x)), dtypes: ['float32', 'float64'] },
  { name: 'log1p_', run: (x) => x.log1p_(), ref: Math.log1p, dtypes: ['float64'] },
  { name: 'sqrt_', run: (x) => tf.sqrt_(x), ref: Math.sqrt, dtypes: ['float32'] },
  { name: 'rsqrt_', run: (x) => x.rsqrt_(), ref: (x) => 1 / Math.sqrt(x), dtypes: ['float32'] },
  { name: 'sin_', run: (x) => x.sin_(), ref: Math.sin, dtypes: ['float32'] },
  { name: 'cos_', run: (x) => x.cos_(), ref: Math.cos, dtypes: ['float64'] },
  { name: 'tanh_', run: (x) => x.tanh_(), ref: Math.tanh, dtypes: ['float32'] },
  { name: 'sigmoid_', run: (x) => tf.sigmoid_(x), ref: sigmoidRef, dtypes: ['float32', 'float64'] },
  { name: 'relu_', run: (x) => x.relu_(), ref: (x) => Math.max(0, x), dtypes: ['float32', 'int32'] },
  { name: 'reciprocal_', run: (x) => x.reciprocal_(), ref: (x) => 1 / x, dtypes: ['float32'] },
  { name: 'square_', run: (x) => x.square_(), ref: (x) => x * x, dtypes: ['float32', 'int32'] },
  { name: 'sign_', run: (x) => x.sign_(), ref: Math.sign, dtypes: ['float32', 'int32'] },
  { name: 'floor_', run: (x) => x.floor_(), ref: Math.floor, dtypes: ['float32'] },
  { name: 'ceil_', run: (x) => x.ceil_(), ref: Math.ceil, dtypes: ['float64'] },
  { name: 'round_', run: (x) => x.round_(), ref: Math.round, dtypes: ['float32'] },
  { name: 'gelu_', run: (x) => x.gelu_({ approximate: 'tanh' }), ref: geluTanhRef, dtypes: ['float32'] },
  { name: 'silu_', run: (x) => x.silu_(), ref: (x) => x * sigmoidRef(x), dtypes: ['float32'] },
  { name: 'leakyRelu_', run: (x) => x.leakyRelu_(0.1), ref: (x) => (x > 0 ? x : 0.1 * x), dtypes: ['float32'] },
  { name: 'elu_', run: (x) => x.elu_(), ref: (x) => (x > 0 ? x : Math.expm1(x)), dtypes: ['float32'] },
  { name: 'softplus_', run: (x) => x.softplus_(), ref: (x) => Math.log1p(Math.exp(x)), dtypes: ['float64'] },
  { name: 'clamp_', run: (x) => x.clamp_(-1, 1), ref: (x) => Math.min(1, Math.max(-1, x)), dtypes: ['float32', 'int32'] },
  { name: 'fill_', run: (x) => x.fill_(3), ref: () => 3, dtypes: ['float32', 'int32'] },
  { name: 'zero_', run: (x) => tf.zero_(x), ref: () => 0, dtypes: ['float64', 'int32'] },
];

describe.each([false, true])('in-place unary ops (portable kernels: %s)', (portable) => {
  describe.each(UN)('$name', (c) => {
    it.each(c.dtypes)('%s on every layout', (dt) => {
      tf.setPortableKernels(portable);
      const r = rng(71);
      for (const shape of [[17, 5], [2, 3, 4], [1000], [], [0]]) {
        for (const layout of LAYOUTS) {
          const pos = ['sqrt_', 'rsqrt_', 'log1p_'].includes(c.name);
          const vx = randomValues(numel(shape), dt, r, pos ? 0.1 : -3, 3).map((v) => (c.name === 'round_' ? v + 0.01 : v));
          const x = makeTensor(vx, shape, dt, layout);
          const before = x.storage.version;
          expect(c.run(x)).toBe(x);
          expect(x.storage.version).toBeGreaterThan(before);
          const exp = Float64Array.from(vx, c.ref);
          expectClose(x.dataSync(), exp, { ...(dt === 'float32' ? { rtol: 2e-5, atol: 2e-6 } : tolFor(dt)), what: `${c.name} ${dt} ${JSON.stringify(shape)} ${layout}` });
          x.dispose();
        }
      }
    });
  });
});

describe('in-place semantics', () => {
  it('views of the same storage see the change; untouched elements stay', () => {
    const base = tf.arange(12).reshape(3, 4);
    const col = base.select(1, 2); // a strided view: elements 2, 6, 10
    const v0 = base.storage.version;
    col.mul_(10).add_(1);
    expect(base.storage.version).toBe(v0 + 2);
    expect(base.toArray()).toEqual([[0, 1, 21, 3], [4, 5, 61, 7], [8, 9, 101, 11]]);
    base.T.relu_().neg_();
    expect(base.toArray()).toEqual([[0, -1, -21, -3], [-4, -5, -61, -7], [-8, -9, -101, -11]]);
    base.slice(1, 0, null, 2).fill_(7);
    expect(base.toArray()).toEqual([[7, -1, 7, -3], [7, -5, 7, -7], [7, -9, 7, -11]]);
    base.maskedFill_(base.lt(-5), 0);
    expect(base.toArray()).toEqual([[7, -1, 7, -3], [7, -5, 7, 0], [7, 0, 7, 0]]);
    base.zero_();
    expect(Array.from(base.dataSync()).every((v) => v === 0)).toBe(true);
  });
  it('reads an overlapping operand before writing (x.add_(x.T), x.add_(x))', () => {
    const x = tf.arange(9).reshape(3, 3);
    x.add_(x.T);
    expect(x.toArray()).toEqual([[0, 4, 8], [4, 8, 12], [8, 12, 16]]);
    const y = tf.arange(6);
    y.narrow(0, 1, 5).sub_(y.narrow(0, 0, 5));
    expect(y.toArray()).toEqual([0, 1, 1, 1, 1, 1]);
    const z = tf.tensor([1, 2, 3]);
    z.mul_(z);
    expect(z.toArray()).toEqual([1, 4, 9]);
    const w = tf.tensor([true, false, true, true]);
    w.narrow(0, 0, 2).maskedFill_(w.narrow(0, 2, 2), false);
    expect(w.toArray()).toEqual([false, false, true, true]);
  });
  it('computes in the tensor dtype when the other operand is wider but castable', () => {
    const x = tf.tensor([1, 2]);
    x.add_(tf.tensor([0.5, 0.25], { dtype: 'float64' }));
    expect(x.dtype).toBe('float32');
    expect(x.toArray()).toEqual([1.5, 2.25]);
    const i = tf.tensor([1, 2], { dtype: 'int32' });
    i.mul_(tf.tensor([true, false]));
    expect(i.toArray()).toEqual([1, 0]);
    const m = tf.tensor([true, false]);
    m.add_(tf.tensor([false, true]));
    expect(m.toArray()).toEqual([true, true]);
    const f = tf.tensor([1.7, -1.7]);
    f.clamp_(-1);
    expect(f.toArray()).toEqual([1.7000000476837158, -1]);
    const n = tf.tensor([1, 2], { dtype: 'int32' });
    n.fill_(2.9);
    expect(n.toArray()).toEqual([2, 2]);
  });
  it('throws DTypeError when the result cannot be cast back (as PyTorch)', () => {
    const i = tf.tensor([1, 2], { dtype: 'int32' });
    expect(() => i.add_(0.5)).toThrow(tf.DTypeError);
    expect(() => i.add_(0.5)).toThrow(/add_: result type float32 can't be cast to the desired output type int32/);
    expect(() => i.div_(2)).toThrow(/div_: result type float32 can't be cast/);
    expect(() => i.add_(tf.tensor([1.5, 2]))).toThrow(tf.DTypeError);
    expect(() => i.exp_()).toThrow(/exp_: result type float32 can't be cast to the desired output type int32/);
    expect(() => i.clamp_(0.5, 1)).toThrow(tf.DTypeError);
    expect(() => tf.tensor([true]).add_(1)).toThrow(/result type int32 can't be cast to the desired output type bool/);
    expect(() => tf.tensor([true]).sub_(true)).toThrow(/sub_: is not supported for bool/);
    expect(() => tf.tensor([true]).square_()).toThrow(tf.DTypeError);
    expect(() => i.gelu_()).toThrow(/expected float32 or float64/);
    expect(i.toArray()).toEqual([1, 2]); // nothing was written
  });
  it('throws ShapeError when broadcasting would change the shape', () => {
    const x = tf.zeros([3]);
    expect(() => x.add_(tf.zeros([2, 3]))).toThrow(tf.ShapeError);
    expect(() => x.add_(tf.zeros([2, 3]))).toThrow(/add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/);
    expect(() => x.mul_(tf.zeros([4]))).toThrow(/mul_: shapes \[3\] and \[4\] cannot be broadcast/);
    expect(() => x.maskedFill_(tf.ones([2, 3]).gt(0), 1)).toThrow(/maskedFill_: mask of shape \[2, 3\] cannot be broadcast to the tensor's shape \[3\]/);
  });
  it('refuses to write an expanded tensor (elements sharing memory)', () => {
    const e = tf.zeros([1, 3]).expand(2, 3);
    expect(() => e.add_(1)).toThrow(tf.ArgumentError);
    expect(() => e.relu_()).toThrow(/relu_: more than one element of the written-to tensor/);
    expect(() => e.maskedFill_(tf.ones([2, 3]).gt(0), 1)).toThrow(tf.ArgumentError);
  });
  it('checks arguments and disposal', () => {
    const x = tf.tensor([1, 2]);
    expect(() => tf.add_(3 as never, x)).toThrow(/add_: input must be a Tensor/);
    expect(() => x.mul_('2' as never)).toThrow(/mul_: other must be a Tensor, a number or a boolean/);
    expect(() => x.div_(2, { roundingMode: 'x' as never })).toThrow(tf.ArgumentError);
    expect(() => x.fill_([1] as never)).toThrow(/fill_: value must be a number/);
    expect(() => tf.tensor([1], { dtype: 'int32' }).pow_(-1)).toThrow(/pow_: integers to negative integer powers/);
    expect(() => tf.tensor([1], { dtype: 'int32' }).fill_(Infinity)).toThrow(tf.ArgumentError);
    const d = tf.tensor([1, 2]);
    d.dispose();
    expect(() => d.add_(1)).toThrow(tf.DisposedError);
    expect(() => x.add_(d)).toThrow(tf.DisposedError);
    expect(() => d.exp_()).toThrow(tf.DisposedError);
    expect(() => d.fill_(0)).toThrow(tf.DisposedError);
  });
});
