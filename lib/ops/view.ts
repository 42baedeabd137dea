/**
 * Views: reshape, permute, transpose, expand, narrow, slice, select, squeeze, ...
 * They share storage with their input (no copy) wherever PyTorch's do; reshape and
 * flatten copy only when no strided view can express the result.
 */
import { ArgumentError, IndexError, ShapeError, fmtShape } from '../errors';
import { checkShape, contiguousStrides, normDim, numelOf, MAX_DIMS } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { copyToContiguous } from './copy';
import { needsGrad, record } from '../autograd/graph';
import { padAlong } from '../autograd/grad_utils';

/** Records a view whose gradient is g reshaped back to x's shape (reshape, view, squeeze, ...). */
function reshapeGrad(op: string, out: Tensor, x: Tensor): Tensor {
  const shape = x.shape.slice();
  return record(op, out, [x], (g) => [reshape(g, shape)]);
}

function checkTensor(op: string, x: unknown): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.handle(op);
  return x;
}

/** @internal A new tensor viewing x's storage. */
export function makeView(x: Tensor, offset: number, shape: number[], strides: number[]): Tensor {
  return new Tensor(x.storage, offset, shape, strides, x.dtype);
}

/** Resolves one -1 in a requested shape against numel; validates the rest. */
function inferSize(op: string, x: Tensor, shape: number[]): number[] {
  const numel = x.size;
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(op, `only one dim can be -1, got ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `invalid size ${d} in shape ${fmtShape(shape)}`);
    } else known *= d;
  }
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new ShapeError(op, `shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${numel} elements)`);
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new ShapeError(op, `shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${numel} elements)`);
  }
  return checkShape(op, out);
}

/** Strides that view (shape, strides) as newShape without copying, or null (PyTorch's computeStride). */
function viewStrides(shape: readonly number[], strides: readonly number[], newShape: readonly number[]): number[] | null {
  // A 0-d tensor is one element: any shape of numel 1 views it (strides are arbitrary).
  if (shape.length === 0) return newShape.map(() => 1);
  if (numelOf(shape) === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

type ShapeArgs = (number | number[])[];
function shapeArgs(args: ShapeArgs): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}

/**
 * A view with a new shape; copies only when the strides cannot express it.
 * One dim may be -1. @example tf.arange(6).reshape(2, 3)
 */
export function reshape(x: Tensor, ...shape: ShapeArgs): Tensor {
  checkTensor('reshape', x);
  const s = inferSize('reshape', x, shapeArgs(shape));
  const st = viewStrides(x.shape, x.strides, s);
  let v: Tensor;
  if (st) v = makeView(x, x.offset, s, st);
  else {
    const c = copyToContiguous('reshape', x);
    v = makeView(c, 0, s, contiguousStrides(s));
    c.dispose();
  }
  return needsGrad(x) ? reshapeGrad('reshape', v, x) : v;
}

/** Like reshape, but never copies: throws if the strides cannot express the shape. */
export function view(x: Tensor, ...shape: ShapeArgs): Tensor {
  checkTensor('view', x);
  const s = inferSize('view', x, shapeArgs(shape));
  const st = viewStrides(x.shape, x.strides, s);
  if (!st) throw new ShapeError('view', `a tensor of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(s)}; use reshape() (copies) or contiguous() first`);
  const v = makeView(x, x.offset, s, st);
  return needsGrad(x) ? reshapeGrad('view', v, x) : v;
}

/** Flattens dims startDim..endDim into one. @example x.flatten(1) // [N, C*H*W] */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim('flatten', startDim, x.ndim);
  const b = normDim('flatten', endDim, x.ndim);
  if (a > b) throw new ArgumentError('flatten', `startDim ${startDim} comes after endDim ${endDim}`);
  const s = [...x.shape.slice(0, a), numelOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, s);
}

/** Removes dims of size 1 (all of them, or only `dim`). */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  checkTensor('squeeze', x);
  const dims = dim === undefined ? null : new Set((Array.isArray(dim) ? dim : [dim]).map((d) => normDim('squeeze', d, x.ndim)));
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (x.shape[i] === 1 && (dims === null || dims.has(i))) continue;
    shape.push(x.shape[i]);
    strides.push(x.strides[i]);
  }
  const v = makeView(x, x.offset, shape, strides);
  return needsGrad(x) ? reshapeGrad('squeeze', v, x) : v;
}

/** Inserts a dim of size 1 at `dim` (-1 appends). @example tf.zeros([3]).unsqueeze(0) // [1, 3] */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', x);
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  if (x.ndim + 1 > MAX_DIMS) throw new ShapeError('unsqueeze', `at most ${MAX_DIMS} dims are supported`);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  const stride = d < x.ndim ? x.shape[d] * x.strides[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  const v = makeView(x, x.offset, shape, strides);
  return needsGrad(x) ? reshapeGrad('unsqueeze', v, x) : v;
}

/** Reorders dims. @example x.permute(0, 2, 3, 1) // NCHW -> NHWC view */
export function permute(x: Tensor, ...dims: ShapeArgs): Tensor {
  checkTensor('permute', x);
  const order = shapeArgs(dims);
  if (order.length !== x.ndim) throw new ShapeError('permute', `expected ${x.ndim} dims for shape ${fmtShape(x.shape)}, got ${fmtShape(order)}`);
  const seen = new Set<number>();
  const norm = order.map((d) => normDim('permute', d, x.ndim));
  for (const d of norm) {
    if (seen.has(d)) throw new ArgumentError('permute', `dim ${d} appears twice in ${fmtShape(order)}`);
    seen.add(d);
  }
  const v = makeView(x, x.offset, norm.map((d) => x.shape[d]), norm.map((d) => x.strides[d]));
  if (!needsGrad(x)) return v;
  const inv = new Array<number>(norm.length);
  norm.forEach((d, i) => (inv[d] = i));
  return record('permute', v, [x], (g) => [permute(g, inv)]);
}

/** Swaps two dims. @example x.transpose(0, 1) */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor('transpose', x);
  if (x.ndim === 0) {
    // PyTorch accepts dims 0 and -1 on a 0-d tensor, and nothing else.
    normDim('transpose', dim0, 0);
    normDim('transpose', dim1, 0);
    const v0 = makeView(x, x.offset, [], []);
    return needsGrad(x) ? reshapeGrad('transpose', v0, x) : v0;
  }
  const a = normDim('transpose', dim0, x.ndim);
  const b = normDim('transpose', dim1, x.ndim);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  [shape[a], shape[b]] = [shape[b], shape[a]];
  [strides[a], strides[b]] = [strides[b], strides[a]];
  const v = makeView(x, x.offset, shape, strides);
  return needsGrad(x) ? record('transpose', v, [x], (g) => [transpose(g, a, b)]) : v;
}

/** Transpose of a matrix (0-d and 1-d tensors are returned as views unchanged). */
export function t(x: Tensor): Tensor {
  checkTensor('t', x);
  if (x.ndim > 2) throw new ShapeError('t', `expects a tensor with <= 2 dims, got shape ${fmtShape(x.shape)}; use transpose(dim0, dim1)`);
  if (x.ndim >= 2) return transpose(x, 0, 1);
  const v = makeView(x, x.offset, x.shape.slice(), x.strides.slice());
  return needsGrad(x) ? reshapeGrad('t', v, x) : v;
}

/**
 * Broadcasts size-1 dims to larger sizes without copying (stride 0). -1 keeps a size.
 * @example tf.zeros([3, 1]).expand(3, 4)
 */
export function expand(x: Tensor, ...sizes: ShapeArgs): Tensor {
  return expandTo('expand', x, shapeArgs(sizes));
}

function expandTo(op: string, x: Tensor, target: number[]): Tensor {
  checkTensor(op, x);
  if (!Array.isArray(target)) throw new ArgumentError(op, `expected a shape array, got ${String(target)}`);
  if (target.length < x.ndim) throw new ShapeError(op, `the target ${fmtShape(target)} has fewer dims than the input ${fmtShape(x.shape)}`);
  const lead = target.length - x.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < target.length; i++) {
    const want = target[i];
    if (i < lead) {
      if (want === -1 || !Number.isInteger(want) || want < 0) throw new ShapeError(op, `size -1 (or invalid) is not allowed in a new leading dim: ${fmtShape(target)}`);
      shape.push(want);
      strides.push(0);
      continue;
    }
    const have = x.shape[i - lead];
    if (want === -1 || want === have) {
      shape.push(have);
      strides.push(x.strides[i - lead]);
    } else if (have === 1 && Number.isInteger(want) && want >= 0) {
      shape.push(want);
      strides.push(0);
    } else {
      throw new ShapeError(op, `cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(target)} (dim ${i}: ${have} to ${want})`);
    }
  }
  checkShape(op, shape);
  const v = makeView(x, x.offset, shape, strides);
  // the engine sums the gradient back over the expanded dims
  return needsGrad(x) ? record(op, v, [x], (g) => [g]) : v;
}

/** expand() to exactly `shape`, with NumPy's broadcasting rules. */
export function broadcastTo(x: Tensor, shape: number[]): Tensor {
  checkTensor('broadcastTo', x);
  return expandTo('broadcastTo', x, checkShape('broadcastTo', shape));
}

/** A view of `length` elements of `dim` from `start`. @example x.narrow(0, 1, 2) */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('narrow', x);
  if (x.ndim === 0) throw new ShapeError('narrow', 'cannot narrow a 0-d tensor');
  const d = normDim('narrow', dim, x.ndim);
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new IndexError('narrow', `start ${start} and length ${length} are out of range for dim ${dim} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  const shape = x.shape.slice();
  shape[d] = length;
  const v = makeView(x, x.offset + s * x.strides[d], shape, x.strides.slice());
  return needsGrad(x) ? record('narrow', v, [x], (g) => [padAlong(g, d, s, size)]) : v;
}

/** One [start, end, step] slice spec; null or undefined entries take the defaults. */
export type SliceSpec = [(number | null)?, (number | null)?, (number | null)?] | null | undefined;

function clampIndex(i: number | undefined | null, size: number, dflt: number): number {
  if (i === undefined || i === null) return dflt;
  if (!Number.isInteger(i)) throw new ArgumentError('slice', `indices must be integers, got ${i}`);
  const v = i < 0 ? i + size : i;
  return Math.min(Math.max(v, 0), size);
}

/**
 * Python-style slicing, as a view. Either one dim — slice(dim, start, end, step) — or
 * one spec per leading dim — slice([[0, 2], null, [1, null, 2]]). Negative indices count
 * from the end; out-of-range bounds are clamped as in Python.
 * @example x.slice(1, 0, -1) // x[:, 0:-1]
 */
export function slice(x: Tensor, dimOrSpecs: number | SliceSpec[], start?: number | null, end?: number | null, step = 1): Tensor {
  checkTensor('slice', x);
  const specs: SliceSpec[] = [];
  if (Array.isArray(dimOrSpecs)) {
    if (dimOrSpecs.length > x.ndim) throw new IndexError('slice', `${dimOrSpecs.length} slice specs for a tensor of shape ${fmtShape(x.shape)}`);
    specs.push(...dimOrSpecs);
  } else {
    if (x.ndim === 0) throw new IndexError('slice', 'cannot slice a 0-d tensor along a dim');
    const d = normDim('slice', dimOrSpecs, x.ndim);
    for (let i = 0; i < d; i++) specs.push(null);
    specs.push([start ?? undefined, end ?? undefined, step]);
  }
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  let offset = x.offset;
  const cuts: [number, number, number][] = [];
  specs.forEach((spec, d) => {
    if (!spec) return;
    const st = spec[2] ?? 1;
    if (!Number.isInteger(st) || st <= 0) throw new ArgumentError('slice', `step must be a positive integer, got ${st}`);
    const size = shape[d];
    const a = clampIndex(spec[0], size, 0);
    const b = Math.max(a, clampIndex(spec[1], size, size));
    shape[d] = Math.ceil((b - a) / st);
    offset += a * strides[d];
    strides[d] *= st;
    cuts.push([d, a, st]);
  });
  const v = makeView(x, offset, shape, strides);
  if (!needsGrad(x)) return v;
  const full = x.shape.slice();
  return record('slice', v, [x], (g) => {
    let r = g;
    for (const [d, a, st] of cuts) {
      const p = padAlong(r, d, a, full[d], st);
      if (r !== g) r.dispose();
      r = p;
    }
    return [r];
  });
}

/** The slice at `index` along `dim`, with that dim removed. @example x.select(0, -1) // last row */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor('select', x);
  if (x.ndim === 0) throw new IndexError('select', 'cannot select from a 0-d tensor');
  const d = normDim('select', dim, x.ndim);
  const size = x.shape[d];
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new IndexError('select', `index ${index} is out of range for dim ${dim} of size ${size} (shape ${fmtShape(x.shape)})`);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(d, 1);
  strides.splice(d, 1);
  const v = makeView(x, x.offset + i * x.strides[d], shape, strides);
  return needsGrad(x) ? record('select', v, [x], (g) => [padAlong(unsqueeze(g, d), d, i, size)]) : v;
}

declare module '../tensor' {
  interface Tensor {
    reshape(...shape: ShapeArgs): Tensor;
    view(...shape: ShapeArgs): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    squeeze(dim?: number | number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    permute(...dims: ShapeArgs): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    /** Matrix transpose (alias of t()). */
    readonly T: Tensor;
    expand(...sizes: ShapeArgs): Tensor;
    expandAs(other: Tensor): Tensor;
    broadcastTo(shape: number[]): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    slice(dimOrSpecs: number | SliceSpec[], start?: number | null, end?: number | null, step?: number): Tensor;
    select(dim: number, index: number): Tensor;
  }
}

const P = Tensor.prototype;
P.reshape = function (...s) { return reshape(this, ...s); };
P.view = function (...s) { return view(this, ...s); };
P.flatten = function (a, b) { return flatten(this, a, b); };
P.squeeze = function (d) { return squeeze(this, d); };
P.unsqueeze = function (d) { return unsqueeze(this, d); };
P.permute = function (...d) { return permute(this, ...d); };
P.transpose = function (a, b) { return transpose(this, a, b); };
P.t = function () { return t(this); };
Object.defineProperty(P, 'T', { get(this: Tensor) { return t(this); } });
P.expand = function (...s) { return expand(this, ...s); };
P.expandAs = function (o) { return expandTo('expandAs', this, checkTensor('expandAs', o).shape.slice()); };
P.broadcastTo = function (s) { return broadcastTo(this, s); };
P.narrow = function (d, s, l) { return narrow(this, d, s, l); };
P.slice = function (d, s, e, st) { return slice(this, d, s, e, st); };
P.select = function (d, i) { return select(this, d, i); };
