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
  // optim family (native/addon/optim_entries.cc): see native/kernels/cpu/optim/optim.h.
  optimStep(kind: number, dtype: number, n: number, hyper: Float64Array, p: NativeHandle, pOffset: number,
    g: NativeHandle, gOffset: number, s1: NativeHandle | null, s1Offset: number, s2: NativeHandle | null,
    s2Offset: number, s3: NativeHandle | null, s3Offset: number): void;
  gradUtil(kind: number, dtype: number, h: NativeHandle, offset: number, n: number, a: number): number;
  // io family (native/addon/io_entries.cc): file <-> storage for safetensors. convert: 0 none,
  // 1 F16->float32, 2 BF16->float32, 3 I64->int32 (throws code ERR_TF_RANGE when a value does not fit).
  ioRead(fd: number, filePos: number, h: NativeHandle, byteOffset: number, fileBytes: number, convert: number): number;
  ioWrite(fd: number, filePos: number, h: NativeHandle, byteOffset: number, nbytes: number): void;
  ioConvert(convert: number, src: Uint8Array, h: NativeHandle, byteOffset: number): void;
  // rnn family (native/addon/rnn_entries.cc): the fused recurrent layers; cfg = [mode, layers, dirs, T, B, I, H, P, hasBias, save].
  rnnWorkspaceSize(cfg: Float64Array): number;
  rnnForward(dtype: number, cfg: Float64Array, handles: (NativeHandle | null)[], offsets: Float64Array, lengths: Float64Array | null): void;
  rnnBackward(dtype: number, cfg: Float64Array, handles: (NativeHandle | null)[], offsets: Float64Array, lengths: Float64Array | null): void;
  // loss family (native/addon/loss_entries.cc): the fused cross entropy of
  // native/kernels/cpu/loss/cross_entropy.h. meta = [n, c, rs, cs, ts, ws, ignoreIndex,
  // smoothing, reduction (0 none, 1 sum, 2 mean)]; lse: [n, 2] row stats (max, log-sum);
  // result <- [badRow, badValue, totalWeight].
  crossEntropy(dtype: number, x: NativeHandle, xOffset: number, meta: Float64Array, target: NativeHandle,
    targetOffset: number, weight: NativeHandle | null, weightOffset: number, lse: NativeHandle, out: NativeHandle,
    result: Float64Array): void;
  crossEntropyBackward(dtype: number, x: NativeHandle, xOffset: number, meta: Float64Array, target: NativeHandle,
    targetOffset: number, weight: NativeHandle | null, weightOffset: number, lse: NativeHandle, coef: NativeHandle,
    coefOffset: number, coefStride: number, scale: number, dx: NativeHandle): void;
  // conv family (native/addon/conv_entries.cc): contiguous NCHW operands; geom = [n, c, h, w, k, kh, kw,
  // oh, ow, sh, sw, ph, pw, dh, dw, groups] (see native/kernels/cpu/conv/conv.h).
  conv2d(dtype: number, x: NativeHandle, xOffset: number, w: NativeHandle, wOffset: number, bias: NativeHandle | null,
    biasOffset: number, y: NativeHandle, yOffset: number, geom: Float64Array, cols?: NativeHandle | null): void;
  conv2dBackwardInput(dtype: number, gy: NativeHandle, gyOffset: number, w: NativeHandle, wOffset: number,
    gx: NativeHandle, gxOffset: number, geom: Float64Array): void;
  conv2dBackwardWeight(dtype: number, x: NativeHandle, xOffset: number, gy: NativeHandle, gyOffset: number,
    gw: NativeHandle, gwOffset: number, gb: NativeHandle | null, gbOffset: number, geom: Float64Array,
    cols?: NativeHandle | null): void;
  convPlan(geom: Float64Array): number;
  // Bytes of the column matrices conv2d can keep for conv2dBackwardWeight (0: none).
  convColumnsBytes(dtype: number, geom: Float64Array): number;
  // pool family (native/addon/pool_entries.cc): see native/kernels/cpu/pool/pool.h and norm/batch_norm.h.
  // params = [planes, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad, divisorOverride, scaleH, scaleW]
  pool2d(kind: number, dtype: number, input: NativeHandle, inputOffset: number, output: NativeHandle, outputOffset: number,
    indices: NativeHandle | null, indicesOffset: number, params: Float64Array): void;
  // meta = [n, c, s, eps, momentum, training]; then (handle, offset) pairs: x, y, weight, bias, saveMean, saveInvstd, runningMean, runningVar
  batchNormForward(dtype: number, meta: Float64Array, ...buffers: (NativeHandle | number | null)[]): void;
  // meta = [n, c, s, training]; then (handle, offset) pairs: gy, x, weight, saveMean, saveInvstd, gx, gweight, gbias
  batchNormBackward(dtype: number, meta: Float64Array, ...buffers: (NativeHandle | number | null)[]): void;
  // serving (native/addon/json_entries.cc): a predict body `{"instances" | "inputs": <rectangular array of
  // plain numbers>}` as its values (float32, or float64 with asFloat64); info <- [key (1 instances,
  // 2 inputs), rank, dims...] (10 numbers). null for any other body (parse it as general JSON then).
  parseJsonNumbers(body: Uint8Array, asFloat64: 0 | 1, info: Float64Array): Float32Array | Float64Array | null;
  // Op families add their entries here (elementwise, reduce, index, matmul).
  // elementwise (native/addon/elementwise_entries.cc); kind = op * 4 + dtype code
  // The *Fast entries return a new storage of n outputs, or write into (out, outOffset) when given.
  ewBinaryFast(kind: number, a: NativeHandle, aOffset: number, b: NativeHandle, bOffset: number, n: number,
    out?: NativeHandle, outOffset?: number): NativeHandle;
  ewScalarFast(kind: number, a: NativeHandle, aOffset: number, s: number, reversed: number, n: number,
    out?: NativeHandle, outOffset?: number): NativeHandle;
  ewUnaryFast(kind: number, x: NativeHandle, xOffset: number, n: number, p0: number, p1: number,
    out?: NativeHandle, outOffset?: number): NativeHandle;
  ewBinary(kind: number, out: NativeHandle, outOffset: number, a: NativeHandle, aOffset: number, b: NativeHandle,
    bOffset: number, meta: Float64Array, alpha: number): void;
  ewScalar(kind: number, out: NativeHandle, outOffset: number, a: NativeHandle, aOffset: number, s: number,
    reversed: number, meta: Float64Array): void;
  ewUnary(kind: number, out: NativeHandle, outOffset: number, x: NativeHandle, xOffset: number, meta: Float64Array,
    p0: number, p1: number): void;
  ewWhere(dtype: number, out: NativeHandle, outOffset: number, cond: NativeHandle, condOffset: number, a: NativeHandle,
    aOffset: number, b: NativeHandle, bOffset: number, meta: Float64Array): void;
  ewMaskedFill(dtype: number, out: NativeHandle, outOffset: number, x: NativeHandle, xOffset: number, mask: NativeHandle,
    maskOffset: number, meta: Float64Array, value: number): void;
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
