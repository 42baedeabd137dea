/**
 * Unary math and activations against float64 references over SHAPES, every layout, every
 * dtype each op accepts (int/bool float math gives float32), both kernel paths; NaN and
 * infinity handling as PyTorch; clamp's options; every error path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { type Layout, SHAPES, expectClose, makeTensor, numel, randomValues, rng, tolFor } from '../helpers';
import { erf, geluTanhRef, i32, sigmoidRef } from './elementwise_ref';

afterAll(() => tf.setPortableKernels(false));

/** Half to even, like torch.round. */
export function roundHalfEven(x: number): number {
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
}

type Rule = 'float' | 'same' | 'square';
interface Case {
  name: string;
  run: (x: Tensor) => Tensor;
  ref: (x: number, dt: DType) => number;
  dtypes: DType[];
  rule: Rule;
  range?: [number, number];
}
const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];
const SIGNED: DType[] = ['float32', 'float64', 'int32'];
const FLOATS: DType[] = ['float32', 'float64'];

const CASES: Case[] = [
  { name: 'neg', run: (x) => tf.neg(x), ref: (x) => i32orSelf(-x), dtypes: SIGNED, rule: 'same' },
  { name: 'abs', run: (x) => x.abs(), ref: Math.abs, dtypes: SIGNED, rule: 'same' },
  { name: 'exp', run: (x) => tf.exp(x), ref: Math.exp, dtypes: ALL, rule: 'float' },
  { name: 'expm1', run: (x) => x.expm1(), ref: Math.expm1, dtypes: ALL, rule: 'float' },
  { name: 'log', run: (x) => tf.log(x), ref: Math.log, dtypes: ALL, rule: 'float', range: [0.05, 5] },
  { name: 'log1p', run: (x) => x.log1p(), ref: Math.log1p, dtypes: ALL, rule: 'float', range: [-0.9, 5] },
  { name: 'sqrt', run: (x) => tf.sqrt(x), ref: Math.sqrt, dtypes: ALL, rule: 'float', range: [0, 5] },
  { name: 'rsqrt', run: (x) => x.rsqrt(), ref: (x) => 1 / Math.sqrt(x), dtypes: ALL, rule: 'float', range: [0.1, 5] },
  { name: 'sin', run: (x) => tf.sin(x), ref: Math.sin, dtypes: ALL, rule: 'float' },
  { name: 'cos', run: (x) => x.cos(), ref: Math.cos, dtypes: ALL, rule: 'float' },
  { name: 'tanh', run: (x) => tf.tanh(x), ref: Math.tanh, dtypes: ALL, rule: 'float' },
  { name: 'sigmoid', run: (x) => x.sigmoid(), ref: sigmoidRef, dtypes: ALL, rule: 'float', range: [-10, 10] },
  { name: 'relu', run: (x) => tf.relu(x), ref: (x) => Math.max(x, 0), dtypes: SIGNED, rule: 'same' },
  { name: 'reciprocal', run: (x) => x.reciprocal(), ref: (x) => 1 / x, dtypes: ALL, rule: 'float' },
  { name: 'square', run: (x) => tf.square(x), ref: (x) => x * x, dtypes: ALL, rule: 'square' },
  { name: 'sign', run: (x) => x.sign(), ref: Math.sign, dtypes: ALL, rule: 'same' },
  { name: 'floor', run: (x) => tf.floor(x), ref: Math.floor, dtypes: ALL, rule: 'same' },
  { name: 'ceil', run: (x) => x.ceil(), ref: Math.ceil, dtypes: ALL, rule: 'same' },
  { name: 'round', run: (x) => tf.round(x), ref: roundHalfEven, dtypes: ALL, rule: 'same' },
  { name: 'gelu', run: (x) => tf.gelu(x), ref: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), dtypes: FLOATS, rule: 'same', range: [-6, 6] },
  { name: 'gelu tanh', run: (x) => x.gelu({ approximate: 'tanh' }), ref: geluTanhRef, dtypes: FLOATS, rule: 'same', range: [-6, 6] },
  { name: 'silu', run: (x) => tf.silu(x), ref: (x) => x * sigmoidRef(x), dtypes: FLOATS, rule: 'same', range: [-10, 10] },
  { name: 'leakyRelu', run: (x) => tf.leakyRelu(x), ref: (x) => (x > 0 ? x : 0.01 * x), dtypes: FLOATS, rule: 'same' },
  { name: 'leakyRelu 0.2', run: (x) => x.leakyRelu(0.2), ref: (x) => (x > 0 ? x : 0.2 * x), dtypes: FLOATS, rule: 'same' },
  { name: 'elu', run: (x) => tf.elu(x), ref: (x) => (x > 0 ? x : Math.expm1(x)), dtypes: FLOATS, rule: 'same' },
  { name: 'elu 1.5', run: (x) => x.elu(1.5), ref: (x) => (x > 0 ? x : 1.5 * Math.expm1(x)), dtypes: FLOATS, rule: 'same' },
  { name: 'softplus', run: (x) => tf.softplus(x), ref: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))), dtypes: FLOATS, rule: 'same', range: [-30, 30] },
  { name: 'softplus 2 3', run: (x) => x.softplus(2, 3), ref: (x) => (2 * x > 3 ? x : Math.log1p(Math.exp(2 * x)) / 2), dtypes: FLOATS, rule: 'same' },
  { name: 'clamp', run: (x) => tf.clamp(x, -1, 2), ref: (x) => Math.min(Math.max(x, -1), 2), dtypes: SIGNED, rule: 'same' },
  { name: 'clamp max', run: (x) => x.clamp(null, 1), ref: (x) => Math.min(x, 1), dtypes: SIGNED, rule: 'same' },
  { name: 'clip min', run: (x) => tf.clip(x, 0), ref: (x) => Math.max(x, 0), dtypes: SIGNED, rule: 'same' },
];

function i32orSelf(v: number): number {
  return v === 0 ? 0 : v; // -0 of an int reference is 0
}

function outDtype(rule: Rule, dt: DType): DType {
  if (rule === 'same') return dt;
  if (rule === 'square') return dt === 'bool' ? 'int32' : dt;
  return dt === 'float64' ? 'float64' : 'float32';
}

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

describe.each([false, true])('unary ops (portable kernels: %s)', (portable) => {
  describe.each(CASES)('$name', (c) => {
    it.each(c.dtypes)('%s over every shape and layout', (dt) => {
      tf.setPortableKernels(portable);
      const r = rng(21);
      const want = outDtype(c.rule, dt);
      const range = c.range ?? [-3, 3];
      for (const shape of SHAPES) {
        for (const layout of LAYOUTS) {
          tf.tidy(() => {
            const v = randomValues(numel(shape), dt, r, range[0], range[1]);
            const x = makeTensor(v, shape, dt, layout);
            const out = c.run(x);
            const what = `${c.name} ${dt} ${JSON.stringify(shape)} ${layout}`;
            expect(out.dtype, what).toBe(want);
            expect(out.shape, what).toEqual(shape);
            const exp = Float64Array.from(v, (e) => (want === 'int32' ? i32(c.ref(e, dt)) : c.ref(e, dt)));
            const tol = want === 'float32' ? { rtol: 2e-5, atol: 2e-6 } : tolFor(want);
            expectClose(out.dataSync(), exp, { ...tol, what });
            // the input is left alone
            expectClose(x.dataSync(), v, { rtol: 0, atol: 0, what: `${what} input` });
          });
        }
      }
    });
  });

  it('handles NaN and infinities as PyTorch', () => {
    tf.setPortableKernels(portable);
    for (const dtype of FLOATS) {
      const x = tf.tensor([NaN, Infinity, -Infinity, 0, -1, 1, 0.5, -0.5, 2.5], { dtype });
      const arr = (t: Tensor) => Array.from(t.dataSync());
      expect(arr(x.relu())).toEqual([NaN, Infinity, 0, 0, 0, 1, 0.5, 0, 2.5]);
      expect(arr(x.log()).slice(0, 6)).toEqual([NaN, Infinity, NaN, -Infinity, NaN, 0]); // log(0) = -inf, log(-1) = NaN
      expect(arr(x.log())[7]).toBeNaN();
      expect(arr(x.sqrt()).map(Number.isNaN)).toEqual([true, false, true, false, true, false, false, true, false]);
      expect(arr(x.exp()).slice(0, 4)).toEqual([NaN, Infinity, 0, 1]);
      expect(arr(x.tanh()).slice(0, 4)).toEqual([NaN, 1, -1, 0]);
      expect(arr(x.sigmoid()).slice(0, 4)).toEqual([NaN, 1, 0, 0.5]);
      expect(arr(x.sign())).toEqual([0, 1, -1, 0, -1, 1, 1, -1, 1]);
      expect(arr(x.clamp(-1, 1))).toEqual([NaN, 1, -1, 0, -1, 1, 0.5, -0.5, 1]);
      expect(arr(x.clamp(NaN, 1)).every(Number.isNaN)).toBe(true);
      expect(arr(x.reciprocal()).slice(0, 4)).toEqual([NaN, 0, -0, Infinity]);
      expect(arr(x.round())).toEqual([NaN, Infinity, -Infinity, 0, -1, 1, 0, -0, 2]);
      expect(arr(x.gelu()).slice(0, 4)).toEqual([NaN, Infinity, NaN, 0]);
      expect(arr(x.silu()).slice(0, 4)).toEqual([NaN, Infinity, NaN, 0]);
      expect(arr(x.leakyRelu()).slice(0, 3)).toEqual([NaN, Infinity, -Infinity]);
      expect(arr(x.softplus()).slice(0, 3)).toEqual([NaN, Infinity, 0]);
    }
  });
});

describe('round, clamp and dtype details', () => {
  it('round is half to even', () => {
    const x = tf.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999997]);
    expect(Array.from(x.round().dataSync())).toEqual([0, 2, 2, -0, -2, -2, 4, 0]);
  });
  it('clamp with min > max gives max; int32 with float bounds gives float32', () => {
    expect(tf.clamp(tf.tensor([-5, 0, 5]), 2, 1).toArray()).toEqual([1, 1, 1]);
    const i = tf.tensor([-5, 0, 5], { dtype: 'int32' });
    const c = tf.clamp(i, -0.5, 2.5);
    expect(c.dtype).toBe('float32');
    expect(c.toArray()).toEqual([-0.5, 0, 2.5]);
    const d = i.clamp(-1e12, 3);
    expect(d.dtype).toBe('int32');
    expect(d.toArray()).toEqual([-5, 0, 3]);
  });
  it('clamp with tensor bounds broadcasts', () => {
    const x = tf.tensor([[-3, 0, 3], [5, -5, 1]]);
    const lo = tf.tensor([-1, 1, -2]);
    const hi = tf.tensor([[0], [2]]);
    expect(tf.clamp(x, lo, hi).toArray()).toEqual([[-1, 0, 0], [2, 1, 1]]); // lo > hi gives hi
    expect(tf.clamp(x, lo).toArray()).toEqual([[-1, 1, 3], [5, 1, 1]]);
    expect(x.clamp(null, hi).toArray()).toEqual([[-3, 0, 0], [2, -5, 1]]);
    expect(x.clamp(0, hi).toArray()).toEqual([[0, 0, 0], [2, 0, 1]]);
  });
  it('int32 neg/abs wrap like PyTorch and keep int32', () => {
    const i = tf.tensor([-2147483648, -3, 4], { dtype: 'int32' });
    expect(i.neg().toArray()).toEqual([-2147483648, 3, -4]);
    expect(i.abs().toArray()).toEqual([-2147483648, 3, 4]);
    expect(i.sign().toArray()).toEqual([-1, -1, 1]);
    expect(tf.tensor([true, false]).sign().toArray()).toEqual([true, false]);
    expect(tf.tensor([true, false]).square().toArray()).toEqual([1, 0]);
  });
});

describe('errors', () => {
  const i = tf.tensor([1, 2], { dtype: 'int32' });
  const b = tf.tensor([true, false]);
  it('rejects dtypes PyTorch rejects', () => {
    for (const f of [() => tf.gelu(i), () => tf.silu(i), () => tf.leakyRelu(i), () => tf.elu(b), () => tf.softplus(b)]) {
      expect(f).toThrow(tf.DTypeError);
      expect(f).toThrow(/expected float32 or float64/);
    }
    expect(() => tf.neg(b)).toThrow(/neg: is not implemented for dtype bool.*logicalNot/);
    expect(() => tf.abs(b)).toThrow(tf.DTypeError);
    expect(() => tf.relu(b)).toThrow(tf.DTypeError);
    expect(() => tf.clamp(b, 0, 1)).toThrow(tf.DTypeError);
  });
  it('checks arguments', () => {
    const x = tf.tensor([1]);
    expect(() => tf.exp([1, 2] as never)).toThrow(/exp: input must be a Tensor, got an array/);
    expect(() => tf.relu(3 as never)).toThrow(tf.ArgumentError);
    expect(() => tf.clamp(x)).toThrow(/clamp: at least one of min and max must be given/);
    expect(() => tf.clamp(x, '0' as never)).toThrow(/clamp: min must be a number or a Tensor/);
    expect(() => tf.gelu(x, { approximate: 'sigmoid' as never })).toThrow(/gelu: approximate must be 'none' or 'tanh'/);
    expect(() => tf.leakyRelu(x, '0.1' as never)).toThrow(/leakyRelu: negativeSlope must be a number/);
    expect(() => tf.softplus(x, 1, null as never)).toThrow(/softplus: threshold must be a number/);
    expect(() => tf.clamp(tf.tensor([1, 2]), tf.zeros([3]), 1)).toThrow(tf.ShapeError);
  });
  it('throws DisposedError on disposed inputs', () => {
    const x = tf.tensor([1, 2]);
    const v = x.T;
    x.dispose();
    v.dispose();
    expect(() => x.exp()).toThrow(tf.DisposedError);
    expect(() => tf.relu(v)).toThrow(tf.DisposedError);
  });
});
