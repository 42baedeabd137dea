/** The autograd methods of Tensor: backward, detach, requiresGrad_, retainGrad, isLeaf. */
import { DTypeError, ArgumentError, fmtShape } from '../errors';
import { Tensor } from '../tensor';
import { AutogradError, resolveGradFn } from './graph';
import { backward, type BackwardOptions } from './engine';

declare module '../tensor' {
  interface Tensor {
    /**
     * Computes the gradient of this tensor with respect to the graph's leaves and
     * accumulates it into their .grad. A one-element tensor needs no gradient; others
     * need one of their shape (the vector of the vector-Jacobian product).
     * @param gradient same shape as this tensor
     * @example
     * const w = tf.randn([3], { requiresGrad: true });
     * w.mul(w).sum().backward();
     * w.grad; // 2 * w
     */
    backward(gradient?: Tensor | null, opts?: BackwardOptions): void;
    /** A view of the same memory that is cut from the graph (requiresGrad false). @example const y = x.detach(); */
    detach(): Tensor;
    /**
     * Sets requiresGrad on a leaf (float tensors only); returns this.
     * @example const w = tf.zeros([3]).requiresGrad_();
     */
    requiresGrad_(flag?: boolean): Tensor;
    /** Asks backward() to fill .grad of this non-leaf tensor too. @example h.retainGrad() */
    retainGrad(): void;
    /** True for tensors not made by a recorded op: user-created tensors and parameters. */
    readonly isLeaf: boolean;
    /** True after retainGrad() on a non-leaf tensor. */
    readonly retainsGrad: boolean;
  }
}

const P = Tensor.prototype;

P.backward = function (this: Tensor, gradient?: Tensor | null, opts?: BackwardOptions): void {
  backward(this, gradient ?? undefined, opts ?? {});
};

P.detach = function (this: Tensor): Tensor {
  this.handle('detach');
  return new Tensor(this.storage, this.offset, this.shape, this.strides, this.dtype);
};

P.requiresGrad_ = function (this: Tensor, flag = true): Tensor {
  if (typeof flag !== 'boolean') throw new ArgumentError('requiresGrad_', `flag must be a boolean, got ${typeof flag}`);
  if (this.gradFn !== null) {
    if (!flag) {
      throw new AutogradError('requiresGrad_', `you can only change requiresGrad of leaf tensors; this one (shape ${fmtShape(this.shape)}) was made by '${this.gradFn.name}'. Use detach() to get a tensor that does not require grad`);
    }
    return this;
  }
  if (flag && this.dtype !== 'float32' && this.dtype !== 'float64') {
    throw new DTypeError('requiresGrad_', `only floating point tensors can require gradients, got dtype ${this.dtype}`);
  }
  this.requiresGrad = flag;
  return this;
};

P.retainGrad = function (this: Tensor): void {
  if (!this.requiresGrad) {
    throw new AutogradError('retainGrad', `cannot retain the gradient of a tensor that does not require grad (shape ${fmtShape(this.shape)})`);
  }
  const [node, nr] = resolveGradFn(this.gradFn);
  if (node === null) return; // leaves keep their .grad anyway
  if (node.retained === null) node.retained = new Array(node.numOutputs).fill(null);
  node.retained[nr] = this;
};

Object.defineProperty(P, 'isLeaf', {
  get(this: Tensor) {
    return this.gradFn === null;
  },
});

Object.defineProperty(P, 'retainsGrad', {
  get(this: Tensor) {
    const [node, nr] = resolveGradFn(this.gradFn);
    return node !== null && node.retained !== null && node.retained[nr] === this;
  },
});
