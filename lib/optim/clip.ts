/** Gradient clipping: clipGradNorm_ and clipGradValue_, as torch.nn.utils.clip_grad_*. */
import { dtypeCode } from '../dtype';
import { ArgumentError, DTypeError, fmtShape, rethrowNative } from '../errors';
import { native } from '../native';
import { Tensor, isTensor } from '../tensor';
import { copyInto, copyToContiguous } from '../ops/copy';

/** Kinds of the native gradUtil entry (GradUtilKind in optim.h). */
const enum Util {
  SumPow = 0,
  MaxAbs = 1,
  Scale = 2,
  Clamp = 3,
}

function gradsOf(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  if (isTensor(params)) params = [params];
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new ArgumentError(op, `params must be a Tensor or an iterable of Tensors, got ${params === null ? 'null' : typeof params}`);
  }
  const grads: Tensor[] = [];
  let i = 0;
  for (const p of params as Iterable<unknown>) {
    if (!isTensor(p)) throw new ArgumentError(op, `params[${i}] must be a Tensor, got ${p === null ? 'null' : typeof p}`);
    const g = p.grad;
    if (g !== null && g !== undefined) {
      g.handle(op);
      if (g.dtype !== 'float32' && g.dtype !== 'float64') throw new DTypeError(op, `the grad of params[${i}] (shape ${fmtShape(g.shape)}) has dtype ${g.dtype}; expected float32 or float64`);
      grads.push(g);
    }
    i++;
  }
  return grads;
}

function util(op: string, kind: Util, t: Tensor, a: number): number {
  if (t.size === 0) return 0;
  try {
    return native.gradUtil(kind, dtypeCode(t.dtype), t.handle(op), t.offset, t.size, a) as number;
  } catch (e) {
    rethrowNative(op, e);
  }
}

/** Runs an in-place kind on g, through a contiguous copy when g is a strided view. */
function inPlace(op: string, kind: Util, g: Tensor, a: number): void {
  if (g.isContiguous()) {
    util(op, kind, g, a);
  } else {
    const tmp = copyToContiguous(op, g);
    try {
      util(op, kind, tmp, a);
      copyInto(op, g, tmp);
    } finally {
      tmp.dispose();
    }
  }
  g.storage.version++;
}

/**
 * Rescales the gradients of params in place so that their total norm (the norm of all
 * of them together, as if concatenated) is at most maxNorm: each is multiplied by
 * min(1, maxNorm / (total + 1e-6)). Params without a grad are ignored. Returns the total
 * norm before clipping, as a number.
 *
 * @param normType p of the p-norm (> 0), or Infinity for the largest absolute value
 * @example
 * loss.backward();
 * const norm = tf.optim.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm_(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, { errorIfNonfinite = false }: { errorIfNonfinite?: boolean } = {}): number {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) throw new ArgumentError(op, `maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new ArgumentError(op, `normType must be a number > 0 or Infinity, got ${String(normType)}`);
  const grads = gradsOf(op, params);
  if (grads.length === 0) return 0;
  let total = 0;
  const read = (g: Tensor): Tensor => (g.isContiguous() ? g : copyToContiguous(op, g));
  for (const g of grads) {
    const c = read(g);
    try {
      if (normType === Infinity) {
        const m = util(op, Util.MaxAbs, c, 0);
        total = Number.isNaN(m) || Number.isNaN(total) ? NaN : Math.max(total, m);
      } else {
        total += util(op, Util.SumPow, c, normType);
      }
    } finally {
      if (c !== g) c.dispose();
    }
  }
  if (normType !== Infinity) total = normType === 2 ? Math.sqrt(total) : Math.pow(total, 1 / normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new ArgumentError(op, `the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped; pass errorIfNonfinite: false to clip anyway`);
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  // PyTorch multiplies by the clamped coefficient even when it is 1; skipping that exact
  // multiplication by 1 changes no bits. A NaN norm makes every gradient NaN, as there.
  if (coef !== 1) for (const g of grads) inPlace(op, Util.Scale, g, coef);
  return total;
}

/**
 * Clamps every gradient element of params into [-clipValue, clipValue], in place.
 * @example tf.optim.clipGradValue_(model.parameters(), 0.5)
 */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new ArgumentError(op, `clipValue must be a number >= 0, got ${String(clipValue)}`);
  }
  for (const g of gradsOf(op, params)) inPlace(op, Util.Clamp, g, clipValue);
}
