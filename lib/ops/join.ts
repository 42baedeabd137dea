/**
 * Joining and splitting: cat, stack (one strided copy per input into a view of the
 * result), and split, chunk, unbind (views of the input, no copy, as in PyTorch).
 */
import { promoteTypes, type DType } from '../dtype';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { MAX_DIMS, normDim } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { copyInto } from './copy';
import { makeView, narrow, select } from './view';
import { needsGradAny, needsGrad, record, recordMulti } from '../autograd/graph';
import { zeros } from '../creation';

function checkList(op: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors)) throw new ArgumentError(op, `expected an array of Tensors, got ${tensors === null ? 'null' : typeof tensors}`);
  if (tensors.length === 0) throw new ArgumentError(op, 'expected a non-empty array of Tensors');
  tensors.forEach((t, i) => {
    if (!isTensor(t)) throw new ArgumentError(op, `element ${i} is not a Tensor (got ${t === null ? 'null' : typeof t})`);
    t.handle(op);
  });
  return tensors as Tensor[];
}

function checkTensor(op: string, x: unknown): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.handle(op);
  return x;
}

/** Copies each part into consecutive slices of out along dim. */
function fillParts(op: string, out: Tensor, parts: Tensor[], dim: number, stacked: boolean): void {
  let pos = 0;
  for (const p of parts) {
    const shape = stacked ? out.shape.filter((_, i) => i !== dim) : p.shape.slice();
    const strides = stacked ? out.strides.filter((_, i) => i !== dim) : out.strides.slice();
    const len = stacked ? 1 : p.shape[dim];
    if (p.size > 0) {
      const dst = new Tensor(out.storage, out.offset + pos * out.strides[dim], shape, strides, out.dtype);
      try {
        copyInto(op, dst, p);
      } finally {
        dst.dispose();
      }
    }
    pos += len;
  }
}

/**
 * Concatenates tensors along an existing dim. Sizes must match in every other dim;
 * dtypes promote (bool < int32 < float32 < float64). As in PyTorch, 1-d empty tensors
 * (shape [0]) are skipped whatever the other shapes are.
 *
 * @param tensors [..., n_i, ...] each
 * @returns [..., sum(n_i), ...]
 * @example tf.cat([tf.zeros([2, 3]), tf.ones([1, 3])]).shape // [3, 3]
 */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  const op = 'cat';
  const list = checkList(op, tensors);
  let dtype: DType = list[0].dtype;
  for (const t of list) dtype = promoteTypes(dtype, t.dtype);
  const parts = list.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return Tensor.empty([0], dtype, list[0].device);
  const ref = parts[0];
  list.forEach((t, i) => {
    if (t.ndim === 0) throw new ShapeError(op, `a 0-d tensor (element ${i}) cannot be concatenated; unsqueeze it or use stack()`);
  });
  const d = normDim(op, dim, ref.ndim);
  const shape = ref.shape.slice();
  shape[d] = 0;
  list.forEach((t, i) => {
    if (t.ndim === 1 && t.shape[0] === 0) return;
    if (t.ndim !== ref.ndim) {
      throw new ShapeError(op, `tensors must have the same number of dims: element 0 has shape ${fmtShape(ref.shape)} but element ${i} has shape ${fmtShape(t.shape)}`);
    }
    for (let k = 0; k < ref.ndim; k++) {
      if (k !== d && t.shape[k] !== ref.shape[k]) {
        throw new ShapeError(op, `sizes must match except in dim ${d}: element ${i} has shape ${fmtShape(t.shape)}, expected size ${ref.shape[k]} in dim ${k} like ${fmtShape(ref.shape)}`);
      }
    }
    shape[d] += t.shape[d];
  });
  const out = Tensor.empty(shape, dtype, ref.device);
  try {
    fillParts(op, out, parts, d, false);
  } catch (e) {
    out.dispose();
    throw e;
  }
  if (!needsGradAny(list)) return out;
  return record('cat', out, list, (g, n) => {
    let pos = 0;
    return list.map((t, i) => {
      if (t.ndim === 1 && t.shape[0] === 0) return null;
      const len = t.shape[d];
      pos += len;
      return n.needs(i) ? narrow(g, d, pos - len, len) : null;
    });
  });
}

/** Alias of cat(). @example tf.concat([a, b], 1) */
export function concat(tensors: Tensor[], dim = 0): Tensor {
  return cat(tensors, dim);
}

/**
 * Joins tensors of the same shape along a new dim.
 *
 * @param tensors n tensors of shape S
 * @returns S with n inserted at dim
 * @example tf.stack([tf.zeros([2]), tf.ones([2])], 1).shape // [2, 2]
 */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  const op = 'stack';
  const list = checkList(op, tensors);
  const ref = list[0];
  let dtype: DType = ref.dtype;
  list.forEach((t, i) => {
    dtype = promoteTypes(dtype, t.dtype);
    if (t.ndim !== ref.ndim || t.shape.some((s, k) => s !== ref.shape[k])) {
      throw new ShapeError(op, `all tensors must have the same shape, got ${fmtShape(ref.shape)} (element 0) and ${fmtShape(t.shape)} (element ${i})`);
    }
  });
  if (ref.ndim + 1 > MAX_DIMS) throw new ShapeError(op, `the result would have ${ref.ndim + 1} dims; at most ${MAX_DIMS} are supported`);
  const d = normDim(op, dim, ref.ndim + 1);
  const shape = ref.shape.slice();
  shape.splice(d, 0, list.length);
  const out = Tensor.empty(shape, dtype, ref.device);
  try {
    fillParts(op, out, list, d, true);
  } catch (e) {
    out.dispose();
    throw e;
  }
  if (!needsGradAny(list)) return out;
  return record('stack', out, list, (g, n) => list.map((_, i) => (n.needs(i) ? select(g, d, i) : null)));
}

/** The gradient of pieces of x along d: the pieces' gradients (zeros where none came) joined. */
function joinGrads(x: Tensor, d: number, outs: Tensor[], gs: (Tensor | null)[], stacked: boolean): Tensor {
  const parts = gs.map((g, i) => g ?? zeros(outs[i].shape.slice(), { dtype: x.dtype }));
  if (x.shape[d] === 0) return zeros(x.shape.slice(), { dtype: x.dtype });
  return stacked ? stack(parts, d) : cat(parts, d);
}

/** Views of consecutive pieces of `sizes[i]` elements along dim d. */
function pieces(x: Tensor, d: number, sizes: number[]): Tensor[] {
  const out: Tensor[] = [];
  let start = 0;
  for (const len of sizes) {
    const shape = x.shape.slice();
    shape[d] = len;
    out.push(makeView(x, x.offset + start * x.strides[d], shape, x.strides.slice()));
    start += len;
  }
  return needsGrad(x) ? recordMulti('split', out, [x], (gs) => [joinGrads(x, d, out, gs, false)]) : out;
}

/**
 * Splits into views along dim: pieces of splitSize elements (the last may be smaller),
 * or pieces of the listed sizes, which must add up to the dim's size. No copy: writing
 * into a piece writes into x.
 *
 * @param x [..., n, ...]
 * @example tf.arange(5).split(2) // views of [0, 1], [2, 3], [4]
 */
export function split(x: Tensor, splitSizeOrSections: number | number[], dim = 0): Tensor[] {
  const op = 'split';
  checkTensor(op, x);
  if (x.ndim === 0) throw new ShapeError(op, 'cannot split a 0-d tensor');
  const d = normDim(op, dim, x.ndim);
  const size = x.shape[d];
  if (Array.isArray(splitSizeOrSections)) {
    const sizes = splitSizeOrSections;
    let sum = 0;
    for (const s of sizes) {
      if (!Number.isInteger(s) || s < 0) throw new ArgumentError(op, `split sizes must be non-negative integers, got ${fmtShape(sizes)}`);
      sum += s;
    }
    if (sum !== size) {
      throw new ShapeError(op, `split sizes ${fmtShape(sizes)} add up to ${sum}, but dim ${d} of shape ${fmtShape(x.shape)} has size ${size}`);
    }
    return pieces(x, d, sizes);
  }
  const s = splitSizeOrSections;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
    throw new ArgumentError(op, `splitSizeOrSections must be a non-negative integer or an array of them, got ${String(s)}`);
  }
  if (s === 0 && size !== 0) throw new ArgumentError(op, `split size 0 is only allowed for a dim of size 0, but dim ${d} of shape ${fmtShape(x.shape)} has size ${size}`);
  const n = s === 0 ? 1 : Math.max(1, Math.ceil(size / s));
  const sizes = new Array<number>(n).fill(s);
  sizes[n - 1] = s - (s * n - size);
  return pieces(x, d, sizes);
}

/**
 * Splits into `chunks` views of ceil(n / chunks) elements along dim (fewer when n is
 * not large enough, as in PyTorch).
 *
 * @param x [..., n, ...]
 * @example tf.arange(6).chunk(3) // views of [0, 1], [2, 3], [4, 5]
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  const op = 'chunk';
  checkTensor(op, x);
  if (!Number.isInteger(chunks) || chunks < 1) throw new ArgumentError(op, `chunks must be a positive integer, got ${String(chunks)}`);
  if (x.ndim === 0) throw new ShapeError(op, 'cannot chunk a 0-d tensor');
  const d = normDim(op, dim, x.ndim);
  const size = x.shape[d];
  const splitSize = Math.ceil(size / chunks);
  // A dim of size 0 gives `chunks` empty pieces (split would give one).
  if (size === 0) return pieces(x, d, new Array<number>(chunks).fill(0));
  return split(x, splitSize, d);
}

/**
 * Removes dim, returning every slice along it as a view.
 * @param x [..., n, ...]
 * @returns n tensors of shape [..., ...]
 * @example tf.eye(3).unbind(0) // three [3] views (the rows)
 */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const op = 'unbind';
  checkTensor(op, x);
  if (x.ndim === 0) throw new ShapeError(op, 'cannot unbind a 0-d tensor');
  const d = normDim(op, dim, x.ndim);
  const shape = x.shape.filter((_, i) => i !== d);
  const strides = x.strides.filter((_, i) => i !== d);
  const out: Tensor[] = [];
  for (let i = 0; i < x.shape[d]; i++) out.push(makeView(x, x.offset + i * x.strides[d], shape, strides));
  return needsGrad(x) ? recordMulti('unbind', out, [x], (gs) => [joinGrads(x, d, out, gs, true)]) : out;
}

declare module '../tensor' {
  interface Tensor {
    split(splitSizeOrSections: number | number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    unbind(dim?: number): Tensor[];
  }
}

const P = Tensor.prototype;
P.split = function (s, d) { return split(this, s, d); };
P.chunk = function (c, d) { return chunk(this, c, d); };
P.unbind = function (d) { return unbind(this, d); };
