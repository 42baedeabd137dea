/**
 * interpolate with mode 'nearest' (PyTorch's F.interpolate / nn.Upsample): output pixel
 * o takes input pixel min(floor(o * scale), in - 1), with scale = 1 / scaleFactor when a
 * scale factor is given and in / out otherwise (computed in float32, as PyTorch does, so
 * the same pixels are picked). The gradient sums over the outputs that copied a pixel.
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { Tensor } from '../tensor';
import { needsGrad, noGrad, record } from '../autograd/graph';
import { reshape } from './view';
import { PoolKind, checkPoolInput, poolForward } from './pool_common';
import { applyPoolAdjoint } from './pool_linear';

/** Options of interpolate. */
export interface InterpolateOptions {
  /** Output spatial size: a number (every spatial dim) or one per spatial dim. */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size: a number or one per spatial dim (output = floor(in * s)). */
  scaleFactor?: number | readonly number[] | null;
  /** Only 'nearest' is implemented. */
  mode?: 'nearest';
}

function perDim(op: string, v: number | readonly number[], n: number, what: string, test: (x: number) => boolean, expected: string): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) ? v.slice() : null;
  if (arr === null || arr.length !== n || !arr.every((x) => typeof x === 'number' && test(x))) {
    throw new ArgumentError(op, `${what} must be ${expected} or ${n} of them, got ${JSON.stringify(v)}`);
  }
  return arr;
}

/**
 * Resizes the spatial dims of a batch of 1-d or 2-d signals by nearest-neighbour sampling.
 * @param input [N, C, L] or [N, C, H, W]
 * @param opts exactly one of size or scaleFactor; mode 'nearest'
 * @returns [N, C, outL] or [N, C, outH, outW]
 * @example tf.nn.functional.interpolate(tf.randn([1, 3, 4, 4]), { scaleFactor: 2 }).shape // [1, 3, 8, 8]
 */
export function interpolate(input: Tensor, opts: InterpolateOptions = {}): Tensor {
  const op = 'interpolate';
  const mode = opts.mode ?? 'nearest';
  if (mode !== 'nearest') throw new ArgumentError(op, `mode '${String(mode)}' is not implemented; only 'nearest' is`);
  if (!(input instanceof Tensor)) throw new ArgumentError(op, `input must be a Tensor, got ${input === null ? 'null' : typeof input}`);
  if (input.ndim !== 3 && input.ndim !== 4) throw new ShapeError(op, `expected a 3-d [N, C, L] or 4-d [N, C, H, W] input, got shape ${fmtShape(input.shape)}`);
  const spatial = (input.ndim - 2) as 1 | 2;
  const x = checkPoolInput(op, input, spatial);
  const hasSize = opts.size !== undefined && opts.size !== null;
  const hasScale = opts.scaleFactor !== undefined && opts.scaleFactor !== null;
  if (hasSize === hasScale) throw new ArgumentError(op, 'give exactly one of size and scaleFactor');
  const inSizes = x.shape.slice(2);
  let outSizes: number[];
  let scales: number[];
  if (hasSize) {
    outSizes = perDim(op, opts.size!, spatial, 'size', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
    scales = outSizes.map(() => 0);
  } else {
    scales = perDim(op, opts.scaleFactor!, spatial, 'scaleFactor', (v) => Number.isFinite(v) && v > 0, 'a number > 0');
    outSizes = inSizes.map((n, i) => Math.floor(n * scales[i]));
    if (outSizes.some((n) => n < 1)) throw new ShapeError(op, `scaleFactor ${JSON.stringify(opts.scaleFactor)} makes an empty output from input of shape ${fmtShape(x.shape)}`);
  }
  const [ih, iw] = spatial === 2 ? inSizes : [1, inSizes[0]];
  const [oh, ow] = spatial === 2 ? outSizes : [1, outSizes[0]];
  const [scaleH, scaleW] = spatial === 2 ? scales : [0, scales[0]];
  const geom = { oh, ow, scaleH, scaleW };
  const x4 = spatial === 2 ? x : noGrad(() => reshape(x, [x.shape[0], x.shape[1], ih, iw]));
  const y = poolForward(op, PoolKind.NearestForward, x4, geom);
  const outShape = [x.shape[0], x.shape[1], ...outSizes];
  const out = spatial === 2 ? y : reshape(y, outShape);
  if (!needsGrad(x)) return out;
  const inShape4 = x4.shape.slice();
  const inShape = x.shape.slice();
  // The backward is a recorded op (differentiable under createGraph), one native call either way.
  const lp = { op, forward: PoolKind.NearestForward, adjoint: PoolKind.NearestBackward, geom, inShape: inShape4, outShape: y.shape.slice() };
  return record(op, out, [x], (g) => {
    const gx = applyPoolAdjoint(lp, reshape(g, y.shape.slice()));
    return [spatial === 2 ? gx : reshape(gx, inShape)];
  });
}
