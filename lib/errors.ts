/**
 * Typed errors. Every message names the op, the shapes and dtypes involved, and what
 * was expected, e.g. "add: shapes [2, 3] and [4] cannot be broadcast".
 */

/** Base class of every tensorforge error. */
export class TensorforgeError extends Error {
  /** The op that raised it ("add", "reshape", ...). */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
    this.op = op;
  }
}

/** Shapes that do not fit: broadcasting, reshape sizes, matmul inner dims, dims out of range. */
export class ShapeError extends TensorforgeError {}
/** A dtype the op does not accept, or two dtypes that do not combine. */
export class DTypeError extends TensorforgeError {}
/** An argument of the wrong type or value (not a shape or dtype problem). */
export class ArgumentError extends TensorforgeError {}
/** An index out of range (select, gather, indexSelect, item, ...). */
export class IndexError extends TensorforgeError {}
/** Use of a tensor after dispose(). */
export class DisposedError extends TensorforgeError {}
/** Tensors on different devices, or a device that is not available. */
export class DeviceError extends TensorforgeError {}
/** An error reported by native code (out of memory, ...). */
export class NativeError extends TensorforgeError {}

/** Formats a shape as PyTorch prints it: [2, 3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

const nativeCodes: Record<string, new (op: string, message: string) => TensorforgeError> = {
  ERR_TF_SHAPE: ShapeError,
  ERR_TF_DTYPE: DTypeError,
  ERR_TF_INDEX: IndexError,
  ERR_TF_DISPOSED: DisposedError,
};

/** Runs a native call and turns its error into a typed error that names the op. */
export function rethrowNative(op: string, e: unknown): never {
  const err = e as { code?: string; message?: string };
  const Ctor = (err && err.code && nativeCodes[err.code]) || NativeError;
  const message = err?.message ?? String(e);
  // Native messages often name the op already: keep it once.
  throw new Ctor(op, message.startsWith(`${op}: `) ? message.slice(op.length + 2) : message);
}
