/**
 * A block of native memory shared by a tensor and its views. JS counts the live views;
 * the memory is freed when the last one is disposed, or by the native finalizer when
 * the GC collects the handle of views nobody disposed.
 */
import type { Device } from './device';
import { native, type NativeHandle } from './native';
import { rethrowNative } from './errors';

export class Storage {
  /** Null once freed. */
  handle: NativeHandle | null;
  readonly nbytes: number;
  readonly device: Device;
  /** Live tensors (views) on this storage. */
  refs = 0;
  /** Bumped by every in-place write; autograd compares it to catch changed saved tensors. */
  version = 0;

  constructor(handle: NativeHandle, nbytes: number, device: Device) {
    this.handle = handle;
    this.nbytes = nbytes;
    this.device = device;
  }

  static alloc(nbytes: number, device: Device = 'cpu'): Storage {
    let h: NativeHandle;
    try {
      h = native.alloc(nbytes);
    } catch (e) {
      rethrowNative('alloc', e);
    }
    return new Storage(h, nbytes, device);
  }

  release(): void {
    if (--this.refs === 0 && this.handle !== null) {
      native.free(this.handle);
      this.handle = null;
    }
  }
}
