/**
 * indexSelect, gather, scatter(_), scatterAdd(_), indexAdd(_) against float64 references
 * written as plain loops, on random shapes, dims, dtypes and layouts; and every index,
 * dtype and shape error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { native } from '../../lib/native';
import { expectClose, makeTensor, numel, randomValues, rng, tolFor, type Layout } from '../helpers';

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];
const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];
const NUMERIC: DType[] = ['float32', 'float64', 'int32'];

function unravel(i: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}
function ravel(idx: number[], shape: number[]): number {
  let r = 0;
  for (let d = 0; d < shape.length; d++) r = r * shape[d] + idx[d];
  return r;
}
const s1 = (s: number[]) => (s.length === 0 ? [1] : s); // these ops see 0-d as [1]

interface Arr { shape: number[]; values: Float64Array }

function refGather(x: Arr, dim: number, index: Arr): Float64Array {
  const xs = s1(x.shape);
  const is = s1(index.shape);
  const out = new Float64Array(index.values.length);
  for (let p = 0; p < out.length; p++) {
    const at = unravel(p, is);
    at[dim] = index.values[p];
    out[p] = x.values[ravel(at, xs)];
  }
  return out;
}

function refIndexSelect(x: Arr, dim: number, ids: number[]): Arr {
  const xs = s1(x.shape);
  const shape = xs.slice();
  shape[dim] = ids.length;
  const out = new Float64Array(numel(shape));
  for (let p = 0; p < out.length; p++) {
    const at = unravel(p, shape);
    at[dim] = ids[at[dim]];
    out[p] = x.values[ravel(at, xs)];
  }
  return { shape, values: out };
}

/** scatter (add = false: the later write wins) or scatterAdd, visiting index row-major. */
function refScatter(x: Arr, dim: number, index: Arr, src: Arr | number, add: boolean): Float64Array {
  const xs = s1(x.shape);
  const is = s1(index.shape);
  const out = x.values.slice();
  for (let p = 0; p < index.values.length; p++) {
    const at = unravel(p, is);
    const v = typeof src === 'number' ? src : src.values[ravel(at, s1(src.shape))];
    at[dim] = index.values[p];
    const q = ravel(at, xs);
    out[q] = add ? out[q] + v : v;
  }
  return out;
}

function refIndexAdd(x: Arr, dim: number, ids: number[], src: Arr, alpha: number): Float64Array {
  const xs = s1(x.shape);
  const ss = s1(src.shape);
  const out = x.values.slice();
  for (let p = 0; p < src.values.length; p++) {
    const at = unravel(p, ss);
    at[dim] = ids[at[dim]];
    out[ravel(at, xs)] += alpha * src.values[p];
  }
  return out;
}

/** Wraps int32 arithmetic the way the kernel does (overflow wraps) and rounds float32. */
function castTo(values: Float64Array, dtype: DType): Float64Array {
  if (dtype === 'int32') return values.map((v) => v | 0);
  if (dtype === 'float32') return values.map((v) => Math.fround(v));
  if (dtype === 'bool') return values.map((v) => (v ? 1 : 0));
  return values;
}

const INPUT_SHAPES: number[][] = [[], [1], [7], [0], [3, 5], [17, 5], [3, 0], [2, 3, 4], [3, 1, 4], [2, 3, 4, 5], [33, 57]];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}
function randInt(r: () => number, n: number): number {
  return Math.floor(r() * n);
}

/** A random int32 index of `shape` with values in [0, bound). */
function randomIndex(r: () => number, shape: number[], bound: number, layout: Layout): { arr: Arr; t: Tensor } {
  const values = new Float64Array(numel(shape)).map(() => randInt(r, bound));
  return { arr: { shape, values }, t: makeTensor(values, shape, 'int32', layout) };
}

afterAll(() => tf.setPortableKernels(false));

// The index kernels have no SIMD variant, but they run under both settings to show the
// switch changes nothing for them.
for (const portable of [false, true]) {
  describe(`index ops against references (${portable ? 'portable' : 'default'} kernels)`, () => {
    it('indexSelect', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 101 : 102);
      for (const shape of INPUT_SHAPES) {
        const xs = s1(shape);
        for (let dim = -xs.length; dim < xs.length; dim++) {
          const d = dim < 0 ? dim + xs.length : dim;
          const dtype = pick(r, ALL);
          const values = randomValues(numel(shape), dtype, r);
          const x = makeTensor(values, shape, dtype, pick(r, LAYOUTS));
          const n = xs[d] === 0 ? 0 : pick(r, [0, 1, 3, 8, 40]);
          const ids = Array.from({ length: n }, () => randInt(r, xs[d]));
          const ref = refIndexSelect({ shape, values }, d, ids);
          const asArray = r() < 0.5;
          const idxT = makeTensor(Float64Array.from(ids), [n], 'int32', pick(r, LAYOUTS));
          const out = asArray ? x.indexSelect(dim, ids) : tf.indexSelect(x, dim, idxT);
          expect(out.dtype).toBe(dtype);
          expect(out.shape).toEqual(shape.length === 0 ? [n] : ref.shape);
          expectClose(out.dataSync(), ref.values, { rtol: 0, atol: 0, what: `indexSelect [${shape}] dim ${dim}` });
          out.dispose();
          x.dispose();
          idxT.dispose();
        }
      }
    });

    it('gather', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 201 : 202);
      for (const shape of INPUT_SHAPES) {
        const xs = s1(shape);
        for (let d = 0; d < xs.length; d++) {
          for (const ilayout of LAYOUTS) {
            const dtype = pick(r, ALL);
            const values = randomValues(numel(shape), dtype, r);
            const x = makeTensor(values, shape, dtype, pick(r, LAYOUTS));
            // index no larger than x in the other dims, any length along d (0 when x has none)
            const ishape = shape.length === 0 ? [] : xs.map((s, k) => (k === d ? (s === 0 ? 0 : 1 + randInt(r, 6)) : randInt(r, s + 1)));
            const { arr, t: idx } = randomIndex(r, ishape, xs[d], ilayout);
            const out = x.gather(d, idx);
            expect(out.shape).toEqual(ishape);
            expect(out.dtype).toBe(dtype);
            expectClose(out.dataSync(), refGather({ shape, values }, d, arr), { rtol: 0, atol: 0, what: `gather [${shape}] dim ${d} index [${ishape}]` });
            out.dispose();
            x.dispose();
            idx.dispose();
          }
        }
      }
    });

    it('scatter and scatter_ (tensor and value sources)', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 301 : 302);
      for (const shape of INPUT_SHAPES) {
        const xs = s1(shape);
        for (let d = 0; d < xs.length; d++) {
          const dtype = pick(r, ALL);
          const values = randomValues(numel(shape), dtype, r);
          const ishape = shape.length === 0 ? [] : xs.map((s, k) => (k === d ? (s === 0 ? 0 : 1 + randInt(r, 6)) : randInt(r, s + 1)));
          const sshape = shape.length === 0 ? [] : ishape.map((s) => s + randInt(r, 2));
          const srcValues = randomValues(numel(sshape), dtype, r);
          const { arr, t: idx } = randomIndex(r, ishape, xs[d], pick(r, LAYOUTS));
          const src = makeTensor(srcValues, sshape, dtype, pick(r, LAYOUTS));
          const x = makeTensor(values, shape, dtype, pick(r, LAYOUTS));
          const expected = refScatter({ shape, values }, d, arr, { shape: sshape, values: srcValues }, false);
          const out = x.scatter(d, idx, src);
          expectClose(out.dataSync(), expected, { rtol: 0, atol: 0, what: `scatter [${shape}] dim ${d} index [${ishape}]` });
          expectClose(x.dataSync(), values, { rtol: 0, atol: 0, what: 'scatter leaves its input alone' });
          // in place, through a non-contiguous view
          const version = x.storage.version;
          const ret = x.scatter_(d, idx, src);
          expect(ret).toBe(x);
          expectClose(x.dataSync(), expected, { rtol: 0, atol: 0, what: `scatter_ [${shape}] dim ${d}` });
          if (numel(ishape) > 0) expect(x.storage.version).toBeGreaterThan(version);
          // scalar value
          const value = dtype === 'bool' ? 1 : dtype === 'int32' ? -4 : 2.5;
          const outV = tf.scatter(x, d, idx, value);
          expectClose(outV.dataSync(), castTo(refScatter({ shape, values: expected }, d, arr, value, false), dtype), { rtol: 0, atol: 0, what: 'scatter value' });
          [out, outV, x, idx, src].forEach((t) => t.dispose());
        }
      }
    });

    it('scatterAdd and scatterAdd_ accumulate repeated indices', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 401 : 402);
      for (const shape of INPUT_SHAPES) {
        const xs = s1(shape);
        for (let d = 0; d < xs.length; d++) {
          const dtype = pick(r, NUMERIC);
          const values = randomValues(numel(shape), dtype, r);
          // long index along d over a small bound: many repeats
          const ishape = shape.length === 0 ? [] : xs.map((s, k) => (k === d ? (s === 0 ? 0 : 1 + randInt(r, 12)) : randInt(r, s + 1)));
          const srcValues = randomValues(numel(ishape), dtype, r);
          const { arr, t: idx } = randomIndex(r, ishape, xs[d], pick(r, LAYOUTS));
          const src = makeTensor(srcValues, ishape, dtype, pick(r, LAYOUTS));
          const x = makeTensor(values, shape, dtype, pick(r, LAYOUTS));
          const expected = refScatter({ shape, values }, d, arr, { shape: ishape, values: srcValues }, true);
          const out = tf.scatterAdd(x, d, idx, src);
          expectClose(out.dataSync(), expected, { ...tolFor(dtype), what: `scatterAdd [${shape}] dim ${d} index [${ishape}]` });
          x.scatterAdd_(d, idx, src);
          expectClose(x.dataSync(), expected, { ...tolFor(dtype), what: `scatterAdd_ [${shape}] dim ${d}` });
          [out, x, idx, src].forEach((t) => t.dispose());
        }
      }
    });

    it('indexAdd and indexAdd_ with alpha', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 501 : 502);
      for (const shape of INPUT_SHAPES) {
        const xs = s1(shape);
        for (let d = 0; d < xs.length; d++) {
          const dtype = pick(r, NUMERIC);
          const values = randomValues(numel(shape), dtype, r);
          const n = xs[d] === 0 ? 0 : shape.length === 0 ? 1 : pick(r, [1, 4, 9]);
          const ids = Array.from({ length: n }, () => randInt(r, xs[d]));
          const sshape = xs.slice();
          sshape[d] = n;
          const srcShape = shape.length === 0 ? [] : sshape;
          const srcValues = randomValues(numel(srcShape), dtype, r);
          const src = makeTensor(srcValues, srcShape, dtype, pick(r, LAYOUTS));
          const x = makeTensor(values, shape, dtype, pick(r, LAYOUTS));
          const alpha = dtype === 'int32' ? -2 : 0.5;
          const expected = refIndexAdd({ shape, values }, d, ids, { shape: srcShape, values: srcValues }, alpha);
          const idxT = tf.tensor(Int32Array.from(ids));
          const out = x.indexAdd(d, ids, src, { alpha });
          expectClose(out.dataSync(), expected, { ...tolFor(dtype), what: `indexAdd [${shape}] dim ${d}` });
          tf.indexAdd_(x, d, idxT, src, { alpha });
          expectClose(x.dataSync(), expected, { ...tolFor(dtype), what: `indexAdd_ [${shape}] dim ${d}` });
          [out, x, idxT, src].forEach((t) => t.dispose());
        }
      }
    });
  });
}

describe('large index ops use the threaded paths', () => {
  it('indexSelect of many rows and gather along a long dim', () => {
    tf.setNumThreads(2);
    const r = rng(7);
    const shape = [300, 70];
    const values = randomValues(numel(shape), 'float32', r);
    const x = makeTensor(values, shape, 'float32', 'contiguous');
    const ids = Array.from({ length: 2000 }, () => randInt(r, 300));
    const out = x.indexSelect(0, ids);
    expectClose(out.dataSync(), refIndexSelect({ shape, values }, 0, ids).values, { rtol: 0, atol: 0 });
    const flat = makeTensor(values, [numel(shape)], 'float32', 'contiguous');
    const { arr, t: idx } = randomIndex(r, [100000], numel(shape), 'contiguous');
    const g = flat.gather(0, idx);
    expectClose(g.dataSync(), refGather({ shape: [numel(shape)], values }, 0, arr), { rtol: 0, atol: 0 });
    const acc = tf.zeros([50, 70], { dtype: 'float64' });
    const { arr: ia, t: it2 } = randomIndex(r, [3000, 70], 50, 'transposed');
    const srcVals = randomValues(3000 * 70, 'float64', r);
    const src = makeTensor(srcVals, [3000, 70], 'float64', 'contiguous');
    acc.scatterAdd_(0, it2, src);
    expectClose(acc.dataSync(), refScatter({ shape: [50, 70], values: new Float64Array(3500) }, 0, ia, { shape: [3000, 70], values: srcVals }, true), tolFor('float64'));
    [x, out, flat, idx, g, acc, it2, src].forEach((t) => t.dispose());
  });
});

describe('index errors', () => {
  const i32 = (v: number[] | number[][]) => tf.tensor(v as number[], { dtype: 'int32' });

  it('out-of-range and negative indices throw IndexError naming op, index, dim and size', () => {
    const x = tf.arange(12, { dtype: 'float32' }).reshape(3, 4);
    for (const bad of [-1, 4, 1000, -2147483648, 2147483647]) {
      const idx = i32([[0, bad], [1, 2]]);
      expect(() => x.gather(1, idx)).toThrow(tf.IndexError);
      expect(() => x.gather(1, idx)).toThrow(`gather: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(() => x.scatter(1, idx, tf.ones([2, 2]))).toThrow(`scatter: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(() => x.scatter(1, idx, 3)).toThrow(`scatter: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(() => x.scatterAdd(1, idx, tf.ones([2, 2]))).toThrow(`scatterAdd: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(() => x.indexSelect(1, [0, bad])).toThrow(`indexSelect: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(() => x.indexSelect(1, i32([bad]))).toThrow(tf.IndexError);
      expect(() => x.indexAdd(1, [bad, 0], tf.ones([3, 2]))).toThrow(`indexAdd: index ${bad} is out of bounds for dim 1 with size 4`);
      // in-place ops check every index before writing: the target is unchanged
      const before = Array.from(x.dataSync());
      const v0 = x.storage.version;
      expect(() => x.scatter_(1, idx, tf.ones([2, 2]))).toThrow(`scatter_: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(() => x.scatterAdd_(1, idx, tf.ones([2, 2]))).toThrow(`scatterAdd_: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(() => x.indexAdd_(1, [0, bad], tf.ones([3, 2]))).toThrow(`indexAdd_: index ${bad} is out of bounds for dim 1 with size 4`);
      expect(Array.from(x.dataSync())).toEqual(before);
      expect(x.storage.version).toBe(v0);
    }
    // indices beyond int32 given as JS numbers
    expect(() => x.indexSelect(0, [2 ** 31])).toThrow('indexSelect: index 2147483648 is out of bounds for dim 0 with size 3');
    expect(() => x.indexSelect(0, [0.5])).toThrow(tf.ArgumentError);
    // an index along an empty dim is always out of range
    expect(() => tf.zeros([2, 0]).gather(1, i32([[0], [0]]))).toThrow('gather: index 0 is out of bounds for dim 1 with size 0');
    // an out-of-range index in a sliced view's gap is never read: only the view's elements are checked
    const idxView = makeTensor(new Float64Array([1, 0, 2, 1]), [2, 2], 'int32', 'sliced');
    expect(x.gather(1, idxView).toArray()).toEqual([[1, 0], [6, 5]]);
    // a large random index tensor with one bad element far inside
    const big = new Int32Array(50000).fill(1);
    big[37777] = 4;
    expect(() => x.reshape(12).gather(0, tf.tensor(big))).not.toThrow();
    big[37777] = 12;
    expect(() => x.reshape(12).gather(0, tf.tensor(big))).toThrow('gather: index 12 is out of bounds for dim 0 with size 12');
  });

  it('index dtype must be int32; sources must match the dtype', () => {
    const x = tf.zeros([3, 4]);
    const fidx = tf.tensor([[0, 1]]);
    expect(() => x.gather(1, fidx)).toThrow(tf.DTypeError);
    expect(() => x.gather(1, fidx)).toThrow(/gather: index must be an int32 tensor, got float32/);
    expect(() => x.indexSelect(0, tf.tensor([0], { dtype: 'float64' }))).toThrow(/indexSelect: index must be an int32 tensor, got float64/);
    expect(() => x.scatter_(1, fidx, 1)).toThrow(tf.DTypeError);
    expect(() => x.scatterAdd(1, fidx, tf.ones([1, 2]))).toThrow(tf.DTypeError);
    expect(() => x.indexAdd(0, tf.tensor([0], { dtype: 'bool' }), tf.ones([1, 4]))).toThrow(tf.DTypeError);
    const idx = tf.tensor([[0, 1]], { dtype: 'int32' });
    expect(() => x.scatter(1, idx, tf.ones([1, 2], { dtype: 'float64' }))).toThrow(/scatter: src must have the dtype of the input: got float64 for input of dtype float32/);
    expect(() => x.scatterAdd(1, idx, tf.ones([1, 2], { dtype: 'int32' }))).toThrow(tf.DTypeError);
    expect(() => x.indexAdd(0, [0], tf.ones([1, 4], { dtype: 'float64' }))).toThrow(tf.DTypeError);
    expect(() => tf.zeros([3], { dtype: 'bool' }).scatterAdd(0, tf.tensor([0], { dtype: 'int32' }), tf.ones([1], { dtype: 'bool' }))).toThrow(/scatterAdd: bool tensors cannot be added to/);
    expect(() => tf.zeros([3], { dtype: 'int32' }).indexAdd(0, [0], tf.ones([1], { dtype: 'int32' }), { alpha: 0.5 })).toThrow(tf.ArgumentError);
  });

  it('shape errors', () => {
    const x = tf.zeros([3, 4]);
    const idx3 = tf.zeros([1, 2, 1], { dtype: 'int32' });
    expect(() => x.gather(1, idx3)).toThrow(/gather: index must have as many dims as the input: index of shape \[1, 2, 1\] for input of shape \[3, 4\]/);
    expect(() => x.gather(1, tf.zeros([4, 1], { dtype: 'int32' }))).toThrow(/gather: index of shape \[4, 1\] is larger than the input of shape \[3, 4\] in dim 0 \(4 > 3\)/);
    expect(() => x.gather(2, tf.zeros([1, 1], { dtype: 'int32' }))).toThrow(tf.IndexError);
    expect(() => x.indexSelect(0, tf.zeros([1, 1], { dtype: 'int32' }))).toThrow(/indexSelect: index must be 0-d or 1-d, got shape \[1, 1\]/);
    expect(() => x.scatter(1, tf.zeros([2, 3], { dtype: 'int32' }), tf.ones([2, 2]))).toThrow(/scatter: index of shape \[2, 3\] is larger than src of shape \[2, 2\] in dim 1/);
    expect(() => x.scatter(0, tf.zeros([2, 5], { dtype: 'int32' }), tf.ones([2, 5]))).toThrow(/scatter: index of shape \[2, 5\] is larger than the input of shape \[3, 4\] in dim 1 \(5 > 4\)/);
    expect(() => x.scatter(0, tf.zeros([2, 2], { dtype: 'int32' }), tf.ones([2]))).toThrow(tf.ShapeError);
    expect(() => x.indexAdd(0, [0, 1], tf.ones([2, 3]))).toThrow(/indexAdd: source of shape \[2, 3\] does not fit: expected \[2, 4\]/);
    expect(() => x.expand(2, 3, 4).scatter_(0, tf.zeros([1, 1, 1], { dtype: 'int32' }), 1)).toThrow(/scatter_: cannot write in place into a tensor whose elements overlap/);
    const gone = tf.zeros([3]);
    gone.dispose();
    expect(() => gone.gather(0, tf.zeros([1], { dtype: 'int32' }))).toThrow(tf.DisposedError);
    expect(() => x.gather(0, gone as never)).toThrow(tf.DisposedError);
  });

  it('native code refuses metadata that would reach outside a storage', () => {
    const x = tf.zeros([3]);
    const out = tf.zeros([1]);
    const idx = tf.tensor([9], { dtype: 'int32' });
    const meta = new Float64Array([0]);
    // a bound of 10 for a source of 3 elements: rejected before any index is read
    expect(() => native.indexOp(0, 0, out.handle('t'), 0, idx.handle('t'), 0, x.handle('t'), 0, meta, new Float64Array([1, 1, 1, 1, 10, 0]), 1)).toThrow(/index source reaches outside its storage/);
    expect(() => native.indexOp(0, 0, out.handle('t'), 0, idx.handle('t'), 1, x.handle('t'), 0, meta, new Float64Array([1, 1, 1, 1, 3, 0]), 1)).toThrow(/index reaches outside its storage/);
    expect(() => native.indexOp(0, 0, out.handle('t'), 0, idx.handle('t'), 0, x.handle('t'), 0, meta, new Float64Array([1, 1, 1, 1, 3, 0]), 1)).toThrow('index 9 is out of bounds for dim 0 with size 3');
  });

  it('aliased sources are read before being overwritten', () => {
    // index and target share storage: scatter_ must see the indices as they were
    const vals = new Float64Array([2, 0, 1]);
    const t = tf.tensor(Int32Array.from(vals));
    t.scatter_(0, t, t);
    const v = { shape: [3], values: vals };
    expect(Array.from(t.dataSync())).toEqual(Array.from(refScatter(v, 0, v, v, false)));
    const x = tf.tensor([1, 2, 3, 4]);
    x.indexAdd_(0, [3, 2, 1, 0], x);
    expect(Array.from(x.dataSync())).toEqual([5, 5, 5, 5]);
  });
});
