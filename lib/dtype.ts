/** Element types. Codes match native/kernels/cpu/dtype.h. */
import { DTypeError } from './errors';

/** The element type of a tensor. float32 is the default. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

const codes: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
const sizes: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const arrays = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };
const ranks: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function dtypeCode(d: DType): number {
  return codes[d];
}
export function itemSize(d: DType): number {
  return sizes[d];
}
export function typedArrayFor(d: DType): { new (n: number): TypedArray; new (src: ArrayLike<number>): TypedArray } {
  return arrays[d] as never;
}
export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** Checks that a value names a dtype; throws DTypeError naming the op otherwise. */
export function checkDType(op: string, d: unknown): DType {
  if (typeof d === 'string' && d in codes) return d as DType;
  throw new DTypeError(op, `unknown dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(', ')}`);
}

/** The dtype a typed array maps to (Uint8Array → bool). */
export function dtypeOfArray(a: ArrayBufferView): DType | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return null;
}

/** PyTorch's promotion between two tensors: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return ranks[a] >= ranks[b] ? a : b;
}

/**
 * Result dtype of a tensor combined with a JS scalar, as PyTorch does it: a scalar
 * never widens a tensor of its own category; a float scalar makes an int or bool
 * tensor float32; an integer scalar makes a bool tensor int32.
 */
export function promoteWithScalar(t: DType, s: number | boolean): DType {
  if (typeof s === 'boolean') return t;
  if (isFloating(t)) return t;
  if (!Number.isInteger(s)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}
