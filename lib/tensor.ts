/**
 * The Tensor: a strided view (offset, shape, strides in elements) of a native Storage,
 * with a dtype and a device. Ops live in lib/ops/, one file per op or small family,
 * each adding its free function and its method (a.add(b)) to this class.
 */
import type { Device } from './device';
import { type DType, dtypeCode, itemSize, typedArrayFor, type TypedArray } from './dtype';
import { ArgumentError, DisposedError, IndexError, fmtShape, rethrowNative } from './errors';
import { native, type NativeHandle } from './native';
import { trackTensor } from './scope';
import { contiguousStrides, layoutMeta, numelOf } from './shape';
import { Storage } from './storage';
import { formatTensor } from './format';

/** A node of the autograd graph (filled in by the autograd engine). */
export interface GradFn {
  readonly name: string;
}

/** Nested arrays as toArray() returns them. */
export type NestedArray = number | boolean | NestedArray[];

let liveTensors = 0;
/** Tensors created and not yet disposed (the GC may have collected some of them). */
export function liveTensorCount(): number {
  return liveTensors;
}

export class Tensor {
  /** @internal */ readonly __isTensor = true;
  /** @internal */ storage: Storage;
  /** Element offset of this view into its storage. */
  readonly offset: number;
  readonly shape: readonly number[];
  /** Strides in elements, one per dim. */
  readonly strides: readonly number[];
  readonly dtype: DType;
  requiresGrad = false;
  /** Accumulated gradient, filled in by backward(). */
  grad: Tensor | null = null;
  /** The graph node that made this tensor, or null for a leaf. */
  gradFn: GradFn | null = null;
  private _disposed = false;

  /** @internal Use the creation functions (tf.tensor, tf.zeros, ...) instead. */
  constructor(storage: Storage, offset: number, shape: readonly number[], strides: readonly number[], dtype: DType) {
    this.storage = storage;
    this.offset = offset;
    this.shape = shape;
    this.strides = strides;
    this.dtype = dtype;
    storage.refs++;
    liveTensors++;
    trackTensor(this);
  }

  /** @internal A fresh contiguous tensor with uninitialised memory. */
  static empty(shape: readonly number[], dtype: DType, device: Device = 'cpu'): Tensor {
    const n = numelOf(shape);
    const storage = Storage.alloc(n * itemSize(dtype), device);
    return new Tensor(storage, 0, shape, contiguousStrides(shape), dtype);
  }

  get device(): Device {
    return this.storage.device;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return numelOf(this.shape);
  }
  numel(): number {
    return numelOf(this.shape);
  }
  dim(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  /** True when the elements are laid out row-major with no gaps. */
  isContiguous(): boolean {
    const shape = this.shape;
    let expected = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const d = shape[i];
      if (d === 1) continue;
      if (this.strides[i] !== expected) return this.size === 0;
      expected *= d;
    }
    return true;
  }
  /** Size of one dim (negative counts from the end), or the whole shape. */
  sizeOf(dim: number): number {
    const d = dim < 0 ? dim + this.ndim : dim;
    if (d < 0 || d >= this.ndim) throw new IndexError('size', `dim ${dim} out of range for shape ${fmtShape(this.shape)}`);
    return this.shape[d];
  }

  /** @internal The live native handle; throws DisposedError after dispose(). */
  handle(op: string): NativeHandle {
    const h = this.storage.handle;
    if (this._disposed || h === null) {
      throw new DisposedError(op, `tensor of shape ${fmtShape(this.shape)} and dtype ${this.dtype} was disposed`);
    }
    return h;
  }

  /** Frees this tensor's memory now (once no other view shares it). Safe to call twice. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    liveTensors--;
    this.storage.release();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Copies the elements out into a new typed array (Float32Array, Float64Array,
   * Int32Array, or Uint8Array for bool), in row-major order.
   *
   * @example
   * tf.tensor([[1, 2], [3, 4]]).dataSync(); // Float32Array [1, 2, 3, 4]
   */
  dataSync(): TypedArray {
    const h = this.handle('dataSync');
    const n = this.size;
    const Ctor = typedArrayFor(this.dtype);
    const out = new Ctor(n);
    if (n === 0) return out;
    try {
      native.read(h, dtypeCode(this.dtype), this.offset, layoutMeta(this.shape, this.strides), out);
    } catch (e) {
      rethrowNative('dataSync', e);
    }
    return out;
  }

  /** Like dataSync(), as a Promise (device tensors will copy without blocking). */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }

  /** The elements as nested JS arrays (numbers, or booleans for bool tensors). */
  toArray(): NestedArray {
    this.handle('toArray');
    const flat = this.dataSync();
    const isBool = this.dtype === 'bool';
    const shape = this.shape;
    if (shape.length === 0) return isBool ? flat[0] !== 0 : flat[0];
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const out: NestedArray[] = new Array(shape[d]);
      for (let i = 0; i < shape[d]; i++) {
        if (d === shape.length - 1) {
          const v = flat[pos++];
          out[i] = isBool ? v !== 0 : v;
        } else {
          out[i] = build(d + 1);
        }
      }
      return out;
    };
    return build(0);
  }

  /** The single element of a one-element tensor, as a JS number (or boolean). */
  item(): number | boolean {
    this.handle('item');
    if (this.size !== 1) {
      throw new ArgumentError('item', `a tensor with ${this.size} elements (shape ${fmtShape(this.shape)}) cannot be converted to a scalar; item() needs exactly one element`);
    }
    const v = this.dataSync()[0];
    return this.dtype === 'bool' ? v !== 0 : v;
  }

  /** Prints like PyTorch: tensor([[1., 2.], [3., 4.]]). */
  toString(): string {
    if (this._disposed) return `tensor(<disposed>, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    return formatTensor(this.dataSync(), this.shape, this.dtype, this.requiresGrad, this.gradFn?.name ?? null);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** True for tensorforge tensors (works across copies of the module). */
export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { __isTensor?: boolean }).__isTensor === true;
}
