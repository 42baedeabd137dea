/**
 * Copies: contiguous(), clone(), to(dtype) with its casting rules, copy_ with
 * broadcasting, on every dtype pair and on non-contiguous inputs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { BROADCAST_PAIRS, makeTensor, numel, randomValues, refBroadcast, rng, SHAPES, type Layout } from '../helpers';

const live: Tensor[] = [];
function track<T extends Tensor>(t: T): T {
  live.push(t);
  return t;
}
afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

/** The documented casts (C++ conversions made total): see lib/ops/copy.ts. */
function castRef(v: number, to: DType): number {
  switch (to) {
    case 'float32': return Math.fround(v);
    case 'float64': return v;
    case 'bool': return v !== 0 ? 1 : 0; // any nonzero, NaN included, is true
    case 'int32':
      if (Number.isNaN(v)) return 0;
      return Math.min(2147483647, Math.max(-2147483648, Math.trunc(v)));
  }
}

function expectExact(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(got[i] === 0 && want[i] === 0)) {
      expect.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
    }
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

describe('contiguous', () => {
  it('returns the same object when already contiguous, a contiguous copy otherwise', () => {
    const r = rng(1);
    for (const shape of SHAPES) {
      for (const dt of DTYPES) {
        for (const layout of LAYOUTS) {
          const values = randomValues(numel(shape), dt, r);
          const x = track(makeTensor(values, shape, dt, layout));
          const c = tf.contiguous(x);
          if (x.isContiguous()) {
            expect(c).toBe(x);
          } else {
            track(c);
            expect(c).not.toBe(x);
            expect(c.isContiguous()).toBe(true);
            expect(c.strides).toEqual(shape.map((_, i) => numel(shape.slice(i + 1))));
            expect(c.dtype).toBe(dt);
          }
          expectExact(c.dataSync(), values, `${dt} ${layout} [${shape}]`);
          const c2 = x.contiguous();
          expect(c2 === x).toBe(x.isContiguous());
          if (c2 !== x) track(c2);
        }
      }
    }
  });

  it('treats size-1 dims and empty tensors as contiguous whatever their strides', () => {
    const x = track(tf.zeros([3, 1, 4]));
    const u = track(x.permute(1, 0, 2)); // [1, 3, 4], strides [4, 4, 1]
    expect(u.isContiguous()).toBe(true);
    expect(u.contiguous()).toBe(u);
    const e = track(track(tf.zeros([0, 3])).t());
    expect(e.isContiguous()).toBe(true);
    expect(track(x.expand(2, 3, 1, 4)).isContiguous()).toBe(false);
  });
});

describe('clone', () => {
  it('copies values into memory of its own', () => {
    const r = rng(2);
    for (const dt of DTYPES) {
      for (const layout of LAYOUTS) {
        const values = randomValues(35, dt, r);
        const x = track(makeTensor(values, [5, 7], dt, layout));
        const c = track(x.clone());
        expect(c).not.toBe(x);
        expect(c.isContiguous()).toBe(true);
        expect(c.dtype).toBe(dt);
        expectExact(c.dataSync(), values, `clone ${dt} ${layout}`);
        c.copy_(track(tf.zeros([5, 7], { dtype: dt })));
        expectExact(x.dataSync(), values, `original after writing the clone (${dt} ${layout})`);
        x.copy_(track(tf.ones([5, 7], { dtype: dt })));
        expect(Array.from(c.dataSync()).every((v) => v === 0)).toBe(true);
      }
    }
    const before = tf.memory().numBytes;
    const a = track(tf.zeros([1000]));
    const b = track(tf.clone(a));
    expect(tf.memory().numBytes - before).toBe(8000);
    void b;
  });

  it('clones 0-d, empty and expanded tensors', () => {
    expect(track(track(tf.tensor(4)).clone()).item()).toBe(4);
    expect(track(track(tf.zeros([3, 0])).clone()).shape).toEqual([3, 0]);
    const e = track(track(track(tf.tensor([1, 2])).expand(3, 2)).clone());
    expect(e.strides).toEqual([2, 1]);
    expect(e.toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
  });
});

describe('to(dtype)', () => {
  const specials = [0, -0, 0.25, -0.25, 0.999, -0.999, 1, -1, 1.5, -1.5, 2.5, -2.5, 7.99, -7.99, 100.7, -100.7, 16777217,
    2147483647, 2147483648, -2147483648, -2147483649, 3e9, -3e9, 1e300, -1e300, Infinity, -Infinity, NaN, 1e-45, 5e-324];

  it('casts every dtype pair by the documented rules, on every layout', () => {
    const r = rng(3);
    for (const from of DTYPES) {
      for (const to of DTYPES) {
        for (const layout of LAYOUTS) {
          const random = Array.from(randomValues(6 * 7, from, r, -50, 50));
          const base = from === 'float64' || from === 'float32' ? [...specials, ...random] : random;
          const stored = Array.from(base, (v) => castRef(v, from));
          const shape = [stored.length];
          const x = track(makeTensor(Float64Array.from(stored), shape, from, layout));
          expectExact(x.dataSync(), stored, `input ${from}`);
          const y = x.to(to);
          if (to === from) {
            expect(y).toBe(x);
          } else {
            track(y);
            expect(y.dtype).toBe(to);
            expect(y.isContiguous()).toBe(true);
            expectExact(y.dataSync(), stored.map((v) => castRef(v, to)), `${from} -> ${to} (${layout})`);
          }
        }
      }
    }
  });

  it('states the rules on examples: truncation, NaN, saturation, truthiness, 0/1', () => {
    const f = track(tf.tensor([1.9, -1.9, 0.5, -0.5, NaN, 1e10, -1e10, Infinity]));
    expect(track(f.to('int32')).toArray()).toEqual([1, -1, 0, 0, 0, 2147483647, -2147483648, 2147483647]);
    expect(track(f.to('bool')).toArray()).toEqual([true, true, true, true, true, true, true, true]);
    expect(track(track(tf.tensor([0, -0, 1e-30])).bool()).toArray()).toEqual([false, false, true]);
    const b = track(tf.tensor([true, false, true]));
    expect(Array.from(track(b.float()).dataSync())).toEqual([1, 0, 1]);
    expect(Array.from(track(b.double()).dataSync())).toEqual([1, 0, 1]);
    expect(Array.from(track(b.int()).dataSync())).toEqual([1, 0, 1]);
    expect(track(b.to({ dtype: 'float32' })).dtype).toBe('float32');
    const i = track(tf.tensor([16777217, -7], { dtype: 'int32' }));
    expect(Array.from(track(i.float()).dataSync())).toEqual([16777216, -7]); // rounds to the nearest float32
    expect(Array.from(track(i.double()).dataSync())).toEqual([16777217, -7]);
  });

  it('returns x itself for its own dtype or device, and errors otherwise', () => {
    const x = track(tf.zeros([2]));
    expect(x.to('float32')).toBe(x);
    expect(x.to('cpu')).toBe(x);
    expect(x.to({ device: 'cpu' })).toBe(x);
    expect(x.to({})).toBe(x);
    expect(x.float()).toBe(x);
    expectErr(() => x.to('cuda'), tf.DeviceError, /^to: /, 'cuda');
    expectErr(() => x.to({ dtype: 'float64', device: 'cuda:1' }), tf.DeviceError, 'cuda:1');
    expectErr(() => x.to('half' as DType), tf.DTypeError, /^to: /, '"half"');
    expectErr(() => x.to(3 as never), tf.ArgumentError, /^to: /, 'expected a dtype');
    expectErr(() => tf.to([1] as never, 'int32'), tf.ArgumentError, 'expected a Tensor');
    const d = tf.zeros([2]);
    d.dispose();
    expectErr(() => d.to('int32'), tf.DisposedError, /^to: /);
    expectErr(() => d.to('float32'), tf.DisposedError, /^to: /);
    expectErr(() => d.contiguous(), tf.DisposedError, /^contiguous: /);
    expectErr(() => d.clone(), tf.DisposedError, /^clone: /);
  });
});

describe('copy_', () => {
  it('copies with broadcasting and casting into contiguous and strided destinations', () => {
    const r = rng(4);
    const pairs: [number[], number[]][] = [
      // each pair in the orientation where the source broadcasts to the destination's shape
      ...[...BROADCAST_PAIRS, ...BROADCAST_PAIRS.map(([a, b]) => [b, a] as [number[], number[]])].filter(([a, b]) => {
        const out = refBroadcast({ shape: a, values: new Float64Array(numel(a)) }, { shape: b, values: new Float64Array(numel(b)) }, () => 0).shape;
        return out.length === a.length && out.every((d, i) => d === a[i]);
      }),
      [[4, 5], [4, 5]], [[4, 5], []], [[3, 7], [1, 7]], [[2, 3, 4], [3, 1]], [[6, 1, 1, 3], [1, 3]], [[17, 33], [33]],
    ];
    expect(pairs.length).toBeGreaterThanOrEqual(10);
    for (const [dstShape, srcShape] of pairs) {
      for (const dl of LAYOUTS) {
        for (const sl of LAYOUTS) {
          for (const [dd, sd] of [['float32', 'float32'], ['float64', 'float32'], ['int32', 'float64'], ['float32', 'bool'], ['bool', 'bool'], ['int32', 'int32']] as [DType, DType][]) {
            const dv = randomValues(numel(dstShape), dd, r);
            const sv = randomValues(numel(srcShape), sd, r);
            const dst = track(makeTensor(dv, dstShape, dd, dl));
            const src = track(makeTensor(sv, srcShape, sd, sl));
            const v0 = dst.storage.version;
            expect(dst.copy_(src)).toBe(dst);
            expect(dst.storage.version).toBe(v0 + 1);
            const want = refBroadcast({ shape: dstShape, values: dv }, { shape: srcShape, values: sv }, (_, s) => castRef(s, dd));
            expectExact(dst.dataSync(), want.values, `copy_ ${sd}[${srcShape}] ${sl} -> ${dd}[${dstShape}] ${dl}`);
            expectExact(src.dataSync(), sv, 'source unchanged');
          }
        }
      }
    }
    expect(tf.copy_(track(tf.zeros([2])), track(tf.ones([2])))).toBeDefined();
  });

  it('writes only the destination view, not its neighbours in the storage', () => {
    const base = track(tf.zeros([4, 6]));
    base.slice([[1, 3], [null, null, 3]]).copy_(track(tf.tensor([[1, 2], [3, 4]])));
    expect(base.toArray()).toEqual([
      [0, 0, 0, 0, 0, 0],
      [1, 0, 0, 2, 0, 0],
      [3, 0, 0, 4, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
  });

  it('rejects shapes that do not broadcast, bool from numbers, and expanded destinations', () => {
    const x = track(tf.zeros([2, 3]));
    expectErr(() => x.copy_(track(tf.zeros([3, 3]))), tf.ShapeError, /^copy_: /, '[2, 3]', '[3, 3]');
    expectErr(() => x.copy_(track(tf.zeros([1, 2, 3]))), tf.ShapeError, /^copy_: /, '[1, 2, 3]', 'cannot be broadcast to [2, 3]');
    expectErr(() => x.copy_(track(tf.zeros([2, 1, 3]))), tf.ShapeError, /^copy_: /);
    const b = track(tf.zeros([2], { dtype: 'bool' }));
    expectErr(() => b.copy_(track(tf.ones([2]))), tf.DTypeError, /^copy_: /, 'float32', 'bool');
    const e = track(track(tf.zeros([3, 1])).expand(3, 4));
    expectErr(() => e.copy_(track(tf.ones([3, 4]))), tf.ArgumentError, /^copy_: /, '[3, 4]', 'strides [1, 0]', 'clone()');
    // A size-1 dim of stride 0 is no overlap.
    const ok = track(track(tf.zeros([3])).unsqueeze(0).expand(1, 3));
    ok.copy_(track(tf.ones([3])));
    expect(ok.toArray()).toEqual([[1, 1, 1]]);
    expectErr(() => x.copy_([1] as never), tf.ArgumentError, /^copy_: /, 'two Tensors');
    const d = tf.zeros([2, 3]);
    d.dispose();
    expectErr(() => x.copy_(d), tf.DisposedError, /^copy_: /);
    expectErr(() => d.copy_(x), tf.DisposedError, /^copy_: /);
  });

  it('copies large tensors across threads identically to a single thread', () => {
    const n0 = tf.getNumThreads();
    const r = rng(5);
    const values = randomValues(300 * 257, 'float64', r);
    const results: Float32Array[] = [];
    for (const th of [1, 2]) {
      tf.setNumThreads(th);
      const src = track(makeTensor(values, [300, 257], 'float64', 'transposed'));
      const dst = track(tf.zeros([300, 257]));
      dst.copy_(src);
      results.push(dst.dataSync() as Float32Array);
    }
    tf.setNumThreads(n0);
    expectExact(results[0], Array.from(values, Math.fround), '1 thread');
    expectExact(results[1], results[0], '2 threads');
  });
});
