/**
 * What every reduction shares: argument parsing (dim, keepdim, options), dim
 * normalisation, output shapes, and the one native call (native.reduce) that runs a
 * reduction kind over any set of dims of a strided tensor.
 */
import { checkDType, dtypeCode, isFloating, type DType } from '../dtype';
import { ArgumentError, DTypeError, IndexError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { layoutMeta, normDim, numelOf } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { copyToContiguous } from './copy';

/** Reduction kinds; codes match ReduceKind in native/kernels/cpu/reduce/reduce.h. */
export const ReduceKind = {
  sum: 0, prod: 1, max: 2, min: 3, argmax: 4, argmin: 5, maxIdx: 6, minIdx: 7, all: 8, any: 9,
  mean: 10, var: 11, std: 12, normP: 13, normInf: 14, normNegInf: 15, norm0: 16, norm1: 17, norm2: 18, logsumexp: 19,
} as const;
export type ReduceKindCode = (typeof ReduceKind)[keyof typeof ReduceKind];

/** Which dims to reduce: one dim, several, or all of them (undefined, null or []). */
export type DimArg = number | number[] | null | undefined;

/** Options shared by the reductions; ops add their own (dtype, correction, ...). */
export interface ReduceOptions {
  /** Keep reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

/** @internal Checks that x is a live tensor. */
export function checkInput(op: string, x: unknown): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.handle(op);
  return x;
}

function isOptions(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * @internal Accepts f(x, dim?, keepdim?, opts?), f(x, dim, opts) and f(x, opts), the
 * shapes PyTorch's keyword arguments take in JS.
 */
export function parseArgs<O extends ReduceOptions>(op: string, a: unknown, b: unknown, c: unknown): { dim: DimArg; keepdim: boolean; opts: O } {
  let dim: unknown = a;
  let opts: unknown = undefined;
  let keepdim: unknown = undefined;
  if (isOptions(a)) {
    dim = undefined;
    opts = a;
    if (b !== undefined) throw new ArgumentError(op, 'no argument may follow the options object');
  } else if (isOptions(b)) {
    opts = b;
    if (c !== undefined) throw new ArgumentError(op, 'no argument may follow the options object');
  } else {
    keepdim = b;
    opts = c;
  }
  if (opts !== undefined && !isOptions(opts)) throw new ArgumentError(op, `options must be an object, got ${typeof opts}`);
  const o = (opts ?? {}) as O;
  if (keepdim !== undefined && o.keepdim !== undefined) throw new ArgumentError(op, 'keepdim given twice (argument and option)');
  keepdim ??= o.keepdim;
  if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new ArgumentError(op, `keepdim must be a boolean, got ${typeof keepdim}`);
  if (dim !== undefined && dim !== null && typeof dim !== 'number' && !Array.isArray(dim)) {
    throw new ArgumentError(op, `dim must be a number or an array of numbers, got ${typeof dim}`);
  }
  return { dim: dim as DimArg, keepdim: keepdim === true, opts: o };
}

/**
 * @internal The dims to reduce, sorted, as 0..ndim-1. Undefined, null and [] mean all
 * dims; a 0-d tensor accepts dim 0 and -1 and has nothing to reduce.
 */
export function normDims(op: string, x: Tensor, dim: DimArg): number[] {
  const nd = x.ndim;
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) {
    return Array.from({ length: nd }, (_, i) => i);
  }
  const list = Array.isArray(dim) ? dim : [dim];
  const seen = new Set<number>();
  for (const d of list) {
    if (typeof d !== 'number') throw new ArgumentError(op, `dims must be numbers, got ${typeof d} in ${JSON.stringify(list)}`);
    const n = normDim(op, d, nd);
    if (seen.has(n)) throw new ArgumentError(op, `dim ${n} appears multiple times in dims ${fmtShape(list)} (input shape ${fmtShape(x.shape)})`);
    seen.add(n);
  }
  if (nd === 0) return [];
  return [...seen].sort((p, q) => p - q);
}

/** @internal The result shape of reducing `dims`. */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!dims.includes(i)) out.push(shape[i]);
    else if (keepdim) out.push(1);
  }
  return out;
}

/** @internal Throws IndexError when a reduction that needs an element gets none. */
export function checkNonEmpty(op: string, x: Tensor, dims: readonly number[]): void {
  let n = 1;
  for (const d of dims) n *= x.shape[d];
  if (n === 0) {
    const which = dims.length === x.ndim ? 'all dims' : `dim${dims.length > 1 ? 's' : ''} ${dims.join(', ')}`;
    throw new IndexError(op, `cannot reduce over ${which} of input shape ${fmtShape(x.shape)}: there are no elements (the reduction has no identity)`);
  }
}

/** @internal Throws DTypeError unless x is float32/float64. */
export function requireFloat(op: string, x: Tensor, hint = ''): void {
  if (!isFloating(x.dtype)) {
    throw new DTypeError(op, `expected a float32 or float64 input, got ${x.dtype} (shape ${fmtShape(x.shape)}); convert with x.float()${hint}`);
  }
}

/**
 * @internal Applies a `{ dtype }` option: x itself, or x converted (a temporary the caller
 * disposes when it differs from x). `allowed` lists the dtypes the option may name.
 */
export function castForOp(op: string, x: Tensor, dtype: unknown, allowed: readonly DType[]): Tensor {
  if (dtype === undefined) return x;
  const d = checkDType(op, dtype);
  if (!allowed.includes(d)) throw new DTypeError(op, `the dtype option must be one of ${allowed.join(', ')}, got ${d}`);
  return d === x.dtype ? x : copyToContiguous(op, x, d);
}

/**
 * @internal Runs one reduction kind over `dims` of x. Returns the values tensor (null for
 * argmax/argmin) and the int32 indices tensor (null unless the kind has indices).
 */
export function runReduce(op: string, kind: ReduceKindCode, x: Tensor, dims: readonly number[], keepdim: boolean,
  outDtype: DType, param = 0): { values: Tensor | null; indices: Tensor | null } {
  const xh = x.handle(op);
  const shape = reducedShape(x.shape, dims, keepdim);
  const wantIdx = kind === ReduceKind.argmax || kind === ReduceKind.argmin || kind === ReduceKind.maxIdx || kind === ReduceKind.minIdx;
  const wantValues = kind !== ReduceKind.argmax && kind !== ReduceKind.argmin;
  const values = wantValues ? Tensor.empty(shape, outDtype, x.device) : null;
  const indices = wantIdx ? Tensor.empty(shape, 'int32', x.device) : null;
  if (numelOf(shape) === 0) return { values, indices };
  const strideSource = (values ?? indices) as Tensor;
  const kept: number[] = [];
  const keptOut: number[] = [];
  for (let i = 0, k = 0; i < x.ndim; i++) {
    if (dims.includes(i)) {
      if (keepdim) k++;
      continue;
    }
    kept.push(i);
    keptOut.push(strideSource.strides[k++]);
  }
  const order = [...kept, ...dims];
  const meta = layoutMeta(order.map((d) => x.shape[d]), [...keptOut, ...dims.map(() => 0)], order.map((d) => x.strides[d]));
  try {
    native.reduce(kind, xh, dtypeCode(x.dtype), x.offset, meta, dims.length, values ? values.handle(op) : null,
      indices ? indices.handle(op) : null, param);
  } catch (e) {
    values?.dispose();
    indices?.dispose();
    rethrowNative(op, e);
  }
  return { values, indices };
}

/**
 * @internal Layout for the ops along one dim (softmax, cumsum): that dim moved last,
 * operand 0 = out, 1 = x. A 0-d tensor is treated as shape [1].
 */
export function alongDimMeta(x: Tensor, out: Tensor, d: number): Float64Array {
  if (x.ndim === 0) return layoutMeta([1], [1], [1]);
  const order: number[] = [];
  for (let i = 0; i < x.ndim; i++) if (i !== d) order.push(i);
  order.push(d);
  return layoutMeta(order.map((i) => x.shape[i]), order.map((i) => out.strides[i]), order.map((i) => x.strides[i]));
}

/** @internal A dim argument that must be one number (softmax, cumsum, max(dim), ...). */
export function singleDim(op: string, x: Tensor, dim: unknown): number {
  if (typeof dim !== 'number') throw new ArgumentError(op, `dim must be a number, got ${dim === undefined ? 'nothing' : Array.isArray(dim) ? 'an array' : typeof dim} (input shape ${fmtShape(x.shape)})`);
  return normDim(op, dim, x.ndim);
}
