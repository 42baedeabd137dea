/**
 * Creation: tensor() from every kind of input, constant fills, arange/linspace/eye,
 * dtype inference and options, and every error path. References are plain JS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, numel, rng, SHAPES, toTyped } from '../helpers';

const live: Tensor[] = [];
function track<T extends Tensor>(t: T): T {
  live.push(t);
  return t;
}
afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});

/** Nested JS arrays of `shape` holding the row-major values. */
function nest(values: ArrayLike<number | boolean>, shape: number[]): unknown {
  if (shape.length === 0) return values[0];
  let pos = 0;
  const build = (d: number): unknown[] =>
    Array.from({ length: shape[d] }, () => (d === shape.length - 1 ? values[pos++] : build(d + 1)));
  return build(0);
}

/** The casts a JS number undergoes when stored as dtype (the documented rules). */
function castRef(v: number, dtype: DType): number {
  switch (dtype) {
    case 'float32': return Math.fround(v);
    case 'float64': return v;
    case 'bool': return v !== 0 ? 1 : 0; // NaN is nonzero, so true
    case 'int32': return Number.isNaN(v) ? 0 : Math.min(2147483647, Math.max(-2147483648, Math.trunc(v)));
  }
}

function expectErr(fn: () => unknown, cls: new (...a: never[]) => Error, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
  for (const p of parts) expect((err as Error).message).toMatch(p);
}

describe('tensor()', () => {
  const r = rng(1);

  it('round-trips nested arrays of every shape as float32', () => {
    for (const shape of SHAPES) {
      const vals = Array.from({ length: numel(shape) }, () => (r() - 0.5) * 100);
      const t = track(tf.tensor(nest(vals, shape) as tf.TensorLike));
      expect(t.shape).toEqual(shape.includes(0) ? shape.slice(0, shape.indexOf(0) + 1) : shape);
      if (!shape.includes(0)) {
        expect(t.dtype).toBe('float32');
        expect(t.dataSync()).toBeInstanceOf(Float32Array);
        expectClose(t.dataSync(), vals.map(Math.fround), { rtol: 0, atol: 0, what: `shape ${shape}` });
        expect(t.toArray()).toEqual(nest(vals.map(Math.fround), shape));
      }
    }
  });

  it('keeps the shape of nested empty arrays', () => {
    expect(track(tf.tensor([])).shape).toEqual([0]);
    expect(track(tf.tensor([[]])).shape).toEqual([1, 0]);
    expect(track(tf.tensor([[], [], []])).shape).toEqual([3, 0]);
  });

  it('infers bool from booleans, float32 from numbers and mixtures', () => {
    const b = track(tf.tensor([[true, false], [false, true]]));
    expect(b.dtype).toBe('bool');
    expect(Array.from(b.dataSync())).toEqual([1, 0, 0, 1]);
    expect(b.dataSync()).toBeInstanceOf(Uint8Array);
    const m = track(tf.tensor([true, 2, false]));
    expect(m.dtype).toBe('float32');
    expect(Array.from(m.dataSync())).toEqual([1, 2, 0]);
    expect(track(tf.tensor([1, 2, 3])).dtype).toBe('float32'); // integers too: float32 is the default
  });

  it('takes scalars as 0-d tensors', () => {
    const s = track(tf.tensor(2.5));
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe('float32');
    expect(s.item()).toBe(2.5);
    const b = track(tf.tensor(true));
    expect(b.dtype).toBe('bool');
    expect(b.item()).toBe(true);
    expect(track(tf.tensor(7, { dtype: 'int32' })).item()).toBe(7);
    expect(track(tf.tensor(0.1, { dtype: 'float64' })).item()).toBe(0.1);
  });

  it('takes typed arrays with their dtype, or converts them', () => {
    const src: [ArrayLike<number>, DType][] = [
      [new Float32Array([1.5, -2, 3]), 'float32'],
      [new Float64Array([0.1, 1e300, -7]), 'float64'],
      [new Int32Array([-5, 0, 2147483647]), 'int32'],
      [new Uint8Array([0, 1, 1]), 'bool'],
    ];
    for (const [arr, dt] of src) {
      const t = track(tf.tensor(arr as Float32Array));
      expect(t.dtype).toBe(dt);
      expect(t.shape).toEqual([3]);
      expect(Array.from(t.dataSync())).toEqual(Array.from(arr));
      // The source array is copied: changing it later does not change the tensor.
      const copy = Array.from(arr);
      (arr as Float32Array)[0] = 9;
      expect(Array.from(t.dataSync())).toEqual(copy);
    }
    const f = track(tf.tensor(new Float64Array([1.7, -1.7]), { dtype: 'int32' }));
    expect(Array.from(f.dataSync())).toEqual([1, -1]);
    const u = track(tf.tensor(new Uint8Array([0, 2, 255]), { dtype: 'float32' }));
    expect(Array.from(u.dataSync())).toEqual([0, 2, 255]);
  });

  it('applies the dtype option with the documented casts', () => {
    const specials = [0, -0, 1.5, -1.5, 2.9999, -2.9999, 0.4, NaN, Infinity, -Infinity, 3e9, -3e9, 1e-40, 16777217, 0.1];
    for (const dt of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      const t = track(tf.tensor(specials, { dtype: dt }));
      expect(t.dtype).toBe(dt);
      expectClose(t.dataSync(), specials.map((v) => castRef(v, dt)), { rtol: 0, atol: 0, what: dt });
      // The same value through the native cast (to) gives the same result.
      const viaTo = track(track(tf.tensor(new Float64Array(specials))).to(dt));
      expectClose(viaTo.dataSync(), specials.map((v) => castRef(v, dt)), { rtol: 0, atol: 0, what: `to(${dt})` });
    }
  });

  it('views flat data with the shape option', () => {
    const vals = Array.from({ length: 24 }, (_, i) => i * 0.5);
    for (const shape of [[24], [2, 12], [2, 3, 4], [1, 24, 1], [4, 1, 3, 2]]) {
      const t = track(tf.tensor(vals, { shape }));
      expect(t.shape).toEqual(shape);
      expect(t.toArray()).toEqual(nest(vals, shape));
      const t2 = track(tf.tensor(new Float64Array(vals), { shape }));
      expect(t2.dtype).toBe('float64');
      expect(t2.toArray()).toEqual(nest(vals, shape));
    }
    expect(track(tf.tensor([5], { shape: [] })).shape).toEqual([]);
    expect(track(tf.tensor([], { shape: [0, 3] })).shape).toEqual([0, 3]);
  });

  it('rejects ragged and bad input with typed errors', () => {
    expectErr(() => tf.tensor([[1, 2], [3]]), tf.ShapeError, /^tensor: /, 'ragged', '[2, 2]', 'depth 1');
    expectErr(() => tf.tensor([[1, 2], 3] as never), tf.ShapeError, 'ragged', 'got number');
    expectErr(() => tf.tensor([1, [2]] as never), tf.ArgumentError, 'ragged');
    expectErr(() => tf.tensor([1, 'a'] as never), tf.ArgumentError, 'string');
    expectErr(() => tf.tensor([1, null] as never), tf.ArgumentError, 'object');
    expectErr(() => tf.tensor(null as never), tf.ArgumentError, 'null');
    expectErr(() => tf.tensor('12' as never), tf.ArgumentError, 'string');
    expectErr(() => tf.tensor(new Int8Array(3) as never), tf.DTypeError, 'Int8Array');
    expectErr(() => tf.tensor(new BigInt64Array(3) as never), tf.DTypeError, 'BigInt64Array');
    const x = track(tf.zeros([2]));
    expectErr(() => tf.tensor(x as never), tf.ArgumentError, 'already a Tensor');
    expectErr(() => tf.tensor([1, 2, 3], { shape: [2, 2] }), tf.ShapeError, '[2, 2]', '4 elements', 'has 3');
    expectErr(() => tf.tensor([1, 2], { shape: [-1, 2] }), tf.ShapeError, 'invalid size -1');
    expectErr(() => tf.tensor([1, 2], { dtype: 'float16' as DType }), tf.DTypeError, 'float16', 'float32, float64, int32, bool');
    expectErr(() => tf.tensor([1, 2], { device: 'cuda' }), tf.DeviceError, 'cuda');
    expectErr(() => tf.tensor([1, 2], { device: 'tpu' as never }), tf.DeviceError, 'tpu');
    let deep: unknown = 1;
    for (let i = 0; i < 17; i++) deep = [deep];
    expectErr(() => tf.tensor(deep as never), tf.ShapeError, '17 dims', 'at most 16');
  });
});

describe('constant fills', () => {
  const dtypes: DType[] = ['float32', 'float64', 'int32', 'bool'];

  it('zeros, ones and full on every shape and dtype', () => {
    for (const shape of SHAPES) {
      for (const dt of dtypes) {
        for (const [name, make, v] of [
          ['zeros', () => tf.zeros(shape, { dtype: dt }), 0],
          ['ones', () => tf.ones(shape, { dtype: dt }), 1],
          ['full', () => tf.full(shape, -2.75, { dtype: dt }), -2.75],
        ] as const) {
          const t = track(make());
          expect(t.shape, name).toEqual(shape);
          expect(t.dtype, name).toBe(dt);
          expect(t.isContiguous()).toBe(true);
          const want = castRef(v, dt);
          const got = t.dataSync();
          expect(got.length).toBe(numel(shape));
          for (let i = 0; i < got.length; i++) if (got[i] !== want) expect.fail(`${name} ${dt} ${shape}: [${i}] = ${got[i]}, want ${want}`);
        }
      }
    }
  });

  it('accepts shapes as varargs, arrays, or nothing (0-d)', () => {
    expect(track(tf.zeros(2, 3)).shape).toEqual([2, 3]);
    expect(track(tf.ones([4], { dtype: 'int32' })).dtype).toBe('int32');
    expect(track(tf.zeros(2, 3, { dtype: 'float64' })).dtype).toBe('float64');
    const s = track(tf.zeros());
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(0);
  });

  it('full takes its dtype from the value', () => {
    const b = track(tf.full([3], true));
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, true, true]);
    expect(track(tf.full([2], false)).toArray()).toEqual([false, false]);
    expect(track(tf.full([2], 7)).dtype).toBe('float32');
    expect(Array.from(track(tf.full([2], NaN)).dataSync()).every(Number.isNaN)).toBe(true);
    expect(track(tf.full([2], -Infinity, { dtype: 'float64' })).toArray()).toEqual([-Infinity, -Infinity]);
  });

  it('*Like functions copy shape, dtype and device unless told otherwise', () => {
    const r = rng(3);
    for (const dt of dtypes) {
      const base = track(tf.tensor(toTyped(Array.from({ length: 12 }, () => r() * 4), dt), { shape: [3, 4], dtype: dt }).T);
      for (const [make, v] of [[tf.zerosLike, 0], [tf.onesLike, 1]] as const) {
        const t = track(make(base));
        expect(t.shape).toEqual([4, 3]);
        expect(t.dtype).toBe(dt);
        expect(Array.from(t.dataSync())).toEqual(new Array(12).fill(castRef(v, dt)));
      }
      const f = track(tf.fullLike(base, 3.5));
      expect(f.dtype).toBe(dt);
      expect(Array.from(f.dataSync())).toEqual(new Array(12).fill(castRef(3.5, dt)));
      const g = track(tf.zerosLike(base, { dtype: 'float64' }));
      expect(g.dtype).toBe('float64');
      expect(g.isContiguous()).toBe(true);
    }
  });

  it('rejects bad shapes, values, dtypes and disposed templates', () => {
    expectErr(() => tf.zeros([2, -1]), tf.ShapeError, /^zeros: /, 'invalid size -1');
    expectErr(() => tf.ones([2.5]), tf.ShapeError, /^ones: /, '2.5');
    expectErr(() => tf.zeros(new Array(17).fill(1)), tf.ShapeError, 'at most 16');
    expectErr(() => tf.full([2], '1' as never), tf.ArgumentError, /^full: /, 'string');
    expectErr(() => tf.full(3 as never, 1), tf.ArgumentError, /^full: /, 'shape must be an array');
    expectErr(() => tf.zeros([2], { dtype: 'int64' as DType }), tf.DTypeError, 'int64');
    expectErr(() => tf.zerosLike([1, 2] as never), tf.ArgumentError, /^zerosLike: /, 'expected a Tensor');
    const d = tf.zeros([2]);
    d.dispose();
    expectErr(() => tf.onesLike(d), tf.DisposedError, /^onesLike: /, '[2]');
  });
});

describe('arange', () => {
  /** torch.arange's documented length: ceil((end - start) / step), computed in float64. */
  const lengthRule = (a: number, b: number, s: number) => Math.max(0, Math.ceil((b - a) / s));

  it('follows PyTorch on integer and float arguments, positive and negative steps', () => {
    const cases: [number, number, number][] = [
      [0, 5, 1], [0, 0, 1], [3, 10, 2], [10, 0, -3], [-5, 5, 3], [5, -5, -1], [0, 257, 1], [7, 8, 5],
      [0, 1, 0.1], [1, 2.5, 0.5], [0, 0.3, 0.1], [1, 1.3, 0.1], [-1, 1, 0.25], [2.5, -2.5, -0.7], [0, 100000, 1],
    ];
    for (const [a, b, s] of cases) {
      const t = track(tf.arange(a, b, s));
      const n = lengthRule(a, b, s);
      const allInt = [a, b, s].every(Number.isInteger);
      expect(t.dtype, `${a},${b},${s}`).toBe(allInt ? 'int32' : 'float32');
      expect(t.shape).toEqual([n]);
      const ref = Array.from({ length: n }, (_, i) => a + i * s);
      expectClose(t.dataSync(), allInt ? ref : ref.map(Math.fround), { rtol: 0, atol: 0, what: `arange(${a}, ${b}, ${s})` });
    }
    // The float rounding quirk PyTorch documents: (1.3 - 1) / 0.1 is a little above 3.
    expect(track(tf.arange(1, 1.3, 0.1)).shape).toEqual([4]);
  });

  it('takes one argument, options in any position, and the dtype option', () => {
    expect(Array.from(track(tf.arange(4)).dataSync())).toEqual([0, 1, 2, 3]);
    expect(track(tf.arange(4.5)).dtype).toBe('float32');
    expect(track(tf.arange(4.5)).shape).toEqual([5]);
    const f = track(tf.arange(3, { dtype: 'float64' }));
    expect(f.dtype).toBe('float64');
    expect(Array.from(f.dataSync())).toEqual([0, 1, 2]);
    const g = track(tf.arange(1, 4, { dtype: 'float32' }));
    expect(g.dtype).toBe('float32');
    expect(Array.from(g.dataSync())).toEqual([1, 2, 3]);
    const h = track(tf.arange(0, 1, 0.25, { dtype: 'float64' }));
    expect(Array.from(h.dataSync())).toEqual([0, 0.25, 0.5, 0.75]);
    const i = track(tf.arange(0, 2.5, 0.5, { dtype: 'int32' }));
    expect(Array.from(i.dataSync())).toEqual([0, 0, 1, 1, 2]); // values truncated after computing in float64
  });

  it('rejects zero steps, inconsistent signs and non-finite bounds', () => {
    expectErr(() => tf.arange(0, 5, 0), tf.ArgumentError, /^arange: /, 'non-zero');
    expectErr(() => tf.arange(0, 5, -1), tf.ArgumentError, 'disagree in sign', 'start 0, end 5, step -1');
    expectErr(() => tf.arange(5, 0), tf.ArgumentError, 'disagree in sign');
    expectErr(() => tf.arange(0, Infinity), tf.ArgumentError, 'end must be a finite number');
    expectErr(() => tf.arange(NaN), tf.ArgumentError, 'end must be a finite number');
    expectErr(() => tf.arange(0, 2, 1, { dtype: 'x' as DType }), tf.DTypeError, '"x"');
  });
});

describe('linspace', () => {
  it('gives `steps` values with both ends exact', () => {
    const cases: [number, number, number][] = [[0, 1, 5], [-1, 1, 7], [3, -2, 17], [0.1, 0.7, 33], [1e-3, 1e3, 257], [5, 5, 4], [-3, 2, 2], [0, 1, 1000]];
    for (const [a, b, n] of cases) {
      for (const dt of ['float32', 'float64'] as DType[]) {
        const t = track(tf.linspace(a, b, n, { dtype: dt }));
        expect(t.shape).toEqual([n]);
        expect(t.dtype).toBe(dt);
        const v = t.dataSync();
        const cast = dt === 'float32' ? Math.fround : (x: number) => x;
        expect(v[0]).toBe(cast(a));
        expect(v[n - 1]).toBe(cast(b));
        const ref = Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
        expectClose(v, ref, { rtol: dt === 'float32' ? 1e-6 : 1e-14, atol: dt === 'float32' ? 1e-6 * Math.max(Math.abs(a), Math.abs(b)) : 1e-13 * Math.max(Math.abs(a), Math.abs(b)), what: `linspace(${a}, ${b}, ${n})` });
      }
    }
  });

  it('handles 0 and 1 steps and integer dtypes', () => {
    expect(track(tf.linspace(0, 1, 0)).shape).toEqual([0]);
    expect(Array.from(track(tf.linspace(3, 9, 1)).dataSync())).toEqual([3]);
    expect(Array.from(track(tf.linspace(0, 10, 5, { dtype: 'int32' })).dataSync())).toEqual([0, 2, 5, 7, 10]);
  });

  it('rejects bad arguments', () => {
    expectErr(() => tf.linspace(0, 1, -1), tf.ArgumentError, /^linspace: /, 'non-negative integer');
    expectErr(() => tf.linspace(0, 1, 2.5), tf.ArgumentError, 'got 2.5');
    expectErr(() => tf.linspace(0, NaN, 3), tf.ArgumentError, 'finite');
  });
});

describe('eye', () => {
  it('builds square, rectangular and empty identities', () => {
    for (const [n, m] of [[1, 1], [3, 3], [2, 5], [5, 2], [0, 0], [0, 3], [3, 0], [17, 33]] as [number, number][]) {
      for (const dt of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
        const t = track(tf.eye(n, m, { dtype: dt }));
        expect(t.shape).toEqual([n, m]);
        expect(t.dtype).toBe(dt);
        const ref: number[] = [];
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) ref.push(i === j ? 1 : 0);
        expect(Array.from(t.dataSync())).toEqual(ref);
      }
    }
    expect(track(tf.eye(4)).shape).toEqual([4, 4]);
    expect(track(tf.eye(2, { dtype: 'int32' })).dtype).toBe('int32');
  });

  it('rejects bad sizes', () => {
    expectErr(() => tf.eye(-1), tf.ShapeError, /^eye: /, '-1');
    expectErr(() => tf.eye(2, 1.5), tf.ShapeError, '1.5');
  });
});

describe('requiresGrad option', () => {
  it('is accepted for floating dtypes', () => {
    for (const t of [tf.tensor([1, 2], { requiresGrad: true }), tf.zeros([2], { requiresGrad: true, dtype: 'float64' }),
      tf.ones([2], { requiresGrad: true }), tf.full([2], 3, { requiresGrad: true }), tf.arange(0, 1, 0.5, { requiresGrad: true }),
      tf.linspace(0, 1, 3, { requiresGrad: true }), tf.eye(2, { requiresGrad: true }), tf.rand([2], { requiresGrad: true }),
      tf.randn([2], { requiresGrad: true })]) {
      track(t);
      expect(t.requiresGrad).toBe(true);
    }
    expect(track(tf.zeros([2])).requiresGrad).toBe(false);
  });

  it('is refused for int32 and bool, naming the op and the dtype', () => {
    const before = tf.memory().numStorages;
    expectErr(() => tf.tensor([1, 2], { dtype: 'int32', requiresGrad: true }), tf.DTypeError, /^tensor: /, 'int32', 'floating point');
    expectErr(() => tf.tensor([true], { requiresGrad: true }), tf.DTypeError, 'bool');
    expectErr(() => tf.zeros([2], { dtype: 'int32', requiresGrad: true }), tf.DTypeError, 'int32');
    expectErr(() => tf.full([2], true, { requiresGrad: true }), tf.DTypeError, 'bool');
    expectErr(() => tf.arange(3, { requiresGrad: true }), tf.DTypeError, 'int32');
    expectErr(() => tf.eye(2, { dtype: 'bool', requiresGrad: true }), tf.DTypeError, 'bool');
    expectErr(() => tf.randint(0, 3, [2], { requiresGrad: true }), tf.DTypeError, /^randint: /, 'int32');
    expectErr(() => tf.bernoulli([2], 0.5, { dtype: 'bool', requiresGrad: true }), tf.DTypeError, 'bool');
    // Nothing leaks from a refused creation.
    expect(tf.memory().numStorages).toBe(before);
  });
});
