/**
 * Helpers shared by the nn layers: graph-free copies and writes (init, running stats,
 * loadStateDict), argument checks with typed errors, and the reduction of a loss.
 *
 * Everything that computes a layer's output goes through public tensor ops so autograd
 * records it; the helpers here are the only places that write tensors outside the graph.
 */
import { isFloating } from '../dtype';
import { ArgumentError, DTypeError, fmtShape } from '../errors';
import { tidy } from '../scope';
import { isGradEnabled } from '../autograd/graph';
import { Tensor, isTensor } from '../tensor';
import { copyInto, copyToContiguous } from '../ops/copy';
import { mean, sum } from '../ops/reduce';

/**
 * A contiguous copy of t outside the autograd graph (no gradFn, requiresGrad false).
 * Used for values that must not carry gradients (the padding row of Embedding, batch
 * statistics feeding BatchNorm's running stats); same as t.detach().clone().
 */
export function detachedCopy(t: Tensor): Tensor {
  return copyToContiguous('detachedCopy', t);
}

/**
 * Writes src into dst in place without recording a graph (PyTorch's `with torch.no_grad():
 * dst.copy_(src)`), and bumps dst's version so autograd sees that saved values changed.
 */
export function assignNoGrad(op: string, dst: Tensor, src: Tensor): void {
  copyInto(op, dst, src);
  dst.storage.version++;
}

/** True when t takes part in a graph (requires grad itself, or was made by a recorded op). */
function inGraph(t: Tensor | null | undefined): boolean {
  return t !== null && t !== undefined && (t.requiresGrad || t.gradFn !== null) && isGradEnabled();
}

/**
 * Runs a composed forward. When no input takes part in a graph, it runs inside tidy()
 * so its temporaries are freed at once; otherwise the temporaries may be saved for
 * backward, so they are left to the graph (freed with it, or by an enclosing tidy()).
 */
export function composed<T>(inputs: ReadonlyArray<Tensor | null | undefined>, fn: () => T): T {
  for (const t of inputs) if (inGraph(t)) return fn();
  return tidy(fn);
}

export function checkTensor(op: string, x: unknown, what = 'input'): Tensor {
  if (!isTensor(x)) throw new ArgumentError(op, `${what} must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  x.handle(op);
  return x;
}

export function checkFloat(op: string, x: unknown, what = 'input'): Tensor {
  const t = checkTensor(op, x, what);
  if (!isFloating(t.dtype)) throw new DTypeError(op, `${what} must be float32 or float64, got dtype ${t.dtype} (shape ${fmtShape(t.shape)})`);
  return t;
}

export function checkOptionalFloat(op: string, x: unknown, what: string): Tensor | null {
  if (x === undefined || x === null) return null;
  return checkFloat(op, x, what);
}

export function checkNumber(op: string, v: unknown, what: string, test: (n: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (typeof v !== 'number' || !test(v)) throw new ArgumentError(op, `${what} must be ${expected}, got ${String(v)}`);
  return v;
}

export function checkInt(op: string, v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(op, `${what} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** How a loss combines its elements. */
export type Reduction = 'mean' | 'sum' | 'none';

export function checkReduction(op: string, r: unknown, extra: readonly string[] = []): string {
  const ok = ['mean', 'sum', 'none', ...extra];
  const v = r ?? 'mean';
  if (typeof v !== 'string' || !ok.includes(v)) throw new ArgumentError(op, `reduction must be one of ${ok.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(r)}`);
  return v;
}

export function reduce(loss: Tensor, reduction: string): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  return mean(loss);
}

export function normDim(op: string, dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) throw new ArgumentError(op, `dim ${dim} is out of range for a tensor with ${ndim} dims`);
  return dim < 0 ? dim + n : dim;
}
