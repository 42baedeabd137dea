/**
 * What conv1d, conv2d and convTranspose2d share: option parsing with typed errors, the
 * geometry the native kernels take, and the three native calls (forward, input gradient,
 * weight gradient) on contiguous 4-d tensors. conv1d runs as conv2d with H = 1, and
 * convTranspose2d is conv2d's input gradient (see native/kernels/cpu/conv/conv.h).
 */
import { dtypeCode } from '../../dtype';
import { ArgumentError, DTypeError, ShapeError, fmtShape, rethrowNative } from '../../errors';
import { native } from '../../native';
import { Tensor, isTensor } from '../../tensor';
import { contiguous } from '../copy';
import { keep } from '../../scope';

/** A size per spatial dim: one number for all, or one each. */
export type SizeArg = number | readonly number[];
/** Padding: a number or one per dim (both sides), or PyTorch's 'same' / 'valid'. */
export type PaddingArg = SizeArg | 'same' | 'valid';

/** The geometry of one 2-d convolution as the native kernels take it. */
export interface ConvGeom {
  n: number; c: number; h: number; w: number;
  k: number; kh: number; kw: number;
  oh: number; ow: number;
  sh: number; sw: number;
  ph: number; pw: number;
  dh: number; dw: number;
  groups: number;
}

export function geomArray(g: ConvGeom): Float64Array {
  return new Float64Array([g.n, g.c, g.h, g.w, g.k, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups]);
}

export function checkConvTensor(op: string, x: unknown, what: string): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.handle(op);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(op, `${what} must be float32 or float64, got dtype ${x.dtype} (shape ${fmtShape(x.shape)})`);
  }
  return x;
}

/** A per-dim size list of length `dims`, each an integer >= min. */
export function sizes(op: string, v: SizeArg | undefined, fallback: number, dims: number, what: string, min: number): number[] {
  const list = v === undefined ? new Array<number>(dims).fill(fallback) : typeof v === 'number' ? new Array<number>(dims).fill(v) : Array.from(v);
  if (list.length !== dims || !list.every((x) => Number.isInteger(x) && x >= min)) {
    throw new ArgumentError(op, `${what} must be an integer >= ${min} or ${dims === 1 ? 'a list of one' : `a list of ${dims}`} such integers, got ${JSON.stringify(v)}`);
  }
  return list;
}

export function checkGroups(op: string, groups: unknown): number {
  if (groups === undefined) return 1;
  if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1) {
    throw new ArgumentError(op, `groups must be an integer >= 1, got ${String(groups)}`);
  }
  return groups;
}

/**
 * Top/left padding and output size of each dim. 'same' pads d*(k-1) in total, the odd
 * element on the bottom/right (as PyTorch), and needs stride 1.
 */
export function convOutput(op: string, input: readonly number[], kernel: readonly number[], stride: readonly number[],
  padding: PaddingArg | undefined, dilation: readonly number[], inputShape: readonly number[], weightShape: readonly number[]): { pad: number[]; out: number[] } {
  const dims = input.length;
  const pad: number[] = [];
  const out: number[] = [];
  if (padding === 'same' && stride.some((s) => s !== 1)) {
    throw new ArgumentError(op, `padding='same' needs stride 1, got stride ${JSON.stringify(stride)}`);
  }
  const sym = padding === 'same' || padding === 'valid' ? null : sizes(op, padding as SizeArg | undefined, 0, dims, 'padding', 0);
  if (typeof padding === 'string' && padding !== 'same' && padding !== 'valid') {
    throw new ArgumentError(op, `padding must be a number, a list, 'same' or 'valid', got ${JSON.stringify(padding)}`);
  }
  for (let d = 0; d < dims; d++) {
    const span = dilation[d] * (kernel[d] - 1);
    let before: number;
    let total: number;
    if (padding === 'same') {
      total = span;
      before = Math.floor(total / 2);
    } else {
      before = sym === null ? 0 : sym[d];
      total = 2 * before;
    }
    const o = Math.floor((input[d] + total - span - 1) / stride[d]) + 1;
    if (o < 1) {
      throw new ShapeError(op, `input of shape ${fmtShape(inputShape)} is too small for weight of shape ${fmtShape(weightShape)} (padding ${JSON.stringify(padding ?? 0)}, dilation ${JSON.stringify(dilation)}): the output size would be ${o}`);
    }
    pad.push(before);
    out.push(o);
  }
  return { pad, out };
}

function contig(t: Tensor): Tensor {
  return t.isContiguous() ? t : contiguous(t);
}

/** Runs fn with contiguous versions of ts, freeing the copies it made. */
export function withContiguous<R>(ts: ReadonlyArray<Tensor | null>, fn: (...cs: (Tensor | null)[]) => R): R {
  const cs = ts.map((t) => (t === null ? null : contig(t)));
  try {
    return fn(...cs);
  } finally {
    cs.forEach((c, i) => { if (c !== null && c !== ts[i]) c.dispose(); });
  }
}

/**
 * y = conv(x, w) + bias for contiguous x [n, c, h, w], w [k, c/g, kh, kw]; y gets `shape`
 * (the same elements as [n, k, oh, ow], also for conv1d and unbatched inputs).
 */
export function nativeConvForward(op: string, g: ConvGeom, x: Tensor, w: Tensor, bias: Tensor | null, shape: readonly number[], cols: Tensor | null = null): Tensor {
  const y = Tensor.empty(shape, x.dtype, x.device);
  try {
    native.conv2d(dtypeCode(x.dtype), x.handle(op), x.offset, w.handle(op), w.offset, bias ? bias.handle(op) : null,
      bias ? bias.offset : 0, y.handle(op), y.offset, geomArray(g), cols ? cols.handle(op) : null);
  } catch (e) {
    y.dispose();
    rethrowNative(op, e);
  }
  return y;
}

/** dL/dx [n, c, h, w] from contiguous gy [n, k, oh, ow] and w. */
export function nativeConvBackwardInput(op: string, g: ConvGeom, gy: Tensor, w: Tensor, shape: readonly number[]): Tensor {
  const gx = Tensor.empty(shape, gy.dtype, gy.device);
  try {
    native.conv2dBackwardInput(dtypeCode(gy.dtype), gy.handle(op), gy.offset, w.handle(op), w.offset, gx.handle(op), gx.offset, geomArray(g));
  } catch (e) {
    gx.dispose();
    rethrowNative(op, e);
  }
  return gx;
}

/** dL/dw [k, c/g, kh, kw] and, when withBias, dL/dbias [k], from contiguous x and gy. */
export function nativeConvBackwardWeight(op: string, g: ConvGeom, x: Tensor, gy: Tensor, withBias: boolean, shape: readonly number[], cols: Tensor | null = null): [Tensor, Tensor | null] {
  const gw = Tensor.empty(shape, x.dtype, x.device);
  const gb = withBias ? Tensor.empty([g.k], x.dtype, x.device) : null;
  try {
    native.conv2dBackwardWeight(dtypeCode(x.dtype), x.handle(op), x.offset, gy.handle(op), gy.offset, gw.handle(op), gw.offset,
      gb ? gb.handle(op) : null, gb ? gb.offset : 0, geomArray(g), cols ? cols.handle(op) : null);
  } catch (e) {
    gw.dispose();
    gb?.dispose();
    rethrowNative(op, e);
  }
  return [gw, gb];
}

/** Column matrices up to this size are kept from the forward for the weight gradient. */
const KEEP_COLUMNS_BYTES = 8 * 2 ** 20;

/**
 * A buffer for the column matrices the forward builds, so that the weight gradient does
 * not build them again (null when the algorithm builds none or they are too large). It is
 * kept out of tidy() (the backward may run after the forward's scope ended) and freed by
 * the backward that uses it, or by the GC when no backward comes.
 */
export function columnsBuffer(g: ConvGeom, x: Tensor): Tensor | null {
  const bytes = native.convColumnsBytes(dtypeCode(x.dtype), geomArray(g)) as number;
  if (bytes === 0 || bytes > KEEP_COLUMNS_BYTES) return null;
  return keep(Tensor.empty([bytes / (x.dtype === 'float64' ? 8 : 4)], x.dtype, x.device));
}

/** Checks dtypes agree and bias is [channels]. */
export function checkBiasAndDTypes(op: string, input: Tensor, weight: Tensor, bias: Tensor | null, channels: number): void {
  if (weight.dtype !== input.dtype || (bias !== null && bias.dtype !== input.dtype)) {
    throw new DTypeError(op, `input, weight and bias must have the same dtype, got ${input.dtype}, ${weight.dtype}${bias ? ` and ${bias.dtype}` : ''}`);
  }
  if (bias !== null && !(bias.ndim === 1 && bias.shape[0] === channels)) {
    throw new ShapeError(op, `bias must have shape [${channels}] (the output channels of weight ${fmtShape(weight.shape)}), got ${fmtShape(bias.shape)}`);
  }
}
