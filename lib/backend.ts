/** Runtime settings and facts: threads, CPU kernels in use, memory. */
import { ArgumentError } from './errors';
import { native } from './native';
import { liveTensorCount } from './tensor';
import { drainStoragePool, pooledStorage } from './storage';

export interface BackendInfo {
  /** Kernels in use: 'avx2-fma' or 'portable'. */
  simd: string;
  /** Threads the native pool uses for one op. */
  threads: number;
  /** Cores this process may run on. */
  hardwareThreads: number;
  /** True when setPortableKernels(true) or TENSORFORGE_FORCE_PORTABLE=1 forced the portable kernels. */
  forcedPortable: boolean;
  arch: string;
  cpu: { avx2: boolean; fma: boolean; avx512f: boolean; l1d: number; l2: number; l3: number };
  devices: string[];
}

/**
 * What the native backend is running with.
 * @example tf.backendInfo() // { simd: 'avx2-fma', threads: 2, ... }
 */
export function backendInfo(): BackendInfo {
  return { ...native.backendInfo(), devices: ['cpu'] };
}

/** Threads used by one op (default: the cores this process may use). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new ArgumentError('setNumThreads', `expected an integer from 1 to 1024, got ${n}`);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Forces the portable C++ kernels instead of AVX2/FMA (for tests and comparisons). */
export function setPortableKernels(force: boolean): void {
  native.setPortableKernels(Boolean(force));
}

export interface MemoryInfo {
  /**
   * Tensors created and not disposed. Tensors the GC collected without dispose() are
   * still counted (their memory is not: see numStorages and numBytes).
   */
  numTensors: number;
  /** Native storages alive in this process (views share one; pooled blocks included). */
  numStorages: number;
  /** Bytes held by those storages. */
  numBytes: number;
  /** Bytes the caching allocator keeps for reuse. */
  cachedBytes: number;
}

/**
 * Live tensors and native memory.
 * @example const before = tf.memory().numBytes;
 */
export function memory(): MemoryInfo {
  const m = native.memoryStats();
  const pooled = pooledStorage();
  return {
    numTensors: liveTensorCount(),
    numStorages: m.storages - pooled.count,
    numBytes: m.bytes - pooled.bytes,
    cachedBytes: m.allocatorCached + pooled.bytes,
  };
}

/** Returns the allocator's cached blocks to the system. */
export function emptyCache(): void {
  drainStoragePool();
  native.emptyCache();
}
