/**
 * Binary arithmetic against float64 (or exact int32) references over every shape in
 * SHAPES, the broadcast pairs, every layout, every dtype each op accepts, scalars on
 * either side, both kernel paths; then type promotion, alpha, and every error path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { BROADCAST_PAIRS, type Layout, SHAPES, expectClose, makeTensor, numel, randomValues, refBroadcast, rng, tolFor } from '../helpers';
import { i32, intPow, pyMod } from './elementwise_ref';

afterAll(() => tf.setPortableKernels(false));

type Ref = (x: number, y: number, dt: DType) => number;
interface Case {
  name: string;
  run: (a: Tensor | number | boolean, b: Tensor | number | boolean) => Tensor;
  ref: Ref;
  dtypes: DType[];
  /** input ranges: [lo, hi) for a and for b */
  a?: [number, number];
  b?: [number, number];
  /** integer divisors must not be 0 */
  nonzero?: boolean;
}

const bool = (v: boolean): number => (v ? 1 : 0);
const CASES: Case[] = [
  { name: 'add', run: (a, b) => tf.add(a, b), dtypes: ['float32', 'float64', 'int32', 'bool'],
    ref: (x, y, dt) => (dt === 'bool' ? bool(x !== 0 || y !== 0) : dt === 'int32' ? i32(x + y) : x + y) },
  { name: 'sub', run: (a, b) => tf.sub(a, b), dtypes: ['float32', 'float64', 'int32'],
    ref: (x, y, dt) => (dt === 'int32' ? i32(x - y) : x - y) },
  { name: 'mul', run: (a, b) => tf.mul(a, b), dtypes: ['float32', 'float64', 'int32', 'bool'],
    ref: (x, y, dt) => (dt === 'bool' ? bool(x !== 0 && y !== 0) : dt === 'int32' ? Math.imul(x, y) : x * y) },
  { name: 'div', run: (a, b) => tf.div(a, b), dtypes: ['float32', 'float64'], ref: (x, y) => x / y },
  { name: 'div trunc', run: (a, b) => tf.div(a, b, { roundingMode: 'trunc' }), dtypes: ['float32', 'float64', 'int32'],
    ref: (x, y) => Math.trunc(x / y), nonzero: true },
  { name: 'div floor', run: (a, b) => tf.div(a, b, { roundingMode: 'floor' }), dtypes: ['float32', 'float64', 'int32'],
    ref: (x, y) => Math.floor(x / y), nonzero: true },
  { name: 'pow', run: (a, b) => tf.pow(a, b), dtypes: ['float32', 'float64', 'int32'],
    ref: (x, y, dt) => (dt === 'int32' ? intPow(x, y) : Math.pow(x, y)), a: [0.1, 3], b: [-2, 2] },
  { name: 'maximum', run: (a, b) => tf.maximum(a, b), dtypes: ['float32', 'float64', 'int32', 'bool'], ref: (x, y) => Math.max(x, y) },
  { name: 'minimum', run: (a, b) => tf.minimum(a, b), dtypes: ['float32', 'float64', 'int32', 'bool'], ref: (x, y) => Math.min(x, y) },
  { name: 'remainder', run: (a, b) => tf.remainder(a, b), dtypes: ['float32', 'float64', 'int32'], ref: pyMod, nonzero: true },
  { name: 'fmod', run: (a, b) => tf.fmod(a, b), dtypes: ['float32', 'float64', 'int32'], ref: (x, y) => x % y, nonzero: true },
];

function values(c: Case, which: 'a' | 'b', n: number, dt: DType, r: () => number): Float64Array {
  let range = c[which] ?? [-3, 3];
  if (dt === 'int32' && c.name === 'pow') range = which === 'a' ? [-3, 4] : [0, 5];
  const v = randomValues(n, dt, r, range[0], range[1]);
  if (which === 'b' && c.nonzero) for (let i = 0; i < n; i++) if (v[i] === 0) v[i] = dt === 'bool' ? 1 : -2;
  return v;
}

function check(c: Case, dt: DType, out: Tensor, exp: { shape: number[]; values: Float64Array }, what: string): void {
  expect(out.dtype, `${what} dtype`).toBe(dt);
  expect(out.shape, `${what} shape`).toEqual(exp.shape);
  expectClose(out.dataSync(), exp.values, { ...tolFor(dt), what });
}

const LAYOUT_PAIRS: [Layout, Layout][] = [['contiguous', 'contiguous'], ['transposed', 'sliced'], ['sliced', 'contiguous'], ['contiguous', 'transposed']];

describe.each([false, true])('binary ops (portable kernels: %s)', (portable) => {
  describe.each(CASES)('$name', (c) => {
    it.each(c.dtypes)('%s: same shapes, every layout', (dt) => {
      tf.setPortableKernels(portable);
      const r = rng(11);
      for (const shape of SHAPES) {
        for (const [la, lb] of LAYOUT_PAIRS) {
          tf.tidy(() => {
            const va = values(c, 'a', numel(shape), dt, r);
            const vb = values(c, 'b', numel(shape), dt, r);
            const out = c.run(makeTensor(va, shape, dt, la), makeTensor(vb, shape, dt, lb));
            const exp = refBroadcast({ shape, values: va }, { shape, values: vb }, (x, y) => c.ref(x, y, dt));
            check(c, dt, out, exp, `${c.name} ${dt} ${JSON.stringify(shape)} ${la}/${lb}`);
          });
        }
      }
    });

    it.each(c.dtypes)('%s: broadcasting', (dt) => {
      tf.setPortableKernels(portable);
      const r = rng(12);
      for (const [sa, sb] of BROADCAST_PAIRS) {
        for (const [x, y] of [[sa, sb], [sb, sa]]) {
          for (const lb of ['contiguous', 'transposed'] as Layout[]) {
            tf.tidy(() => {
              const va = values(c, 'a', numel(x), dt, r);
              const vb = values(c, 'b', numel(y), dt, r);
              const out = c.run(makeTensor(va, x, dt), makeTensor(vb, y, dt, lb));
              const exp = refBroadcast({ shape: x, values: va }, { shape: y, values: vb }, (p, q) => c.ref(p, q, dt));
              check(c, dt, out, exp, `${c.name} ${dt} ${JSON.stringify(x)} with ${JSON.stringify(y)} (${lb})`);
            });
          }
        }
      }
    });

    it.each(c.dtypes)('%s: scalars on either side', (dt) => {
      tf.setPortableKernels(portable);
      const r = rng(13);
      const scalars: (number | boolean)[] = dt === 'bool' ? [true, false] : dt === 'int32' ? (c.name === 'pow' ? [2, 3] : [2, -3]) : c.name === 'pow' ? [2, 0.5] : [1.5, -2.25];
      for (const shape of [[], [7], [17, 5], [3, 1, 4], [0]]) {
        for (const layout of ['contiguous', 'sliced', 'transposed'] as Layout[]) {
          for (const s of scalars) {
            tf.tidy(() => {
              const vt = values(c, 'a', numel(shape), dt, r);
              const sv = Number(s);
              const t = makeTensor(vt, shape, dt, layout);
              const right = c.run(t, s);
              check(c, dt, right, refBroadcast({ shape, values: vt }, { shape: [], values: [sv] }, (x, y) => c.ref(x, y, dt)), `${c.name}(t, ${s}) ${layout}`);
              if (c.name === 'pow' && dt !== 'int32') return; // a ** t: bases must stay positive below
              if (c.nonzero && vt.some((v) => v === 0) && dt === 'int32') return;
              const left = c.run(s, t);
              check(c, dt, left, refBroadcast({ shape: [], values: [sv] }, { shape, values: vt }, (x, y) => c.ref(x, y, dt)), `${c.name}(${s}, t) ${layout}`);
            });
          }
        }
      }
    });
  });
});

describe('a ** t and large tensors', () => {
  it('pow with a scalar base', () => {
    const x = tf.tensor([-2, 0, 0.5, 3]);
    expectClose(tf.pow(2, x).dataSync(), [0.25, 1, Math.SQRT2, 8], tolFor('float32'));
  });
  it.each([false, true])('adds 300k elements in parallel chunks, broadcast and strided (portable %s)', (portable) => {
    tf.setPortableKernels(portable);
    const r = rng(5);
    const va = randomValues(300 * 1000, 'float32', r);
    const vb = randomValues(1000, 'float32', r);
    const a = makeTensor(va, [300, 1000], 'float32', 'transposed');
    const b = tf.tensor(Float32Array.from(vb));
    const exp = refBroadcast({ shape: [300, 1000], values: va }, { shape: [1000], values: vb }, (x, y) => x * y + 0);
    expectClose(tf.mul(a, b).dataSync(), exp.values, tolFor('float32'));
    const a2 = makeTensor(va, [300, 1000], 'float32');
    expectClose(tf.mul(a2, b).dataSync(), exp.values, tolFor('float32'));
    const same = refBroadcast({ shape: [300, 1000], values: va }, { shape: [300, 1000], values: va }, (x, y) => x - y * 2);
    expectClose(tf.sub(a2, a2.mul(2)).dataSync(), same.values, tolFor('float32'));
  });
});

describe('type promotion', () => {
  const t = (dtype: DType, shape: number[] = [2]) => tf.zeros(shape, { dtype }).add(tf.ones(shape, { dtype }));
  it.each([
    ['float32', 'float64', 'float64'], ['int32', 'float32', 'float32'], ['bool', 'int32', 'int32'],
    ['bool', 'bool', 'bool'], ['int32', 'int32', 'int32'], ['bool', 'float64', 'float64'],
  ] as [DType, DType, DType][])('%s + %s -> %s', (a, b, want) => {
    expect(tf.add(t(a), t(b)).dtype).toBe(want);
    expect(tf.add(t(b), t(a)).dtype).toBe(want);
  });
  it.each([
    ['int32', 2.5, 'float32'], ['int32', 2, 'int32'], ['bool', 2, 'int32'], ['bool', true, 'bool'], ['bool', 2.5, 'float32'],
    ['float64', 2.5, 'float64'], ['float32', 2, 'float32'], ['int32', true, 'int32'],
  ] as [DType, number | boolean, DType][])('%s tensor with scalar %s -> %s', (a, s, want) => {
    expect(tf.add(t(a), s).dtype).toBe(want);
    expect(tf.mul(s, t(a)).dtype).toBe(want);
  });
  it('0-d tensors only win with a higher category (like PyTorch)', () => {
    expect(tf.add(t('float32'), t('float64', [])).dtype).toBe('float32');
    expect(tf.add(t('int32'), t('float64', [])).dtype).toBe('float64');
    expect(tf.add(t('int32', []), t('float32')).dtype).toBe('float32');
    expect(tf.add(t('float64', []), t('float32', [])).dtype).toBe('float64');
    expect(tf.add(t('bool'), t('int32', [])).dtype).toBe('int32');
  });
  it('mixed dtypes compute in the promoted dtype', () => {
    const a = tf.tensor([1, 2, 3], { dtype: 'int32' });
    const b = tf.tensor([0.5, 0.25, 2], { dtype: 'float64' });
    const c = tf.add(a, b);
    expect(c.dtype).toBe('float64');
    expect(Array.from(c.dataSync())).toEqual([1.5, 2.25, 5]);
    expect(Array.from(tf.add(a, 0.5).dataSync())).toEqual([1.5, 2.5, 3.5]);
    expect(Array.from(tf.sub(10, a).dataSync())).toEqual([9, 8, 7]);
  });
  it('int / int is float32 true division; roundingMode keeps int32', () => {
    const a = tf.tensor([7, -7, 6], { dtype: 'int32' });
    const d = tf.div(a, 2);
    expect(d.dtype).toBe('float32');
    expect(Array.from(d.dataSync())).toEqual([3.5, -3.5, 3]);
    expect(tf.div(a, tf.tensor([2, 2, 4], { dtype: 'int32' })).dtype).toBe('float32');
    expect(tf.div(tf.tensor([true, false]), tf.tensor([true, true])).dtype).toBe('float32');
    const f = tf.div(a, 2, { roundingMode: 'floor' });
    expect(f.dtype).toBe('int32');
    expect(Array.from(f.dataSync())).toEqual([3, -4, 3]);
    expect(Array.from(tf.div(a, 2, { roundingMode: 'trunc' }).dataSync())).toEqual([3, -3, 3]);
  });
  it('float floor division is Python\'s (1 // 0.1 == 9)', () => {
    expect(tf.div(tf.tensor([1], { dtype: 'float64' }), 0.1, { roundingMode: 'floor' }).item()).toBe(9);
    expect(tf.remainder(tf.tensor([-3, 3, -3.5]), 2).toArray()).toEqual([1, 1, 0.5]);
    expect(tf.fmod(tf.tensor([-3, 3, -3.5]), 2).toArray()).toEqual([-1, 1, -1.5]);
  });
  it('int32 arithmetic wraps around like PyTorch', () => {
    const big = tf.tensor([2147483647, -2147483648], { dtype: 'int32' });
    expect(Array.from(tf.add(big, 1).dataSync())).toEqual([-2147483648, -2147483647]);
    expect(Array.from(tf.mul(big, 2).dataSync())).toEqual([-2, 0]);
    expect(Array.from(tf.div(big, -1, { roundingMode: 'trunc' }).dataSync())).toEqual([-2147483647, -2147483648]);
    expect(Array.from(tf.fmod(big, -1).dataSync())).toEqual([0, 0]);
  });
  it('int pow with negative tensor exponents gives 1, -1 or 0', () => {
    const b = tf.tensor([1, -1, -1, 2, 0], { dtype: 'int32' });
    const e = tf.tensor([-3, -3, -2, -1, 3], { dtype: 'int32' });
    expect(Array.from(tf.pow(b, e).dataSync())).toEqual([1, -1, 1, 0, 0]);
  });
});

describe('alpha', () => {
  it.each(['float32', 'float64'] as DType[])('add/sub with alpha on %s, tensors and scalars', (dt) => {
    const r = rng(3);
    const va = randomValues(12, dt, r);
    const vb = randomValues(4, dt, r);
    const a = makeTensor(va, [3, 4], dt, 'transposed');
    const b = makeTensor(vb, [4], dt);
    expectClose(tf.add(a, b, { alpha: 2.5 }).dataSync(), refBroadcast({ shape: [3, 4], values: va }, { shape: [4], values: vb }, (x, y) => x + 2.5 * y).values, tolFor(dt));
    expectClose(tf.sub(a, b, { alpha: 0.5 }).dataSync(), refBroadcast({ shape: [3, 4], values: va }, { shape: [4], values: vb }, (x, y) => x - 0.5 * y).values, tolFor(dt));
    expectClose(a.add(3, { alpha: -2 }).dataSync(), Array.from(va, (x) => x - 6), tolFor(dt));
    expectClose(tf.add(3, a, { alpha: -2 }).dataSync(), Array.from(va, (x) => 3 - 2 * x), tolFor(dt));
    expectClose(tf.sub(1, a, { alpha: 2 }).dataSync(), Array.from(va, (x) => 1 - 2 * x), tolFor(dt));
  });
  it('integer and bool alpha', () => {
    const a = tf.tensor([1, 2, 3], { dtype: 'int32' });
    expect(Array.from(tf.add(a, a, { alpha: 3 }).dataSync())).toEqual([4, 8, 12]);
    expect(Array.from(tf.sub(a, a, { alpha: 2 }).dataSync())).toEqual([-1, -2, -3]);
    const m = tf.tensor([true, false, false]);
    const n = tf.tensor([false, true, false]);
    expect(tf.add(m, n, { alpha: true }).toArray()).toEqual([true, true, false]);
    expect(tf.add(m, n, { alpha: false }).toArray()).toEqual([true, false, false]);
  });
});

describe('errors', () => {
  const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);
  it('rejects non-tensor operands', () => {
    expect(() => tf.add(x, 'a' as never)).toThrow(tf.ArgumentError);
    expect(() => tf.add(x, 'a' as never)).toThrow(/add: other must be a Tensor, a number or a boolean, got string/);
    expect(() => tf.mul([1, 2] as never, x)).toThrow(/mul: input .* an array/);
    expect(() => tf.add(1, 2)).toThrow(/add: expected at least one Tensor operand/);
    expect(() => tf.maximum(null as never, x)).toThrow(tf.ArgumentError);
  });
  it('names the shapes that do not broadcast', () => {
    expect(() => tf.add(x, tf.zeros([4]))).toThrow(tf.ShapeError);
    expect(() => tf.mul(x, tf.zeros([4]))).toThrow(/mul: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  });
  it('rejects bool where PyTorch does', () => {
    const m = tf.tensor([true, false]);
    expect(() => tf.sub(m, m)).toThrow(tf.DTypeError);
    expect(() => tf.sub(m, true)).toThrow(/sub: is not supported for bool operands \(use logicalXor\(\)/);
    expect(() => tf.pow(m, m)).toThrow(tf.DTypeError);
    expect(() => tf.remainder(m, m)).toThrow(/remainder: is not supported for bool/);
    expect(() => tf.div(m, m, { roundingMode: 'floor' })).toThrow(tf.DTypeError);
  });
  it('integer division by zero throws instead of crashing', () => {
    const a = tf.tensor([1, 2], { dtype: 'int32' });
    const z = tf.tensor([1, 0], { dtype: 'int32' });
    for (const f of [() => tf.div(a, z, { roundingMode: 'trunc' }), () => tf.div(a, 0, { roundingMode: 'floor' }), () => tf.remainder(a, z), () => tf.fmod(a, 0), () => tf.div(a.expand(3, 2), z, { roundingMode: 'floor' })]) {
      expect(f).toThrow(tf.ArgumentError);
      expect(f).toThrow(/division or remainder by zero/);
    }
    // a zero met by a worker thread of a large (parallel) op is reported the same way
    const big = tf.ones([200_000], { dtype: 'int32' });
    const zeros = tf.ones([200_000], { dtype: 'int32' }).maskedFill(tf.arange(200_000).eq(150_000), 0);
    expect(() => tf.remainder(big, zeros)).toThrow(/division or remainder by zero/);
    // floats divide by zero as IEEE says
    expect(tf.div(tf.tensor([1, -1, 0]), 0).toArray()).toEqual([Infinity, -Infinity, NaN]);
  });
  it('checks options', () => {
    expect(() => tf.div(x, 2, { roundingMode: 'round' as never })).toThrow(/div: roundingMode must be undefined, 'trunc' or 'floor', got "round"/);
    expect(() => tf.add(tf.tensor([1], { dtype: 'int32' }), 1, { alpha: 0.5 })).toThrow(/add: alpha must be an integer/);
    expect(() => tf.add(x, x, { alpha: true })).toThrow(/add: a boolean alpha is only supported for bool/);
    expect(() => tf.add(tf.tensor([true]), tf.tensor([true]), { alpha: 2 })).toThrow(/alpha must be a boolean/);
    expect(() => tf.add(x, x, { alpha: '2' as never })).toThrow(tf.ArgumentError);
    expect(() => tf.pow(tf.tensor([2], { dtype: 'int32' }), -1)).toThrow(/pow: integers to negative integer powers are not allowed/);
  });
  it('rejects int32 scalars that overflow', () => {
    expect(() => tf.add(tf.tensor([1], { dtype: 'int32' }), 2 ** 31)).toThrow(/value 2147483648 cannot be converted to int32/);
  });
  it('throws DisposedError for disposed operands on both paths', () => {
    const a = tf.tensor([1, 2]);
    const b = tf.tensor([1, 2]);
    b.dispose();
    expect(() => tf.add(a, b)).toThrow(tf.DisposedError);
    expect(() => tf.add(b, 1)).toThrow(tf.DisposedError);
    expect(() => tf.add(a, b.T)).toThrow(tf.DisposedError);
    expect(() => b.mul(a.expand(2, 2))).toThrow(tf.DisposedError);
  });
});
