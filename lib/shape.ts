/** Shape arithmetic shared by the ops: broadcasting, strides, dim normalisation. */
import { ArgumentError, IndexError, ShapeError, fmtShape } from './errors';

/** The most dims a tensor may have (native iteration is fixed-size). */
export const MAX_DIMS = 16;

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; throws ShapeError naming op and shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new ShapeError(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i}: ${da} vs ${db})`);
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had shape `target` (0 on broadcast dims). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const out = new Array<number>(target.length);
  const lead = target.length - shape.length;
  for (let i = 0; i < target.length; i++) {
    if (i < lead) out[i] = 0;
    else out[i] = shape[i - lead] === 1 && target[i] !== 1 ? 0 : strides[i - lead];
  }
  return out;
}

/** Turns a possibly negative dim into 0..ndim-1; throws IndexError when out of range. */
export function normDim(op: string, dim: number, ndim: number): number {
  if (!Number.isInteger(dim)) throw new ArgumentError(op, `dim must be an integer, got ${dim}`);
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi) throw new IndexError(op, `dim ${dim} is out of range for a tensor of ${ndim} dims (expected ${lo}..${hi})`);
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Validates a shape given by the user: non-negative integers, at most MAX_DIMS. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new ArgumentError(op, `shape must be an array of integers, got ${String(shape)}`);
  if (shape.length > MAX_DIMS) throw new ShapeError(op, `shape ${fmtShape(shape)} has ${shape.length} dims; at most ${MAX_DIMS} are supported`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(op, `shape ${fmtShape(shape)} has an invalid size ${d}; sizes must be non-negative integers`);
  }
  return shape.slice();
}

/** Accepts f(2, 3), f([2, 3]) and f() for shape arguments. */
export type ShapeArg = number[] | [number[]];
export function shapeFromArgs(op: string, args: readonly unknown[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return checkShape(op, args[0] as number[]);
  return checkShape(op, args as number[]);
}

/** Packs a layout for native calls: [ndim, shape..., strides of each operand...]. */
export function layoutMeta(shape: readonly number[], ...strides: (readonly number[])[]): Float64Array {
  const nd = shape.length;
  const meta = new Float64Array(1 + nd * (1 + strides.length));
  meta[0] = nd;
  for (let i = 0; i < nd; i++) meta[1 + i] = shape[i];
  for (let a = 0; a < strides.length; a++) {
    const s = strides[a];
    for (let i = 0; i < nd; i++) meta[1 + nd * (1 + a) + i] = s[i];
  }
  return meta;
}
