/**
 * cat, stack, split, chunk, unbind against float64 references written as plain loops.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, makeTensor, numel, randomValues, rng, type Layout } from '../helpers';

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

/** Row-major multi-index helpers. */
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

/** Reference cat: element at out position p comes from the part whose range holds p[dim]. */
function refCat(parts: { shape: number[]; values: Float64Array }[], dim: number): { shape: number[]; values: Float64Array } {
  const kept = parts.filter((p) => !(p.shape.length === 1 && p.shape[0] === 0));
  if (kept.length === 0) return { shape: [0], values: new Float64Array(0) };
  const shape = kept[0].shape.slice();
  shape[dim] = kept.reduce((s, p) => s + p.shape[dim], 0);
  const out = new Float64Array(numel(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let k = idx[dim];
    for (const p of kept) {
      if (k < p.shape[dim]) {
        const src = idx.slice();
        src[dim] = k;
        out[i] = p.values[ravel(src, p.shape)];
        break;
      }
      k -= p.shape[dim];
    }
  }
  return { shape, values: out };
}

function asF64(t: Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

afterAll(() => tf.setPortableKernels(false));

for (const portable of [false, true]) {
  describe(`cat / stack (${portable ? 'portable' : 'default'} kernels)`, () => {
    it('cat matches the reference over shapes, dims, dtypes and layouts', () => {
      tf.setPortableKernels(portable);
      const r = rng(11);
      const bases: number[][] = [[7], [2, 3], [17, 5], [3, 1, 4], [2, 3, 4, 5], [0, 3], [4, 0, 2], [33, 9]];
      let cases = 0;
      for (const base of bases) {
        for (let dim = -base.length; dim < base.length; dim++) {
          const d = dim < 0 ? dim + base.length : dim;
          const nparts = 1 + Math.floor(r() * 3);
          const parts: { shape: number[]; values: Float64Array; dtype: DType; t: Tensor }[] = [];
          for (let p = 0; p < nparts; p++) {
            const shape = base.slice();
            shape[d] = [0, 1, 2, 5, 7][Math.floor(r() * 5)];
            const dtype = DTYPES[Math.floor(r() * DTYPES.length)];
            const layout = LAYOUTS[Math.floor(r() * LAYOUTS.length)];
            const values = randomValues(numel(shape), dtype, r);
            parts.push({ shape, values, dtype, t: makeTensor(values, shape, dtype, layout) });
          }
          const out = tf.cat(parts.map((p) => p.t), dim);
          const ref = refCat(parts, d);
          const dtype = parts.map((p) => p.dtype).reduce((a, b) => tf.promoteTypes(a, b));
          expect(out.dtype).toBe(dtype);
          expect(out.shape).toEqual(ref.shape);
          const expected = dtype === 'bool' ? ref.values.map((v) => (v ? 1 : 0)) : ref.values;
          expectClose(asF64(out), expected, { rtol: 0, atol: 0, what: `cat ${parts.map((p) => `[${p.shape}]`).join(',')} dim ${dim}` });
          out.dispose();
          parts.forEach((p) => p.t.dispose());
          cases++;
        }
      }
      expect(cases).toBeGreaterThan(20);
    });

    it('cat skips 1-d empty tensors but promotes with their dtype', () => {
      tf.setPortableKernels(portable);
      const a = tf.tensor([[1, 2], [3, 4]]);
      const e = tf.zeros([0], { dtype: 'float64' });
      const out = tf.cat([e, a, e], 1);
      expect(out.shape).toEqual([2, 2]);
      expect(out.dtype).toBe('float64');
      expect(Array.from(out.dataSync())).toEqual([1, 2, 3, 4]);
      const only = tf.cat([e, tf.zeros([0], { dtype: 'int32' })]);
      expect(only.shape).toEqual([0]);
      expect(only.dtype).toBe('float64');
      expect(tf.concat([a, a]).shape).toEqual([4, 2]);
    });

    it('stack matches cat of unsqueezed inputs (reference) for every dim', () => {
      tf.setPortableKernels(portable);
      const r = rng(12);
      for (const shape of [[], [7], [0], [2, 3], [3, 1, 4], [17, 5]]) {
        for (let dim = -(shape.length + 1); dim <= shape.length; dim++) {
          const d = dim < 0 ? dim + shape.length + 1 : dim;
          const n = 1 + Math.floor(r() * 4);
          const dtype = DTYPES[Math.floor(r() * 3)];
          const parts = Array.from({ length: n }, (_, i) => {
            const values = randomValues(numel(shape), dtype, r);
            return { values, t: makeTensor(values, shape, dtype, LAYOUTS[i % 3]) };
          });
          const out = tf.stack(parts.map((p) => p.t), dim);
          const eshape = shape.slice();
          eshape.splice(d, 0, 1);
          const ref = refCat(parts.map((p) => ({ shape: eshape, values: p.values })), d);
          expect(out.shape).toEqual(ref.shape);
          expectClose(asF64(out), ref.values, { rtol: 0, atol: 0, what: `stack [${shape}] x${n} dim ${dim}` });
          out.dispose();
          parts.forEach((p) => p.t.dispose());
        }
      }
    });
  });
}

describe('cat / stack errors', () => {
  it('rejects bad lists, 0-d inputs and mismatched shapes', () => {
    expect(() => tf.cat([])).toThrow(tf.ArgumentError);
    expect(() => tf.cat([tf.zeros([2]), 3 as unknown as Tensor])).toThrow(/cat: element 1 is not a Tensor/);
    expect(() => tf.cat([tf.tensor(1), tf.tensor(2)])).toThrow(tf.ShapeError);
    expect(() => tf.cat([tf.zeros([2, 3]), tf.zeros([2, 4])])).toThrow(/cat: sizes must match except in dim 0: element 1 has shape \[2, 4\]/);
    expect(() => tf.cat([tf.zeros([2, 3]), tf.zeros([2, 3, 1])])).toThrow(/cat: tensors must have the same number of dims/);
    expect(() => tf.cat([tf.zeros([2, 3])], 2)).toThrow(tf.IndexError);
    expect(() => tf.stack([tf.zeros([2, 3]), tf.zeros([3, 2])])).toThrow(/stack: all tensors must have the same shape, got \[2, 3\] \(element 0\) and \[3, 2\] \(element 1\)/);
    expect(() => tf.stack([tf.zeros([2])], 3)).toThrow(tf.IndexError);
    const d = tf.zeros([2]);
    d.dispose();
    expect(() => tf.cat([tf.zeros([2]), d])).toThrow(tf.DisposedError);
  });
});

describe('split / chunk / unbind', () => {
  it('split by size and by sections matches the reference slices, as views', () => {
    const r = rng(21);
    for (const shape of [[7], [10, 3], [3, 17, 2], [0, 4], [5, 0]]) {
      for (let d = 0; d < shape.length; d++) {
        const values = randomValues(numel(shape), 'float64', r);
        for (const layout of LAYOUTS) {
          const x = makeTensor(values, shape, 'float64', layout);
          const n = shape[d];
          const sizeOptions = n === 0 ? [0, 1, 3] : [1, 2, 3, n, n + 4];
          for (const s of sizeOptions) {
            const parts = x.split(s, d);
            const expectedCount = s === 0 ? 1 : Math.max(1, Math.ceil(n / s));
            expect(parts.length).toBe(expectedCount);
            let start = 0;
            for (const p of parts) {
              expect(p.storage).toBe(x.storage);
              const len = p.shape[d];
              const ref = refNarrow(values, shape, d, start, len);
              expectClose(p.dataSync(), ref, { rtol: 0, atol: 0, what: `split ${s} of [${shape}] dim ${d}` });
              start += len;
            }
            expect(start).toBe(n);
          }
          // sections
          const secs: number[] = [];
          let left = n;
          while (left > 0) {
            const k = Math.min(left, Math.floor(r() * 4));
            secs.push(k);
            left -= k;
          }
          secs.push(0);
          const parts = tf.split(x, secs, d);
          expect(parts.map((p) => p.shape[d])).toEqual(secs);
          let start = 0;
          for (const p of parts) {
            expectClose(p.dataSync(), refNarrow(values, shape, d, start, p.shape[d]), { rtol: 0, atol: 0 });
            start += p.shape[d];
          }
          x.dispose();
        }
      }
    }
  });

  it('chunk follows PyTorch: ceil(n / chunks) per piece, fewer pieces when n is small', () => {
    const cases: [number, number, number[]][] = [
      [6, 3, [2, 2, 2]], [7, 3, [3, 3, 1]], [5, 4, [2, 2, 1]], [4, 6, [1, 1, 1, 1]], [1, 3, [1]], [0, 3, [0, 0, 0]], [17, 1, [17]],
    ];
    for (const [n, chunks, sizes] of cases) {
      const x = tf.arange(n * 2, { dtype: 'float64' }).reshape(n, 2);
      const parts = x.chunk(chunks);
      expect(parts.map((p) => p.shape[0])).toEqual(sizes);
      let start = 0;
      for (const p of parts) {
        expect(p.storage).toBe(x.storage);
        expect(Array.from(p.dataSync())).toEqual(Array.from({ length: p.shape[0] * 2 }, (_, i) => start * 2 + i));
        start += p.shape[0];
      }
      const cols = tf.chunk(x, 2, 1);
      expect(cols.map((c) => c.shape)).toEqual([[n, 1], [n, 1]]);
    }
  });

  it('pieces are views: copy_ into a piece changes the base', () => {
    const base = tf.zeros([4, 6]);
    const [, right] = base.split([2, 4], 1);
    right.copy_(tf.ones([4, 4]));
    const [, second] = base.chunk(2, 0);
    second.copy_(tf.full([2, 6], 5));
    const rows = base.unbind(0);
    rows[0].copy_(tf.full([6], 7));
    expect(base.toArray()).toEqual([
      [7, 7, 7, 7, 7, 7],
      [0, 0, 1, 1, 1, 1],
      [5, 5, 5, 5, 5, 5],
      [5, 5, 5, 5, 5, 5],
    ]);
  });

  it('unbind returns every slice along dim as a view', () => {
    const r = rng(22);
    for (const shape of [[3], [2, 3], [3, 0, 2], [2, 3, 4]]) {
      for (let d = 0; d < shape.length; d++) {
        const values = randomValues(numel(shape), 'float32', r);
        const x = makeTensor(values, shape, 'float32', 'transposed');
        const parts = tf.unbind(x, d);
        expect(parts.length).toBe(shape[d]);
        parts.forEach((p, i) => {
          expect(p.shape).toEqual(shape.filter((_, k) => k !== d));
          expect(p.storage).toBe(x.storage);
          expectClose(p.dataSync(), refNarrow(values, shape, d, i, 1), { rtol: 0, atol: 0 });
        });
      }
    }
  });

  it('rejects bad sizes, counts and dims', () => {
    const x = tf.zeros([5, 2]);
    expect(() => x.split([2, 2])).toThrow(/split: split sizes \[2, 2\] add up to 4, but dim 0 of shape \[5, 2\] has size 5/);
    expect(() => x.split([2, 2])).toThrow(tf.ShapeError);
    expect(() => x.split([6, -1])).toThrow(tf.ArgumentError);
    expect(() => x.split(0)).toThrow(/split: split size 0 is only allowed for a dim of size 0/);
    expect(() => x.split(1.5)).toThrow(tf.ArgumentError);
    expect(() => x.split(1, 2)).toThrow(tf.IndexError);
    expect(() => x.chunk(0)).toThrow(/chunk: chunks must be a positive integer, got 0/);
    expect(() => tf.tensor(3).chunk(1)).toThrow(tf.ShapeError);
    expect(() => tf.tensor(3).split(1)).toThrow(tf.ShapeError);
    expect(() => tf.tensor(3).unbind()).toThrow(tf.ShapeError);
    expect(() => x.unbind(-3)).toThrow(tf.IndexError);
  });
});

/** Reference narrow: the values of x[..., start:start+len, ...] along d, row-major. */
function refNarrow(values: Float64Array, shape: number[], d: number, start: number, len: number): Float64Array {
  const oshape = shape.slice();
  oshape[d] = len;
  const out = new Float64Array(numel(oshape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, oshape);
    idx[d] += start;
    out[i] = values[ravel(idx, shape)];
  }
  return out;
}
