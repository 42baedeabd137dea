/**
 * Loads the native addon. Order: an explicit path in TENSORFORGE_NATIVE, then the local
 * build (build/Release) or a prebuilt binary (prebuilds/<platform>-<arch>) through
 * node-gyp-build. On failure one error lists every way to fix it.
 */
import * as path from 'node:path';

/** An opaque handle to native memory (a Storage). */
export type NativeHandle = { readonly __nativeStorage: unique symbol };

/** The addon's export table; see native/addon/*_entries.cc. */
export interface NativeAddon {
  alloc(nbytes: number): NativeHandle;
  free(h: NativeHandle): void;
  write(h: NativeHandle, byteOffset: number, src: ArrayBufferView): void;
  read(h: NativeHandle, dtype: number, offset: number, meta: Float64Array, dst: ArrayBufferView): void;
  copy(dst: NativeHandle, dstDtype: number, dstOffset: number, src: NativeHandle, srcDtype: number,
    srcOffset: number, meta: Float64Array): void;
  fill(h: NativeHandle, dtype: number, offset: number, n: number, value: number): void;
  sequence(kind: number, h: NativeHandle, dtype: number, n: number, a: number, b: number): void;
  random(h: NativeHandle, kind: number, dtype: number, n: number, seed: number, offset: number,
    a: number, b: number): number;
  backendInfo(): {
    simd: string; threads: number; hardwareThreads: number; forcedPortable: boolean; arch: string;
    cpu: { avx2: boolean; fma: boolean; avx512f: boolean; l1d: number; l2: number; l3: number };
  };
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setPortableKernels(force: boolean): void;
  memoryStats(): { storages: number; bytes: number; allocatorInUse: number; allocatorCached: number; cacheLimit: number };
  setCacheLimit(bytes: number): void;
  emptyCache(): void;
  // reduce family (native/addon/reduce_entries.cc)
  reduce(kind: number, src: NativeHandle, dtype: number, offset: number, meta: Float64Array, nred: number,
    out: NativeHandle | null, indices: NativeHandle | null, param: number): void;
  softmax(log: number, src: NativeHandle, dtype: number, offset: number, meta: Float64Array, out: NativeHandle): void;
  scan(prod: number, src: NativeHandle, dtype: number, offset: number, meta: Float64Array, out: NativeHandle): void;
  // index family (native/addon/index_entries.cc): see native/kernels/cpu/index/index.h.
  indexOp(mode: number, dtype: number, target: NativeHandle, targetOffset: number, index: NativeHandle,
    indexOffset: number, source: NativeHandle, sourceOffset: number, meta: Float64Array, dimInfo: Float64Array,
    alpha: number): void;
  // matmul family (native/addon/matmul_entries.cc): batched C = alpha * A·B + beta * C.
  // Optional epilogue: bias (null: none) at bias[biasOffset + i*biasRs + j*biasCs] scaled by biasScale,
  // act (0 none, 1 relu, 2 gelu, 3 sigmoid, 4 tanh); packed: B prepacked by packB (b is then ignored).
  gemm(dtype: number, a: NativeHandle, aOffset: number, b: NativeHandle | null, bOffset: number, c: NativeHandle,
    cOffset: number, meta: Float64Array, alpha: number, beta: number, bias?: NativeHandle | null, biasOffset?: number,
    biasRs?: number, biasCs?: number, biasScale?: number, act?: number, packed?: NativeHandle | null): void;
  packedBytes(dtype: number, k: number, n: number): number;
  packB(dtype: number, b: NativeHandle, bOffset: number, meta: Float64Array, dst: NativeHandle): void;
  // Op families add their entries here (elementwise, reduce, index, matmul).
  [entry: string]: any;
}

function load(): NativeAddon {
  const root = path.join(__dirname, '..');
  const errors: string[] = [];
  const explicit = process.env.TENSORFORGE_NATIVE;
  if (explicit) {
    // An explicit path must load: falling back silently could hide a broken build.
    try {
      return require(path.resolve(explicit)) as NativeAddon;
    } catch (e) {
      throw new Error(`tensorforge: TENSORFORGE_NATIVE=${explicit} could not be loaded: ${(e as Error).message}`);
    }
  }
  try {
    // node-gyp-build looks in build/Release, then prebuilds/<platform>-<arch>/.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
    return nodeGypBuild(root);
  } catch (e) {
    errors.push(`node-gyp-build: ${(e as Error).message}`);
  }
  throw new Error(
    `tensorforge: could not load the native addon for ${process.platform}-${process.arch} ` +
      `(Node ${process.version}, Node-API).\n` +
      errors.map((m) => `  - ${m}`).join('\n') +
      `\nWays to fix it:\n` +
      `  - reinstall: npm install tensorforge (uses the prebuilt binary for linux-x64)\n` +
      `  - build from source: a C++17 compiler, python3 and make, then npm rebuild tensorforge\n` +
      `  - point TENSORFORGE_NATIVE at a tensorforge.node you built yourself`,
  );
}

/** The loaded addon (one instance per JS thread: it is context-aware). */
export const native: NativeAddon = load();
