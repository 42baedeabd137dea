/**
 * Indexed reads and writes along one dim: indexSelect, gather, scatter, scatterAdd,
 * indexAdd (out of place, and in place with a trailing underscore). Indices are int32
 * and never negative (as in PyTorch); each is checked by the native kernel while it
 * runs, and one out of range throws IndexError naming the op, the index, the dim and
 * its size. (gather's gradient is scatterAdd; indexSelect's is indexAdd.)
 */
import { dtypeCode } from '../dtype';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { layoutMeta, normDim } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { tensor, full } from '../creation';
import { copyToContiguous } from './copy';
import { inPlaceNeedsGrad, needsGrad, needsGrad2, record } from '../autograd/graph';
import { padAlong } from '../autograd/grad_utils';
import { mul } from './binary';
import { reshape } from './view';
import { zeros } from '../creation';

/** An internal copy (not recorded: the op records its own inputs). */
const clone = (x: Tensor): Tensor => copyToContiguous('copy', x);

/** Modes of the native index kernel (native/kernels/cpu/index/index.h). */
const enum Mode {
  Gather = 0,
  Scatter = 1,
  ScatterAdd = 2,
}

function checkTensor(op: string, x: unknown, name: string): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.handle(op);
  return x;
}

function checkIndexTensor(op: string, index: unknown): Tensor {
  const t = checkTensor(op, index, 'index');
  if (t.dtype !== 'int32') throw new DTypeError(op, `index must be an int32 tensor, got ${t.dtype} (shape ${fmtShape(t.shape)}); convert it with .int()`);
  return t;
}

/** An index given as a tensor or as a JS array; `owned` is true when we made the tensor. */
function indexArg(op: string, index: Tensor | number[], d: number, size: number): { t: Tensor; owned: boolean } {
  if (Array.isArray(index)) {
    for (const v of index) {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentError(op, `indices must be integers, got ${String(v)}`);
      if (v < -2147483648 || v > 2147483647) throw new IndexError(op, `index ${v} is out of bounds for dim ${d} with size ${size}`);
    }
    return { t: tensor(Int32Array.from(index)), owned: true };
  }
  return { t: checkIndexTensor(op, index), owned: false };
}

/** Shape and strides with a 0-d tensor seen as [1] (PyTorch does the same for these ops). */
function atLeast1d(t: Tensor): { shape: number[]; strides: number[] } {
  return t.ndim === 0 ? { shape: [1], strides: [1] } : { shape: t.shape.slice(), strides: t.strides.slice() };
}

const without = (a: readonly number[], d: number): number[] => a.filter((_, i) => i !== d);

/**
 * Runs the native index kernel over iteration shape `iter` (one entry per dim), with the
 * strides of target, index and source over it; dim d is the indexed one.
 */
function runIndex(
  op: string, mode: Mode, iter: number[], d: number,
  target: Tensor, tStr: number[], index: Tensor, iStr: number[], source: Tensor, sStr: number[],
  bound: number, alpha = 1,
): void {
  if (iter.some((s) => s === 0)) return;
  const meta = layoutMeta(without(iter, d), without(tStr, d), without(iStr, d), without(sStr, d));
  const info = new Float64Array([iter[d], tStr[d], iStr[d], sStr[d], bound, d]);
  try {
    native.indexOp(mode, dtypeCode(target.dtype), target.handle(op), target.offset, index.handle(op), index.offset,
      source.handle(op), source.offset, meta, info, alpha);
  } catch (e) {
    rethrowNative(op, e);
  }
}

/** In-place writes need a target whose elements do not overlap (not an expanded view). */
function checkWritable(op: string, x: Tensor): void {
  if (x.size === 0) return;
  for (let i = 0; i < x.ndim; i++) {
    if (x.strides[i] === 0 && x.shape[i] > 1) {
      throw new ArgumentError(op, `cannot write in place into a tensor whose elements overlap (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}, an expanded view); clone() it first`);
    }
  }
}

/** A private copy of t when it shares memory with the tensor being written. */
function unaliased(x: Tensor, t: Tensor): { t: Tensor; owned: boolean } {
  return t.storage === x.storage ? { t: clone(t), owned: true } : { t, owned: false };
}

/**
 * Picks entries along dim by index: out[.., j, ..] = x[.., index[j], ..].
 *
 * @param x [..., n, ...]
 * @param index [L] int32 tensor or array of integers in [0, n)
 * @returns [..., L, ...]
 * @example tf.arange(10).reshape(5, 2).indexSelect(0, [4, 0]) // rows 4 and 0
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor | number[]): Tensor {
  const op = 'indexSelect';
  checkTensor(op, x, 'x');
  const xs = atLeast1d(x);
  const d = normDim(op, dim, xs.shape.length);
  const { t: idx, owned } = indexArg(op, index, d, xs.shape[d]);
  try {
    if (idx.ndim > 1) throw new ShapeError(op, `index must be 0-d or 1-d, got shape ${fmtShape(idx.shape)}`);
    const n = idx.size;
    const iter = xs.shape.slice();
    iter[d] = n;
    const outShape = x.ndim === 0 ? idx.shape.slice() : iter.slice();
    const out = Tensor.empty(outShape, x.dtype, x.device);
    const outStr = x.ndim === 0 ? [1] : out.strides.slice();
    const iStr = new Array<number>(iter.length).fill(0);
    iStr[d] = idx.ndim === 1 ? idx.strides[0] : 0;
    try {
      runIndex(op, Mode.Gather, iter, d, out, outStr, idx, iStr, x, xs.strides, xs.shape[d]);
    } catch (e) {
      out.dispose();
      throw e;
    }
    if (!needsGrad(x)) return out;
    // indexAdd into zeros; a JS index array is captured as such, a tensor is saved
    return record(op, out, [x], (g) => {
      const z = zeros(xs.shape, { dtype: g.dtype });
      const gx = indexAdd(z, d, index, reshape(g, iter));
      return [x.ndim === 0 ? reshape(gx, []) : gx];
    }, owned ? [] : [idx]);
  } finally {
    if (owned) idx.dispose();
  }
}

/**
 * Gathers along dim: out[i][j][k] = x[i][index[i][j][k]][k] (for dim = 1). index has as
 * many dims as x and is no larger than x in the other dims.
 *
 * @param x [..., n, ...]
 * @param index int32, same number of dims as x, values in [0, n)
 * @returns shape of index, dtype of x
 * @example tf.tensor([[1, 2], [3, 4]]).gather(1, tf.tensor([[0, 0], [1, 0]], { dtype: 'int32' })) // [[1, 1], [4, 3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const op = 'gather';
  checkTensor(op, x, 'x');
  const idx = checkIndexTensor(op, index);
  const xs = atLeast1d(x);
  const is = atLeast1d(idx);
  const d = normDim(op, dim, xs.shape.length);
  if (is.shape.length !== xs.shape.length) {
    throw new ShapeError(op, `index must have as many dims as the input: index of shape ${fmtShape(idx.shape)} for input of shape ${fmtShape(x.shape)}`);
  }
  for (let k = 0; k < xs.shape.length; k++) {
    if (k !== d && is.shape[k] > xs.shape[k]) {
      throw new ShapeError(op, `index of shape ${fmtShape(idx.shape)} is larger than the input of shape ${fmtShape(x.shape)} in dim ${k} (${is.shape[k]} > ${xs.shape[k]})`);
    }
  }
  const out = Tensor.empty(idx.shape.slice(), x.dtype, x.device);
  const outStr = idx.ndim === 0 ? [1] : out.strides.slice();
  try {
    runIndex(op, Mode.Gather, is.shape, d, out, outStr, idx, is.strides, x, xs.strides, xs.shape[d]);
  } catch (e) {
    out.dispose();
    throw e;
  }
  if (!needsGrad(x)) return out;
  return record(op, out, [x], (g) => [scatterAdd(zeros(x.shape.slice(), { dtype: g.dtype }), d, idx, g)], [idx]);
}

/** g.gather(dim, index), padded with zeros to src's shape when src is larger than index. */
function gatherToShape(g: Tensor, d: number, idx: Tensor, shape: readonly number[]): Tensor {
  let r = gather(g, d, idx);
  for (let k = 0; k < shape.length; k++) {
    if (r.shape[k] !== shape[k]) {
      const p = padAlong(r, k, 0, shape[k]);
      r.dispose();
      r = p;
    }
  }
  return r;
}

/** Shape checks shared by scatter and scatterAdd (PyTorch's rules). */
function checkScatterShapes(op: string, x: Tensor, d: number, idx: Tensor, src: Tensor | null): void {
  const xs = atLeast1d(x).shape;
  const is = atLeast1d(idx).shape;
  if (is.length !== xs.length) {
    throw new ShapeError(op, `index must have as many dims as the input: index of shape ${fmtShape(idx.shape)} for input of shape ${fmtShape(x.shape)}`);
  }
  if (src) {
    const ss = atLeast1d(src).shape;
    if (ss.length !== xs.length) {
      throw new ShapeError(op, `src must have as many dims as the input: src of shape ${fmtShape(src.shape)} for input of shape ${fmtShape(x.shape)}`);
    }
    for (let k = 0; k < is.length; k++) {
      if (is[k] > ss[k]) throw new ShapeError(op, `index of shape ${fmtShape(idx.shape)} is larger than src of shape ${fmtShape(src.shape)} in dim ${k} (${is[k]} > ${ss[k]})`);
    }
  }
  for (let k = 0; k < is.length; k++) {
    if (k !== d && is[k] > xs[k]) {
      throw new ShapeError(op, `index of shape ${fmtShape(idx.shape)} is larger than the input of shape ${fmtShape(x.shape)} in dim ${k} (${is[k]} > ${xs[k]})`);
    }
  }
}

function scatterInto(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | number, mode: Mode): Tensor {
  checkTensor(op, x, 'x');
  let idx = checkIndexTensor(op, index);
  const xs = atLeast1d(x);
  const d = normDim(op, dim, xs.shape.length);
  const isValue = !isTensor(src);
  if (isValue && (typeof src !== 'number' && typeof src !== 'boolean')) {
    throw new ArgumentError(op, `src must be a Tensor or a number, got ${src === null ? 'null' : typeof src}`);
  }
  if (!isValue) {
    checkTensor(op, src, 'src');
    if (src.dtype !== x.dtype) throw new DTypeError(op, `src must have the dtype of the input: got ${src.dtype} for input of dtype ${x.dtype}`);
  }
  if (mode === Mode.ScatterAdd && x.dtype === 'bool') throw new DTypeError(op, 'bool tensors cannot be added to; convert with .int() or .float() first');
  checkScatterShapes(op, x, d, idx, isValue ? null : (src as Tensor));
  checkWritable(op, x);
  const owned: Tensor[] = [];
  try {
    const ui = unaliased(x, idx);
    if (ui.owned) owned.push((idx = ui.t));
    let s: Tensor;
    let sStr: number[];
    if (isValue) {
      s = full([], Number(src), { dtype: x.dtype });
      owned.push(s);
      sStr = new Array<number>(xs.shape.length).fill(0);
    } else {
      const us = unaliased(x, src as Tensor);
      if (us.owned) owned.push(us.t);
      s = us.t;
      sStr = atLeast1d(s).strides;
    }
    const is = atLeast1d(idx);
    runIndex(op, mode, is.shape, d, x, xs.strides, idx, is.strides, s, sStr, xs.shape[d]);
  } finally {
    for (const t of owned) t.dispose();
  }
  x.storage.version++;
  return x;
}

/**
 * Writes src into x in place along dim: x[i][index[i][j][k]][k] = src[i][j][k] (dim = 1),
 * or the scalar value everywhere index points. With repeated indices the last j wins.
 *
 * @param x [..., n, ...], written in place and returned
 * @param index int32, as many dims as x, values in [0, n)
 * @param src a tensor of x's dtype at least as large as index, or a number
 * @example tf.zeros([3]).scatter_(0, tf.tensor([2, 0], { dtype: 'int32' }), tf.tensor([5, 7])) // [7, 0, 5]
 */
export function scatter_(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  if (isTensor(x)) inPlaceNeedsGrad('scatter_', x, src, false);
  return scatterInto('scatter_', x, dim, index, src, Mode.Scatter);
}

/**
 * Out-of-place scatter_: a copy of x with src (or value) written where index points.
 * @example tf.zeros([2, 3]).scatter(1, idx, 1) // one-hot rows
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  checkTensor('scatter', x, 'x');
  const out = clone(x);
  try {
    scatterInto('scatter', out, dim, index, src, Mode.Scatter);
  } catch (e) {
    out.dispose();
    throw e;
  }
  if (!needsGrad2(x, src)) return out;
  const d = normDim('scatter', dim, Math.max(1, x.ndim));
  // x loses the scattered positions; src[j] lands at index[j] (exact when indices are unique)
  return record('scatter', out, [x, src], (g, n) => [
    n.needs(0) ? scatter(g, d, index, 0) : null,
    n.needs(1) ? gatherToShape(g, d, index, (src as Tensor).shape) : null,
  ], [index]);
}

/**
 * Adds src into x in place along dim: x[i][index[i][j][k]][k] += src[i][j][k] (dim = 1);
 * repeated indices accumulate. The gradient of gather.
 *
 * @param x [..., n, ...], written in place and returned
 * @param index int32, as many dims as x, values in [0, n)
 * @param src x's dtype, at least as large as index
 * @example tf.zeros([3]).scatterAdd_(0, tf.tensor([0, 0, 2], { dtype: 'int32' }), tf.ones([3])) // [2, 0, 1]
 */
export function scatterAdd_(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  if (!isTensor(src)) throw new ArgumentError('scatterAdd_', `src must be a Tensor, got ${src === null ? 'null' : typeof src}`);
  if (isTensor(x)) inPlaceNeedsGrad('scatterAdd_', x, src, false);
  return scatterInto('scatterAdd_', x, dim, index, src, Mode.ScatterAdd);
}

/** Out-of-place scatterAdd_. @example tf.zeros([3]).scatterAdd(0, idx, src) */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor('scatterAdd', x, 'x');
  if (!isTensor(src)) throw new ArgumentError('scatterAdd', `src must be a Tensor, got ${src === null ? 'null' : typeof src}`);
  const out = clone(x);
  try {
    scatterInto('scatterAdd', out, dim, index, src, Mode.ScatterAdd);
  } catch (e) {
    out.dispose();
    throw e;
  }
  if (!needsGrad2(x, src)) return out;
  const d = normDim('scatterAdd', dim, Math.max(1, x.ndim));
  return record('scatterAdd', out, [x, src], (g, n) => [n.needs(0) ? g : null, n.needs(1) ? gatherToShape(g, d, index, src.shape) : null], [index]);
}

function indexAddInto(op: string, x: Tensor, dim: number, index: Tensor | number[], source: Tensor, alpha: number): Tensor {
  checkTensor(op, x, 'x');
  checkTensor(op, source, 'source');
  const xs = atLeast1d(x);
  const d = normDim(op, dim, xs.shape.length);
  if (x.dtype === 'bool') throw new DTypeError(op, 'bool tensors cannot be added to; convert with .int() or .float() first');
  if (source.dtype !== x.dtype) throw new DTypeError(op, `source must have the dtype of the input: got ${source.dtype} for input of dtype ${x.dtype}`);
  if (typeof alpha !== 'number' || Number.isNaN(alpha) || (x.dtype === 'int32' && !Number.isInteger(alpha))) {
    throw new ArgumentError(op, `alpha must be a number (an integer for int32 tensors), got ${String(alpha)}`);
  }
  checkWritable(op, x);
  const owned: Tensor[] = [];
  try {
    const ia = indexArg(op, index, d, xs.shape[d]);
    let idx = ia.t;
    if (ia.owned) owned.push(idx);
    if (idx.ndim > 1) throw new ShapeError(op, `index must be 0-d or 1-d, got shape ${fmtShape(idx.shape)}`);
    const ss = atLeast1d(source);
    const expected = xs.shape.slice();
    expected[d] = idx.size;
    if (ss.shape.length !== expected.length || ss.shape.some((s, k) => s !== expected[k])) {
      throw new ShapeError(op, `source of shape ${fmtShape(source.shape)} does not fit: expected ${fmtShape(expected)} for input of shape ${fmtShape(x.shape)} and ${idx.size} indices in dim ${d}`);
    }
    const ui = unaliased(x, idx);
    if (ui.owned) owned.push((idx = ui.t));
    const us = unaliased(x, source);
    if (us.owned) owned.push(us.t);
    const iStr = new Array<number>(expected.length).fill(0);
    iStr[d] = idx.ndim === 1 ? idx.strides[0] : 0;
    runIndex(op, Mode.ScatterAdd, ss.shape, d, x, xs.strides, idx, iStr, us.t, atLeast1d(us.t).strides, xs.shape[d], alpha);
  } finally {
    for (const t of owned) t.dispose();
  }
  x.storage.version++;
  return x;
}

/**
 * Adds alpha * source into x in place at the positions index lists along dim:
 * x[.., index[j], ..] += alpha * source[.., j, ..]. The gradient of indexSelect.
 *
 * @param x [..., n, ...], written in place and returned
 * @param index [L] int32 tensor or array of integers in [0, n)
 * @param source [..., L, ...] of x's dtype
 * @example tf.zeros([3, 2]).indexAdd_(0, [2, 2], tf.ones([2, 2])) // row 2 becomes [2, 2]
 */
export function indexAdd_(x: Tensor, dim: number, index: Tensor | number[], source: Tensor, opts: { alpha?: number } = {}): Tensor {
  if (isTensor(x)) inPlaceNeedsGrad('indexAdd_', x, source, false);
  return indexAddInto('indexAdd_', x, dim, index, source, opts.alpha ?? 1);
}

/** Out-of-place indexAdd_. @example tf.zeros([3, 2]).indexAdd(0, [0, 2], tf.ones([2, 2])) */
export function indexAdd(x: Tensor, dim: number, index: Tensor | number[], source: Tensor, opts: { alpha?: number } = {}): Tensor {
  checkTensor('indexAdd', x, 'x');
  const out = clone(x);
  const alpha = opts.alpha ?? 1;
  try {
    indexAddInto('indexAdd', out, dim, index, source, alpha);
  } catch (e) {
    out.dispose();
    throw e;
  }
  if (!needsGrad2(x, source)) return out;
  const d = normDim('indexAdd', dim, Math.max(1, x.ndim));
  return record('indexAdd', out, [x, source], (g, n) => {
    let gs: Tensor | null = null;
    if (n.needs(1)) {
      const sel = indexSelect(x.ndim === 0 ? reshape(g, [1]) : g, d, index);
      gs = alpha === 1 ? sel : mul(sel, alpha);
    }
    return [n.needs(0) ? g : null, gs];
  }, isTensor(index) ? [index] : []);
}

declare module '../tensor' {
  interface Tensor {
    indexSelect(dim: number, index: Tensor | number[]): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: Tensor | number): Tensor;
    scatter_(dim: number, index: Tensor, src: Tensor | number): Tensor;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    scatterAdd_(dim: number, index: Tensor, src: Tensor): Tensor;
    indexAdd(dim: number, index: Tensor | number[], source: Tensor, opts?: { alpha?: number }): Tensor;
    indexAdd_(dim: number, index: Tensor | number[], source: Tensor, opts?: { alpha?: number }): Tensor;
  }
}

const P = Tensor.prototype;
P.indexSelect = function (d, i) { return indexSelect(this, d, i); };
P.gather = function (d, i) { return gather(this, d, i); };
P.scatter = function (d, i, s) { return scatter(this, d, i, s); };
P.scatter_ = function (d, i, s) { return scatter_(this, d, i, s); };
P.scatterAdd = function (d, i, s) { return scatterAdd(this, d, i, s); };
P.scatterAdd_ = function (d, i, s) { return scatterAdd_(this, d, i, s); };
P.indexAdd = function (d, i, s, o) { return indexAdd(this, d, i, s, o); };
P.indexAdd_ = function (d, i, s, o) { return indexAdd_(this, d, i, s, o); };
