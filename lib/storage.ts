/**
 * A block of native memory shared by a tensor and its views. JS counts the live views;
 * the memory is freed when the last one is disposed, or by the native finalizer when
 * the GC collects the handle of views nobody disposed.
 *
 * Small blocks released by dispose() go to a per-thread pool of handles and are reused
 * by the next allocation of the same size without a native call: creating a native
 * handle costs about 400 ns, more than a 16-element add, and training loops allocate the
 * same small shapes every step.
 */
import type { Device } from './device';
import { native, type NativeHandle } from './native';
import { rethrowNative } from './errors';

const POOL_LARGEST_BLOCK = 1 << 16;
const POOL_PER_SIZE = 64;
const POOL_TOTAL_BYTES = 16 << 20;
const pool = new Map<number, NativeHandle[]>();
let pooledBytes = 0;
let pooledCount = 0;

/** Handles and bytes held by the pool (counted as live by the native side). */
export function pooledStorage(): { count: number; bytes: number } {
  return { count: pooledCount, bytes: pooledBytes };
}

/** Frees every pooled handle. */
export function drainStoragePool(): void {
  for (const list of pool.values()) for (const h of list) native.free(h);
  pool.clear();
  pooledBytes = 0;
  pooledCount = 0;
}

/**
 * A pooled storage of exactly nbytes, or null when none is pooled. Fast op paths use it
 * to write into a recycled block and fall back to allocating inside their native call.
 */
export function takePooled(nbytes: number, device: Device = 'cpu'): Storage | null {
  const list = pool.get(nbytes);
  if (list === undefined || list.length === 0) return null;
  pooledBytes -= nbytes;
  pooledCount--;
  return new Storage(list.pop()!, nbytes, device);
}

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
    if (nbytes <= POOL_LARGEST_BLOCK) {
      const list = pool.get(nbytes);
      if (list !== undefined && list.length !== 0) {
        pooledBytes -= nbytes;
        pooledCount--;
        return new Storage(list.pop()!, nbytes, device);
      }
    }
    let h: NativeHandle;
    try {
      h = native.alloc(nbytes);
    } catch (e) {
      rethrowNative('alloc', e);
    }
    return new Storage(h, nbytes, device);
  }

  release(): void {
    if (--this.refs !== 0 || this.handle === null) return;
    const h = this.handle;
    this.handle = null;
    const n = this.nbytes;
    if (n <= POOL_LARGEST_BLOCK && pooledBytes + n <= POOL_TOTAL_BYTES) {
      let list = pool.get(n);
      if (list === undefined) pool.set(n, (list = []));
      if (list.length < POOL_PER_SIZE) {
        list.push(h);
        pooledBytes += n;
        pooledCount++;
        return;
      }
    }
    native.free(h);
  }
}
