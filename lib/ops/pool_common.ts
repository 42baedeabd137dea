/**
 * What the pooling ops share: normalising size arguments (a number or a pair), PyTorch's
 * output-size rule, and the call into the native pool2d entry over contiguous planes.
 * 1-d ops run as 2-d ones with a height of 1.
 */
import { dtypeCode } from '../dtype';
import { ArgumentError, DTypeError, ShapeError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { Tensor, isTensor } from '../tensor';
import { copyToContiguous } from './copy';

/** A size given as one number (used for both dims) or a pair [h, w]. */
export type Size2 = number | readonly [number, number] | readonly number[];

/** Kinds of the native pool2d entry (native/kernels/cpu/pool/pool.h). */
export const enum PoolKind {
  MaxForward = 0,
  MaxBackward = 1,
  AvgForward = 2,
  AvgBackward = 3,
  AdaptiveAvgForward = 4,
  AdaptiveAvgBackward = 5,
  NearestForward = 6,
  NearestBackward = 7,
}

/** Plane geometry and window of one pool2d call. */
export interface PoolGeometry {
  planes: number;
  ih: number;
  iw: number;
  oh: number;
  ow: number;
  kh?: number;
  kw?: number;
  sh?: number;
  sw?: number;
  ph?: number;
  pw?: number;
  dh?: number;
  dw?: number;
  countIncludePad?: boolean;
  divisorOverride?: number;
  scaleH?: number;
  scaleW?: number;
}

export function checkPoolInput(op: string, x: unknown, spatial: 1 | 2): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.handle(op);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(op, `input must be float32 or float64, got dtype ${x.dtype} (shape ${fmtShape(x.shape)})`);
  const nd = spatial + 2;
  const names = spatial === 2 ? '[N, C, H, W] or [C, H, W]' : '[N, C, L] or [C, L]';
  if (x.ndim !== nd && x.ndim !== nd - 1) throw new ShapeError(op, `expected a ${nd}-d ${names} input, got shape ${fmtShape(x.shape)}`);
  for (let d = x.ndim - spatial - 1; d < x.ndim; d++) {
    if (x.shape[d] === 0) throw new ShapeError(op, `expected non-empty channel and spatial dims, got input of shape ${fmtShape(x.shape)}`);
  }
  return x;
}

/** [h, w] from a number or a pair; each an integer >= min. */
export function pair(op: string, v: unknown, what: string, min: number): [number, number] {
  const arr = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : null;
  if (arr === null || arr.length !== 2 || !arr.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= min)) {
    throw new ArgumentError(op, `${what} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [arr[0], arr[1]];
}

/** One size from a number or a 1-element array. */
export function single(op: string, v: unknown, what: string, min: number): number {
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new ArgumentError(op, `${what} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * PyTorch's pooling output size: floor((in + 2 pad - dilation (k - 1) - 1 (+ stride - 1
 * with ceilMode)) / stride) + 1, and with ceilMode the last window must start inside the
 * input or its left padding.
 */
export function poolOutputSize(inSize: number, k: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((inSize + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inSize + pad) out--;
  return out;
}

/** Output sizes of a 2-d window op after PyTorch's checks (padding at most half the window, output >= 1). */
export function windowOutput(op: string, x: Tensor, k: [number, number], s: [number, number], p: [number, number], d: [number, number], ceilMode: boolean): [number, number] {
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) {
    throw new ArgumentError(op, `padding should be at most half of the kernel size, got padding ${fmtShape(p)} and kernelSize ${fmtShape(k)}`);
  }
  const [ih, iw] = x.shape.slice(-2);
  const oh = poolOutputSize(ih, k[0], s[0], p[0], d[0], ceilMode);
  const ow = poolOutputSize(iw, k[1], s[1], p[1], d[1], ceilMode);
  if (oh < 1 || ow < 1) {
    throw new ShapeError(op, `output size is too small: input of shape ${fmtShape(x.shape)} with kernelSize ${fmtShape(k)}, stride ${fmtShape(s)}, padding ${fmtShape(p)}, dilation ${fmtShape(d)} gives ${oh}x${ow}`);
  }
  return [oh, ow];
}

/** x as contiguous memory (x itself when it already is); dispose with releaseIf(x, c). */
export function contiguousData(op: string, x: Tensor): Tensor {
  return x.isContiguous() ? x : copyToContiguous(op, x);
}

export function releaseIf(original: Tensor, copy: Tensor): void {
  if (copy !== original) copy.dispose();
}

/** Calls the native pool2d entry; `src` and `dst` are contiguous. */
export function runPool(op: string, kind: PoolKind, src: Tensor, dst: Tensor, indices: Tensor | null, g: PoolGeometry): void {
  const params = new Float64Array([
    g.planes, g.ih, g.iw, g.oh, g.ow, g.kh ?? 1, g.kw ?? 1, g.sh ?? 1, g.sw ?? 1, g.ph ?? 0, g.pw ?? 0, g.dh ?? 1, g.dw ?? 1,
    g.countIncludePad === false ? 0 : 1, g.divisorOverride ?? 0, g.scaleH ?? 0, g.scaleW ?? 0,
  ]);
  try {
    native.pool2d(kind, dtypeCode(src.dtype), src.handle(op), src.offset, dst.handle(op), dst.offset,
      indices ? indices.handle(op) : null, indices ? indices.offset : 0, params);
  } catch (e) {
    rethrowNative(op, e);
  }
}

/**
 * Runs a forward over the planes of x ([..., H, W] viewed as planes x H x W) into a new
 * tensor of shape [...lead, oh, ow].
 */
export function poolForward(op: string, kind: PoolKind, x: Tensor, g: Omit<PoolGeometry, 'planes' | 'ih' | 'iw'>, indices: Tensor | null = null): Tensor {
  const lead = x.shape.slice(0, -2);
  const [ih, iw] = x.shape.slice(-2);
  const planes = lead.reduce((a, b) => a * b, 1);
  const out = Tensor.empty([...lead, g.oh, g.ow], x.dtype, x.device);
  const src = contiguousData(op, x);
  try {
    runPool(op, kind, src, out, indices, { ...g, planes, ih, iw });
  } catch (e) {
    out.dispose();
    throw e;
  } finally {
    releaseIf(x, src);
  }
  return out;
}

/** The gradient of a pool forward: a zeroed tensor of x's shape that the backward kind accumulates into. */
export function poolBackward(op: string, kind: PoolKind, grad: Tensor, inputShape: readonly number[], g: Omit<PoolGeometry, 'planes' | 'ih' | 'iw'>, indices: Tensor | null = null): Tensor {
  const lead = inputShape.slice(0, -2);
  const [ih, iw] = inputShape.slice(-2);
  const planes = lead.reduce((a, b) => a * b, 1);
  const gx = Tensor.empty(inputShape.slice(), grad.dtype, grad.device);
  try {
    native.fill(gx.handle(op), dtypeCode(gx.dtype), gx.offset, gx.size, 0);
  } catch (e) {
    gx.dispose();
    rethrowNative(op, e);
  }
  const src = contiguousData(op, grad);
  try {
    runPool(op, kind, src, gx, indices, { ...g, planes, ih, iw });
  } catch (e) {
    gx.dispose();
    throw e;
  } finally {
    releaseIf(grad, src);
  }
  return gx;
}
