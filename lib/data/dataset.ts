/** Datasets: the Dataset interface, TensorDataset, Subset and randomSplit. */
import { ArgumentError, IndexError, ShapeError, fmtShape } from '../errors';
import { Tensor, isTensor } from '../tensor';
import { select } from '../ops/view';
import { Generator, permutation } from './randperm';

/** Anything with a length and random access by index (PyTorch's map-style Dataset). */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(index: number): T;
}

function checkIndex(op: string, i: number, n: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new IndexError(op, `index ${String(i)} is out of range for a dataset of length ${n}`);
}

/**
 * A dataset of tensors that share their first dim: item i is [t0[i], t1[i], ...]
 * (views of each tensor's i-th row).
 *
 * @param tensors each [N, ...]
 * @example
 * const ds = new tf.data.TensorDataset(x, y); // x [100, 4], y [100]
 * const [xi, yi] = ds.get(3);
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    const op = 'TensorDataset';
    if (tensors.length === 0) throw new ArgumentError(op, 'expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!isTensor(t)) throw new ArgumentError(op, `argument ${i} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
      t.handle(op);
      if (t.ndim === 0) throw new ShapeError(op, `tensor ${i} is 0-d; every tensor needs a first dim to index`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) throw new ShapeError(op, `all tensors must have the same size in dim 0: tensor 0 has shape ${fmtShape(tensors[0].shape)}, tensor ${i} has ${fmtShape(t.shape)}`);
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => select(t, 0, index));
  }
}

/**
 * The items of a dataset at the given indices, in that order.
 * @example const first10 = new tf.data.Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset<T = unknown> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: Int32Array;
  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    const op = 'Subset';
    checkDataset(op, dataset);
    const n = dataset.length;
    const idx = Int32Array.from(indices as ArrayLike<number>);
    for (let i = 0; i < indices.length; i++) checkIndex(op, indices[i], n);
    this.dataset = dataset;
    this.indices = idx;
  }
  get length(): number {
    return this.indices.length;
  }
  get(index: number): T {
    checkIndex('Subset.get', index, this.indices.length);
    return this.dataset.get(this.indices[index]);
  }
}

/** @internal Throws unless ds looks like a Dataset. */
export function checkDataset(op: string, ds: unknown): void {
  const d = ds as Dataset | null;
  if (d === null || typeof d !== 'object' || typeof d.get !== 'function' || !Number.isInteger(d.length) || d.length < 0) {
    throw new ArgumentError(op, `expected a dataset (an object with an integer length and get(i)), got ${ds === null ? 'null' : typeof ds}`);
  }
}

/**
 * Splits a dataset at random into non-overlapping Subsets of the given lengths, or of the
 * given fractions (summing to 1; the remainder of the rounding goes one item at a time to
 * the first subsets, as PyTorch does). Reproducible with opts.seed (or tf.manualSeed).
 *
 * @example const [train, val] = tf.data.randomSplit(ds, [0.8, 0.2], { seed: 42 });
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], opts: { seed?: number; generator?: Generator } = {}): Subset<T>[] {
  const op = 'randomSplit';
  checkDataset(op, dataset);
  if (!Array.isArray(lengths) || lengths.length === 0) throw new ArgumentError(op, `lengths must be a non-empty array of integers or fractions, got ${String(lengths)}`);
  for (const l of lengths) {
    if (typeof l !== 'number' || !Number.isFinite(l) || l < 0) throw new ArgumentError(op, `lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  }
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes: number[];
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = lengths.map((f) => Math.floor(n * f));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]++;
  } else {
    if (lengths.some((l) => !Number.isInteger(l))) throw new ArgumentError(op, `fractions must sum to 1, got [${lengths.join(', ')}] (sum ${total})`);
    sizes = lengths.slice();
  }
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n) throw new ArgumentError(op, `the lengths [${sizes.join(', ')}] sum to ${sum}, but the dataset has ${n} items`);
  const gen = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : undefined);
  const perm = permutation(op, n, gen);
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const s of sizes) {
    out.push(new Subset(dataset, perm.subarray(offset, offset + s)));
    offset += s;
  }
  return out;
}
