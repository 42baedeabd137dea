/**
 * Views: every view op against a plain-JS index-mapping reference on random shapes and
 * on non-contiguous inputs; which results share storage (writes through one show in the
 * other); view() refusing layouts it cannot express; error paths.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { makeTensor, numel, randomValues, rng, type Layout } from '../helpers';

const live: Tensor[] = [];
function track<T extends Tensor>(t: T): T {
  live.push(t);
  return t;
}
afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];
const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];

/** A row-major array with its shape: the reference model of a tensor. */
interface Ref {
  shape: number[];
  values: Float64Array;
}

function rowMajorStrides(shape: number[]): number[] {
  const st = new Array(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) st[d] = st[d + 1] * shape[d + 1];
  return st;
}

/** out[idx] = src[map(idx)] over every multi-index of outShape. */
function gather(src: Ref, outShape: number[], map: (idx: number[]) => number[]): Ref {
  const n = numel(outShape);
  const out = new Float64Array(n);
  const st = rowMajorStrides(src.shape);
  const idx = new Array(outShape.length).fill(0);
  for (let i = 0; i < n; i++) {
    const j = map(idx);
    let off = 0;
    for (let d = 0; d < j.length; d++) {
      if (j[d] < 0 || j[d] >= src.shape[d]) throw new Error(`reference index ${j} out of ${src.shape}`);
      off += j[d] * st[d];
    }
    out[i] = src.values[off];
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape: outShape, values: out };
}

function expectMatches(t: Tensor, ref: Ref, what: string): void {
  expect(t.shape, `${what}: shape`).toEqual(ref.shape);
  const got = t.dataSync();
  expect(got.length, `${what}: numel`).toBe(ref.values.length);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== ref.values[i]) expect.fail(`${what}: element ${i} is ${got[i]}, expected ${ref.values[i]}`);
  }
}

/** Python's range of a slice: negative indices count from the end, bounds are clamped. */
function pyIndices(size: number, start: number | undefined, end: number | undefined, step: number): number[] {
  const norm = (i: number | undefined, dflt: number) => (i === undefined ? dflt : Math.min(Math.max(i < 0 ? i + size : i, 0), size));
  const a = norm(start, 0);
  const b = norm(end, size);
  const out: number[] = [];
  for (let i = a; i < b; i += step) out.push(i);
  return out;
}

function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}
function randomShape(r: () => number, maxDims = 4): number[] {
  const nd = randInt(r, 1, maxDims);
  return Array.from({ length: nd }, () => (r() < 0.15 ? 1 : randInt(r, 1, 6)));
}
function shuffle<T>(a: T[], r: () => number): T[] {
  const b = a.slice();
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [b[i], b[j]] = [b[j], b[i]];
  }
  return b;
}

/** Runs body on random inputs: each dtype, each layout, several random shapes. */
function forInputs(seed: number, body: (x: Tensor, ref: Ref, r: () => number, what: string) => void, shapes?: number[][]): void {
  const r = rng(seed);
  for (const dt of DTYPES) {
    for (const layout of LAYOUTS) {
      const list = shapes ?? Array.from({ length: 6 }, () => randomShape(r));
      for (const shape of list) {
        const values = randomValues(numel(shape), dt, r, -100, 100);
        const x = track(makeTensor(values, shape, dt, layout));
        body(x, { shape, values }, r, `${dt} ${layout} [${shape}]`);
      }
    }
  }
}

describe('view values vs reference', () => {
  it('reshape / view / flatten keep row-major order', () => {
    forInputs(1, (x, ref, r, what) => {
      const n = numel(ref.shape);
      const target = n % 2 === 0 ? [2, -1] : [-1, 1];
      const want = { shape: n % 2 === 0 ? [2, n / 2] : [n, 1], values: ref.values };
      expectMatches(track(x.reshape(target)), want, `${what} reshape`);
      expectMatches(track(tf.reshape(x, n)), { shape: [n], values: ref.values }, `${what} reshape(n)`);
      expectMatches(track(x.flatten()), { shape: [n], values: ref.values }, `${what} flatten`);
      if (ref.shape.length >= 2) {
        const s = ref.shape;
        expectMatches(track(x.flatten(1)), { shape: [s[0], numel(s.slice(1))], values: ref.values }, `${what} flatten(1)`);
        expectMatches(track(tf.flatten(x, 0, -2)), { shape: [numel(s.slice(0, -1)), s[s.length - 1]], values: ref.values }, `${what} flatten(0,-2)`);
      }
      if (x.isContiguous()) expectMatches(track(x.view(-1)), { shape: [n], values: ref.values }, `${what} view`);
      void r;
    });
    const s = track(tf.tensor(3));
    expect(track(s.flatten()).shape).toEqual([1]);
    expect(track(s.reshape([1, 1])).toArray()).toEqual([[3]]);
    expect(track(track(tf.tensor([4])).reshape([])).shape).toEqual([]);
    expect(track(track(tf.zeros([0, 3])).reshape(3, 0, 5)).shape).toEqual([3, 0, 5]);
  });

  it('squeeze / unsqueeze', () => {
    forInputs(2, (x, ref, r, what) => {
      const s = ref.shape;
      const noOnes = s.filter((d) => d !== 1);
      expectMatches(track(x.squeeze()), { shape: noOnes, values: ref.values }, `${what} squeeze()`);
      const d = randInt(r, 0, s.length - 1);
      const sq = s[d] === 1 ? s.filter((_, i) => i !== d) : s;
      expectMatches(track(tf.squeeze(x, d - (r() < 0.5 ? s.length : 0))), { shape: sq, values: ref.values }, `${what} squeeze(${d})`);
      const u = randInt(r, -s.length - 1, s.length);
      const pos = u < 0 ? u + s.length + 1 : u;
      const us = [...s.slice(0, pos), 1, ...s.slice(pos)];
      const ux = track(x.unsqueeze(u));
      expectMatches(ux, { shape: us, values: ref.values }, `${what} unsqueeze(${u})`);
      // The inserted dim must keep the view expressible: reshaping it back never copies when x is contiguous.
      if (x.isContiguous()) expect(ux.isContiguous()).toBe(true);
    }, [[1], [3, 1], [1, 4, 1, 2], [2, 3, 4], [5, 1, 1], [1, 1]]);
    const z = track(tf.tensor(2));
    expect(track(z.unsqueeze(0)).shape).toEqual([1]);
    expect(track(z.unsqueeze(-1)).shape).toEqual([1]);
    expect(track(z.squeeze()).shape).toEqual([]);
    expect(track(track(tf.zeros([2, 1, 3, 1])).squeeze([1, -1])).shape).toEqual([2, 3]);
  });

  it('permute / transpose / t / T', () => {
    forInputs(3, (x, ref, r, what) => {
      const s = ref.shape;
      const perm = shuffle(s.map((_, i) => i), r);
      const signed = perm.map((p) => (r() < 0.5 ? p - s.length : p));
      const ps = perm.map((p) => s[p]);
      const want = gather(ref, ps, (idx) => {
        const j = new Array(s.length);
        perm.forEach((p, i) => (j[p] = idx[i]));
        return j;
      });
      expectMatches(track(x.permute(signed)), want, `${what} permute(${signed})`);
      expectMatches(track(tf.permute(x, ...perm)), want, `${what} permute varargs`);
      const a = randInt(r, 0, s.length - 1);
      const b = randInt(r, 0, s.length - 1);
      const ts = s.slice();
      [ts[a], ts[b]] = [ts[b], ts[a]];
      const tw = gather(ref, ts, (idx) => {
        const j = idx.slice();
        [j[a], j[b]] = [j[b], j[a]];
        return j;
      });
      expectMatches(track(x.transpose(a, b - s.length)), tw, `${what} transpose(${a}, ${b})`);
      if (s.length <= 2) {
        const tt = s.length === 2 ? [s[1], s[0]] : s;
        const want2 = gather(ref, tt, (idx) => idx.slice().reverse());
        expectMatches(track(x.t()), want2, `${what} t()`);
        expectMatches(track(x.T), want2, `${what} T`);
        expectMatches(track(tf.t(x)), want2, `${what} tf.t`);
      }
    }, undefined);
    const z = track(tf.tensor(5));
    expect(track(z.t()).shape).toEqual([]);
    expect(track(z.transpose(0, -1)).item()).toBe(5);
    expect(track(z.permute([])).item()).toBe(5);
  });

  it('expand / expandAs / broadcastTo', () => {
    const shapes = [[1], [3, 1], [1, 4], [2, 1, 3], [1, 1], [5]];
    forInputs(4, (x, ref, r, what) => {
      const s = ref.shape;
      const lead = randInt(r, 0, 2);
      const target = [...Array.from({ length: lead }, () => randInt(r, 0, 3)), ...s.map((d) => (d === 1 ? randInt(r, 0, 4) : d))];
      const want = gather(ref, target, (idx) => s.map((d, i) => (d === 1 ? 0 : idx[i + lead])));
      expectMatches(track(x.expand(target)), want, `${what} expand(${target})`);
      expectMatches(track(tf.expand(x, ...target)), want, `${what} expand varargs`);
      expectMatches(track(x.broadcastTo(target)), want, `${what} broadcastTo`);
      expectMatches(track(tf.broadcastTo(x, target)), want, `${what} tf.broadcastTo`);
      const other = track(tf.zeros(target));
      expectMatches(track(x.expandAs(other)), want, `${what} expandAs`);
      // -1 keeps a size
      const keepSizes = [...target.slice(0, lead), ...s.map(() => -1)];
      expectMatches(track(x.expand(keepSizes)), { shape: [...target.slice(0, lead), ...s], values: gather(ref, [...target.slice(0, lead), ...s], (idx) => idx.slice(lead)).values }, `${what} expand(-1)`);
    }, shapes);
  });

  it('narrow / select', () => {
    forInputs(5, (x, ref, r, what) => {
      const s = ref.shape;
      const d = randInt(r, 0, s.length - 1);
      const start = randInt(r, 0, s[d]);
      const len = randInt(r, 0, s[d] - start);
      const ns = s.slice();
      ns[d] = len;
      const want = gather(ref, ns, (idx) => idx.map((v, i) => (i === d ? v + start : v)));
      expectMatches(track(x.narrow(d, start, len)), want, `${what} narrow(${d}, ${start}, ${len})`);
      if (start < s[d]) expectMatches(track(tf.narrow(x, d - s.length, start - s[d], len)), want, `${what} narrow negative`);
      const i = randInt(r, 0, s[d] - 1);
      const ss = s.filter((_, k) => k !== d);
      const sw = gather(ref, ss, (idx) => [...idx.slice(0, d), i, ...idx.slice(d)]);
      expectMatches(track(x.select(d, i)), sw, `${what} select(${d}, ${i})`);
      expectMatches(track(tf.select(x, d, i - s[d])), sw, `${what} select negative`);
    });
  });

  it('slice: both signatures, negative indices, steps and clamping', () => {
    forInputs(6, (x, ref, r, what) => {
      const s = ref.shape;
      const pick = (size: number) => (r() < 0.2 ? undefined : randInt(r, -size - 3, size + 3));
      // one dim
      const d = randInt(r, 0, s.length - 1);
      const a = pick(s[d]);
      const b = pick(s[d]);
      const st = randInt(r, 1, 4);
      const ix = pyIndices(s[d], a, b, st);
      const ns = s.slice();
      ns[d] = ix.length;
      const want = gather(ref, ns, (idx) => idx.map((v, k) => (k === d ? ix[v] : v)));
      expectMatches(track(x.slice(d, a ?? null, b ?? null, st)), want, `${what} slice(${d}, ${a}, ${b}, ${st})`);
      // specs for leading dims
      const nspec = randInt(r, 0, s.length);
      const specs: tf.SliceSpec[] = [];
      const lists: number[][] = [];
      for (let k = 0; k < nspec; k++) {
        if (r() < 0.25) {
          specs.push(null);
          lists.push(pyIndices(s[k], undefined, undefined, 1));
        } else {
          const sa = pick(s[k]);
          const sb = pick(s[k]);
          const sst = randInt(r, 1, 3);
          specs.push([sa, sb, sst]);
          lists.push(pyIndices(s[k], sa, sb, sst));
        }
      }
      const ms = s.map((v, k) => (k < nspec ? lists[k].length : v));
      const mw = gather(ref, ms, (idx) => idx.map((v, k) => (k < nspec ? lists[k][v] : v)));
      expectMatches(track(tf.slice(x, specs)), mw, `${what} slice(${JSON.stringify(specs)})`);
    });
    const v = track(tf.arange(10));
    expect(track(v.slice(0, -3)).toArray()).toEqual([7, 8, 9]);
    expect(track(v.slice(0, 2, -2, 3)).toArray()).toEqual([2, 5]);
    expect(track(v.slice(0, -100, 100)).toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(track(v.slice(0, 8, 3)).toArray()).toEqual([]);
    expect(track(v.slice([[undefined, undefined, 4]])).toArray()).toEqual([0, 4, 8]);
  });

  it('chains of views on views', () => {
    const r = rng(7);
    const values = randomValues(4 * 6 * 5, 'float64', r);
    const x = track(makeTensor(values, [4, 6, 5], 'float64', 'transposed'));
    const ref: Ref = { shape: [4, 6, 5], values };
    const v = track(track(track(track(x.permute(2, 0, 1)).slice(1, 1, null, 2)).narrow(2, 1, 4)).unsqueeze(1));
    // v[a, 0, b, c] = x[1 + 2b, 1 + c, a]
    const want = gather(ref, [5, 1, 2, 4], (idx) => [1 + 2 * idx[2], 1 + idx[3], idx[0]]);
    expectMatches(v, want, 'chain');
    const e = track(track(v.select(2, 1)).expand(3, 5, 2, 4));
    expectMatches(e, gather(ref, [3, 5, 2, 4], (idx) => [3, 1 + idx[3], idx[1]]), 'chain expand');
    expectMatches(track(e.reshape(-1)), { shape: [120], values: gather(ref, [3, 5, 2, 4], (idx) => [3, 1 + idx[3], idx[1]]).values }, 'chain reshape copy');
  });
});

describe('storage sharing', () => {
  function fillThrough(v: Tensor, value: number): void {
    v.copy_(track(tf.full(v.shape.slice(), value, { dtype: v.dtype })));
  }

  it('writes through every view show in the base', () => {
    const cases: [string, (x: Tensor) => Tensor, (i: number[]) => boolean][] = [
      ['reshape', (x) => x.reshape(6, 4), () => true],
      ['view', (x) => x.view(-1), () => true],
      ['flatten', (x) => x.flatten(1), () => true],
      ['unsqueeze', (x) => x.unsqueeze(1), () => true],
      ['squeeze', (x) => x.unsqueeze(0).squeeze(), () => true],
      ['permute', (x) => x.permute(2, 0, 1), () => true],
      ['transpose', (x) => x.transpose(0, 2), () => true],
      ['narrow', (x) => x.narrow(1, 1, 2), (i) => i[1] >= 1 && i[1] < 3],
      ['slice', (x) => x.slice(2, 1, null, 2), (i) => i[2] % 2 === 1],
      ['slice specs', (x) => x.slice([[1], null, [null, 2]]), (i) => i[0] >= 1 && i[2] < 2],
      ['select', (x) => x.select(0, -1), (i) => i[0] === 1],
      ['T of select', (x) => x.select(1, 2).T, (i) => i[1] === 2],
    ];
    for (const [name, make, inView] of cases) {
      const x = track(tf.zeros([2, 3, 4]));
      const v = track(make(x));
      fillThrough(v, 5);
      const got = x.dataSync();
      let k = 0;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) {
        const want = inView([a, b, c]) ? 5 : 0;
        if (got[k] !== want) expect.fail(`${name}: base[${a},${b},${c}] = ${got[k]}, expected ${want}`);
        k++;
      }
      // ... and writes to the base show in the view.
      fillThrough(x, -1);
      expect(Array.from(v.dataSync()).every((e) => e === -1), name).toBe(true);
    }
  });

  it('expand shares storage read-only: a write to the source shows in every broadcast copy', () => {
    const x = track(tf.zeros([3, 1]));
    const e = track(x.expand(2, 3, 4));
    fillThrough(x, 2);
    expect(Array.from(e.dataSync())).toEqual(new Array(24).fill(2));
  });

  it('reshape copies only when no view can express it, view() throws then', () => {
    const x = track(tf.arange(24).reshape(2, 3, 4));
    const xt = track(x.transpose(1, 2)); // [2, 4, 3], not contiguous
    expect(() => xt.view(2, 12)).toThrow(tf.ShapeError);
    let msg = '';
    try {
      xt.view(-1);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^view: /);
    expect(msg).toContain('[2, 4, 3]');
    expect(msg).toContain('strides [12, 1, 4]');
    expect(msg).toContain('reshape()');
    const copy = track(xt.reshape(-1));
    fillThrough(copy, 0);
    expect(Array.from(x.dataSync())).toEqual(Array.from({ length: 24 }, (_, i) => i)); // the base is untouched
    // Splitting or merging dims that stay contiguous is a view even on a transposed tensor.
    const split = track(xt.view(2, 2, 2, 3));
    fillThrough(split, 9);
    expect(Array.from(x.dataSync()).every((v) => v === 9)).toBe(true);
    // A 0-d tensor views as any one-element shape.
    const s = track(tf.tensor(1));
    const s11 = track(s.view(1, 1));
    fillThrough(s11, 4);
    expect(s.item()).toBe(4);
  });

  it('views keep offsets and strides that describe their elements', () => {
    const x = track(tf.zeros([4, 5]));
    const v = track(x.slice([[1, 3], [null, null, 2]]));
    expect(v.offset).toBe(5);
    expect(v.strides).toEqual([5, 2]);
    expect(v.isContiguous()).toBe(false);
    const e = track(x.select(0, 0).expand(3, 5));
    expect(e.strides).toEqual([0, 1]);
    expect(track(x.unsqueeze(2)).strides).toEqual([5, 1, 1]);
    expect(track(x.narrow(1, 2, 0)).size).toBe(0);
  });
});

describe('errors', () => {
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

  it('names the op, the shapes and what was expected', () => {
    const x = track(tf.zeros([2, 3]));
    const s = track(tf.tensor(1));
    expectErr(() => x.reshape(4, 2), tf.ShapeError, /^reshape: /, '[4, 2]', '[2, 3]', '6 elements');
    expectErr(() => x.reshape(-1, -1), tf.ShapeError, 'only one dim can be -1');
    expectErr(() => x.reshape(4, -1), tf.ShapeError, '[4, -1]');
    expectErr(() => x.view(2, -2), tf.ShapeError, /^view: /, 'invalid size -2');
    expectErr(() => track(tf.zeros([0])).reshape(0, -1), tf.ShapeError, '[0, -1]');
    expectErr(() => x.flatten(1, 0), tf.ArgumentError, /^flatten: /, 'startDim 1 comes after endDim 0');
    expectErr(() => x.flatten(2), tf.IndexError, /^flatten: /, 'dim 2 is out of range');
    expectErr(() => x.squeeze(2), tf.IndexError, /^squeeze: /, 'dim 2');
    expectErr(() => x.unsqueeze(3), tf.IndexError, /^unsqueeze: /, 'dim 3', '-3..2');
    expectErr(() => x.unsqueeze(1.5), tf.ArgumentError, 'integer');
    expectErr(() => track(tf.zeros(new Array(16).fill(1))).unsqueeze(0), tf.ShapeError, 'at most 16');
    expectErr(() => x.permute(0), tf.ShapeError, /^permute: /, 'expected 2 dims', '[0]');
    expectErr(() => x.permute(1, 1), tf.ArgumentError, 'appears twice');
    expectErr(() => x.permute(0, -3), tf.IndexError, 'dim -3');
    expectErr(() => x.transpose(0, 2), tf.IndexError, /^transpose: /, 'dim 2');
    expectErr(() => s.transpose(0, 1), tf.IndexError, /^transpose: /, 'dim 1', '0 dims');
    expectErr(() => track(tf.zeros([2, 3, 4])).t(), tf.ShapeError, /^t: /, '<= 2 dims', '[2, 3, 4]');
    expectErr(() => track(tf.zeros([2, 3, 4])).T, tf.ShapeError, /^t: /);
    expectErr(() => x.expand(2, 4), tf.ShapeError, /^expand: /, 'cannot expand shape [2, 3] to [2, 4]');
    expectErr(() => x.expand(3), tf.ShapeError, 'fewer dims');
    expectErr(() => x.expand(-1, 2, 3), tf.ShapeError, 'new leading dim');
    expectErr(() => x.broadcastTo([4, 3]), tf.ShapeError, /^broadcastTo: /, '[2, 3]', '[4, 3]');
    expectErr(() => x.broadcastTo([-1, 3]), tf.ShapeError, /^broadcastTo: /);
    expectErr(() => x.expandAs(track(tf.zeros([5]))), tf.ShapeError, /^expandAs: /);
    expectErr(() => x.expandAs([2, 3] as never), tf.ArgumentError, /^expandAs: /, 'expected a Tensor');
    expectErr(() => x.narrow(1, 2, 2), tf.IndexError, /^narrow: /, 'start 2 and length 2', 'size 3', '[2, 3]');
    expectErr(() => x.narrow(1, -4, 1), tf.IndexError, 'start -4');
    expectErr(() => x.narrow(0, 0, -1), tf.IndexError, 'length -1');
    expectErr(() => s.narrow(0, 0, 1), tf.ShapeError, /^narrow: /, '0-d');
    expectErr(() => x.select(1, 3), tf.IndexError, /^select: /, 'index 3 is out of range for dim 1 of size 3');
    expectErr(() => x.select(0, -3), tf.IndexError, 'index -3');
    expectErr(() => x.select(0, 0.5), tf.IndexError, 'index 0.5');
    expectErr(() => s.select(0, 0), tf.IndexError, /^select: /, '0-d');
    expectErr(() => x.slice(1, 0, 2, 0), tf.ArgumentError, /^slice: /, 'step must be a positive integer, got 0');
    expectErr(() => x.slice(1, 0, 2, -1), tf.ArgumentError, 'got -1');
    expectErr(() => x.slice(1, 0.5), tf.ArgumentError, 'indices must be integers');
    expectErr(() => x.slice(2, 0), tf.IndexError, /^slice: /, 'dim 2');
    expectErr(() => x.slice([null, null, null]), tf.IndexError, '3 slice specs', '[2, 3]');
    expectErr(() => s.slice(0, 0, 1), tf.IndexError, /^slice: /, '0-d');
    expectErr(() => tf.reshape([1, 2] as never, 2), tf.ArgumentError, /^reshape: /, 'expected a Tensor');
  });

  it('throws DisposedError naming the op for every view of a disposed tensor', () => {
    const ops: [string, (x: Tensor) => unknown][] = [
      ['reshape', (x) => x.reshape(6)], ['view', (x) => x.view(6)], ['flatten', (x) => x.flatten()],
      ['squeeze', (x) => x.squeeze()], ['unsqueeze', (x) => x.unsqueeze(0)], ['permute', (x) => x.permute(1, 0)],
      ['transpose', (x) => x.transpose(0, 1)], ['t', (x) => x.t()], ['expand', (x) => x.expand(2, 2, 3)],
      ['broadcastTo', (x) => x.broadcastTo([2, 2, 3])], ['narrow', (x) => x.narrow(0, 0, 1)],
      ['slice', (x) => x.slice(0, 0, 1)], ['select', (x) => x.select(0, 0)],
      ['expandAs', (x) => track(tf.zeros([2, 2, 3])).expandAs(x)],
    ];
    for (const [op, f] of ops) {
      const x = tf.zeros([2, 3]);
      x.dispose();
      let err: unknown;
      try {
        f(x);
      } catch (e) {
        err = e;
      }
      expect(err, op).toBeInstanceOf(tf.DisposedError);
      expect((err as Error).message).toMatch(new RegExp(`^${op}: `));
      expect((err as Error).message).toContain('[2, 3]');
    }
  });
});
