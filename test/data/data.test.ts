/** TensorDataset, DataLoader (coverage, shuffling, dropLast, collate), randomSplit, randperm. */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';

const { TensorDataset, DataLoader, Subset, randomSplit } = tf.data;

/** x[i] = [i, i + 0.5], y[i] = i (int32): every row names itself. */
function rows(n: number): { x: Tensor; y: Tensor } {
  const xv = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    xv[2 * i] = i;
    xv[2 * i + 1] = i + 0.5;
  }
  return { x: tf.tensor(xv, { shape: [n, 2] }), y: tf.arange(n, { dtype: 'int32' }) };
}

function epoch(loader: Iterable<unknown>): { ids: number[]; sizes: number[] } {
  const ids: number[] = [];
  const sizes: number[] = [];
  for (const batch of loader) {
    const [xb, yb] = batch as Tensor[];
    const xs = xb.dataSync();
    const ys = Array.from(yb.dataSync());
    expect(xb.shape).toEqual([ys.length, 2]);
    expect(yb.dtype).toBe('int32');
    ys.forEach((id, k) => {
      expect(xs[2 * k]).toBe(id);
      expect(xs[2 * k + 1]).toBe(id + 0.5);
    });
    ids.push(...ys);
    sizes.push(ys.length);
    xb.dispose();
    yb.dispose();
  }
  return { ids, sizes };
}

const sorted = (a: number[]) => a.slice().sort((p, q) => p - q);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('TensorDataset', () => {
  it('indexes the i-th row of each tensor', () => {
    const { x, y } = rows(5);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(5);
    const [xi, yi] = ds.get(3);
    expect(xi.toArray()).toEqual([3, 3.5]);
    expect(yi.item()).toBe(3);
    expect(() => ds.get(5)).toThrow(tf.IndexError);
    expect(() => ds.get(5)).toThrow(/TensorDataset.get: index 5 is out of range for a dataset of length 5/);
    expect(() => ds.get(-1)).toThrow(tf.IndexError);
  });
  it('rejects tensors of different lengths, 0-d tensors and non-tensors', () => {
    expect(() => new TensorDataset(tf.zeros([3, 2]), tf.zeros([4]))).toThrow(tf.ShapeError);
    expect(() => new TensorDataset(tf.zeros([3, 2]), tf.zeros([4]))).toThrow(/TensorDataset: all tensors must have the same size in dim 0: tensor 0 has shape \[3, 2\], tensor 1 has \[4\]/);
    expect(() => new TensorDataset(tf.tensor(1))).toThrow(/tensor 0 is 0-d/);
    expect(() => new TensorDataset()).toThrow(/expected at least one tensor/);
    expect(() => new TensorDataset([1] as never)).toThrow(/argument 0 must be a Tensor/);
  });
});

describe('DataLoader', () => {
  for (const [n, bs] of [[10, 3], [17, 4], [8, 8], [5, 7], [1, 1], [0, 2]]) {
    it(`n=${n} batchSize=${bs}: every row exactly once per epoch, in order without shuffle`, () => {
      const { x, y } = rows(n);
      const loader = new DataLoader(new TensorDataset(x, y), { batchSize: bs });
      const { ids, sizes } = epoch(loader);
      expect(ids).toEqual(range(n));
      expect(sizes.length).toBe(loader.length);
      expect(loader.length).toBe(Math.ceil(n / bs));
      const dropped = epoch(new DataLoader(new TensorDataset(x, y), { batchSize: bs, dropLast: true }));
      expect(dropped.sizes.every((s) => s === bs)).toBe(true);
      expect(dropped.ids).toEqual(range(Math.floor(n / bs) * bs));
    });
  }

  it('shuffles each epoch differently, covering every row once, reproducibly from a seed', () => {
    const { x, y } = rows(50);
    const ds = new TensorDataset(x, y);
    const a = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 123 });
    const e1 = epoch(a).ids;
    const e2 = epoch(a).ids;
    expect(sorted(e1)).toEqual(range(50));
    expect(sorted(e2)).toEqual(range(50));
    expect(e1).not.toEqual(range(50));
    expect(e2).not.toEqual(e1);
    const b = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 123 });
    expect(epoch(b).ids).toEqual(e1);
    expect(epoch(b).ids).toEqual(e2);
    const c = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 124 });
    expect(epoch(c).ids).not.toEqual(e1);
    // without a seed: the global generator, so tf.manualSeed reproduces it
    tf.manualSeed(7);
    const g1 = epoch(new DataLoader(ds, { batchSize: 5, shuffle: true })).ids;
    tf.manualSeed(7);
    const g2 = epoch(new DataLoader(ds, { batchSize: 5, shuffle: true })).ids;
    expect(g2).toEqual(g1);
    expect(sorted(g1)).toEqual(range(50));
  });

  it('shuffled dropLast drops a different tail each epoch, never a row twice', () => {
    const { x, y } = rows(23);
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 5, shuffle: true, seed: 1, dropLast: true });
    const e1 = epoch(loader);
    expect(e1.sizes).toEqual([5, 5, 5, 5]);
    expect(new Set(e1.ids).size).toBe(20);
  });

  it('uses a custom collate, and collates generic datasets (arrays, objects, numbers)', () => {
    const { x, y } = rows(6);
    const ds = new TensorDataset(x, y);
    const sums = [...new DataLoader(ds, { batchSize: 4, collate: (items: Tensor[][]) => items.map(([, yi]) => yi.item() as number) })];
    expect(sums).toEqual([[0, 1, 2, 3], [4, 5]]);
    const generic: tf.data.Dataset<{ v: Tensor; id: number }> = { length: 5, get: (i) => ({ v: tf.full([2], i), id: i }) };
    const batches = [...new DataLoader(generic, { batchSize: 2 })] as { v: Tensor; id: Tensor }[];
    expect(batches.length).toBe(3);
    expect(batches[1].v.toArray()).toEqual([[2, 2], [3, 3]]);
    expect(Array.from(batches[2].id.dataSync())).toEqual([4]);
    // the items made by get() were freed by the loader (inside tidy), the batches were not
    expect(batches[0].v.isDisposed).toBe(false);
  });

  it('a Subset of a TensorDataset is batched through its rows', () => {
    const { x, y } = rows(10);
    const sub = new Subset(new Subset(new TensorDataset(x, y), [9, 8, 7, 6, 5, 4]), [1, 3, 5]);
    expect(epoch(new DataLoader(sub, { batchSize: 2 })).ids).toEqual([8, 6, 4]);
  });

  it('rejects bad options', () => {
    const ds = new TensorDataset(tf.zeros([3]));
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/DataLoader: batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(ds, { batchSize: 1.5 })).toThrow(tf.ArgumentError);
    expect(() => new DataLoader(ds, { seed: 3 })).toThrow(/DataLoader: seed is only used with shuffle: true/);
    expect(() => new DataLoader(ds, { shuffle: true, seed: -1 })).toThrow(/seed must be a non-negative safe integer/);
    expect(() => new DataLoader({} as never)).toThrow(/DataLoader: expected a dataset/);
    expect(() => new DataLoader(ds, { collate: 5 as never })).toThrow(/collate must be a function/);
    const bad: tf.data.Dataset<symbol> = { length: 2, get: () => Symbol('x') };
    expect(() => [...new DataLoader(bad)]).toThrow(/defaultCollate: cannot collate items of type symbol/);
  });
});

describe('randomSplit and randperm', () => {
  it('splits by lengths into disjoint subsets covering everything, reproducibly', () => {
    const { x, y } = rows(30);
    const ds = new TensorDataset(x, y);
    const parts = randomSplit(ds, [10, 15, 5], { seed: 3 });
    expect(parts.map((p) => p.length)).toEqual([10, 15, 5]);
    const all = parts.flatMap((p) => Array.from(p.indices));
    expect(sorted(all)).toEqual(range(30));
    expect(Array.from(randomSplit(ds, [10, 15, 5], { seed: 3 })[0].indices)).toEqual(Array.from(parts[0].indices));
    expect(Array.from(randomSplit(ds, [10, 15, 5], { seed: 4 })[0].indices)).not.toEqual(Array.from(parts[0].indices));
    const [first] = parts;
    expect(first.get(0)[1].item()).toBe(first.indices[0]);
  });

  it('splits by fractions, giving the remainder to the first subsets', () => {
    const ds = new TensorDataset(tf.zeros([11]));
    expect(randomSplit(ds, [0.5, 0.3, 0.2], { seed: 1 }).map((p) => p.length)).toEqual([6, 3, 2]);
    expect(randomSplit(ds, [0.25, 0.25, 0.25, 0.25], { seed: 1 }).map((p) => p.length)).toEqual([3, 3, 3, 2]);
    expect(() => randomSplit(ds, [5, 5])).toThrow(/randomSplit: the lengths \[5, 5\] sum to 10, but the dataset has 11 items/);
    expect(() => randomSplit(ds, [0.5, 0.2])).toThrow(/randomSplit: fractions must sum to 1/);
    expect(() => randomSplit(ds, [])).toThrow(tf.ArgumentError);
  });

  it('randperm is a permutation, reproducible from tf.manualSeed, int32 by default', () => {
    tf.manualSeed(11);
    const a = tf.randperm(100);
    tf.manualSeed(11);
    const b = tf.randperm(100);
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(sorted(Array.from(a.dataSync()))).toEqual(range(100));
    expect(Array.from(a.dataSync())).not.toEqual(range(100));
    expect(tf.randperm(0).shape).toEqual([0]);
    expect(tf.randperm(3, { dtype: 'float64' }).dtype).toBe('float64');
    expect(() => tf.randperm(-1)).toThrow(/randperm: n must be an integer/);
    expect(() => tf.randperm(3, { dtype: 'bool' })).toThrow(tf.DTypeError);
    // every position is reachable: a crude uniformity check over many draws of n = 4
    const counts = new Array(16).fill(0);
    const gen = new tf.data.Generator(5);
    for (let k = 0; k < 4000; k++) {
      const p = tf.randperm(4, { generator: gen });
      Array.from(p.dataSync()).forEach((v, pos) => counts[pos * 4 + v]++);
      p.dispose();
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});
