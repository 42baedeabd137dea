/**
 * Tensors as they cross between threads: a typed array (its buffer is transferred, not
 * copied), the shape and the dtype. Both the main thread and the inference workers use
 * these helpers.
 */
import type { DType, TypedArray } from '../dtype';
import { tensor } from '../creation';
import type { Tensor } from '../tensor';

/** A tensor on the wire between the main thread and an inference worker. */
export interface WireTensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** The typed array class that holds a dtype's values. */
export function arrayClassOf(dtype: DType): Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor {
  switch (dtype) {
    case 'float32': return Float32Array;
    case 'float64': return Float64Array;
    case 'int32': return Int32Array;
    case 'bool': return Uint8Array;
    default: throw new Error(`no typed array for dtype ${String(dtype)}`);
  }
}

/** Copies a tensor out into a fresh typed array (whose buffer may then be transferred). */
export function toWire(t: Tensor): WireTensor {
  return { dtype: t.dtype, shape: t.shape.slice(), data: t.dataSync() };
}

/** A tensor holding a copy of the wire tensor's values. */
export function fromWire(w: WireTensor): Tensor {
  return tensor(w.data, { dtype: w.dtype, shape: w.shape });
}

/** The buffers to list in postMessage's transfer list. */
export function transferList(ts: readonly WireTensor[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const t of ts) {
    const b = t.data.buffer as ArrayBuffer;
    if (!out.includes(b)) out.push(b);
  }
  return out;
}
