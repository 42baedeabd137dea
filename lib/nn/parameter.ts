/**
 * Parameters: tensors that a module trains. A parameter is a plain Tensor with
 * requiresGrad = true, kept out of tidy() scopes (a training step wrapped in tidy() never
 * frees it) and marked so that modules register it when it is assigned to a field.
 * Its module frees it in dispose().
 */
import { DTypeError, fmtShape } from '../errors';
import { isFloating } from '../dtype';
import { keep } from '../scope';
import { Tensor, isTensor } from '../tensor';
import { ArgumentError } from '../errors';

const marked = new WeakSet<Tensor>();

/**
 * Makes t a parameter (PyTorch's nn.Parameter): sets requiresGrad (default true), keeps it
 * out of tidy() scopes and marks it for module registration. Returns t itself (no copy).
 *
 * @param t a float tensor the module will own
 * @example
 * class Scale extends nn.Module {
 *   constructor() { super(); this.alpha = nn.parameter(tf.ones([1])); }
 *   forward(x: Tensor) { return x.mul(this.alpha); }
 * }
 */
export function parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!isTensor(t)) throw new ArgumentError('parameter', `expected a Tensor, got ${typeof t}`);
  t.handle('parameter');
  if (requiresGrad && !isFloating(t.dtype)) {
    throw new DTypeError('parameter', `only float tensors can require gradients, got dtype ${t.dtype} (shape ${fmtShape(t.shape)})`);
  }
  keep(t);
  t.requiresGrad = Boolean(requiresGrad);
  marked.add(t);
  return t;
}

/** PyTorch's spelling: `nn.Parameter(t)` (a function, callable without `new`). */
export const Parameter = parameter;

/** True for tensors made parameters by {@link parameter}. */
export function isParameter(x: unknown): x is Tensor {
  return isTensor(x) && marked.has(x);
}
