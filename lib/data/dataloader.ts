/**
 * DataLoader: iterates a dataset in batches (for...of), optionally shuffled with a
 * reproducible permutation per epoch. For a TensorDataset (or Subsets of one) a batch is
 * one indexSelect per tensor, not one copy per row.
 */
import { ArgumentError } from '../errors';
import { Tensor, isTensor } from '../tensor';
import { tidy } from '../scope';
import { tensor } from '../creation';
import { stack } from '../ops/join';
import { indexSelect } from '../ops/gather';
import { type Dataset, Subset, TensorDataset, checkDataset } from './dataset';
import { Generator, permutation } from './randperm';

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Visit the items in a new random order each epoch (default false). */
  shuffle?: boolean;
  /** Seed of the loader's own generator: the sequence of epochs is then reproducible. */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Builds a batch from a list of items (default: defaultCollate). */
  collate?: (items: T[]) => B;
}

/**
 * Stacks items into a batch along a new dim 0: tensors are stacked, numbers become a
 * tensor, arrays and plain objects are collated element by element / key by key.
 * @example tf.data.defaultCollate([[x0, y0], [x1, y1]]) // [stack([x0, x1]), stack([y0, y1])]
 */
export function defaultCollate(items: unknown[]): unknown {
  const op = 'defaultCollate';
  if (items.length === 0) throw new ArgumentError(op, 'cannot collate an empty batch');
  const first = items[0];
  if (isTensor(first)) return stack(items as Tensor[], 0);
  if (typeof first === 'number') return tensor(items as number[]);
  if (typeof first === 'boolean') return tensor(items as boolean[]);
  if (Array.isArray(first)) {
    for (const it of items) {
      if (!Array.isArray(it) || it.length !== first.length) throw new ArgumentError(op, `every item must be an array of ${first.length} elements, like the first`);
    }
    return first.map((_, k) => defaultCollate(items.map((it) => (it as unknown[])[k])));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(items.map((it) => (it as Record<string, unknown>)[key]));
    return out;
  }
  throw new ArgumentError(op, `cannot collate items of type ${first === null ? 'null' : typeof first}; pass a collate function`);
}

/** The TensorDataset behind a dataset and the row of each of its items, if there is one. */
function resolveTensorDataset(ds: Dataset): { base: TensorDataset; rows: Int32Array | null } | null {
  if (ds instanceof TensorDataset) return { base: ds, rows: null };
  if (ds instanceof Subset) {
    const inner = resolveTensorDataset(ds.dataset);
    if (inner === null) return null;
    const rows = inner.rows === null ? ds.indices : ds.indices.map((i) => inner.rows![i]);
    return { base: inner.base, rows };
  }
  return null;
}

/**
 * Iterates a dataset in batches. Each batch belongs to the caller (dispose it, or run the
 * step in tidy()). With a TensorDataset a batch is an array with one [B, ...] tensor per
 * dataset tensor.
 *
 * @example
 * const loader = new tf.data.DataLoader(new tf.data.TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) { ... }
 */
export class DataLoader<T = unknown, B = unknown> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collate: ((items: T[]) => B) | null;
  private readonly generator: Generator | undefined;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    const op = 'DataLoader';
    checkDataset(op, dataset);
    const { batchSize = 1, shuffle = false, seed, dropLast = false, collate } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(op, `batchSize must be a positive integer, got ${String(batchSize)}`);
    if (typeof shuffle !== 'boolean') throw new ArgumentError(op, `shuffle must be a boolean, got ${typeof shuffle}`);
    if (typeof dropLast !== 'boolean') throw new ArgumentError(op, `dropLast must be a boolean, got ${typeof dropLast}`);
    if (collate !== undefined && typeof collate !== 'function') throw new ArgumentError(op, `collate must be a function, got ${typeof collate}`);
    if (seed !== undefined && !shuffle) throw new ArgumentError(op, 'seed is only used with shuffle: true');
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.collate = collate ?? null;
    this.generator = seed !== undefined ? new Generator(seed) : undefined;
  }

  /** Number of batches in one epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch: each item exactly once (all but a last partial batch with dropLast). */
  *[Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    const order = this.shuffle ? permutation('DataLoader', n, this.generator) : null;
    const fast = this.collate === null ? resolveTensorDataset(this.dataset) : null;
    const nb = this.length;
    for (let b = 0; b < nb; b++) {
      const start = b * this.batchSize;
      const end = Math.min(n, start + this.batchSize);
      const idx = new Int32Array(end - start);
      for (let k = 0; k < idx.length; k++) idx[k] = order ? order[start + k] : start + k;
      if (fast !== null) {
        const rows = fast.rows === null ? idx : idx.map((i) => fast.rows![i]);
        yield this.gatherRows(fast.base, rows) as B;
      } else {
        yield tidy(() => {
          const items: T[] = [];
          for (let k = 0; k < idx.length; k++) items.push(this.dataset.get(idx[k]));
          return (this.collate ? this.collate(items) : defaultCollate(items)) as B;
        });
      }
    }
  }

  private gatherRows(ds: TensorDataset, rows: Int32Array): Tensor[] {
    const index = tensor(rows);
    try {
      return ds.tensors.map((t) => indexSelect(t, 0, index));
    } finally {
      index.dispose();
    }
  }
}
