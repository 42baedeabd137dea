/**
 * Helpers the backward closures share, written with public ops (so they are themselves
 * differentiable, for createGraph): summing a broadcast gradient back to a shape,
 * spreading a reduced gradient over the reduced dims, embedding a slice's gradient into
 * zeros.
 */
import { ShapeError, fmtShape } from '../errors';
import { sameShape } from '../shape';
import type { Tensor } from '../tensor';
import { zeros } from '../creation';
import { sum } from '../ops/reduce';
import { reshape, expand, unsqueeze, narrow } from '../ops/view';
import { cat } from '../ops/join';
import { indexSelect } from '../ops/gather';
import { disposeTemps } from './graph';

/**
 * Sums g over the dims that broadcasting added or expanded, so that it has `shape`
 * (g itself when it already has it). Throws ShapeError when shape does not broadcast to g's.
 * @example sumToShape(tf.ones([4, 3]), [3]) // [4, 4, 4]
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new ShapeError('sumToShape', `a gradient of shape ${fmtShape(g.shape)} cannot be summed to the larger shape ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== g.shape[i]) {
      throw new ShapeError('sumToShape', `a gradient of shape ${fmtShape(g.shape)} cannot be summed to shape ${fmtShape(shape)}`);
    }
  }
  if (dims.length === 0) return reshape(g, shape.slice());
  const s = sum(g, dims, true);
  const r = reshape(s, shape.slice());
  disposeTemps(s);
  return r;
}

/** The shape of x reduced over dims with keepdim (dims sorted, 0..ndim-1). */
export function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

/**
 * A reduction's gradient g (shape of the result, with or without keepdim) as a view of
 * the input's shape: reshaped to keepdim and expanded over the reduced dims.
 */
export function expandReduced(g: Tensor, inputShape: readonly number[], dims: readonly number[]): Tensor {
  const k = reshape(g, keptShape(inputShape, dims));
  const e = expand(k, inputShape.slice());
  disposeTemps(k);
  return e;
}

/** g with its reduced dims kept as size 1 (a view). */
export function keepDims(g: Tensor, inputShape: readonly number[], dims: readonly number[]): Tensor {
  return reshape(g, keptShape(inputShape, dims));
}

/**
 * Embeds g along dim d into a tensor of `size` there: g's element j lands at
 * start + j * step, zeros elsewhere. The gradient of narrow, slice and select (built
 * from cat and reshape, so it is differentiable itself).
 */
export function padAlong(g: Tensor, d: number, start: number, size: number, step = 1): Tensor {
  const temps: Tensor[] = [];
  let x = g;
  const len = g.shape[d];
  if (step > 1 && len > 1) {
    // interleave step - 1 zeros after each element, then drop the trailing ones
    const zshape = g.shape.slice();
    zshape.splice(d + 1, 0, step - 1);
    const z = zeros(zshape, { dtype: g.dtype });
    const u = unsqueeze(g, d + 1);
    const c = cat([u, z], d + 1);
    const flatShape = g.shape.slice();
    flatShape[d] = len * step;
    const r = reshape(c, flatShape);
    x = narrow(r, d, 0, (len - 1) * step + 1);
    temps.push(z, u, c, r);
  }
  const used = len === 0 ? 0 : (len - 1) * step + 1;
  const after = size - start - used;
  const parts: Tensor[] = [];
  if (start > 0) {
    const s = g.shape.slice();
    s[d] = start;
    const z = zeros(s, { dtype: g.dtype });
    parts.push(z);
    temps.push(z);
  }
  parts.push(x);
  if (after > 0) {
    const s = g.shape.slice();
    s[d] = after;
    const z = zeros(s, { dtype: g.dtype });
    parts.push(z);
    temps.push(z);
  }
  const out = parts.length === 1 ? (x === g ? reshape(g, g.shape.slice()) : x) : cat(parts, d);
  if (out !== x && x !== g) temps.push(x);
  disposeTemps(...temps);
  return out;
}

/** x reversed along dim d (an indexSelect, so differentiable). */
export function flipDim(x: Tensor, d: number): Tensor {
  const n = x.ndim === 0 ? 1 : x.shape[d];
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = n - 1 - i;
  return indexSelect(x, d, idx);
}
